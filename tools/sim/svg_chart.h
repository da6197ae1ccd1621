// SPDX-License-Identifier: Apache-2.0
// The chart scales-sim writes with --svg: latency over time, one line per run, with axes, ticks,
// the scenario's changes marked where they happen, a legend and a title. Plain SVG 1.1 text (no
// script, fonts or other files), so it opens in any browser and can be attached to an issue.
#pragma once

#include <string>
#include <vector>

#include "sim/engine.h"
#include "sim/scenario.h"

namespace scales::sim {

enum class YScale {
  kAuto,  // logarithmic when the values span more than a factor of 20, else linear from 0
  kLinear,
  kLog,
};

struct ChartSeries {
  std::string label;  // the legend's text and the line's <title> (a tooltip in browsers)
  int color = 0;      // palette index: one per policy
  int dash = 0;       // dash pattern index: one per variant
  std::vector<double> values = {};  // one per bucket; NaN: no point there
};

// A vertical line at `at` seconds, labelled (the scenario's changes).
struct ChartMarker {
  double at = 0;
  std::string label;
};

struct ChartOptions {
  std::string title;
  std::string subtitle;
  std::string y_label;
  std::string x_label;
  std::string legend_title;
  double duration_s = 60;
  double bucket_s = 1;  // values[i] is drawn at the middle of bucket i
  YScale y_scale = YScale::kAuto;
};

// A standalone SVG document.
std::string renderChart(const ChartOptions& options, const std::vector<ChartSeries>& series,
                        const std::vector<ChartMarker>& markers);

// The chart of a scenario's runs: each run's series (RunResult::series) as a line named by
// runName(), coloured by policy and dashed by variant; the scenario's events as markers.
std::string latencyChart(const Scenario& scenario, const std::vector<RunResult>& runs,
                         const SeriesOptions& series, YScale y_scale);

}  // namespace scales::sim
