// SPDX-License-Identifier: Apache-2.0
#include "scales/transport/stream.h"

#include "transport/tls_context.h"

namespace scales::transport {
namespace asio = boost::asio;

Stream::Stream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
Stream::Stream(Stream&& other) noexcept = default;
Stream& Stream::operator=(Stream&& other) noexcept = default;
Stream::~Stream() = default;

asio::ip::tcp::socket& Stream::socket() { return tls_ ? tls_->ssl.next_layer() : socket_; }
const asio::ip::tcp::socket& Stream::socket() const {
  return tls_ ? tls_->ssl.next_layer() : socket_;
}

std::shared_ptr<const PeerIdentity> Stream::peer() const { return tls_ ? tls_->peer : nullptr; }

bool Stream::closedByPeer(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

void Stream::adoptTls(std::unique_ptr<Tls> tls) { tls_ = std::move(tls); }

void Stream::close() {
  boost::system::error_code ignored;
  // No TLS close_notify: every protocol here delimits its own messages, so a truncation cannot
  // pass for a shorter reply, and a close must not wait on a peer that stopped reading.
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

void Stream::tlsRead(asio::mutable_buffer buffer, IoHandler handler) {
  tls_->ssl.async_read_some(buffer, std::move(handler));
}

void Stream::tlsWrite(asio::const_buffer buffer, IoHandler handler) {
  tls_->ssl.async_write_some(buffer, std::move(handler));
}

}  // namespace scales::transport
