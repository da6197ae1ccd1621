// SPDX-License-Identifier: Apache-2.0
// The scenarios behind scales-sim's flags (none, --cold-join, --capacity-drop), built from the
// flags' parameters. With the defaults each equals a shipped file in tools/sim/scenarios/ (a unit
// test holds them equal), so the flags and the files are two spellings of one scenario.
#pragma once

#include <cstdint>

#include "sim/scenario.h"

namespace scales::sim {

// What the flags can change; times that depend on the length scale with `seconds`, as the
// simulator's tests run them shorter.
struct BuiltinOptions {
  int backends = 10;
  int clients = 4;
  int workers = 8;
  double rate = 4000;  // 60% of the backends' capacity at 8-12 ms
  double seconds = 60;
  uint64_t seed = 1;
  double slow_factor = 10;   // slow_backend, capacity_drop: how much slower backend 0 gets
  double slow_start_s = 20;  // cold_join: the slow start window of the "on" variant
  double cold_factor = 4;    // cold_join: how much slower backend 0 starts
  double warm_seconds = 10;  // cold_join: how long it takes to warm up
  int drop_workers = 2;      // capacity_drop: the workers backend 0 keeps
  size_t static_limit = 16;  // capacity_drop: the static limit, and the adaptive one's start
};

// Backend 0 is slow_factor times slower from 15 s to 45 s; p2c_ewma and aperture must beat
// round_robin on p99 (tools/sim/scenarios/slow_backend.json).
Scenario slowBackendScenario(const BuiltinOptions& options = {});
// Backend 0 joins a third of the way in, cold_factor times slower and warming over warm_seconds;
// each policy without and with slow start, which must lower the cold backend's p99 under
// round_robin (cold_join.json).
Scenario coldJoinScenario(const BuiltinOptions& options = {});
// Backend 0 keeps drop_workers workers from a third of the way in (and is slow_factor times
// slower from 15 s to 45 s, as the simulator has always had it); each policy with no limit, a
// static and an adaptive concurrency limit, the adaptive one cutting round_robin's p99 by a
// quarter or more against the static one (capacity_drop.json).
Scenario capacityDropScenario(const BuiltinOptions& options = {});

}  // namespace scales::sim
