// SPDX-License-Identifier: Apache-2.0
// An HTTP/1.1 keep-alive connection: one exchange at a time (a watermark pool lends it to one
// call; the bookkeeping is ExclusiveConnection's), responses parsed by Beast within the
// configured bounds, the body growing with the bytes that arrive. A response that says
// "Connection: close" (or ends at EOF) retires the connection; interim 1xx responses are read
// past, so the final response answers its own request and the next one is not shifted by one.
#include "scales/http/connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "scales/core/errors.h"
#include "scales/http/codec.h"
#include "transport/exclusive_connection.h"
#include "transport/tcp.h"

namespace scales::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

class HttpConnection final : public transport::ExclusiveConnection {
 public:
  HttpConnection(transport::Stream stream, std::string address, const ConnectionOptions& options)
      : ExclusiveConnection(std::move(stream), std::move(address)), options_(options) {}

 private:
  // Beast's string_body reserves what Content-Length claims before a byte of the body arrives;
  // this one grows with the bytes, so a hostile server cannot make a client allocate
  // max_body_bytes by announcing it.
  struct GrowingBody {
    using value_type = std::string;
    static std::uint64_t size(const value_type& body) { return body.size(); }
    class reader {
     public:
      template <bool isRequest, class Fields>
      reader(beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
      void init(const boost::optional<std::uint64_t>&, error_code& ec) { ec = {}; }
      template <class Buffers>
      std::size_t put(const Buffers& buffers, error_code& ec) {
        size_t n = 0;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers); ++it) {
          asio::const_buffer b = *it;
          body_.append(static_cast<const char*>(b.data()), b.size());
          n += b.size();
        }
        ec = {};
        return n;
      }
      void finish(error_code& ec) { ec = {}; }

     private:
      value_type& body_;
    };
  };
  using Parser = beast::http::response_parser<GrowingBody>;

  void exchange() override {
    addHostIfMissing(request().payload, address());
    try {
      addContextHeaders(request().payload, request().context);
      addPropagationHeaders(request().payload, request(), options_.trace_headers);
    } catch (const UsageError&) {
      // Never complete inside call(): the error reaches the caller from the loop.
      asio::post(stream().get_executor(),
                 [this, self = shared_from_this(), error = std::current_exception()] {
                   finish(error, scales::Response{});
                 });
      return;
    }
    asio::async_write(stream(), asio::buffer(request().payload),
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
    beast::http::async_read(stream(), buffer_, *parser_,
                            [this, self = shared_from_this()](error_code ec, size_t) {
                              if (ec) return failed(ec, "read from");
                              received();
                            });
  }

  void received() {
    int status = static_cast<int>(parser_->get().result_int());
    if (status >= 100 && status < 200 && status != 101) {
      return readResponse();  // interim (100 Continue, 103 Early Hints): the answer follows
    }
    if (status < 200) {
      // Below 100 is no HTTP status; 101 switches protocols, which this client never asks for.
      close();
      parser_.reset();
      return finish(std::make_exception_ptr(ProtocolError("HTTP response from " + address() +
                                                          " with status " + std::to_string(status) +
                                                          ", which this client cannot take")),
                    scales::Response{});
    }
    bool ends_at_eof = parser_->need_eof();
    auto message = parser_->release();
    parser_.reset();
    Response response;
    response.status = static_cast<int>(message.result_int());
    response.reason = std::string(message.reason());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (!message.keep_alive() || ends_at_eof) close();
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
      endpoint, options.connect_timeout, options.tls, std::move(executor),
      [options](const std::string& address, transport::Stream stream,
                transport::ConnectHandler done) {
        done(nullptr, std::make_shared<HttpConnection>(std::move(stream), address, options));
      });
}

}  // namespace scales::http
