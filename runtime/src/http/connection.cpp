// SPDX-License-Identifier: Apache-2.0
// An HTTP/1.1 keep-alive connection: one exchange at a time (a watermark pool lends it to one
// call; the bookkeeping is ExclusiveConnection's), responses parsed by Beast within the
// configured bounds. A response that says "Connection: close" retires the connection.
#include "scales/http/connection.h"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "scales/core/errors.h"
#include "scales/http/codec.h"
#include "scales/transport/exclusive_connection.h"
#include "scales/transport/tcp.h"

namespace scales::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

class HttpConnection final : public transport::ExclusiveConnection {
 public:
  HttpConnection(tcp::socket socket, std::string address, const ConnectionOptions& options)
      : ExclusiveConnection(std::move(socket), std::move(address)), options_(options) {}

 private:
  using Parser = beast::http::response_parser<beast::http::string_body>;

  void exchange() override {
    addHostIfMissing(request().payload, address());
    asio::async_write(socket(), asio::buffer(request().payload),
                      [this, self = shared_from_this()](error_code ec, size_t) {
                        if (ec) return failed(ec, "write to");
                        readResponse();
                      });
  }

  void readResponse() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    // A response to HEAD announces a body it does not send.
    if (request().method == "HEAD") parser_->skip(true);
    beast::http::async_read(socket(), buffer_, *parser_,
                            [this, self = shared_from_this()](error_code ec, size_t) {
                              if (ec) return failed(ec, "read from");
                              received();
                            });
  }

  void received() {
    auto message = parser_->release();
    parser_.reset();
    Response response;
    response.status = static_cast<int>(message.result_int());
    response.reason = std::string(message.reason());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) close();
    finish(nullptr, scales::Response{encodeResponse(response)});
  }

  void failed(error_code ec, const char* what) {
    parser_.reset();
    bool malformed =
        ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category() &&
        ec != beast::http::error::end_of_stream;
    if (ec == beast::http::error::end_of_stream) ec = asio::error::eof;  // closed before a byte
    if (!malformed || cancelled()) return fail(ec, what);
    close();
    finish(std::make_exception_ptr(
               ProtocolError("malformed HTTP response from " + address() + ": " + ec.message())),
           scales::Response{});
  }

  ConnectionOptions options_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
};

}  // namespace

std::shared_ptr<transport::ConnectionFactory> connectionFactory(const discovery::Endpoint& endpoint,
                                                                const ConnectionOptions& options,
                                                                asio::any_io_executor executor) {
  return transport::tcpConnectionFactory(
      endpoint, options.connect_timeout, std::move(executor),
      [options](const std::string& address, tcp::socket socket, transport::ConnectHandler done) {
        done(nullptr, std::make_shared<HttpConnection>(std::move(socket), address, options));
      });
}

}  // namespace scales::http
