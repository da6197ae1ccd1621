// SPDX-License-Identifier: Apache-2.0
// A connected byte stream: a TCP socket, or TLS over one. Every connection and session reads and
// writes through it, so each protocol gets TLS in one place. TLS can also begin on a stream that
// started in plaintext (Mux's opportunistic TLS upgrades the same connection after Rinit).
//
// Plaintext reads and writes go straight to the socket; TLS ones go through an out-of-line call,
// so this header does not pull OpenSSL into every file that moves bytes.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "scales/transport/tls.h"

namespace scales::transport {

class Stream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using IoHandler = boost::asio::any_completion_handler<void(boost::system::error_code, size_t)>;
  // The TLS session over the socket, once there is one (src/transport/tls_stream.h).
  struct Tls;

  // Implicit: a plaintext socket is a stream.
  Stream(boost::asio::ip::tcp::socket socket);  // NOLINT(google-explicit-constructor)
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  ~Stream();

  executor_type get_executor() { return socket().get_executor(); }
  // The TCP socket, under TLS too (for addresses, options and closing).
  boost::asio::ip::tcp::socket& socket();
  const boost::asio::ip::tcp::socket& socket() const;
  bool secure() const { return tls_ != nullptr; }
  // The verified peer certificate's identity; null for plaintext, or when the peer sent none.
  std::shared_ptr<const PeerIdentity> peer() const;
  // Shuts the socket down and closes it; outstanding operations end with an error.
  void close();
  // Under TLS: whether the session holds received bytes not yet read through this stream
  // (records taken from the socket, decrypted or not), which a peek at the socket cannot see.
  // A record that arrives after a response, a TLS 1.3 session ticket sent late among them, so
  // retires a kept-alive connection: a handshake's cost, never a reply read out of step.
  // Plaintext: false.
  bool holdsUnreadInput() const;
  // True for the errors that mean the peer closed the connection: EOF, and under TLS a close
  // without close_notify (which every scales peer does: messages are self-delimiting).
  static bool closedByPeer(const boost::system::error_code& ec);

  // Asio's AsyncReadStream / AsyncWriteStream, so asio::async_write and Beast work on it. Like
  // any *_some operation, each moves at least one byte of the first non-empty buffer.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (!tls_) return socket_.async_read_some(b, std::move(handler));
          tlsRead(first<boost::asio::mutable_buffer>(b), IoHandler(std::move(handler)));
        },
        token, buffers);
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (!tls_) return socket_.async_write_some(b, std::move(handler));
          tlsWrite(first<boost::asio::const_buffer>(b), IoHandler(std::move(handler)));
        },
        token, buffers);
  }

  // For the TLS handshakes (src/transport/tls_handshake.cpp): the session, once begun.
  Tls* tls() { return tls_.get(); }
  void adoptTls(std::unique_ptr<Tls> tls);

 private:
  // The first non-empty buffer (or an empty one): a *_some operation may move just that.
  template <class Buffer, class Buffers>
  static Buffer first(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      Buffer b(*it);
      if (b.size() > 0) return b;
    }
    return Buffer();
  }
  void tlsRead(boost::asio::mutable_buffer buffer, IoHandler handler);
  void tlsWrite(boost::asio::const_buffer buffer, IoHandler handler);

  // Plaintext: the connection. Under TLS it has moved into tls_ and only lends its executor.
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace scales::transport
