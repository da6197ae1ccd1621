// SPDX-License-Identifier: Apache-2.0
#include "support/test_certs.h"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {
namespace {

void run(std::vector<std::string> argv) {
  ChildProcess openssl(argv);
  std::string output = openssl.readAll(std::chrono::seconds(20));
  auto status = openssl.wait(std::chrono::seconds(5));
  if (!status || *status != 0) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    throw std::runtime_error("openssl failed: " + line + "\n" + output);
  }
}

const std::string kOpenssl = "/usr/bin/openssl";

}  // namespace

TestCerts::TestCerts() {
  std::string pattern = (std::filesystem::temp_directory_path() / "scales-certs-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  ca_ = makeCa("ca");
  other_ca_ = makeCa("other-ca");
  const std::string server_sans = "IP:127.0.0.1,DNS:localhost,URI:spiffe://scales.test/server";
  server_ = issue("server", server_sans);
  client_ = issue("client", "URI:spiffe://scales.test/client");
  expired_ = issue("expired", server_sans, -1);
  wrong_san_ = issue("wrong-san", "DNS:elsewhere.example");
  foreign_ = issue("foreign", server_sans, 2, true);
}

TestCerts::~TestCerts() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestCerts::makeCa(const std::string& name) {
  CertFiles files{(dir_ / (name + ".crt")).string(), (dir_ / (name + ".key")).string()};
  run({kOpenssl,
       "req",
       "-x509",
       "-newkey",
       "ec",
       "-pkeyopt",
       "ec_paramgen_curve:P-256",
       "-nodes",
       "-keyout",
       files.key,
       "-out",
       files.cert,
       "-subj",
       "/CN=" + name + "/O=scales-test",
       "-days",
       "3",
       "-addext",
       "basicConstraints=critical,CA:TRUE",
       "-addext",
       "keyUsage=critical,keyCertSign,cRLSign"});
  return files;
}

CertFiles TestCerts::issue(const std::string& name, const std::string& subject_alt_names, int days,
                           bool by_other_ca) const {
  CertFiles files{(dir_ / (name + ".crt")).string(), (dir_ / (name + ".key")).string()};
  std::string csr = (dir_ / (name + ".csr")).string();
  std::string ext = (dir_ / (name + ".ext")).string();
  run({kOpenssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", files.key, "-out", csr, "-subj", "/CN=" + name + "/O=scales-test"});
  std::ofstream(ext) << "subjectAltName=" << subject_alt_names
                     << "\nbasicConstraints=CA:FALSE\n"
                        "extendedKeyUsage=serverAuth,clientAuth\n";
  const CertFiles& ca = by_other_ca ? other_ca_ : ca_;
  run({kOpenssl, "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
       "-days", std::to_string(days), "-extfile", ext, "-out", files.cert});
  return files;
}

int64_t handshakes(metrics::Registry& registry, const std::string& result) {
  int64_t total = 0;
  for (const auto& v : registry.snapshot().counters) {
    if (v.key.name != "tls_handshakes") continue;
    for (const auto& [name, value] : v.key.labels) {
      if (name == "result" && value == result) total += v.value;
    }
  }
  return total;
}

}  // namespace scales::testing
