// SPDX-License-Identifier: Apache-2.0
// A small, fast generator for picks (xoshiro-style quality is not needed; speed and a fixed seed
// for tests and the simulator are). Executor-confined like the balancer that owns it.
#pragma once

#include <cstdint>
#include <random>

namespace scales::balancer::detail {

class FastRandom {
 public:
  explicit FastRandom(uint64_t seed) : state_(seed != 0 ? seed : std::random_device{}() | 1) {}

  // splitmix64: passes BigCrush, one multiply-xorshift chain per draw.
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by Lemire's multiply-shift (no division).
  size_t below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace scales::balancer::detail
