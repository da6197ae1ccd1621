// SPDX-License-Identifier: Apache-2.0
#include "scales/transport/stream.h"

#include <openssl/err.h>

#include <algorithm>

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

bool Stream::holdsUnreadInput() const {
  if (!tls_) return false;
  SSL* ssl = tls_->ssl.native_handle();
  // SSL_has_pending: decrypted bytes, and a record OpenSSL has begun to read but not finished;
  // the read BIO: records received and not yet taken by OpenSSL.
  return SSL_has_pending(ssl) == 1 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
}

void Stream::close() {
  boost::system::error_code ignored;
  // No TLS close_notify: every protocol here delimits its own messages, so a truncation cannot
  // pass for a shorter reply, and a close must not wait on a peer that stopped reading.
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

namespace {
// Decrypts what has already arrived into `buffer`, without waiting: records whose bytes are all
// in, and what is left of the current one. Asio's read_some gives one record per operation, so
// a burst of calls would be handled (and answered) a record at a time; this hands the reader
// everything one socket read brought, as a plaintext read does.
size_t decryptArrived(SSL* ssl, asio::mutable_buffer buffer) {
  auto* data = static_cast<char*>(buffer.data());
  size_t filled = 0;
  while (filled < buffer.size() &&
         (SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0)) {
    int n = SSL_read(ssl, data + filled,
                     static_cast<int>(std::min<size_t>(buffer.size() - filled, 1 << 30)));
    if (n <= 0) {
      // A partial record (the next read takes it from here), or an alert or error the next
      // read reports: either way, not this read's business.
      ERR_clear_error();
      break;
    }
    filled += static_cast<size_t>(n);
  }
  return filled;
}
}  // namespace

void Stream::tlsRead(asio::mutable_buffer buffer, IoHandler handler) {
  Tls* tls = tls_.get();  // on the heap: stays put while the operation runs
  tls->ssl.async_read_some(buffer, [tls, buffer, handler = std::move(handler)](
                                       boost::system::error_code ec, size_t n) mutable {
    if (!ec && n < buffer.size()) n += decryptArrived(tls->ssl.native_handle(), buffer + n);
    std::move(handler)(ec, n);
  });
}

void Stream::tlsWrite(asio::const_buffer buffer, IoHandler handler) {
  tls_->ssl.async_write_some(buffer, std::move(handler));
}

}  // namespace scales::transport
