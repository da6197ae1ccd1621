// SPDX-License-Identifier: Apache-2.0
// file:// endpoint lists: formats, errors that name the line, and re-reads on change (in place
// and by rename), delivered by inotify events, not polling.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/discovery/serverset.h"

namespace scales::discovery {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class FileResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("scales-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "backends").string();
  }
  void TearDown() override {
    if (resolver_) resolver_->stop();
    fs::remove_all(dir_);
  }

  void write(const std::string& text, bool by_rename = false) {
    std::string target = by_rename ? path_ + ".tmp" : path_;
    std::ofstream(target) << text;
    if (by_rename) fs::rename(target, path_);
  }

  void start(const std::string& suffix = "") {
    resolver_ = makeResolver(parseUri("file://" + path_ + suffix), io_.get_executor());
    resolver_->start([this](const ResolverUpdate& update) { updates_.push_back(update); });
  }

  // Runs the loop until the `n`th update arrives (bounded).
  const ResolverUpdate& update(size_t n) {
    auto give_up = Clock::now() + 5s;
    while (updates_.size() < n && Clock::now() < give_up) io_.run_one_for(50ms);
    if (updates_.size() < n) throw std::runtime_error("no update " + std::to_string(n));
    return updates_[n - 1];
  }

  fs::path dir_;
  std::string path_;
  boost::asio::io_context io_;
  std::unique_ptr<Resolver> resolver_;
  std::vector<ResolverUpdate> updates_;
};

TEST_F(FileResolverTest, ReadsHostPortLinesWithWeightsAndComments) {
  write("# backends\n10.0.0.1:9090\n\n  10.0.0.2:9091 2.5  # heavier\n[::1]:9092\n");
  start();
  const auto& u = update(1);
  ASSERT_TRUE(u.error.empty()) << u.error;
  ASSERT_EQ(u.endpoints.size(), 3u);
  EXPECT_EQ(u.endpoints[0].address(), "10.0.0.1:9090");
  EXPECT_EQ(u.endpoints[1].weight, 2.5);
  EXPECT_EQ(u.endpoints[2].host, "::1");
}

TEST_F(FileResolverTest, AChangedFileIsReadAgainInPlaceOrByRename) {
  write("10.0.0.1:1\n");
  start();
  ASSERT_EQ(update(1).endpoints.size(), 1u);
  write("10.0.0.1:1\n10.0.0.2:2\n");
  EXPECT_EQ(update(2).endpoints.size(), 2u);
  write("10.0.0.3:3\n", true);
  const auto& renamed = update(3);
  ASSERT_EQ(renamed.endpoints.size(), 1u);
  EXPECT_EQ(renamed.endpoints[0].address(), "10.0.0.3:3");
}

TEST_F(FileResolverTest, MistakesAreErrorsNamingTheLine) {
  write("10.0.0.1:1\nnot-an-endpoint\n");
  start();
  auto error = update(1).error;
  EXPECT_NE(error.find(path_ + " line 2"), std::string::npos) << error;
  write("10.0.0.1:1 heavy\n");
  error = update(2).error;
  EXPECT_NE(error.find("weight 'heavy' is not a positive number"), std::string::npos) << error;
  write("10.0.0.1:1 1 extra\n");
  error = update(3).error;
  EXPECT_NE(error.find("unexpected 'extra'"), std::string::npos) << error;
  // std::stod reads these; a weighted balancer must not get them.
  write("10.0.0.1:1 inf\n");
  error = update(4).error;
  EXPECT_NE(error.find("weight 'inf' is not a positive number"), std::string::npos) << error;
  write("10.0.0.1:1 nan\n");
  error = update(5).error;
  EXPECT_NE(error.find("weight 'nan' is not a positive number"), std::string::npos) << error;
}

TEST_F(FileResolverTest, AMissingFileIsAnErrorAndItsCreationIsSeen) {
  start();
  EXPECT_NE(update(1).error.find("cannot read " + path_), std::string::npos);
  write("10.0.0.1:1\n", true);
  EXPECT_EQ(update(2).endpoints.size(), 1u);
}

TEST_F(FileResolverTest, ServersetJsonWithStatusAndNamedEndpoints) {
  write(R"([
    {"serviceEndpoint": {"host": "10.0.0.1", "port": 9090},
     "additionalEndpoints": {"http": {"host": "10.0.0.1", "port": 8080}},
     "status": "ALIVE", "shard": 0},
    {"serviceEndpoint": {"host": "10.0.0.2", "port": 9090}, "status": "DEAD"},
    {"serviceEndpoint": {"host": "10.0.0.3", "port": 9090}, "status": "ALIVE"}
  ])");
  start();
  const auto& all = update(1);
  ASSERT_TRUE(all.error.empty()) << all.error;
  ASSERT_EQ(all.endpoints.size(), 2u);
  EXPECT_EQ(all.endpoints[1].address(), "10.0.0.3:9090");
  resolver_->stop();
  updates_.clear();
  start("!http");
  const auto& http = update(1);
  ASSERT_EQ(http.endpoints.size(), 1u);
  EXPECT_EQ(http.endpoints[0].address(), "10.0.0.1:8080");
}

TEST(Serverset, MembersRoundTripAndBadOnesAreNamed) {
  auto member = parseServersetMember(serversetMemberJson(Endpoint{"10.1.1.1", 7000}, 3));
  ASSERT_TRUE(member);
  EXPECT_EQ(member->address(), "10.1.1.1:7000");
  EXPECT_THROW(parseServersetMember("{"), ConfigError);
  try {
    parseServersetMember(R"({"serviceEndpoint": {"host": "h", "port": 70000}})");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("port 70000 is out of range"), std::string::npos);
  }
}

TEST(FileResolverUri, BadUrisAreConfigErrors) {
  boost::asio::io_context io;
  EXPECT_THROW(makeResolver(parseUri("file://host/etc/x"), io.get_executor()), ConfigError);
  EXPECT_THROW(makeResolver(parseUri("file:///"), io.get_executor()), ConfigError);
}

}  // namespace
}  // namespace scales::discovery
