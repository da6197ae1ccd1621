// SPDX-License-Identifier: Apache-2.0
// The TLS machinery behind transport/tls.h: contexts built from files (and rebuilt when they
// change), the client and server handshakes over a Stream, session resumption, and the peer
// identity read from a verified certificate.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/ssl.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scales/core/coarse_clock.h"
#include "scales/metrics/registry.h"
#include "scales/transport/stream.h"
#include "scales/transport/tls.h"

namespace scales::transport {

struct Stream::Tls {
  Tls(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context)
      : ssl(std::move(socket), context) {}
  // Freed without a close_notify exchange, OpenSSL would mark the session unresumable (also in
  // the client's cache, which holds the same object): after a good handshake, the connection
  // counts as shut down cleanly. Closes do not wait for the peer (Stream::close()).
  ~Tls() {
    if (established) {
      SSL_set_shutdown(ssl.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
  }
  Tls(const Tls&) = delete;
  Tls& operator=(const Tls&) = delete;
  // Declared first, destroyed last: OpenSSL callbacks of `ssl` may reach it until it is freed.
  std::shared_ptr<void> owner;
  std::string session_key;
  uint64_t generation = 0;  // of the material the session was made with (TlsMaterial)
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> ssl;
  std::shared_ptr<const PeerIdentity> peer;
  bool established = false;  // the handshake succeeded
};

// Handshakes by outcome: tls_handshakes{result=ok|resumed|timeout|verify_failed|
// identity_refused|closed|error} (resumed: a session of an earlier connection was reused).
struct HandshakeCounters {
  std::shared_ptr<metrics::Counter> ok, resumed, timeout, verify_failed, identity_refused, closed,
      error;
  static HandshakeCounters standalone();
  static HandshakeCounters in(metrics::Registry& registry, const metrics::Labels& labels);
};

// An ssl::context made from files, made again when one of them changes (checked at most once a
// second, when a connection asks): a context that fails to build keeps the previous one, logged
// once per change with the reason.
class TlsMaterial {
 public:
  using Build = std::function<std::shared_ptr<boost::asio::ssl::context>()>;
  // Builds now: a ConfigError (naming `what`) if that fails.
  TlsMaterial(std::vector<std::string> files, Build build, std::string what);
  // The newest context that built, and its generation (counting rebuilds).
  std::shared_ptr<boost::asio::ssl::context> current(uint64_t* generation = nullptr);
  uint64_t reloads() const;
  uint64_t reloadFailures() const;

 private:
  struct Stamp {
    uint64_t inode = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  std::vector<Stamp> stamps() const;

  std::vector<std::string> files_;
  Build build_;
  std::string what_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::vector<Stamp> built_from_;
  std::vector<Stamp> failed_at_;
  Clock::time_point next_check_{};
  uint64_t reloads_ = 0, failures_ = 0;
};

using HandshakeHandler = boost::asio::any_completion_handler<void(std::exception_ptr)>;

// A client's TLS: one per client, shared by its connections.
class ClientTls : public std::enable_shared_from_this<ClientTls> {
 public:
  // `alpn`: protocol names offered (e.g. "http/1.1"); may be empty. Throws ConfigError when the
  // files do not load.
  static std::shared_ptr<ClientTls> make(const TlsClientOptions& options,
                                         std::vector<std::string> alpn, HandshakeCounters counters);
  // Begins TLS on `stream` (plaintext so far) with the server at host:port. `stream` must stay
  // alive and untouched until `done` runs; it does not run inline. The error is a
  // ConnectFailedError that says what failed, e.g. "certificate verify failed: self-signed
  // certificate in certificate chain (127.0.0.1:9443)".
  // `budget`: what is left of the caller's connect budget, if less than the handshake timeout.
  void handshake(Stream& stream, const std::string& host, uint16_t port, HandshakeHandler done,
                 Duration budget = Duration::max());
  const TlsClientOptions& options() const { return options_; }
  TlsMaterial& material() { return *material_; }

 private:
  ClientTls(TlsClientOptions options, std::vector<std::string> alpn, HandshakeCounters counters);
  static int onNewSession(SSL* ssl, SSL_SESSION* session);

  TlsClientOptions options_;
  std::string alpn_wire_;
  HandshakeCounters counters_;
  std::unique_ptr<TlsMaterial> material_;
  // The last session per server, to resume on reconnect. Bounded by the endpoints in use.
  std::mutex sessions_mutex_;
  struct CachedSession {
    uint64_t generation;
    std::shared_ptr<SSL_SESSION> session;
  };
  std::map<std::string, CachedSession> sessions_;
};

// A client's TLS when `options` enables it (or `always`: Mux may negotiate it with defaults), its
// handshakes counted in `registry` under `labels`; else null.
std::shared_ptr<ClientTls> clientTlsFor(const TlsClientOptions& options,
                                        std::vector<std::string> alpn, metrics::Registry& registry,
                                        const metrics::Labels& labels, bool always = false);

// A server's TLS.
class ServerTls : public std::enable_shared_from_this<ServerTls> {
 public:
  static std::shared_ptr<ServerTls> make(const TlsServerOptions& options,
                                         HandshakeCounters counters);
  // Begins TLS on `stream`; `already_read` are bytes of the ClientHello read to tell TLS from
  // plaintext. As ClientTls::handshake; the error is a ConnectionError.
  void handshake(Stream& stream, std::string already_read, Duration timeout, HandshakeHandler done);
  const TlsServerOptions& options() const { return options_; }
  TlsMaterial& material() { return *material_; }
  const HandshakeCounters& counters() const { return counters_; }

 private:
  ServerTls(TlsServerOptions options, HandshakeCounters counters);
  TlsServerOptions options_;
  HandshakeCounters counters_;
  std::unique_ptr<TlsMaterial> material_;
};

// Where an SSL keeps a pointer to its Stream::Tls (SSL_get_ex_data), for OpenSSL callbacks.
int streamTlsIndex();

// True when `first` (at least 3 bytes) opens a TLS handshake record (a ClientHello).
bool looksLikeTls(std::string_view first);

// What the peer's verified certificate names; null when it sent none.
std::shared_ptr<const PeerIdentity> peerIdentityOf(SSL* ssl);

}  // namespace scales::transport
