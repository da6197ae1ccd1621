// SPDX-License-Identifier: Apache-2.0
// scales-sim's chart: well-formed XML (read back with the strict checker in tools/sim/tests/),
// one polyline per run named by its <title>, text escaped, the y axis logarithmic only for wide
// ranges, simultaneous changes under one marker. And the checker itself refuses what is not XML.
#include "sim/svg_chart.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/tests/xml_check.h"

namespace scales::sim {
namespace {

using testing::findAll;
using testing::parseXml;
using testing::XmlElement;
using testing::XmlError;

std::vector<std::string> titles(const XmlElement& svg) {
  std::vector<std::string> out;
  for (const XmlElement* line : findAll(svg, "polyline")) {
    out.push_back(line->children.empty() ? "" : line->children[0].text);
  }
  return out;
}

// Every text element's content, one per line.
std::string texts(const XmlElement& svg) {
  std::string out;
  for (const XmlElement* t : findAll(svg, "text")) out += t->text + "\n";
  return out;
}

ChartOptions options() {
  ChartOptions o;
  o.title = "a <chart> & \"more\"";
  o.subtitle = "tested";
  o.y_label = "p99 latency";
  o.x_label = "seconds";
  o.legend_title = "policy";
  o.duration_s = 4;
  o.bucket_s = 1;
  return o;
}

TEST(SimSvgChart, OnePolylinePerSeriesInWellFormedSvg) {
  std::vector<ChartSeries> series{
      {.label = "round_robin", .color = 0, .dash = 0, .values = {10, 12, 300, 11}},
      {.label = "p2c <&> 'x'", .color = 1, .dash = 1, .values = {9, NAN, 20, 10}},
      {.label = "empty", .color = 2, .dash = 0, .values = {NAN, NAN, NAN, NAN}}};
  std::string svg = renderChart(options(), series, {{1, "b0 x10"}, {3, "b0 x1"}});
  XmlElement root = parseXml(svg);
  EXPECT_EQ(root.name, "svg");
  EXPECT_EQ(root.attributes["xmlns"], "http://www.w3.org/2000/svg");
  EXPECT_EQ(titles(root), (std::vector<std::string>{"round_robin", "p2c <&> 'x'", "empty"}));
  auto lines = findAll(root, "polyline");
  ASSERT_EQ(lines.size(), 3u);
  // NaN buckets are left out of the line, not drawn as zero.
  auto count = [](const std::string& points) {
    return std::count(points.begin(), points.end(), ',');
  };
  EXPECT_EQ(count(lines[0]->attributes.at("points")), 4);
  EXPECT_EQ(count(lines[1]->attributes.at("points")), 3);
  EXPECT_EQ(count(lines[2]->attributes.at("points")), 0);
  EXPECT_NE(texts(root).find("a <chart> & \"more\""), std::string::npos);
}

TEST(SimSvgChart, LogScaleOnlyForWideRanges) {
  std::vector<ChartSeries> wide{{.label = "a", .color = 0, .dash = 0, .values = {10, 20000}}};
  std::vector<ChartSeries> narrow{{.label = "a", .color = 0, .dash = 0, .values = {10, 45}}};
  std::string wide_texts = texts(parseXml(renderChart(options(), wide, {})));
  std::string narrow_texts = texts(parseXml(renderChart(options(), narrow, {})));
  EXPECT_NE(wide_texts.find("p99 latency, log scale"), std::string::npos);
  EXPECT_NE(wide_texts.find("\n10 s\n"), std::string::npos);  // decades up to 100 s
  EXPECT_NE(wide_texts.find("\n100 s\n"), std::string::npos);
  EXPECT_EQ(narrow_texts.find("log scale"), std::string::npos);
  EXPECT_NE(narrow_texts.find("\n0 ms\n"), std::string::npos);  // linear from 0
  EXPECT_NE(narrow_texts.find("\n50 ms\n"), std::string::npos);
  ChartOptions forced = options();
  forced.y_scale = YScale::kLog;
  EXPECT_NE(texts(parseXml(renderChart(forced, narrow, {}))).find("log scale"), std::string::npos);
}

TEST(SimSvgChart, ARunPerLineNamedPolicySlashVariant) {
  Scenario s;
  s.name = "demo";
  s.duration_s = 2;
  s.backends.resize(2);
  s.variants = {{.name = "off", .clients = {}}, {.name = "on", .clients = {}}};
  s.events = {{.at = 1, .kind = ChangeKind::kJoin, .backend = 0, .value = 0, .over = 0},
              {.at = 1, .kind = ChangeKind::kLatencyFactor, .backend = 0, .value = 4, .over = 0}};
  std::vector<RunResult> runs(3);
  runs[0].policy = runs[1].policy = "round_robin";
  runs[2].policy = "p2c";
  runs[0].variant = runs[2].variant = "off";
  runs[1].variant = "on";
  for (auto& r : runs) r.series = {10, 20};
  XmlElement root = parseXml(latencyChart(s, runs, {}, YScale::kAuto));
  EXPECT_EQ(titles(root),
            (std::vector<std::string>{"round_robin/off", "round_robin/on", "p2c/off"}));
  std::string all = texts(root);
  EXPECT_NE(all.find("demo: p99 latency over time"), std::string::npos);
  EXPECT_NE(all.find("policy/variant"), std::string::npos);
  EXPECT_NE(all.find("b0 joins, x4"), std::string::npos);  // one marker for both
  // Same policy, same colour; another variant, another dash.
  auto lines = findAll(root, "polyline");
  EXPECT_EQ(lines[0]->attributes.at("stroke"), lines[1]->attributes.at("stroke"));
  EXPECT_NE(lines[0]->attributes.at("stroke"), lines[2]->attributes.at("stroke"));
  EXPECT_EQ(lines[0]->attributes.count("stroke-dasharray"), 0u);
  EXPECT_EQ(lines[1]->attributes.count("stroke-dasharray"), 1u);
}

TEST(SimXmlCheck, ReadsWellFormedXml) {
  XmlElement root = parseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<a x='1' y=\"&lt;&#65;&#x42;\">"
      "t&amp;<b/><![CDATA[<raw>]]><c>\xC3\x97</c></a>\n");
  EXPECT_EQ(root.name, "a");
  EXPECT_EQ(root.attributes["y"], "<AB");
  EXPECT_EQ(root.text, "t&<raw>");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[1].text, "\xC3\x97");
}

TEST(SimXmlCheck, RefusesWhatIsNotWellFormed) {
  for (const char* bad : {
           "<a><b></a></b>",          // crossed tags
           "<a x=1/>",                // unquoted attribute
           "<a x='1' x='2'/>",        // repeated attribute
           "<a>fish & chips</a>",     // bare ampersand
           "<a>&nbsp;</a>",           // not a predefined entity
           "<a/><b/>",                // two roots
           "<a>",                     // not closed
           "<a x='<'/>",              // '<' in an attribute
           "<a>\x01</a>",             // control character
           "<a>\xC3</a>",             // truncated UTF-8
           "<a><!-- x -- y --></a>",  // '--' in a comment
           " <?xml version='1.0'?><a/>",
           "",
       }) {
    EXPECT_THROW(parseXml(bad), XmlError) << bad;
  }
  try {
    parseXml("<svg>\n  <g></svg>");
    ADD_FAILURE();
  } catch (const XmlError& e) {
    EXPECT_EQ(std::string(e.what()), "line 2, column 8: '</svg>' closes '<g>'");
  }
}

}  // namespace
}  // namespace scales::sim
