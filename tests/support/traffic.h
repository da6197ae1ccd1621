// SPDX-License-Identifier: Apache-2.0
// Watching where a client's calls land while discovery changes under it. Changes show up after a
// watch fires or a TTL passes, so the bounds are in time (and the helpers return as soon as the
// answer is known).
#pragma once

#include <set>
#include <string>

#include "Flaky.scales.h"
#include "scales/core/deadline.h"

namespace scales::testing {

// Calls until the server called `name` answers (true), or `within` passes.
inline bool reaches(flaky::FlakyClient& client, const std::string& name,
                    Duration within = std::chrono::seconds(10)) {
  for (auto give_up = Clock::now() + within; Clock::now() < give_up;) {
    if (client.read("k", 0) == name) return true;
  }
  return false;
}

// Calls until only servers in `allowed` answer, `window` calls in a row.
inline bool settlesOn(flaky::FlakyClient& client, const std::set<std::string>& allowed,
                      int window = 30, Duration within = std::chrono::seconds(10)) {
  int clean = 0;
  for (auto give_up = Clock::now() + within; Clock::now() < give_up && clean < window;) {
    clean = allowed.count(client.read("k", 0)) ? clean + 1 : 0;
  }
  return clean >= window;
}

}  // namespace scales::testing
