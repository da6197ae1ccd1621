// SPDX-License-Identifier: Apache-2.0
// A framed Thrift connection: write one frame, read one frame back. A timeout or cancellation
// closes the socket, because a reply may still arrive and would answer the next call.
#include <sys/socket.h>

#include <array>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/endian/conversion.hpp>
#include <optional>

#include "scales/core/completion.h"
#include "scales/core/errors.h"
#include "scales/thrift/framed.h"
#include "scales/transport/tcp.h"

namespace scales::thrift {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class FramedConnection final : public transport::Connection,
                               public std::enable_shared_from_this<FramedConnection> {
 public:
  FramedConnection(tcp::socket socket, std::string address, size_t max_frame)
      : socket_(std::move(socket)), address_(std::move(address)), max_frame_(max_frame) {}

  bool isOpen() const override {
    if (!open_) return false;
    // An idle connection has no read pending, so a peer's close shows only when we look: a
    // zero-byte peek means EOF, and any byte at all means the stream is out of step.
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

  void call(Request request, Handler handler) override {
    if (!open_ || handler_) {
      completePost(
          socket_.get_executor(), std::move(handler),
          std::make_exception_ptr(ConnectionError("connection to " + address_ + " is not usable")),
          Response{});
      return;
    }
    request_ = std::move(request);
    handler_.emplace(std::move(handler));
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected()) {
      slot.assign([this](asio::cancellation_type) {
        cancelled_ = true;
        close();
      });
    }
    boost::endian::store_big_u32(header_.data(), static_cast<uint32_t>(request_.payload.size()));
    std::array<asio::const_buffer, 2> buffers{asio::buffer(header_),
                                              asio::buffer(request_.payload)};
    asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->fail(ec, "write");
      if (self->request_.oneway) return self->finish(nullptr, Response{});
      self->readHeader();
    });
  }

 private:
  void readHeader() {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->fail(ec, "read");
                       self->readBody(boost::endian::load_big_u32(self->header_.data()));
                     });
  }

  void readBody(uint32_t size) {
    if (size == 0 || size > max_frame_) {
      close();
      return finish(std::make_exception_ptr(ProtocolError(
                        "frame of " + std::to_string(size) + " bytes from " + address_ +
                        (size == 0 ? " is empty" : " exceeds max_frame_bytes"))),
                    Response{});
    }
    reply_.payload.resize(size);
    asio::async_read(socket_, asio::buffer(reply_.payload),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->fail(ec, "read");
                       self->finish(nullptr, std::move(self->reply_));
                     });
  }

  void fail(error_code ec, const char* what) {
    close();
    if (cancelled_) {
      return finish(std::make_exception_ptr(CancelledError("call to " + address_ + " cancelled")),
                    Response{});
    }
    finish(std::make_exception_ptr(ConnectionError(
               std::string(what) + " " + address_ + ": " +
               (ec == asio::error::eof ? "connection closed by peer" : ec.message()))),
           Response{});
  }

  void finish(std::exception_ptr error, Response response) {
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected()) slot.clear();
    Handler handler = std::move(*handler_);
    handler_.reset();
    request_ = Request{};
    reply_ = Response{};
    handler(error, std::move(response));
  }

  tcp::socket socket_;
  std::string address_;
  size_t max_frame_;
  bool open_ = true;
  bool cancelled_ = false;
  std::array<unsigned char, 4> header_{};
  Request request_;
  Response reply_;
  // Boost 1.81's any_completion_handler move-assignment recurses forever (it rewraps `other` as
  // an lvalue), so the handler is only ever move-constructed, into an optional.
  std::optional<Handler> handler_;
};

class FramedConnectionFactory final : public transport::ConnectionFactory {
 public:
  FramedConnectionFactory(discovery::Endpoint endpoint, FramedConnectionOptions options,
                          asio::any_io_executor executor)
      : endpoint_(std::move(endpoint)), options_(options), executor_(std::move(executor)) {}

  void connect(Deadline deadline, transport::ConnectHandler handler) override {
    auto timeout = std::min(options_.connect_timeout, deadline.remaining());
    transport::asyncTcpConnect(
        executor_, endpoint_.host, endpoint_.port, timeout,
        [address = endpoint_.address(), max_frame = options_.max_frame_bytes,
         handler = std::move(handler)](std::exception_ptr error, tcp::socket socket) mutable {
          if (error) return handler(error, nullptr);
          handler(nullptr,
                  std::make_shared<FramedConnection>(std::move(socket), address, max_frame));
        });
  }

 private:
  discovery::Endpoint endpoint_;
  FramedConnectionOptions options_;
  asio::any_io_executor executor_;
};

}  // namespace

std::shared_ptr<transport::ConnectionFactory> framedConnectionFactory(
    const discovery::Endpoint& endpoint, const FramedConnectionOptions& options,
    asio::any_io_executor executor) {
  return std::make_shared<FramedConnectionFactory>(endpoint, options, std::move(executor));
}

}  // namespace scales::thrift
