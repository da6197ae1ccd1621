// SPDX-License-Identifier: Apache-2.0
// An HTTP/1.1 keep-alive connection: one exchange at a time (a watermark pool lends it to one
// call), responses parsed by Beast within the configured bounds. A timeout or cancellation closes
// the socket, because the response may still arrive and would answer the next call; so does a
// response that says "Connection: close".
#include "scales/http/connection.h"

#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "scales/core/completion.h"
#include "scales/core/errors.h"
#include "scales/http/codec.h"
#include "scales/transport/tcp.h"

namespace scales::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

class HttpConnection final : public transport::Connection,
                             public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket socket, std::string address, const ConnectionOptions& options)
      : socket_(std::move(socket)), address_(std::move(address)), options_(options) {}

  bool isOpen() const override {
    if (!open_) return false;
    // An idle keep-alive connection has no read pending: a zero-byte peek shows the server's
    // close, and any byte at all means the stream is out of step.
    char byte;
    auto n = ::recv(const_cast<tcp::socket&>(socket_).native_handle(), &byte, 1,
                    MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void close() override {
    open_ = false;
    error_code ignored;
    socket_.close(ignored);
  }

  void call(scales::Request request, Handler handler) override {
    if (!open_ || handler_) {
      return completePost(
          socket_.get_executor(), std::move(handler),
          std::make_exception_ptr(ConnectionError("connection to " + address_ + " is not usable")),
          scales::Response{});
    }
    request_ = std::move(request);
    addHostIfMissing(request_.payload, address_);
    handler_.emplace(std::move(handler));
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected()) {
      slot.assign([this](asio::cancellation_type) {
        cancelled_ = true;
        close();
      });
    }
    asio::async_write(socket_, asio::buffer(request_.payload),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->fail(ec, "write to");
                        self->readResponse();
                      });
  }

 private:
  using Parser = beast::http::response_parser<beast::http::string_body>;

  void readResponse() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    // A response to HEAD announces a body it does not send.
    if (request_.method == "HEAD") parser_->skip(true);
    beast::http::async_read(socket_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, size_t) {
                              if (ec) return self->fail(ec, "read from");
                              self->received();
                            });
  }

  void received() {
    auto message = parser_->release();
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

  void fail(error_code ec, const char* what) {
    bool malformed =
        ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category() &&
        ec != beast::http::error::end_of_stream;
    close();
    if (cancelled_) {
      return finish(std::make_exception_ptr(CancelledError("call to " + address_ + " cancelled")),
                    scales::Response{});
    }
    if (malformed) {
      return finish(std::make_exception_ptr(ProtocolError("malformed HTTP response from " +
                                                          address_ + ": " + ec.message())),
                    scales::Response{});
    }
    bool closed = ec == asio::error::eof || ec == beast::http::error::end_of_stream;
    finish(std::make_exception_ptr(
               ConnectionError(std::string(what) + " " + address_ + ": " +
                               (closed ? "connection closed by peer" : ec.message()))),
           scales::Response{});
  }

  void finish(std::exception_ptr error, scales::Response response) {
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected()) slot.clear();
    Handler handler = std::move(*handler_);
    handler_.reset();
    request_ = scales::Request{};
    parser_.reset();
    handler(error, std::move(response));
  }

  tcp::socket socket_;
  std::string address_;
  ConnectionOptions options_;
  bool open_ = true;
  bool cancelled_ = false;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  scales::Request request_;
  // Boost 1.81's any_completion_handler move-assignment recurses forever, so the handler is only
  // ever move-constructed, into an optional.
  std::optional<Handler> handler_;
};

class HttpConnectionFactory final : public transport::ConnectionFactory {
 public:
  HttpConnectionFactory(discovery::Endpoint endpoint, ConnectionOptions options,
                        asio::any_io_executor executor)
      : endpoint_(std::move(endpoint)), options_(options), executor_(std::move(executor)) {}

  void connect(Deadline deadline, transport::ConnectHandler handler) override {
    auto timeout = std::min(options_.connect_timeout, deadline.remaining());
    transport::asyncTcpConnect(
        executor_, endpoint_.host, endpoint_.port, timeout,
        [address = endpoint_.address(), options = options_, handler = std::move(handler)](
            std::exception_ptr error, tcp::socket socket) mutable {
          if (error) return handler(error, nullptr);
          handler(nullptr, std::make_shared<HttpConnection>(std::move(socket), address, options));
        });
  }

 private:
  discovery::Endpoint endpoint_;
  ConnectionOptions options_;
  asio::any_io_executor executor_;
};

}  // namespace

std::shared_ptr<transport::ConnectionFactory> connectionFactory(const discovery::Endpoint& endpoint,
                                                                const ConnectionOptions& options,
                                                                asio::any_io_executor executor) {
  return std::make_shared<HttpConnectionFactory>(endpoint, options, std::move(executor));
}

}  // namespace scales::http
