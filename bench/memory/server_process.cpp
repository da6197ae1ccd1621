// SPDX-License-Identifier: Apache-2.0
#include "server_process.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "Bench.scales.h"
#include "memory_sample.h"
#include "scales/server/thrift_server.h"

namespace scales::bench {
namespace {

// Echo, or, while parking, keeps each call's Reply (16 bytes in a vector reserved in advance)
// and nothing else: what the server holds per parked call is then the server's own doing, not
// this handler's. Released calls are answered with a fixed reply of the payload's size.
class ParkingEcho : public bench_scales::BenchAsyncHandler {
 public:
  explicit ParkingEcho(size_t max_calls) { held_.reserve(max_calls); }

  void echo(const std::string& payload, server::Reply<std::string> reply) override {
    {
      std::lock_guard lock(mutex_);
      if (parking_) {
        if (reply_.empty()) reply_ = payload;
        held_.push_back(std::move(reply));
        changed_.notify_all();
        return;
      }
    }
    reply(payload);
  }

  void park() {
    std::lock_guard lock(mutex_);
    parking_ = true;
  }

  size_t held() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }

  // Whether `count` calls are held within `timeout`.
  bool waitHeld(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return held_.size() >= count; });
  }

  size_t release() {
    std::vector<server::Reply<std::string>> held;
    std::string reply;
    {
      std::lock_guard lock(mutex_);
      parking_ = false;
      held.reserve(held_.capacity());
      held.swap(held_);  // held_ keeps a reserved list for the next round
      reply = reply_;
    }
    for (auto& r : held) r(reply);
    return held.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool parking_ = false;
  std::string reply_;
  std::vector<server::Reply<std::string>> held_;
};

}  // namespace

int runServerProcess(size_t max_calls, size_t payload) {
  auto handler = std::make_shared<ParkingEcho>(max_calls);
  server::ServerOptions options;
  options.io_threads = 1;
  options.max_calls_per_connection = std::max(options.max_calls_per_connection, max_calls + 16);
  options.max_pending_calls = std::max(options.max_pending_calls, max_calls + 16);
  // A Mux call is refused (NACK) once the replies the calls in flight will need (their average
  // size each) exceed max_unsent_bytes, 1 MiB by default: about 18,000 calls of 32 bytes.
  const size_t per_call = payload + 1024;
  options.max_unsent_bytes = std::max(options.max_unsent_bytes, max_calls * per_call);
  options.max_buffered_bytes = std::max(options.max_buffered_bytes, 2 * max_calls * per_call);
  options.drain_timeout = std::chrono::milliseconds(2000);
  server::ThriftServer server(std::make_shared<bench_scales::BenchDispatcher>(
                                  std::shared_ptr<bench_scales::BenchAsyncHandler>(handler)),
                              options);
  server.start();
  std::cout << "PORT " << server.port() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string command;
    in >> command;
    if (command == "sample") {
      auto sample = sampleMemory();
      std::cout << "SAMPLE " << sample.heap << " " << sample.rss << " "
                << server.stats().open_connections << " " << handler->held() << std::endl;
    } else if (command == "park") {
      handler->park();
      std::cout << "OK" << std::endl;
    } else if (command == "wait-held") {
      size_t count = 0;
      long long millis = 0;
      if (!(in >> count >> millis)) {
        std::cout << "ERROR wait-held needs a count and milliseconds" << std::endl;
      } else if (handler->waitHeld(count, std::chrono::milliseconds(millis))) {
        std::cout << "HELD " << handler->held() << std::endl;
      } else {
        std::cout << "ERROR only " << handler->held() << " of " << count
                  << " calls reached the server within " << millis << " ms" << std::endl;
      }
    } else if (command == "release") {
      std::cout << "RELEASED " << handler->release() << std::endl;
    } else {
      std::cout << "ERROR unknown command '" << command << "'" << std::endl;
    }
  }
  handler->release();  // nothing stays parked while the server drains
  server.stop();
  return 0;
}

}  // namespace scales::bench
