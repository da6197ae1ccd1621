// SPDX-License-Identifier: Apache-2.0
// A real nginx (Debian's nginx-light, with its echo module) on 127.0.0.1 for one test: one server
// block per endpoint, each on its own port, serving
//   /who          200 "server-<i>" and X-Server: <i>
//   /echo         the request's body back (any method)
//   /chunked      a chunked body ("part-1\n" ... "part-3\n")
//   /created      201 for any method
//   /conn         the serial number of the connection it came on
//   /static/...   files written into its root by the test
//   /flaky        200 "server-<i>", or 503 "down-<i>" while setDown(i, true)
// With NginxTls, every server block listens with TLS instead, and also serves
//   /whoami       "<$ssl_client_verify> <$ssl_client_s_dn>", e.g. "SUCCESS O=scales-test,CN=client"
//                 or "NONE " (what nginx made of the client's certificate)
//   /reused       "r" when the connection's TLS session was resumed, else "."
//   /close        200 "closing", and the connection closes (Connection: close)
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {

// Serve HTTPS: the server's certificate and key (PEM files), and optionally the CA that signs
// clients' certificates, which makes every client present one (ssl_verify_client on; nginx
// answers a request without one, or with one it does not trust, with a 400).
struct NginxTls {
  std::string cert;
  std::string key;
  std::string client_ca;
  // ssl_protocols (nginx 1.22's default leaves TLS 1.3 out).
  std::string protocols = "TLSv1.2 TLSv1.3";
};

class NginxServer {
 public:
  explicit NginxServer(int endpoints = 1);
  NginxServer(int endpoints, const NginxTls& tls);
  ~NginxServer();
  // "127.0.0.1:p1,127.0.0.1:p2,...", for tcp:// URIs (add ?tls=true... for an HTTPS server).
  std::string addresses() const;
  std::string address(int i) const { return "127.0.0.1:" + std::to_string(ports_.at(i)); }
  // Writes a file served at /static/<name>.
  void writeStatic(const std::string& name, const std::string& content);
  // Makes endpoint i answer /flaky with 503 (true) or 200 (false), from its next request on.
  void setDown(int i, bool down);

 private:
  void start(int endpoints, const NginxTls* tls);

  std::vector<uint16_t> ports_;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace scales::testing
