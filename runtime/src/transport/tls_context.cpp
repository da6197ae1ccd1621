// SPDX-License-Identifier: Apache-2.0
#include "transport/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "scales/core/errors.h"
#include "scales/core/log.h"

namespace scales::transport {
namespace asio = boost::asio;
namespace ssl = asio::ssl;

HandshakeCounters HandshakeCounters::standalone() {
  auto make = [] { return std::make_shared<metrics::Counter>(); };
  return {make(), make(), make(), make(), make(), make(), make()};
}

HandshakeCounters HandshakeCounters::in(metrics::Registry& registry,
                                        const metrics::Labels& labels) {
  auto make = [&](const char* result) {
    auto l = labels;
    l.emplace_back("result", result);
    return registry.counter("tls_handshakes", std::move(l));
  };
  return {make("ok"),
          make("resumed"),
          make("timeout"),
          make("verify_failed"),
          make("identity_refused"),
          make("closed"),
          make("error")};
}

namespace {
// What OpenSSL says went wrong last on this thread, for errors about files.
std::string lastSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// Runs an asio::ssl::context call, naming the file when it fails.
template <class F>
void load(const char* what, const std::string& file, F f) {
  boost::system::error_code ec;
  f(ec);
  if (ec) throw ConfigError(std::string(what) + " " + file + ": " + ec.message());
}

void restrictVersions(ssl::context& context) {
  // TLS 1.2 at least; OpenSSL 3 prefers 1.3 when both sides have it.
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
}
}  // namespace

TlsMaterial::TlsMaterial(std::vector<std::string> files, Build build, std::string what)
    : files_(std::move(files)), build_(std::move(build)), what_(std::move(what)) {
  built_from_ = stamps();
  try {
    context_ = build_();
  } catch (const std::exception& e) {
    throw ConfigError(what_ + ": " + e.what());
  }
  next_check_ = coarseNow() + std::chrono::seconds(1);
}

std::vector<TlsMaterial::Stamp> TlsMaterial::stamps() const {
  std::vector<Stamp> out;
  for (const auto& file : files_) {
    struct stat st {};
    Stamp s;
    // stat() follows symlinks, so a Kubernetes-style swap of the ..data link counts as a change.
    if (::stat(file.c_str(), &st) == 0) {
      s.inode = st.st_ino;
      s.size = static_cast<uint64_t>(st.st_size);
      s.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    }
    out.push_back(s);
  }
  return out;
}

std::shared_ptr<ssl::context> TlsMaterial::current(uint64_t* generation) {
  std::lock_guard lock(mutex_);
  if (generation) *generation = reloads_;
  auto now = coarseNow();
  if (files_.empty() || now < next_check_) return context_;
  next_check_ = now + std::chrono::seconds(1);
  auto seen = stamps();
  if (seen == built_from_ || seen == failed_at_) return context_;
  try {
    context_ = build_();
    built_from_ = std::move(seen);
    failed_at_.clear();
    ++reloads_;
    if (generation) *generation = reloads_;
  } catch (const std::exception& e) {
    // A file caught half-written fails here and loads at the next change; meanwhile the old
    // material serves, and the reason is logged once per change.
    failed_at_ = std::move(seen);
    ++failures_;
    logError(what_ + " changed but did not load, keeping the previous one: " + e.what());
  }
  return context_;
}

uint64_t TlsMaterial::reloads() const {
  std::lock_guard lock(mutex_);
  return reloads_;
}

uint64_t TlsMaterial::reloadFailures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

// ---- client ----

int streamTlsIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::shared_ptr<ClientTls> ClientTls::make(const TlsClientOptions& options,
                                           std::vector<std::string> alpn,
                                           HandshakeCounters counters) {
  options.validate();
  return std::shared_ptr<ClientTls>(new ClientTls(options, std::move(alpn), std::move(counters)));
}

ClientTls::ClientTls(TlsClientOptions options, std::vector<std::string> alpn,
                     HandshakeCounters counters)
    : options_(std::move(options)), counters_(std::move(counters)) {
  for (const auto& name : alpn) {
    alpn_wire_.push_back(static_cast<char>(name.size()));
    alpn_wire_ += name;
  }
  std::vector<std::string> files;
  for (const auto* f : {&options_.ca, &options_.cert, &options_.key}) {
    if (!f->empty()) files.push_back(*f);
  }
  material_ = std::make_unique<TlsMaterial>(
      std::move(files),
      [o = options_] {
        auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
        restrictVersions(*context);
        if (o.ca.empty()) {
          load("system CA store", "", [&](auto& ec) { context->set_default_verify_paths(ec); });
        } else {
          load("tls_ca", o.ca, [&](auto& ec) { context->load_verify_file(o.ca, ec); });
        }
        if (!o.cert.empty()) {
          load("tls_cert", o.cert,
               [&](auto& ec) { context->use_certificate_chain_file(o.cert, ec); });
          load("tls_key", o.key,
               [&](auto& ec) { context->use_private_key_file(o.key, ssl::context::pem, ec); });
          if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
            throw ConfigError("tls_key " + o.key + " does not match tls_cert " + o.cert + ": " +
                              lastSslError());
          }
        }
        context->set_verify_mode(o.verify ? ssl::verify_peer : ssl::verify_none);
        // Sessions are kept per server by onNewSession, to resume on reconnect.
        SSL_CTX_set_session_cache_mode(context->native_handle(),
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(context->native_handle(), &ClientTls::onNewSession);
        return context;
      },
      "client TLS material");
}

int ClientTls::onNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* tls = static_cast<Stream::Tls*>(SSL_get_ex_data(ssl, streamTlsIndex()));
  if (tls == nullptr || !tls->owner) return 0;
  auto* self = static_cast<ClientTls*>(tls->owner.get());
  std::lock_guard lock(self->sessions_mutex_);
  self->sessions_.insert_or_assign(
      tls->session_key,
      CachedSession{tls->generation, std::shared_ptr<SSL_SESSION>(session, SSL_SESSION_free)});
  return 1;  // the reference is ours now
}

std::shared_ptr<ClientTls> clientTlsFor(const TlsClientOptions& options,
                                        std::vector<std::string> alpn, metrics::Registry& registry,
                                        const metrics::Labels& labels, bool always) {
  if (!options.enabled && !always) return nullptr;
  return ClientTls::make(options, std::move(alpn), HandshakeCounters::in(registry, labels));
}

// ---- server ----

std::shared_ptr<ServerTls> ServerTls::make(const TlsServerOptions& options,
                                           HandshakeCounters counters) {
  options.validate();
  return std::shared_ptr<ServerTls>(new ServerTls(options, std::move(counters)));
}

ServerTls::ServerTls(TlsServerOptions options, HandshakeCounters counters)
    : options_(std::move(options)), counters_(std::move(counters)) {
  std::vector<std::string> files{options_.cert, options_.key};
  if (!options_.client_ca.empty()) files.push_back(options_.client_ca);
  material_ = std::make_unique<TlsMaterial>(
      std::move(files),
      [o = options_] {
        auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
        restrictVersions(*context);
        load("certificate", o.cert,
             [&](auto& ec) { context->use_certificate_chain_file(o.cert, ec); });
        load("key", o.key,
             [&](auto& ec) { context->use_private_key_file(o.key, ssl::context::pem, ec); });
        if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
          throw ConfigError("key " + o.key + " does not match certificate " + o.cert + ": " +
                            lastSslError());
        }
        if (!o.client_ca.empty()) {
          load("client CA", o.client_ca,
               [&](auto& ec) { context->load_verify_file(o.client_ca, ec); });
          // The CAs' names go in the CertificateRequest, so clients pick the right certificate.
          if (auto* names = SSL_load_client_CA_file(o.client_ca.c_str())) {
            SSL_CTX_set_client_CA_list(context->native_handle(), names);
          }
          context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
        }
        // Without a session id context, OpenSSL refuses to resume sessions of verified clients.
        static const unsigned char kContext[] = "scales";
        SSL_CTX_set_session_id_context(context->native_handle(), kContext, sizeof kContext - 1);
        return context;
      },
      "server TLS material");
}

// ---- identity ----

bool looksLikeTls(std::string_view first) {
  // A handshake record (22) of TLS 1.0-1.3 (record versions 3.1-3.3; a ClientHello record says
  // 3.1 or 3.3). As a frame length, 0x1603.... is 369 MB, past any max_frame_bytes.
  return first.size() >= 3 && static_cast<uint8_t>(first[0]) == 0x16 &&
         static_cast<uint8_t>(first[1]) == 0x03 && static_cast<uint8_t>(first[2]) <= 0x04;
}

std::shared_ptr<const PeerIdentity> peerIdentityOf(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return nullptr;
  auto id = std::make_shared<PeerIdentity>();
  X509_NAME* subject = X509_get_subject_name(cert);
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, subject, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data, without its C cast
    if (n > 0) id->subject.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, value);
    if (len > 0) id->common_name.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    auto text = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    };
    if (name->type == GEN_DNS) {
      id->dns.push_back(text(name->d.dNSName));
    } else if (name->type == GEN_URI) {
      id->uris.push_back(text(name->d.uniformResourceIdentifier));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char buffer[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if ((ASN1_STRING_length(ip) == 4 || ASN1_STRING_length(ip) == 16) &&
          inet_ntop(family, ASN1_STRING_get0_data(ip), buffer, sizeof buffer)) {
        id->ips.emplace_back(buffer);
      }
    }
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return id;
}

}  // namespace scales::transport
