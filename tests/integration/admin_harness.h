// SPDX-License-Identifier: Apache-2.0
// What the admin page tests share: Flaky backends in their own processes (so one can be killed
// with SIGKILL), background reads (failure accrual judges endpoints by their calls, so a killed
// backend turns dead only under traffic), and /admin.json read with curl.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "Flaky.scales.h"
#include "support/child_process.h"

namespace scales::testing {

// flaky_backend on 127.0.0.1, any port; killed (SIGKILL) with the object at the latest.
struct BackendProcess {
  explicit BackendProcess(const std::string& name);
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  ChildProcess process;
  uint16_t port = 0;
};

// Reads through `client` from a thread of its own, one call every few milliseconds, until
// destroyed or `limit` has passed.
class BackgroundReads {
 public:
  explicit BackgroundReads(flaky::FlakyClient& client,
                           std::chrono::seconds limit = std::chrono::seconds(60));
  ~BackgroundReads();
  BackgroundReads(const BackgroundReads&) = delete;
  BackgroundReads& operator=(const BackgroundReads&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

// GET http://127.0.0.1:`port``path` with curl: the body, or "" when curl failed.
std::string httpGet(uint16_t port, const std::string& path);
// The HTTP status of that GET, sent with `host` as its Host header ("" when curl failed).
std::string httpStatusWithHost(uint16_t port, const std::string& path, const std::string& host);
// /admin.json parsed (a discarded value when it is not JSON).
nlohmann::json adminJson(uint16_t port);
// The client called `name` in an /admin.json answer (nullopt: not listed).
std::optional<nlohmann::json> clientNamed(const nlohmann::json& admin, const std::string& name);
// The state of the endpoint at `address` in a client's entry ("" when it has no such endpoint).
std::string endpointState(const nlohmann::json& client, const std::string& address);

}  // namespace scales::testing
