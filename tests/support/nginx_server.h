// SPDX-License-Identifier: Apache-2.0
// A real nginx (Debian's nginx-light, with its echo module) on 127.0.0.1 for one test: one server
// block per endpoint, each on its own port, serving
//   /who          200 "server-<i>" and X-Server: <i>
//   /echo         the request's body back (any method)
//   /chunked      a chunked body ("part-1\n" ... "part-3\n")
//   /created      201 for any method
//   /conn         the serial number of the connection it came on
//   /static/...   files written into its root by the test
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {

class NginxServer {
 public:
  explicit NginxServer(int endpoints = 1);
  ~NginxServer();
  // "127.0.0.1:p1,127.0.0.1:p2,...", for tcp:// URIs.
  std::string addresses() const;
  std::string address(int i) const { return "127.0.0.1:" + std::to_string(ports_.at(i)); }
  // Writes a file served at /static/<name>.
  void writeStatic(const std::string& name, const std::string& content);

 private:
  std::vector<uint16_t> ports_;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace scales::testing
