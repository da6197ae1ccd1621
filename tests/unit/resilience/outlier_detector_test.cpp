// SPDX-License-Identifier: Apache-2.0
// Outlier ejection's judgement: against the peers' median, within the ejection fraction.
#include "scales/resilience/outlier_detector.h"

#include <gtest/gtest.h>

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;

OutlierSample sample(int64_t requests, int64_t failures, Duration latency = 1ms,
                     bool ejected = false) {
  return OutlierSample{requests, failures, latency, ejected};
}

TEST(OutlierDetector, EjectsTheEndpointFailingFarMoreThanItsPeers) {
  OutlierDetector detector({.interval = 1s});
  auto eject = detector.judge({sample(100, 2), sample(100, 80), sample(100, 5), sample(100, 1)});
  EXPECT_EQ(eject, std::vector<size_t>{1});
}

TEST(OutlierDetector, AUniformlyBadSetHasNoOutlier) {
  OutlierDetector detector({.interval = 1s});
  EXPECT_TRUE(detector.judge({sample(100, 90), sample(100, 80), sample(100, 95)}).empty());
}

TEST(OutlierDetector, EjectsTheSlowOneWhenLatencyIsJudged) {
  OutlierDetector detector({.interval = 1s, .latency_factor = 5});
  auto eject = detector.judge({sample(100, 0, 2ms), sample(100, 0, 3ms), sample(100, 0, 40ms)});
  EXPECT_EQ(eject, std::vector<size_t>{2});
  OutlierDetector failures_only({.interval = 1s});
  EXPECT_TRUE(failures_only.judge({sample(100, 0, 2ms), sample(100, 0, 3ms), sample(100, 0, 40ms)})
                  .empty());
}

TEST(OutlierDetector, NeverEjectsMoreThanTheFractionWorstFirst) {
  OutlierDetector detector({.interval = 1s, .max_ejection_fraction = 0.34});
  std::vector<OutlierSample> set = {sample(100, 0), sample(100, 0),  sample(100, 0),
                                    sample(100, 0), sample(100, 70), sample(100, 100),
                                    sample(100, 60)};
  EXPECT_EQ(detector.judge(set), (std::vector<size_t>{5, 4}));  // floor(0.34 * 7) = 2
  set[5].ejected = true;
  EXPECT_EQ(detector.judge(set), std::vector<size_t>{4});  // one slot left
}

TEST(OutlierDetector, QuietEndpointsAreNeitherJudgedNorPeers) {
  OutlierDetector detector({.interval = 1s, .min_requests = 20});
  EXPECT_TRUE(detector.judge({sample(100, 0), sample(100, 0), sample(5, 5)}).empty());
  EXPECT_TRUE(detector.judge({sample(100, 0), sample(100, 90)}).empty());  // no median of two
}

TEST(OutlierDetector, EjectionsGrowWithRepeatsUpToTheCap) {
  OutlierDetector detector({.interval = 1s, .base_ejection = 30s, .max_ejection = 100s});
  EXPECT_EQ(detector.ejectionFor(1), 30s);
  EXPECT_EQ(detector.ejectionFor(3), 90s);
  EXPECT_EQ(detector.ejectionFor(4), 100s);
}

}  // namespace
}  // namespace scales::resilience
