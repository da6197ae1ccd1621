// SPDX-License-Identifier: Apache-2.0
// Runs headless Chromium for the admin page's browser test.
#include "integration/headless_chromium.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {
namespace fs = std::filesystem;

std::optional<std::string> HeadlessChromium::find() {
  if (const char* own = std::getenv("SCALES_CHROMIUM"); own && *own) {
    return access(own, X_OK) == 0 ? std::optional<std::string>(own) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      auto candidate = (fs::path(dir.empty() ? "." : dir) / name).string();
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return std::nullopt;
}

bool HeadlessChromium::loopbackUrl(const std::string& url) {
  const std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  // The authority ends at the path, query or fragment. Anything a browser might read as more
  // than host and port (userinfo, a backslash, a tab it would strip) is refused outright.
  auto end = url.find_first_of("/?#", scheme.size());
  std::string_view authority(url);
  authority = authority.substr(scheme.size(),
                               end == std::string::npos ? std::string::npos : end - scheme.size());
  auto colon = authority.find(':');
  if (authority.substr(0, colon) != "127.0.0.1") return false;
  if (colon == std::string_view::npos) return true;
  auto port = authority.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return std::stoi(std::string(port)) <= 65535;
}

HeadlessChromium::HeadlessChromium(std::string binary, std::string log_path)
    : binary_(std::move(binary)), log_path_(std::move(log_path)) {
  std::string pattern = (fs::temp_directory_path() / "scales-chromium-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  profile_ = pattern;
}

HeadlessChromium::~HeadlessChromium() {
  std::error_code ignored;
  fs::remove_all(profile_, ignored);
}

std::string HeadlessChromium::run(const std::string& url, std::chrono::milliseconds budget,
                                  const std::vector<std::string>& what) {
  if (!loopbackUrl(url)) {
    throw std::invalid_argument("headless Chromium only loads pages on 127.0.0.1: " + url);
  }
  // sh only sends the browser's stderr (warnings about D-Bus and the like) to the log.
  std::vector<std::string> argv = {
      "/bin/sh", "-c", "log=$1; shift; exec \"$@\" 2>>\"$log\"", "sh", log_path_, binary_,
      "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile_,
      "--no-first-run", "--no-default-browser-check",
      // Loopback only: no name resolves, no background traffic.
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--no-proxy-server",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-extensions", "--disable-default-apps", "--disable-domain-reliability",
      "--no-pings", "--disable-breakpad", "--disable-dev-shm-usage",
      "--virtual-time-budget=" + std::to_string(budget.count())};
  argv.insert(argv.end(), what.begin(), what.end());
  argv.push_back(url);
  ChildProcess browser(argv);
  auto out = browser.readAll(std::chrono::seconds(15));
  return browser.wait(std::chrono::seconds(5)) == 0 ? out : "";
}

std::string HeadlessChromium::dumpDom(const std::string& url, std::chrono::milliseconds budget) {
  return run(url, budget, {"--dump-dom"});
}

bool HeadlessChromium::screenshot(const std::string& url, const std::string& png, int width,
                                  int height, std::chrono::milliseconds budget) {
  std::error_code ignored;
  fs::remove(png, ignored);
  run(url, budget,
      {"--hide-scrollbars", "--screenshot=" + png,
       "--window-size=" + std::to_string(width) + "," + std::to_string(height)});
  return fs::exists(png) && fs::file_size(png) > 0;
}

}  // namespace scales::testing
