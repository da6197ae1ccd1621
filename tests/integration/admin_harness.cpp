// SPDX-License-Identifier: Apache-2.0
// Backends, background traffic and /admin.json reads for the admin page tests.
#include "integration/admin_harness.h"

#include <stdexcept>

namespace scales::testing {
using namespace std::chrono_literals;

BackendProcess::BackendProcess(const std::string& name) : process({FLAKY_BACKEND, "0", name}) {
  auto line = process.readLine(10s);
  if (!line || line->rfind("listening ", 0) != 0) {
    throw std::runtime_error("flaky_backend did not start: " + line.value_or("(nothing)"));
  }
  port = static_cast<uint16_t>(std::stoi(line->substr(10)));
}

BackgroundReads::BackgroundReads(flaky::FlakyClient& client, std::chrono::seconds limit)
    : thread_([this, &client, limit] {
        auto give_up = std::chrono::steady_clock::now() + limit;
        std::unique_lock lock(mutex_);
        while (!stopping_ && std::chrono::steady_clock::now() < give_up) {
          lock.unlock();
          try {
            client.read("k", 0);
          } catch (const std::exception&) {
            // A call may fail while its endpoint dies: what the tests watch is the endpoint.
          }
          lock.lock();
          // Pacing, not waiting for an event: a few hundred calls a second are plenty.
          stop_.wait_for(lock, 5ms, [this] { return stopping_; });
        }
      }) {}

BackgroundReads::~BackgroundReads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

std::string httpGet(uint16_t port, const std::string& path) {
  ChildProcess curl(
      {CURL, "-sS", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + path});
  auto body = curl.readAll(10s);
  return curl.wait(10s) == 0 ? body : "";
}

std::string httpStatusWithHost(uint16_t port, const std::string& path, const std::string& host) {
  ChildProcess curl({CURL, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-H",
                     "Host: " + host, "http://127.0.0.1:" + std::to_string(port) + path});
  auto code = curl.readAll(10s);
  return curl.wait(10s) == 0 ? code : "";
}

nlohmann::json adminJson(uint16_t port) {
  return nlohmann::json::parse(httpGet(port, "/admin.json"), nullptr, false);
}

std::optional<nlohmann::json> clientNamed(const nlohmann::json& admin, const std::string& name) {
  if (!admin.is_object() || !admin.contains("clients")) return std::nullopt;
  for (const auto& client : admin["clients"]) {
    if (client.value("name", "") == name) return client;
  }
  return std::nullopt;
}

std::string endpointState(const nlohmann::json& client, const std::string& address) {
  for (const auto& endpoint : client.value("endpoints", nlohmann::json::array())) {
    if (endpoint.value("address", "") == address) return endpoint.value("state", "");
  }
  return "";
}

}  // namespace scales::testing
