// SPDX-License-Identifier: Apache-2.0
#include "scales/core/errors.h"
#include "scales/transport/tls.h"

namespace scales::transport {

std::string PeerIdentity::name() const {
  if (!uris.empty()) return uris.front();
  if (!dns.empty()) return dns.front();
  if (!ips.empty()) return ips.front();
  return subject.empty() ? "(anonymous)" : subject;
}

bool PeerIdentity::matches(std::string_view pattern) const {
  if (pattern.empty()) return false;
  bool prefix = pattern.back() == '*';
  if (prefix) pattern.remove_suffix(1);
  auto one = [&](std::string_view id) {
    return prefix ? id.substr(0, pattern.size()) == pattern : id == pattern;
  };
  for (const auto* names : {&uris, &dns, &ips}) {
    for (const auto& id : *names) {
      if (one(id)) return true;
    }
  }
  return !common_name.empty() && one("CN=" + common_name);
}

bool PeerIdentity::matchesAny(const std::vector<std::string>& patterns) const {
  for (const auto& p : patterns) {
    if (matches(p)) return true;
  }
  return false;
}

void TlsClientOptions::validate() const {
  if (cert.empty() != key.empty()) {
    throw ConfigError("tls_cert and tls_key go together: a client certificate needs its key");
  }
  if (handshake_timeout <= Duration::zero()) {
    throw ConfigError("tls_handshake_timeout_ms must be positive");
  }
  if (!verify && !peer_identities.empty()) {
    throw ConfigError(
        "tls_peer needs tls_verify: an unverified certificate can claim any identity");
  }
  for (const auto& id : peer_identities) {
    if (id.empty() || id == "*") throw ConfigError("tls_peer: an empty identity matches nothing");
  }
}

void TlsServerOptions::validate() const {
  if (cert.empty() != key.empty()) {
    throw ConfigError("server TLS needs both a certificate and its key");
  }
  if (!enabled() && !client_ca.empty()) {
    throw ConfigError("a client CA (mutual TLS) needs the server's certificate and key");
  }
  if (!enabled() && (!allowed_peers.empty() || !allowed_peers_by_method.empty())) {
    throw ConfigError(
        "allowed peers need TLS with a client CA: only a verified certificate names a peer");
  }
  for (const auto& [method, peers] : allowed_peers_by_method) {
    if (peers.empty()) {
      throw ConfigError("allowed peers for " + method +
                        " are empty: list who may call it (an empty list would allow everyone)");
    }
  }
  if (enabled() && client_ca.empty() &&
      (!allowed_peers.empty() || !allowed_peers_by_method.empty())) {
    throw ConfigError(
        "allowed peers need a client CA: without one, clients present no certificate");
  }
}

}  // namespace scales::transport
