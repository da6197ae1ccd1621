// SPDX-License-Identifier: Apache-2.0
// Debian's Chromium, headless, driven from its command line: the DOM of a page after its scripts
// ran (--dump-dom), or a screenshot. For pages this project serves on 127.0.0.1 only: it refuses
// any other URL, and the browser is started so that it resolves no host name and does none of
// its own background networking.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace scales::testing {

class HeadlessChromium {
 public:
  // The browser: $SCALES_CHROMIUM, else `chromium` or `chromium-browser` on the PATH; nullopt
  // when there is none.
  static std::optional<std::string> find();

  // Whether `url` is one this class loads: http://127.0.0.1[:port][/...], its host parsed (a
  // prefix match would let http://127.0.0.1:1@8.8.8.8/ through, whose host is 8.8.8.8).
  static bool loopbackUrl(const std::string& url);

  // A fresh profile directory (removed by the destructor); the browser's own chatter goes to
  // `log_path`.
  HeadlessChromium(std::string binary, std::string log_path);
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // The DOM once the page's scripts have run for `budget` of virtual time ("" on failure).
  std::string dumpDom(const std::string& url, std::chrono::milliseconds budget);
  // Writes a PNG of a `width` x `height` window to `png`; false when the browser failed.
  bool screenshot(const std::string& url, const std::string& png, int width, int height,
                  std::chrono::milliseconds budget);

 private:
  std::string run(const std::string& url, std::chrono::milliseconds budget,
                  const std::vector<std::string>& what);

  std::string binary_;
  std::string log_path_;
  std::string profile_;
};

}  // namespace scales::testing
