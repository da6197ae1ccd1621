// SPDX-License-Identifier: Apache-2.0
// Writes the latency chart as SVG text. Text widths are estimated (SVG has no layout without a
// renderer), generously, so labels do not collide in common fonts; everything else is computed
// from the data: "nice" tick steps (1, 2 or 5 x 10^n), decades on a log scale, and a height that
// fits the legend.
#include "sim/svg_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>

namespace scales::sim {
namespace {

// Distinct on white and in print (D3's category10, then darker tones for runs 11-16).
constexpr std::array<const char*, 16> kPalette{
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"};
constexpr std::array<const char*, 4> kDashes{"", "8 4", "2 3", "10 3 2 3"};

constexpr double kFontSize = 12;
// Average glyph width of a sans-serif font, as a fraction of its size (a little generous).
constexpr double kCharWidth = 0.6;

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 at all; a space keeps the text readable.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') ? ' ' : c;
    }
  }
  return out;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// 1, 2 or 5 x 10^n, the smallest not below `raw`.
double niceStep(double raw) {
  if (!(raw > 0)) return 1;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * magnitude;
}

// Milliseconds as a tick label: "0.5 ms", "20 ms", "1.5 s".
std::string latencyLabel(double ms) {
  char buf[32];
  if (ms >= 1000) {
    std::snprintf(buf, sizeof buf, "%g s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%g ms", ms);
  }
  return buf;
}

double textWidth(std::string_view text, double size) {
  return static_cast<double>(text.size()) * size * kCharWidth;
}

// Greedy word wrap to at most `width` characters per line.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string word = text.substr(i, j - i);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    i = j + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// Maps values to pixels on the y axis and lists its ticks.
struct YAxis {
  bool log = false;
  double lo = 0, hi = 1;
  std::vector<double> ticks;

  // (0 at the bottom of the plot, 1 at the top)
  double fraction(double v) const {
    if (log) {
      v = std::max(v, lo);
      return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    }
    return (v - lo) / (hi - lo);
  }
};

YAxis yAxis(const std::vector<ChartSeries>& series, YScale scale) {
  double min = INFINITY, max = 0;
  for (const auto& s : series) {
    for (double v : s.values) {
      if (!std::isfinite(v) || v <= 0) continue;
      min = std::min(min, v);
      max = std::max(max, v);
    }
  }
  if (!(max > 0)) {  // nothing to draw: an empty but valid frame
    min = 1;
    max = 10;
  }
  YAxis axis;
  axis.log = scale == YScale::kLog || (scale == YScale::kAuto && max / min > 20);
  if (axis.log) {
    int lo = static_cast<int>(std::floor(std::log10(min)));
    int hi = static_cast<int>(std::ceil(std::log10(max)));
    if (hi <= lo) hi = lo + 1;
    axis.lo = std::pow(10.0, lo);
    axis.hi = std::pow(10.0, hi);
    for (int d = lo; d <= hi; ++d) {
      double decade = std::pow(10.0, d);
      axis.ticks.push_back(decade);
      // Few decades: 2 and 5 as well, so that the axis still reads at a glance.
      if (hi - lo <= 2 && d < hi) {
        axis.ticks.push_back(2 * decade);
        axis.ticks.push_back(5 * decade);
      }
    }
  } else {
    double step = niceStep(max / 5);
    axis.lo = 0;
    axis.hi = std::ceil(max / step) * step;
    for (int i = 0; i * step <= axis.hi + step / 2; ++i) axis.ticks.push_back(i * step);
  }
  return axis;
}

// Markers at the same time share a line and a label.
std::vector<ChartMarker> merged(const std::vector<ChartMarker>& markers) {
  std::map<double, std::string> by_time;
  for (const auto& m : markers) {
    std::string& label = by_time[m.at];
    label += (label.empty() ? "" : ", ") + m.label;
  }
  std::vector<ChartMarker> out;
  for (auto& [at, label] : by_time) out.push_back({at, label});
  return out;
}

}  // namespace

std::string renderChart(const ChartOptions& o, const std::vector<ChartSeries>& series,
                        const std::vector<ChartMarker>& markers) {
  // Layout: title and subtitle on top, the plot on the left, the legend on its right.
  const double plot_w = 660;
  const double left = 84;
  double legend_w = textWidth(o.legend_title, kFontSize) + 10;
  for (const auto& s : series) legend_w = std::max(legend_w, textWidth(s.label, kFontSize) + 44);
  legend_w = std::clamp(legend_w, 140.0, 360.0);
  const double width = std::ceil(left + plot_w + 28 + legend_w + 16);
  const auto subtitle_chars = static_cast<size_t>((width - left - 16) / (kFontSize * kCharWidth));
  std::vector<std::string> subtitle = wrap(o.subtitle, subtitle_chars);
  if (subtitle.size() > 4) subtitle.resize(4);
  const double top = 58 + 16 * static_cast<double>(subtitle.size()) + 14;
  const double legend_row = 20;
  const double legend_h = 28 + legend_row * static_cast<double>(series.size());
  const double plot_h = std::max(380.0, legend_h);
  const double bottom = 62;
  const double height = std::ceil(top + plot_h + bottom);
  const double right = left + plot_w;
  const double base = top + plot_h;  // the x axis

  const double duration = o.duration_s > 0 ? o.duration_s : 1;
  auto x = [&](double seconds) { return left + plot_w * std::clamp(seconds / duration, 0.0, 1.0); };
  const YAxis axis = yAxis(series, o.y_scale);
  auto y = [&](double v) { return base - plot_h * std::clamp(axis.fraction(v), 0.0, 1.0); };

  std::string svg;
  auto add = [&svg](const std::string& s) { svg += s + "\n"; };
  add("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  add("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + fmt(width) +
      "\" height=\"" + fmt(height) + "\" viewBox=\"0 0 " + fmt(width) + " " + fmt(height) +
      "\" font-family=\"Helvetica, Arial, 'DejaVu Sans', sans-serif\" font-size=\"12\">");
  add("<title>" + escape(o.title) + "</title>");
  add("<defs><clipPath id=\"plot\"><rect x=\"" + fmt(left) + "\" y=\"" + fmt(top) + "\" width=\"" +
      fmt(plot_w) + "\" height=\"" + fmt(plot_h) + "\"/></clipPath></defs>");
  add("<rect width=\"" + fmt(width) + "\" height=\"" + fmt(height) + "\" fill=\"#ffffff\"/>");

  // Title and subtitle.
  add("<text x=\"" + fmt(left) + "\" y=\"32\" font-size=\"18\" font-weight=\"bold\" " +
      "fill=\"#222222\">" + escape(o.title) + "</text>");
  for (size_t i = 0; i < subtitle.size(); ++i) {
    add("<text x=\"" + fmt(left) + "\" y=\"" + fmt(54 + 16 * static_cast<double>(i)) +
        "\" fill=\"#555555\">" + escape(subtitle[i]) + "</text>");
  }

  // Plot area, grid and tick labels.
  add("<rect x=\"" + fmt(left) + "\" y=\"" + fmt(top) + "\" width=\"" + fmt(plot_w) +
      "\" height=\"" + fmt(plot_h) + "\" fill=\"#fafafa\"/>");
  add("<g class=\"y-ticks\" font-size=\"11\" fill=\"#444444\" text-anchor=\"end\">");
  for (double t : axis.ticks) {
    double ty = y(t);
    add("<line x1=\"" + fmt(left) + "\" y1=\"" + fmt(ty) + "\" x2=\"" + fmt(right) + "\" y2=\"" +
        fmt(ty) + "\" stroke=\"#e2e2e2\" stroke-width=\"1\"/>");
    add("<line x1=\"" + fmt(left - 5) + "\" y1=\"" + fmt(ty) + "\" x2=\"" + fmt(left) + "\" y2=\"" +
        fmt(ty) + "\" stroke=\"#333333\" stroke-width=\"1\"/>");
    add("<text x=\"" + fmt(left - 8) + "\" y=\"" + fmt(ty + 4) + "\">" + escape(latencyLabel(t)) +
        "</text>");
  }
  add("</g>");
  add("<g class=\"x-ticks\" font-size=\"11\" fill=\"#444444\" text-anchor=\"middle\">");
  const double x_step = niceStep(duration / 10);
  for (int i = 0; i * x_step <= duration * (1 + 1e-9); ++i) {
    double tx = x(i * x_step);
    char label[32];
    std::snprintf(label, sizeof label, "%g", i * x_step);
    add("<line x1=\"" + fmt(tx) + "\" y1=\"" + fmt(top) + "\" x2=\"" + fmt(tx) + "\" y2=\"" +
        fmt(base) + "\" stroke=\"#ececec\" stroke-width=\"1\"/>");
    add("<line x1=\"" + fmt(tx) + "\" y1=\"" + fmt(base) + "\" x2=\"" + fmt(tx) + "\" y2=\"" +
        fmt(base + 5) + "\" stroke=\"#333333\" stroke-width=\"1\"/>");
    add("<text x=\"" + fmt(tx) + "\" y=\"" + fmt(base + 19) + "\">" + label + "</text>");
  }
  add("</g>");

  // The scenario's changes: dashed lines, labels staggered in rows where they would overlap.
  add("<g class=\"markers\" font-size=\"11\" fill=\"#555555\">");
  double row_end[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (const auto& m : merged(markers)) {
    if (m.at < 0 || m.at > duration) continue;
    double mx = x(m.at);
    add("<line x1=\"" + fmt(mx) + "\" y1=\"" + fmt(top) + "\" x2=\"" + fmt(mx) + "\" y2=\"" +
        fmt(base) + "\" stroke=\"#888888\" stroke-width=\"1\" stroke-dasharray=\"5 4\"/>");
    double w = textWidth(m.label, 11);
    bool flip = mx + 4 + w > right;  // label left of the line at the right edge
    double lx = flip ? mx - 4 : mx + 4;
    double start = flip ? lx - w : lx;
    size_t row = 0;
    while (row < 2 && row_end[row] > start) ++row;
    row_end[row] = start + w + 8;
    add("<text x=\"" + fmt(lx) + "\" y=\"" + fmt(top + 14 + 14 * static_cast<double>(row)) + "\"" +
        (flip ? " text-anchor=\"end\"" : "") +
        " stroke=\"#fafafa\" stroke-width=\"3\" paint-order=\"stroke\">" + escape(m.label) +
        "</text>");
  }
  add("</g>");

  // One polyline per series, clipped to the plot.
  add("<g class=\"series\" clip-path=\"url(#plot)\" fill=\"none\" stroke-width=\"1.8\" "
      "stroke-linejoin=\"round\" stroke-linecap=\"round\">");
  const double bucket = o.bucket_s > 0 ? o.bucket_s : 1;
  for (const auto& s : series) {
    std::string points;
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (!std::isfinite(s.values[i])) continue;
      double center = std::min(duration, (static_cast<double>(i) + 0.5) * bucket);
      points += (points.empty() ? "" : " ") + fmt(x(center)) + "," + fmt(y(s.values[i]));
    }
    const char* dash = kDashes[static_cast<size_t>(s.dash) % kDashes.size()];
    add(std::string("<polyline stroke=\"") +
        kPalette[static_cast<size_t>(s.color) % kPalette.size()] + "\"" +
        (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + " points=\"" + points +
        "\"><title>" + escape(s.label) + "</title></polyline>");
  }
  add("</g>");

  // Axes and their titles.
  add("<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1.2\">");
  add("<line x1=\"" + fmt(left) + "\" y1=\"" + fmt(top) + "\" x2=\"" + fmt(left) + "\" y2=\"" +
      fmt(base) + "\"/>");
  add("<line x1=\"" + fmt(left) + "\" y1=\"" + fmt(base) + "\" x2=\"" + fmt(right) + "\" y2=\"" +
      fmt(base) + "\"/>");
  add("</g>");
  add("<text x=\"" + fmt(left + plot_w / 2) + "\" y=\"" + fmt(base + 44) +
      "\" text-anchor=\"middle\" fill=\"#333333\">" + escape(o.x_label) + "</text>");
  const double label_y = top + plot_h / 2;
  add("<text x=\"20\" y=\"" + fmt(label_y) + "\" transform=\"rotate(-90 20 " + fmt(label_y) +
      ")\" text-anchor=\"middle\" fill=\"#333333\">" + escape(o.y_label) +
      (axis.log ? ", log scale" : "") + "</text>");

  // Legend.
  const double lx = right + 28;
  add("<g class=\"legend\">");
  add("<text x=\"" + fmt(lx) + "\" y=\"" + fmt(top + 12) + "\" font-weight=\"bold\" " +
      "fill=\"#222222\">" + escape(o.legend_title) + "</text>");
  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    double ly = top + 32 + legend_row * static_cast<double>(i);
    const char* dash = kDashes[static_cast<size_t>(s.dash) % kDashes.size()];
    add(std::string("<line x1=\"") + fmt(lx) + "\" y1=\"" + fmt(ly) + "\" x2=\"" + fmt(lx + 28) +
        "\" y2=\"" + fmt(ly) + "\" stroke=\"" +
        kPalette[static_cast<size_t>(s.color) % kPalette.size()] +
        "\" stroke-width=\"2.4\" stroke-linecap=\"round\"" +
        (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + "/>");
    add("<text x=\"" + fmt(lx + 36) + "\" y=\"" + fmt(ly + 4) + "\" fill=\"#333333\">" +
        escape(s.label) + "</text>");
  }
  add("</g>");
  add("</svg>");
  return svg;
}

std::string latencyChart(const Scenario& scenario, const std::vector<RunResult>& runs,
                         const SeriesOptions& series_options, YScale y_scale) {
  char pct[32];
  std::snprintf(pct, sizeof pct, "p%g", series_options.percentile * 100);
  char bucket[32];
  std::snprintf(bucket, sizeof bucket, "%g s", series_options.bucket_s);

  ChartOptions o;
  o.title =
      (scenario.name.empty() ? "scales-sim" : scenario.name) + ": " + pct + " latency over time";
  o.subtitle = describeSetup(scenario) + "." +
               (scenario.description.empty() ? "" : " " + scenario.description);
  o.y_label = std::string(pct) + " latency";
  o.x_label = std::string("seconds since the start (each point: the calls that started in that ") +
              bucket + ")";
  o.legend_title = scenario.variants.empty() ? "policy" : "policy/variant";
  o.duration_s = scenario.duration_s;
  o.bucket_s = series_options.bucket_s;
  o.y_scale = y_scale;

  // One colour per policy and one dash per variant, so a policy's variants read as a family.
  std::vector<std::string> policies, variants;
  auto indexOf = [](std::vector<std::string>& seen, const std::string& name) {
    auto it = std::find(seen.begin(), seen.end(), name);
    if (it != seen.end()) return static_cast<int>(it - seen.begin());
    seen.push_back(name);
    return static_cast<int>(seen.size() - 1);
  };
  std::vector<ChartSeries> series;
  for (const auto& r : runs) {
    series.push_back({.label = runName(r.policy, r.variant),
                      .color = indexOf(policies, r.policy),
                      .dash = indexOf(variants, r.variant),
                      .values = r.series});
  }
  // Simultaneous changes share a marker, naming their backend once: "b0 joins, x4, x1 over 10 s".
  std::vector<ChartMarker> markers;
  const ScenarioEvent* previous = nullptr;
  for (const auto& e : scenario.events) {
    std::string label = describeEvent(e, true);
    if (previous && previous->at == e.at) {
      const std::string prefix = "b" + std::to_string(e.backend) + " ";
      if (e.kind != ChangeKind::kRate && previous->kind != ChangeKind::kRate &&
          previous->backend == e.backend && label.rfind(prefix, 0) == 0) {
        label = label.substr(prefix.size());
      }
      markers.back().label += ", " + label;
    } else {
      markers.push_back({e.at, label});
    }
    previous = &e;
  }
  return renderChart(o, series, markers);
}

}  // namespace scales::sim
