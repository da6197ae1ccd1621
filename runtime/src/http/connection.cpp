// SPDX-License-Identifier: Apache-2.0
// An HTTP/1.1 keep-alive connection: one exchange at a time (a watermark pool lends it to one
// call; the bookkeeping is ExclusiveConnection's), responses parsed by Beast within the
// configured bounds, the body growing with the bytes that arrive. A response that says
// "Connection: close" (or ends at EOF) retires the connection; interim 1xx responses are read
// past, so the final response answers its own request and the next one is not shifted by one.
#include "scales/http/connection.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdint>
#include <optional>

#include "http/normalizing_parser.h"
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
      : ExclusiveConnection(std::move(stream), std::move(address)),
        options_(options),
        buffer_(std::min(options.max_header_bytes, SIZE_MAX - kReadSlackBytes) + kReadSlackBytes) {}

 private:
  using Parser = NormalizingParser;

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
    parser_->trailer_limit(options_.max_header_bytes);
    // A response to HEAD announces a body it does not send.
    if (request().method == "HEAD") parser_->skip(true);
    beast::http::async_read(stream(), buffer_, *parser_,
                            [this, self = shared_from_this()](error_code ec, size_t) {
                              if (ec) return failed(ec, "read from");
                              received();
                            });
  }

  void received() {
    int status = parser_->status();
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
    // Every Connection field counts; false when the body ended at EOF. Bytes read past the
    // response (into the buffer, or into the TLS session) answer no request this connection
    // sent: a server out of step (two responses to one request) would otherwise answer the next
    // caller's request with them.
    bool reusable = parser_->keep_alive() && buffer_.size() == 0 && !stream().holdsUnreadInput();
    std::string normalized = parser_->take();
    parser_.reset();
    if (!reusable) close();
    finish(nullptr, scales::Response{std::move(normalized)});
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
