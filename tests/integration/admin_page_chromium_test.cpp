// SPDX-License-Identifier: Apache-2.0
// The admin page in a real browser: headless Chromium loads /admin from 127.0.0.1, its script
// fetches /admin.json and renders one row per endpoint; after one of three backend processes is
// killed, that endpoint's row turns dead in the page. A client named like HTML is shown as text;
// a client over the endpoint cap says how many it shows. A screenshot of the page is kept in the
// build tree (tests/artifacts/admin_page.png). Skipped only when Chromium is not installed
// (scripts/setup.sh installs Debian's).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "integration/admin_harness.h"
#include "integration/headless_chromium.h"
#include "scales/metrics/admin_server.h"

namespace scales::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The data-state of the row for `address` in a dumped DOM ("" when there is no such row).
std::string rowState(const std::string& dom, const std::string& address) {
  auto row = dom.find("data-endpoint=\"" + address + "\"");
  if (row == std::string::npos) return "";
  auto tag_end = dom.find('>', row);
  auto state = dom.find("data-state=\"", row);
  if (state == std::string::npos || state > tag_end) return "";
  state += 12;
  return dom.substr(state, dom.find('"', state) - state);
}

TEST(AdminPageInChromium, RendersEndpointsAndTurnsAKilledBackendsRowDead) {
  auto binary = HeadlessChromium::find();
  if (!binary) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  fs::path artifacts = SCALES_TEST_ARTIFACTS;
  fs::create_directories(artifacts);
  HeadlessChromium chromium(*binary, (artifacts / "chromium.log").string());

  BackendProcess a("a"), c("c");
  auto b = std::make_unique<BackendProcess>("b");
  ClientConfig config;
  config.name = "admin-browser";
  // A long accrual backoff: the dead endpoint stays dead, not on probation, while the page loads.
  auto client =
      flaky::FlakyClient::make("tcp://" + a.address() + "," + b->address() + "," + c.address() +
                                   "?balancer=round_robin&accrual_backoff_ms=30000"
                                   "&accrual_backoff_max_ms=30000",
                               config);
  for (int i = 0; i < 30; ++i) client.read("k", 0);
  metrics::AdminServer admin(metrics::defaultRegistry());
  std::string url = "http://127.0.0.1:" + std::to_string(admin.port()) + "/admin";

  auto dom = chromium.dumpDom(url, 3000ms);
  ASSERT_NE(dom.find("data-client=\"admin-browser\""), std::string::npos)
      << "the page did not render the client:\n"
      << dom.substr(0, 2000);
  EXPECT_NE(dom.find("data-resolver-state=\"ok\""), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"chart\""), std::string::npos) << "no latency chart";
  for (const auto* backend : {&a, b.get(), &c}) {
    EXPECT_EQ(rowState(dom, backend->address()), "live") << backend->address();
  }

  std::string killed = b->address();
  BackgroundReads traffic(client);
  b->process.kill();  // SIGKILL: no drain, its connections just die
  // The browser is asked again until the page shows the row dead: each load renders what the
  // page fetched within its virtual-time budget.
  for (auto give_up = Clock::now() + 20s;
       rowState(dom, killed) != "dead" && Clock::now() < give_up;) {
    dom = chromium.dumpDom(url, 2000ms);
  }
  EXPECT_EQ(rowState(dom, killed), "dead") << dom.substr(0, 4000);
  EXPECT_EQ(rowState(dom, a.address()), "live");
  EXPECT_EQ(rowState(dom, c.address()), "live");

  auto png = (artifacts / "admin_page.png").string();
  ASSERT_TRUE(chromium.screenshot(url, png, 1280, 960, 2000ms)) << "no screenshot at " << png;
  std::ifstream in(png, std::ios::binary);
  std::string magic(8, '\0');
  in.read(magic.data(), 8);
  EXPECT_EQ(magic, "\x89PNG\r\n\x1a\n");
  EXPECT_GT(fs::file_size(png), 10'000u) << "a blank screenshot?";
}

TEST(AdminPageInChromium, AClientsNameIsShownAsTextNeverParsedAsHtml) {
  auto binary = HeadlessChromium::find();
  if (!binary) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  fs::path artifacts = SCALES_TEST_ARTIFACTS;
  fs::create_directories(artifacts);
  HeadlessChromium chromium(*binary, (artifacts / "chromium.log").string());

  // Names and error texts come from configuration, peers and resolvers. Nothing listens on the
  // endpoint, and no call is made: the name is what is tested.
  const std::string name = "<img src=x onerror=alert(1)>";
  ClientConfig config;
  config.name = name;
  auto client = flaky::FlakyClient::make("tcp://127.0.0.1:1", config);
  metrics::AdminServer admin(metrics::defaultRegistry());
  ASSERT_TRUE(clientNamed(adminJson(admin.port()), name)) << "/admin.json lists it as it is";

  auto dom =
      chromium.dumpDom("http://127.0.0.1:" + std::to_string(admin.port()) + "/admin", 3000ms);
  ASSERT_EQ(dom.find("data-rendered=\"0\""), std::string::npos) << "the page did not render:\n"
                                                                << dom.substr(0, 2000);
  // The title holds the name as text (serialised escaped) ...
  EXPECT_NE(dom.find("<h2>&lt;img src=x onerror=alert(1)&gt;"), std::string::npos)
      << dom.substr(0, 4000);
  // ... and no element was made of it: one would serialise with quoted attributes.
  EXPECT_EQ(dom.find("<img src=\"x\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_EQ(dom.find("onerror=\""), std::string::npos);
}

TEST(AdminPageInChromium, ALargeClientSaysHowManyEndpointsItShows) {
  auto binary = HeadlessChromium::find();
  if (!binary) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  fs::path artifacts = SCALES_TEST_ARTIFACTS;
  fs::create_directories(artifacts);
  HeadlessChromium chromium(*binary, (artifacts / "chromium.log").string());

  size_t total = metrics::ClientStatus::kMaxEndpoints + 5;
  std::string uri = "tcp://";
  for (size_t i = 0; i < total; ++i) {
    uri += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(20000 + i);
  }
  ClientConfig config;
  config.name = "many-in-browser";
  auto client = flaky::FlakyClient::make(uri, config);  // no call: nothing connects
  metrics::AdminServer admin(metrics::defaultRegistry());
  auto dom =
      chromium.dumpDom("http://127.0.0.1:" + std::to_string(admin.port()) + "/admin", 3000ms);
  auto showing = "showing " + std::to_string(metrics::ClientStatus::kMaxEndpoints) + " of " +
                 std::to_string(total) + " endpoints";
  EXPECT_NE(dom.find(showing), std::string::npos) << dom.substr(0, 3000);
  EXPECT_NE(dom.find("data-state-count=\"live\">live <b>" + std::to_string(total) + "</b>"),
            std::string::npos);
}

TEST(HeadlessChromiumUrls, OnlyLoopbackUrlsAreLoaded) {
  for (const char* url : {"http://127.0.0.1:8080/admin", "http://127.0.0.1:1", "http://127.0.0.1",
                          "http://127.0.0.1:65535/x?y#z"}) {
    EXPECT_TRUE(HeadlessChromium::loopbackUrl(url)) << url;
  }
  for (const char* url : {"http://127.0.0.1:1@8.8.8.8/", "http://127.0.0.1@8.8.8.8/",
                          "http://127.0.0.1.evil.example/", "http://127.0.0.1:80\\@8.8.8.8/",
                          "http://127.0.0.1:1\t@8.8.8.8/", "https://127.0.0.1:1/",
                          "http://localhost:1/", "http://127.0.0.1:/", "http://127.0.0.1:99999/",
                          "file:///etc/passwd", " http://127.0.0.1:1/"}) {
    EXPECT_FALSE(HeadlessChromium::loopbackUrl(url)) << url;
  }
  HeadlessChromium chromium("/bin/false", "/dev/null");
  EXPECT_THROW(chromium.dumpDom("http://127.0.0.1:1@8.8.8.8/", 100ms), std::invalid_argument);
}

}  // namespace
}  // namespace scales::testing
