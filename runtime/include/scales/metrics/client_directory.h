// SPDX-License-Identifier: Apache-2.0
// The process-wide directory of live clients, for the admin page: each client (its Channel)
// lists itself when built and leaves when closed. A client's stack may be read only on its own
// executor, so the directory holds no state of its own, only a way to ask: the admin server
// asks, and each client answers from its executor, in its own time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "scales/metrics/client_status.h"

namespace scales::metrics {

class ClientDirectory {
 public:
  // Called at most once, from any thread: the client's status, or nullopt when it closed before
  // it could answer.
  using Answer = std::function<void(std::optional<ClientStatus>)>;
  // Starts an answer and returns at once (MUST NOT block: the asker is the admin server's one
  // thread). Called from any thread, possibly after the client began to leave.
  using Describe = std::function<void(Answer)>;

  struct Entry {
    uint64_t id = 0;
    std::string name;
    Describe describe = {};
  };

  // Lists a client; returns its id (for remove()). Thread-safe.
  uint64_t add(std::string name, Describe describe);
  // Unlists it; a describe() already under way may still be called. Thread-safe.
  void remove(uint64_t id);
  // The clients listed now, in the order they were added.
  std::vector<Entry> entries() const;

 private:
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Entry> entries_;
};

// The directory every Channel lists itself in, and the admin server reads.
ClientDirectory& clientDirectory();

}  // namespace scales::metrics
