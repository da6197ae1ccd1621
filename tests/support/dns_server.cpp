// SPDX-License-Identifier: Apache-2.0
#include "support/dns_server.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "support/loopback_port.h"

namespace scales::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

DnsServer::DnsServer(const std::vector<std::string>& records)
    : port_(freeLoopbackPort()),
      dir_(fs::temp_directory_path() /
           ("scales-dns-" + std::to_string(::getpid()) + "-" + std::to_string(port_))) {
  fs::create_directories(dir_);
  serve(records);
}

DnsServer::~DnsServer() {
  process_.reset();  // SIGKILL
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void DnsServer::serve(const std::vector<std::string>& records) {
  process_.reset();
  auto conf = dir_ / "dnsmasq.conf";
  {
    std::ofstream out(conf);
    out << "keep-in-foreground\nno-resolv\nno-hosts\nno-poll\nbind-interfaces\n"
        << "listen-address=127.0.0.1\nport=" << port_ << "\nlocal-ttl=1\n"
        << "local=/test/\npid-file=\nlog-facility=" << (dir_ / "log").string() << "\n";
    for (const auto& record : records) out << record << "\n";
  }
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/sbin/dnsmasq", "--conf-file=" + conf.string()});
  // It answers on TCP as well as UDP: accepting a connection means it is up.
  waitUntilListening(port_, 10s, "dnsmasq");
}

}  // namespace scales::testing
