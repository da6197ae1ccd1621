// SPDX-License-Identifier: Apache-2.0
// The directory of live clients: a locked map of how to ask each one for its status.
#include "scales/metrics/client_directory.h"

namespace scales::metrics {

uint64_t ClientDirectory::add(std::string name, Describe describe) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  entries_.emplace(id, Entry{id, std::move(name), std::move(describe)});
  return id;
}

void ClientDirectory::remove(uint64_t id) {
  // The entry's describe() may hold the client's last references: let them go outside the lock.
  Entry gone;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    gone = std::move(it->second);
    entries_.erase(it);
  }
}

std::vector<ClientDirectory::Entry> ClientDirectory::entries() const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(entry);
  return out;
}

ClientDirectory& clientDirectory() {
  // Never destroyed: clients in static storage may leave after main() returns.
  static auto* directory = new ClientDirectory;
  return *directory;
}

}  // namespace scales::metrics
