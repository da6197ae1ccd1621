// SPDX-License-Identifier: Apache-2.0
// A real DNS server (Debian's dnsmasq) on 127.0.0.1 for one test, answering only the records
// the test gives it (no upstream, no /etc/hosts; names under .test that it lacks do not exist),
// with a 1 s TTL.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {

class DnsServer {
 public:
  // `records` are dnsmasq options without the leading "--", e.g.
  // "host-record=a.test,127.0.0.2" or "srv-host=_flaky._tcp.test,a.test,9090,0,10".
  explicit DnsServer(const std::vector<std::string>& records);
  ~DnsServer();
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Serves these records instead, on the same port.
  void serve(const std::vector<std::string>& records);

 private:
  uint16_t port_;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace scales::testing
