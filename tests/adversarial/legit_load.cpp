// SPDX-License-Identifier: Apache-2.0
// The legitimate load of legit_load.h.
#include "legit_load.h"

#include <algorithm>
#include <random>
#include <sstream>

#include "Flaky.scales.h"

namespace scales::adversarial {

struct LegitLoad::Client {
  std::string name;
  flaky::FlakyClient client;
};

namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto at = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(at, sorted.size() - 1)];
}
}  // namespace

std::string LegitReport::summary() const {
  std::ostringstream out;
  out << calls << " calls, " << failures << " failed, " << wrong << " wrong, p50 " << p50_ms
      << " ms, p99 " << p99_ms << " ms, max " << max_ms << " ms";
  for (const auto& f : first_failures) out << "\n  failure: " << f;
  return out.str();
}

LegitLoad::LegitLoad(uint16_t port, LegitOptions options) : options_(std::move(options)) {
  std::string base = "tcp://127.0.0.1:" + std::to_string(port);
  auto add = [&](const std::string& name, const std::string& transport) {
    std::string uri = base + "?" + options_.query + transport;
    clients_.push_back(std::make_unique<Client>(Client{name, flaky::FlakyClient::make(uri)}));
  };
  if (options_.mux) add("mux", "");
  if (options_.framed) add("framed", "&transport=framed");
  if (options_.framed_pipelined) add("pipelined", "&transport=framed&pipelined=true");
  for (auto& c : clients_) {
    std::string key = "legit:" + c->name + ":warmup";
    std::string got = c->client.read(key, 0);
    if (got != key) throw std::runtime_error("legit warm-up call answered '" + got + "'");
  }
  for (auto& c : clients_) threads_.emplace_back([this, client = c.get()] { run(*client); });
}

LegitLoad::~LegitLoad() { stop(); }

void LegitLoad::run(Client& c) {
  std::mt19937_64 random(std::random_device{}());
  auto give_up = Clock::now() + options_.max_duration;
  std::vector<double> mine;
  for (uint64_t i = 0; i < options_.max_calls && !stop_ && Clock::now() < give_up; ++i) {
    std::string key = "legit:" + c.name + ":" + std::to_string(i) + ":" + std::to_string(random());
    auto start = Clock::now();
    std::string failure;
    bool wrong = false;
    try {
      std::string got = c.client.read(key, 0);
      wrong = got != key;
      if (wrong) failure = "wrong reply to " + key + ": " + got.substr(0, 80);
    } catch (const std::exception& e) {
      failure = c.name + ": " + e.what();
    }
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    mine.push_back(ms);
    ++calls_;
    if (!failure.empty()) {
      std::lock_guard lock(mutex_);
      ++(wrong ? report_.wrong : report_.failures);
      if (report_.first_failures.size() < 5) report_.first_failures.push_back(failure);
    }
    if (options_.pace.count() > 0) std::this_thread::sleep_for(options_.pace);
  }
  std::lock_guard lock(mutex_);
  latencies_ms_.insert(latencies_ms_.end(), mine.begin(), mine.end());
}

bool LegitLoad::waitForCalls(uint64_t n, std::chrono::milliseconds timeout) const {
  auto give_up = Clock::now() + timeout;
  while (calls_ < n && Clock::now() < give_up) std::this_thread::sleep_for(options_.pace + 1ms);
  return calls_ >= n;
}

LegitReport LegitLoad::stop() {
  if (stopped_) return report_;
  stopped_ = true;
  stop_ = true;
  for (auto& t : threads_) t.join();
  std::sort(latencies_ms_.begin(), latencies_ms_.end());
  report_.calls = latencies_ms_.size();
  report_.p50_ms = percentile(latencies_ms_, 0.50);
  report_.p99_ms = percentile(latencies_ms_, 0.99);
  report_.max_ms = latencies_ms_.empty() ? 0 : latencies_ms_.back();
  return report_;
}

}  // namespace scales::adversarial
