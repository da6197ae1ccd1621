// SPDX-License-Identifier: Apache-2.0
// The Flaky service as hardening_server answers it: `read` and `write` echo their key after
// delay_ms, so every reply names its own call. A key "pad:N:..." is answered with the key followed
// by N dots (large replies from small requests); the key "__stats" returns the server's counters
// as JSON, live. Every other call is counted by its key's prefix (up to the first ':'), so a test
// can tell whether a handler ever ran for calls it expected to be refused or discarded.
// Two flavours: blocking (runs on the server's handler threads, sleeping through the delay) and
// async (runs on the connection's loop; delays wait on a timer thread).
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "Flaky.scales.h"

namespace scales::adversarial {

// What both flavours share: the answers and the invocation counts.
class EchoLedger {
 public:
  // Returns the live stats JSON for "__stats" calls.
  std::function<std::string()> stats_json;

  // Counts the call (unless it is "__stats") and returns its answer.
  std::string answer(const std::string& key);
  uint64_t calls() const { return calls_; }
  std::map<std::string, uint64_t> callsByPrefix() const;

 private:
  std::atomic<uint64_t> calls_{0};
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> by_prefix_;
};

class BlockingEchoHandler final : public flaky::FlakyHandler {
 public:
  explicit BlockingEchoHandler(std::shared_ptr<EchoLedger> ledger) : ledger_(std::move(ledger)) {}
  std::string read(const std::string& key, int32_t delay_ms) override;
  std::string write(const std::string& key, int32_t delay_ms) override;
  std::string bounded(int32_t delay_ms) override;

 private:
  std::string answer(const std::string& key, int32_t delay_ms);
  std::shared_ptr<EchoLedger> ledger_;
};

class AsyncEchoHandler final : public flaky::FlakyAsyncHandler {
 public:
  explicit AsyncEchoHandler(std::shared_ptr<EchoLedger> ledger);
  ~AsyncEchoHandler() override;
  // Stops the timer thread; replies still waiting are dropped. Call after the server stopped.
  void stop();

  void read(const std::string& key, int32_t delay_ms, server::Reply<std::string> reply) override;
  void write(const std::string& key, int32_t delay_ms, server::Reply<std::string> reply) override;
  void bounded(int32_t delay_ms, server::Reply<std::string> reply) override;

 private:
  void answer(const std::string& key, int32_t delay_ms, server::Reply<std::string> reply);

  std::shared_ptr<EchoLedger> ledger_;
  std::unique_ptr<boost::asio::io_context> timers_ = std::make_unique<boost::asio::io_context>();
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace scales::adversarial
