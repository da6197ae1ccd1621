// SPDX-License-Identifier: Apache-2.0
// An Echo handler that answers out of order: echo() calls wait until `batch` of them are waiting,
// then are answered last first; hold() calls wait until releaseHeld().
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "Echo.scales.h"

namespace scales::testing {

class BatchingEcho : public echo::EchoAsyncHandler {
 public:
  explicit BatchingEcho(size_t batch) : batch_(batch) {}

  void echo(const std::string& payload, server::Reply<std::string> reply) override {
    std::vector<std::pair<std::string, server::Reply<std::string>>> ready;
    {
      std::lock_guard lock(mutex_);
      waiting_.emplace_back(payload, std::move(reply));
      if (waiting_.size() < batch_) return;
      ready.swap(waiting_);
    }
    for (auto it = ready.rbegin(); it != ready.rend(); ++it) it->second(it->first);
  }

  void hold(int32_t id, server::Reply<int32_t> reply) override {
    std::lock_guard lock(mutex_);
    held_.emplace_back(id, std::move(reply));
  }

  void releaseHeld() {
    std::vector<std::pair<int32_t, server::Reply<int32_t>>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& [id, reply] : held) reply(id);
  }

 private:
  size_t batch_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, server::Reply<std::string>>> waiting_;
  std::vector<std::pair<int32_t, server::Reply<int32_t>>> held_;
};

}  // namespace scales::testing
