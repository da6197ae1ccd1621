// SPDX-License-Identifier: Apache-2.0
// scales_sim_svg_check FILE.svg SERIES...: the test that the chart scales-sim wrote is a
// well-formed SVG document with exactly one polyline per expected series (named by the line's
// <title>), each with points inside the drawing. Exit status 0 when it is, 1 (with the reasons)
// when not.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/tests/xml_check.h"

namespace {

using scales::sim::testing::XmlElement;

// "x,y x,y ..." as pairs of numbers; false when anything else is there.
bool readPoints(const std::string& text, std::vector<std::pair<double, double>>& out) {
  std::istringstream in(text);
  std::string pair;
  while (in >> pair) {
    auto comma = pair.find(',');
    if (comma == std::string::npos) return false;
    char* end = nullptr;
    double x = std::strtod(pair.c_str(), &end);
    if (end != pair.c_str() + comma) return false;
    double y = std::strtod(pair.c_str() + comma + 1, &end);
    if (*end != '\0') return false;
    out.emplace_back(x, y);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE.svg SERIES...\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  std::vector<std::string> expected(argv + 2, argv + argc);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", path.c_str());
    return 1;
  }
  std::ostringstream text;
  text << in.rdbuf();

  std::vector<std::string> problems;
  XmlElement root;
  try {
    root = scales::sim::testing::parseXml(text.str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: not well-formed XML: %s\n", path.c_str(), e.what());
    return 1;
  }
  if (root.name != "svg") problems.push_back("the root element is <" + root.name + ">");
  if (root.attributes["xmlns"] != "http://www.w3.org/2000/svg") {
    problems.push_back("the root element lacks xmlns=\"http://www.w3.org/2000/svg\"");
  }
  double width = std::atof(root.attributes["width"].c_str());
  double height = std::atof(root.attributes["height"].c_str());
  if (!(width > 0 && height > 0)) problems.push_back("no positive width and height");

  std::vector<std::string> found;
  for (const XmlElement* line : scales::sim::testing::findAll(root, "polyline")) {
    std::string title;
    for (const auto& child : line->children) {
      if (child.name == "title") title = child.text;
    }
    found.push_back(title);
    std::vector<std::pair<double, double>> points;
    auto it = line->attributes.find("points");
    if (it == line->attributes.end() || !readPoints(it->second, points)) {
      problems.push_back("polyline '" + title + "': points are not pairs of numbers");
      continue;
    }
    if (points.size() < 2) problems.push_back("polyline '" + title + "': fewer than 2 points");
    for (auto [x, y] : points) {
      if (x < 0 || x > width || y < 0 || y > height) {
        problems.push_back("polyline '" + title + "': a point outside the drawing");
        break;
      }
    }
  }
  std::vector<std::string> want = expected, got = found;
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  if (want != got) {
    std::string list;
    for (const auto& f : found) list += (list.empty() ? "" : ", ") + f;
    problems.push_back("polylines titled [" + list + "], expected one per series given");
  }
  for (const auto& p : problems) std::fprintf(stderr, "%s: %s\n", path.c_str(), p.c_str());
  if (!problems.empty()) return 1;
  std::printf("ok: %s is well-formed SVG with one polyline per series (%zu)\n", path.c_str(),
              found.size());
  return 0;
}
