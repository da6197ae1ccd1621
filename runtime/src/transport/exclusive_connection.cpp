// SPDX-License-Identifier: Apache-2.0
#include "transport/exclusive_connection.h"

#include <sys/socket.h>

#include <boost/asio/bind_cancellation_slot.hpp>

#include "core/completion.h"
#include "scales/core/errors.h"

namespace scales::transport {
namespace asio = boost::asio;

ExclusiveConnection::ExclusiveConnection(Stream stream, std::string address)
    : stream_(std::move(stream)), address_(std::move(address)) {}

bool ExclusiveConnection::probeOpen() const {
  if (!open_ || stream_.holdsUnreadInput()) return false;
  // An idle connection has no read pending, so a peer's close shows only when we look: a
  // zero-byte peek means EOF, and any byte at all means the stream is out of step. Under TLS a
  // byte may also be a close_notify or an early reply (a 408) that cannot be told apart without
  // decrypting it, so it counts the same: at worst a connection holding an unread session
  // ticket is replaced by a new one (which resumes the session).
  char byte;
  auto n = ::recv(const_cast<Stream&>(stream_).socket().native_handle(), &byte, 1,
                  MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void ExclusiveConnection::close() {
  open_ = false;
  stream_.close();
}

void ExclusiveConnection::call(Request&& request, Handler&& handler) {
  if (!open_ || handler_) {
    return completePost(
        stream_.get_executor(), std::move(handler),
        std::make_exception_ptr(ConnectionError("connection to " + address_ + " is not usable")),
        Response{});
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
  exchange();
}

void ExclusiveConnection::fail(boost::system::error_code ec, const char* what) {
  close();
  if (cancelled_) {
    return finish(std::make_exception_ptr(CancelledError("call to " + address_ + " cancelled")),
                  Response{});
  }
  finish(std::make_exception_ptr(ConnectionError(
             std::string(what) + " " + address_ + ": " +
             (Stream::closedByPeer(ec) ? "connection closed by peer" : ec.message()))),
         Response{});
}

void ExclusiveConnection::finish(std::exception_ptr error, Response response) {
  auto slot = asio::get_associated_cancellation_slot(*handler_);
  if (slot.is_connected()) slot.clear();
  Handler handler = std::move(*handler_);
  handler_.reset();
  request_ = Request{};
  handler(error, std::move(response));
}

}  // namespace scales::transport
