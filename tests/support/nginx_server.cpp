// SPDX-License-Identifier: Apache-2.0
#include "support/nginx_server.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

#include "support/loopback_port.h"

namespace scales::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

NginxServer::NginxServer(int endpoints)
    : dir_(fs::temp_directory_path() / ("scales-nginx-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(freeLoopbackPort()))) {
  start(endpoints, nullptr);
}

NginxServer::NginxServer(int endpoints, const NginxTls& tls)
    : dir_(fs::temp_directory_path() / ("scales-nginx-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(freeLoopbackPort()))) {
  start(endpoints, &tls);
}

void NginxServer::start(int endpoints, const NginxTls* tls) {
  fs::create_directories(dir_ / "www" / "static");
  fs::create_directories(dir_ / "tmp");
  std::ofstream conf(dir_ / "nginx.conf");
  conf << "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;\n"
       << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
       << "pid " << (dir_ / "nginx.pid").string() << ";\n"
       << "error_log " << (dir_ / "error.log").string() << " warn;\n"
       << "events { worker_connections 512; }\n"
       << "http {\n  access_log off;\n  keepalive_requests 100000;\n"
       << "  client_body_buffer_size 1m;\n  client_max_body_size 16m;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf << "  " << temp << "_temp_path " << (dir_ / "tmp" / temp).string() << ";\n";
  }
  for (int i = 0; i < endpoints; ++i) {
    ports_.push_back(freeLoopbackPort());
    conf << "  server {\n    listen 127.0.0.1:" << ports_.back() << (tls ? " ssl" : "") << ";\n";
    if (tls) {
      conf << "    ssl_certificate " << tls->cert << ";\n"
           << "    ssl_certificate_key " << tls->key << ";\n"
           << "    ssl_protocols " << tls->protocols << ";\n";
      if (!tls->client_ca.empty()) {
        conf << "    ssl_client_certificate " << tls->client_ca << ";\n"
             << "    ssl_verify_client on;\n";
      }
      conf << "    location = /whoami { return 200 \"$ssl_client_verify $ssl_client_s_dn\"; }\n"
           << "    location = /reused { return 200 \"$ssl_session_reused\"; }\n"
           << "    location = /close { keepalive_timeout 0; return 200 \"closing\"; }\n";
    }
    conf << "    root " << (dir_ / "www").string() << ";\n"
         << "    location = /who { add_header X-Server " << i << "; return 200 \"server-" << i
         << "\"; }\n"
         << "    location = /echo { echo_read_request_body; echo_request_body; }\n"
         << "    location = /chunked { echo \"part-1\"; echo_flush; echo \"part-2\"; echo_flush; "
            "echo \"part-3\"; }\n"
         << "    location = /created { return 201 \"created\"; }\n"
         << "    location = /conn { return 200 \"$connection\"; }\n"
         << "    location = /flaky { if (-f " << (dir_ / ("down-" + std::to_string(i))).string()
         << ") { return 503 \"down-" << i << "\"; } return 200 \"server-" << i << "\"; }\n"
         << "  }\n";
  }
  conf << "}\n";
  conf.close();
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/sbin/nginx", "-p", dir_.string(), "-e", (dir_ / "error.log").string(), "-c",
      (dir_ / "nginx.conf").string()});
  for (auto port : ports_) waitUntilListening(port, 10s, "nginx");
}

NginxServer::~NginxServer() {
  process_.reset();  // SIGKILL
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string NginxServer::addresses() const {
  std::string list;
  for (size_t i = 0; i < ports_.size(); ++i) list += (i ? "," : "") + address(static_cast<int>(i));
  return list;
}

void NginxServer::setDown(int i, bool down) {
  auto flag = dir_ / ("down-" + std::to_string(i));
  if (down) {
    std::ofstream{flag};
  } else {
    fs::remove(flag);
  }
}

void NginxServer::writeStatic(const std::string& name, const std::string& content) {
  std::ofstream(dir_ / "www" / "static" / name, std::ios::binary) << content;
}

}  // namespace scales::testing
