// SPDX-License-Identifier: Apache-2.0
// TLS settings (OpenSSL, through Boost.Asio's ssl) for clients and servers, and what a verified
// peer certificate says about who is on the other end. docs/tls.md shows a complete mutual-TLS
// setup; docs/configuration.md lists the URI keys.
//
// Certificate, key and CA files are re-read when they change (checked at most once a second, as
// connections open): new connections use the new material, established ones keep theirs, and a
// file that does not load keeps the old material and is logged with the reason.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scales/core/deadline.h"

namespace scales::transport {

// The client side's loaded material and session cache (src/transport/tls_context.h).
class ClientTls;

// Who a verified peer certificate names. Handlers read the caller's through
// scales::server::peerIdentity(); allowlists and client pinning match against it.
struct PeerIdentity {
  std::string subject;            // the subject, RFC 2253, last RDN first ("CN=client,O=example")
  std::string common_name;        // the subject's CN, if any
  std::vector<std::string> dns;   // subjectAltName DNS names
  std::vector<std::string> ips;   // subjectAltName IP addresses, as text
  std::vector<std::string> uris;  // subjectAltName URIs (SPIFFE IDs: spiffe://domain/path)

  // A one-word name for errors and logs: the first URI, else DNS name, else IP, else subject.
  std::string name() const;
  // True when `pattern` is one of the URIs, DNS names or IPs, or "CN=<common_name>". A pattern
  // ending in '*' matches any identity starting with what precedes it
  // ("spiffe://prod.example/billing/*").
  bool matches(std::string_view pattern) const;
  // True when any of `patterns` matches.
  bool matchesAny(const std::vector<std::string>& patterns) const;
};

// A client's TLS: set with ?tls=true and the tls_* URI keys, or in ClientConfig::tls.
struct TlsClientOptions {
  // Encrypt from the first byte; without it the other settings are not used. (ThriftMux can
  // instead negotiate TLS in its handshake, Finagle's opportunistic TLS: ?opportunistic_tls=,
  // which uses these same settings and takes precedence.)
  bool enabled = false;
  // PEM file of the CAs trusted to sign servers' certificates; empty: the system's store.
  std::string ca;
  // PEM certificate chain and private key presented to servers that ask (mutual TLS).
  std::string cert;
  std::string key;
  // The name sent as SNI and checked against the server certificate's SANs; empty: the
  // endpoint's host (an IP address is checked against IP SANs and sends no SNI).
  std::string server_name;
  // Check the server's chain and name. Off only for tests against throwaway certificates.
  bool verify = true;
  // Identities the server certificate must show (PeerIdentity::matches); empty: any that
  // verifies. E.g. spiffe://prod.example/billing.
  std::vector<std::string> peer_identities;
  // TCP connect aside, how long the handshake may take.
  Duration handshake_timeout = std::chrono::seconds(10);

  // Throws ConfigError for contradictory settings (a cert without its key, say); files are
  // checked when the client is made.
  void validate() const;
};

// A server's TLS: ServerOptions::tls.
struct TlsServerOptions {
  // PEM certificate chain and private key; both empty: no TLS.
  std::string cert;
  std::string key;
  // PEM file of the CAs that sign clients' certificates. Set, every TLS client must present a
  // certificate it signed (mutual TLS).
  std::string client_ca;
  // Plaintext connections too, on the same port (told apart by their first bytes), or TLS only.
  bool allow_plaintext = false;
  // Identities allowed to call (PeerIdentity::matches); empty: any verified peer. Calls from
  // others, plaintext ones included, are refused before a handler runs.
  std::vector<std::string> allowed_peers;
  // Per method (the IDL name): these identities only, instead of allowed_peers.
  std::map<std::string, std::vector<std::string>> allowed_peers_by_method;

  bool enabled() const { return !cert.empty() || !key.empty(); }
  // Throws ConfigError for contradictory settings; files are checked when the server starts.
  void validate() const;
};

}  // namespace scales::transport
