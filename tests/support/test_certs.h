// SPDX-License-Identifier: Apache-2.0
// Certificates made for one test by the `openssl` command line, in a temporary directory removed
// when the test ends: a CA, certificates it signs (server, client, expired, wrong SAN, SPIFFE
// IDs), and a second CA that signs nothing the first trusts. Keys are P-256.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "scales/metrics/registry.h"

namespace scales::testing {

struct CertFiles {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key
};

class TestCerts {
 public:
  // Makes the CA, the other CA, and the standard set below.
  TestCerts();
  ~TestCerts();
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;

  const std::string& ca() const { return ca_.cert; }             // trusted CA certificate
  const std::string& otherCa() const { return other_ca_.cert; }  // an unrelated CA
  // SANs IP:127.0.0.1, DNS:localhost, URI:spiffe://scales.test/server.
  const CertFiles& server() const { return server_; }
  // SAN URI:spiffe://scales.test/client, CN=client.
  const CertFiles& client() const { return client_; }
  // Like server(), but its validity ended yesterday.
  const CertFiles& expired() const { return expired_; }
  // Signed by the CA, but for DNS:elsewhere.example only.
  const CertFiles& wrongSan() const { return wrong_san_; }
  // Server SANs, signed by the other CA.
  const CertFiles& foreign() const { return foreign_; }

  // Another certificate signed by the CA (or the other CA), e.g. "URI:spiffe://scales.test/x".
  // `days` may be negative (already expired).
  CertFiles issue(const std::string& name, const std::string& subject_alt_names, int days = 2,
                  bool by_other_ca = false) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  CertFiles makeCa(const std::string& name);

  std::filesystem::path dir_;
  CertFiles ca_, other_ca_, server_, client_, expired_, wrong_san_, foreign_;
};

// A client's tls_handshakes{result=`result`} counter (ok, resumed, verify_failed, ...), summed
// over its other labels.
int64_t handshakes(metrics::Registry& registry, const std::string& result);

}  // namespace scales::testing
