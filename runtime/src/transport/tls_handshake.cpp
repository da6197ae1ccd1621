// SPDX-License-Identifier: Apache-2.0
// The client and server TLS handshakes over a Stream, within a timeout, with errors that say what
// failed and counters by outcome.
#include <openssl/x509v3.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "scales/core/errors.h"
#include "transport/tls_context.h"

namespace scales::transport {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;

namespace {

enum class Outcome { kOk, kResumed, kTimeout, kVerifyFailed, kIdentityRefused, kClosed, kError };

void count(const HandshakeCounters& c, Outcome outcome) {
  const std::shared_ptr<metrics::Counter>* counter = nullptr;
  switch (outcome) {
    case Outcome::kOk:
      counter = &c.ok;
      break;
    case Outcome::kResumed:
      counter = &c.resumed;
      break;
    case Outcome::kTimeout:
      counter = &c.timeout;
      break;
    case Outcome::kVerifyFailed:
      counter = &c.verify_failed;
      break;
    case Outcome::kIdentityRefused:
      counter = &c.identity_refused;
      break;
    case Outcome::kClosed:
      counter = &c.closed;
      break;
    case Outcome::kError:
      counter = &c.error;
      break;
  }
  if (*counter) (*counter)->add();
}

// One handshake: the timer and the handshake race; whichever ends first decides.
struct HandshakeOp {
  HandshakeOp(Stream& s, HandshakeCounters c, std::string a, bool server, HandshakeHandler h)
      : stream(s),
        counters(std::move(c)),
        address(std::move(a)),
        server_side(server),
        timer(s.get_executor()),
        handler(std::move(h)) {}

  Stream& stream;
  HandshakeCounters counters;
  std::string address;
  bool server_side;
  asio::steady_timer timer;
  HandshakeHandler handler;
  std::string already_read;
  // Checked once the chain verified: the identities a client pinned, if any.
  std::vector<std::string> pinned;
  bool timed_out = false;
  bool finished = false;
  // The verification result means something only when verification was asked for.
  bool verifying = true;

  static void start(std::shared_ptr<HandshakeOp> op, Duration timeout) {
    if (timeout != Duration::max()) {
      op->timer.expires_after(timeout);
      op->timer.async_wait([op](error_code ec) {
        // A timer that expired as the handshake finished must not close a good connection.
        if (ec || op->finished) return;
        op->timed_out = true;
        error_code ignored;
        op->stream.socket().close(ignored);  // the handshake ends with an error
      });
    }
    auto type = op->server_side ? ssl::stream_base::server : ssl::stream_base::client;
    op->stream.tls()->ssl.async_handshake(type, asio::buffer(op->already_read),
                                          [op](error_code ec, size_t) { op->finish(ec); });
  }

  void finish(error_code ec) {
    finished = true;
    timer.cancel();
    SSL* ssl = stream.tls()->ssl.native_handle();
    // The timer may have closed the socket just as the handshake succeeded.
    if (timed_out) return fail(Outcome::kTimeout, "TLS handshake with " + address + " timed out");
    if (!ec) {
      stream.tls()->peer = peerIdentityOf(ssl);
      if (!pinned.empty()) {
        const auto& peer = stream.tls()->peer;
        if (!peer || !peer->matchesAny(pinned)) {
          return fail(Outcome::kIdentityRefused,
                      "server identity " + (peer ? peer->name() : std::string("(none)")) +
                          " is not the one expected (tls_peer) (" + address + ")");
        }
      }
      stream.tls()->established = true;
      count(counters, SSL_session_reused(ssl) ? Outcome::kResumed : Outcome::kOk);
      return complete(nullptr);
    }
    long verify = verifying ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (verify != X509_V_OK) {
      return fail(Outcome::kVerifyFailed,
                  std::string(server_side ? "client certificate" : "certificate") +
                      " verify failed: " + X509_verify_cert_error_string(verify) + " (" + address +
                      ")");
    }
    if (Stream::closedByPeer(ec) || ec == asio::error::connection_reset) {
      return fail(Outcome::kClosed, "TLS handshake with " + address +
                                        ": connection closed by peer (does it speak TLS?)");
    }
    fail(Outcome::kError, "TLS handshake with " + address + " failed: " + ec.message());
  }

  void fail(Outcome outcome, std::string why) {
    count(counters, outcome);
    error_code ignored;
    stream.socket().close(ignored);
    complete(server_side ? std::make_exception_ptr(ConnectionError(why))
                         : std::make_exception_ptr(ConnectFailedError(why)));
  }

  void complete(std::exception_ptr error) {
    auto h = std::move(handler);
    std::move(h)(error);
  }
};

// Moves the stream's socket into a TLS session made from `context`.
Stream::Tls& beginTls(Stream& stream, ssl::context& context, std::shared_ptr<void> owner) {
  auto tls = std::make_unique<Stream::Tls>(std::move(stream.socket()), context);
  tls->owner = std::move(owner);
  SSL_set_ex_data(tls->ssl.native_handle(), streamTlsIndex(), tls.get());
  stream.adoptTls(std::move(tls));
  return *stream.tls();
}

bool isIpAddress(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

void ClientTls::handshake(Stream& stream, const std::string& host, uint16_t port,
                          HandshakeHandler done, Duration budget) {
  std::string address = host + ":" + std::to_string(port);
  auto op = std::make_shared<HandshakeOp>(stream, counters_, address, false, std::move(done));
  op->pinned = options_.peer_identities;
  op->verifying = options_.verify;
  uint64_t generation = 0;
  auto context = material_->current(&generation);
  auto& tls = beginTls(stream, *context, shared_from_this());
  SSL* ssl = tls.ssl.native_handle();
  tls.session_key = address;
  tls.generation = generation;
  std::string name = options_.server_name.empty() ? host : options_.server_name;
  // An IPv6 scope (fe80::1%eth0) is no part of what a certificate names.
  if (auto percent = name.find('%'); percent != std::string::npos && isIpAddress(name)) {
    name.resize(percent);
  }
  bool checked = true;
  if (isIpAddress(name)) {
    // RFC 6066: no SNI for addresses; the certificate must name it as an IP SAN.
    if (options_.verify) checked = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    // SSL_set_tlsext_host_name, without the macro's C cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
    if (options_.verify) checked = SSL_set1_host(ssl, name.c_str()) == 1;
  }
  if (!checked) {
    // Never a handshake that would check the chain but not the name.
    asio::post(stream.get_executor(), [op, name] {
      op->finished = true;
      op->fail(Outcome::kError,
               "cannot check the server certificate against '" + name + "' (" + op->address + ")");
    });
    return;
  }
  if (!alpn_wire_.empty()) {
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn_wire_.data()),
                        static_cast<unsigned>(alpn_wire_.size()));
  }
  {
    // Only a session of the current material: one made with an old client certificate, or
    // verified against an old CA, is not resumed.
    std::lock_guard lock(sessions_mutex_);
    auto it = sessions_.find(address);
    if (it != sessions_.end() && it->second.generation == generation) {
      SSL_set_session(ssl, it->second.session.get());
    }
  }
  HandshakeOp::start(std::move(op), std::min(options_.handshake_timeout, budget));
}

void ServerTls::handshake(Stream& stream, std::string already_read, Duration timeout,
                          HandshakeHandler done) {
  error_code ec;
  auto remote = stream.socket().remote_endpoint(ec);
  std::string address =
      ec ? std::string("peer") : remote.address().to_string() + ":" + std::to_string(remote.port());
  auto op = std::make_shared<HandshakeOp>(stream, counters_, address, true, std::move(done));
  op->already_read = std::move(already_read);
  beginTls(stream, *material_->current(), shared_from_this());
  HandshakeOp::start(std::move(op), timeout);
}

}  // namespace scales::transport
