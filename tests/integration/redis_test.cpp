// SPDX-License-Identifier: Apache-2.0
// scales::redis::Client against real redis-server processes on 127.0.0.1: every command type,
// RESP3, AUTH and SELECT, 10,000 pipelined commands on one connection, sharding over three
// servers by the key's hash, and a server killed and restarted mid-stream.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <set>
#include <thread>

#include "scales/redis/client.h"
#include "support/redis_server.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using redis::Reply;

std::string uriOf(const RedisServer& server, const std::string& query = "") {
  return "tcp://" + server.address() + query;
}

// INFO's "name:value" line, from the server's own account.
int64_t infoField(redis::Client& client, const std::string& section, const std::string& name) {
  auto info = client.command({"INFO", section});
  auto at = info.string.find(name + ":");
  if (at == std::string::npos) throw std::runtime_error("INFO has no " + name);
  return std::stoll(info.string.substr(at + name.size() + 1));
}

TEST(Redis, StringsCountersAndExpiry) {
  RedisServer server;
  auto client = redis::Client::make(uriOf(server));
  EXPECT_EQ(client->ping(), "PONG");
  EXPECT_EQ(client->get("missing"), std::nullopt);
  client->set("k", std::string("v\0\r\n binary", 11));
  EXPECT_EQ(client->get("k"), std::string("v\0\r\n binary", 11));
  EXPECT_TRUE(client->exists("k"));
  EXPECT_EQ(client->del("k"), 1);
  EXPECT_EQ(client->del("k"), 0);
  EXPECT_FALSE(client->exists("k"));

  EXPECT_EQ(client->incr("n"), 1);
  EXPECT_EQ(client->incrBy("n", 41), 42);
  EXPECT_EQ(client->get("n"), "42");

  EXPECT_EQ(client->ttl("n"), -1);
  EXPECT_TRUE(client->expire("n", 100s));
  EXPECT_GT(client->ttl("n"), 90);
  EXPECT_FALSE(client->expire("missing", 100s));
  EXPECT_EQ(client->ttl("missing"), -2);
  client->set("short", "lived", 50000ms);
  EXPECT_GT(client->ttl("short"), 40);

  std::string big(3 * 1024 * 1024, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>(i);
  client->set("big", big);
  EXPECT_EQ(client->get("big"), big);
}

TEST(Redis, HashesListsSetsAndMget) {
  RedisServer server;
  auto client = redis::Client::make(uriOf(server));
  EXPECT_EQ(client->hset("h", "a", "1"), 1);
  EXPECT_EQ(client->hset("h", "b", "2"), 1);
  EXPECT_EQ(client->hset("h", "a", "3"), 0);
  EXPECT_EQ(client->hget("h", "a"), "3");
  EXPECT_EQ(client->hget("h", "zz"), std::nullopt);
  auto all = client->hgetall("h");
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::pair<std::string, std::string>>{{"a", "3"}, {"b", "2"}}));
  EXPECT_EQ(client->hdel("h", "a"), 1);

  EXPECT_EQ(client->rpush("l", "b"), 1);
  EXPECT_EQ(client->lpush("l", "a"), 2);
  EXPECT_EQ(client->rpush("l", "c"), 3);
  EXPECT_EQ(client->lrange("l", 0, -1), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(client->lpop("l"), "a");
  EXPECT_EQ(client->lpop("empty"), std::nullopt);

  EXPECT_EQ(client->sadd("s", "x"), 1);
  EXPECT_EQ(client->sadd("s", "x"), 0);
  EXPECT_EQ(client->smembers("s"), std::vector<std::string>{"x"});

  client->set("m1", "one");
  client->set("m3", "three");
  auto values = client->mget({"m1", "m2", "m3"});
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"one", std::nullopt, "three"}));
  EXPECT_TRUE(client->mget({}).empty());
}

TEST(Redis, GenericCommandsAndErrorReplies) {
  RedisServer server;
  auto client = redis::Client::make(uriOf(server));
  EXPECT_EQ(client->command({"ZADD", "z", "2", "bob", "1", "ann"}).integer, 2);
  auto range = client->command({"ZRANGE", "z", "0", "-1", "WITHSCORES"});
  ASSERT_EQ(range.type, Reply::Type::kArray);
  ASSERT_EQ(range.elements.size(), 4u);
  EXPECT_EQ(range.elements[0].string, "ann");
  EXPECT_EQ(range.elements[3].string, "2");

  // An error reply to a generic command is returned as a reply...
  auto error = client->command({"NOSUCHCOMMAND", "x"});
  EXPECT_TRUE(error.isError());
  EXPECT_NE(error.string.find("unknown command"), std::string::npos);
  // ...and thrown, typed, by the typed commands.
  client->rpush("list", "x");
  try {
    client->incr("list");
    FAIL() << "INCR on a list succeeded";
  } catch (const redis::ServerError& e) {
    EXPECT_EQ(e.kind(), "WRONGTYPE");
  }
  try {
    client->get("list");
    FAIL() << "GET on a list succeeded";
  } catch (const redis::ServerError& e) {
    EXPECT_EQ(e.kind(), "WRONGTYPE");
  }
  // The connection is still fine after error replies.
  EXPECT_EQ(client->incr("counter"), 1);
}

TEST(Redis, AsyncFormsTakeAnyCompletionToken) {
  RedisServer server;
  auto client = redis::Client::make(uriOf(server));
  client->set("a", "1", asio::use_future).get();
  std::promise<std::optional<std::string>> got;
  client->get("a", [&](std::exception_ptr e, std::optional<std::string> v) {
    got.set_value(e ? std::nullopt : v);
  });
  EXPECT_EQ(got.get_future().get(), "1");

  asio::io_context io;
  // (Built outside the coroutine: g++ 12 miscompiles a braced list of literals inside one.)
  std::vector<std::string> keys{"a", "nope"};
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<int64_t> {
        co_await client->lpush("q", "x", asio::use_awaitable);
        auto values = co_await client->mget(keys, asio::use_awaitable);
        EXPECT_EQ(values[0], "1");
        co_return co_await client->incr("a", asio::use_awaitable);
      },
      asio::use_future);
  io.run();
  EXPECT_EQ(done.get(), 2);

  auto failed = client->incr("q", asio::use_future);
  EXPECT_THROW(failed.get(), redis::ServerError);
}

TEST(Redis, TenThousandCommandsPipelineOverOneConnection) {
  RedisServer server;
  auto client = redis::Client::make(uriOf(server));
  // (The test's own readiness probe was the server's first connection.)
  int64_t connections = infoField(*client, "stats", "total_connections_received");
  int64_t commands = infoField(*client, "stats", "total_commands_processed");
  constexpr int kCommands = 10000;
  std::vector<std::future<int64_t>> replies;
  replies.reserve(kCommands);
  for (int i = 0; i < kCommands; ++i) {
    replies.push_back(client->incr("seq:" + std::to_string(i % 100), asio::use_future));
  }
  // Replies come back in order per key: the n-th INCR of a key sees n.
  for (int i = 0; i < kCommands; ++i) {
    ASSERT_EQ(replies[i].get(), i / 100 + 1) << "reply " << i;
  }
  EXPECT_EQ(client->get("seq:7"), std::to_string(kCommands / 100));
  // The server saw one connection for all of it.
  EXPECT_EQ(infoField(*client, "stats", "total_connections_received"), connections);
  // The 10,000, the GET, and the INFO before them.
  EXPECT_EQ(infoField(*client, "stats", "total_commands_processed"), commands + kCommands + 3);
}

TEST(Redis, ShardsKeysAcrossServersByConsistentHash) {
  RedisServer a, b, c;
  std::string uri = "tcp://" + a.address() + "," + b.address() + "," + c.address();
  auto client = redis::Client::make(uri);
  constexpr int kKeys = 300;
  for (int i = 0; i < kKeys; ++i) client->set("key:" + std::to_string(i), std::to_string(i));

  // Every key lives on exactly one server, and each server holds a share.
  std::set<std::string> seen;
  for (auto* server : {&a, &b, &c}) {
    auto direct = redis::Client::make(uriOf(*server));
    auto keys = direct->command({"KEYS", "key:*"});
    EXPECT_GT(keys.elements.size(), static_cast<size_t>(kKeys / 10)) << server->address();
    for (const auto& key : keys.elements) EXPECT_TRUE(seen.insert(key.string).second);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kKeys));

  // Another client (another process would do the same) finds every key where it was put; the
  // endpoints' order in the URI does not matter.
  auto other = redis::Client::make("tcp://" + c.address() + "," + a.address() + "," + b.address());
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(other->get("key:" + std::to_string(i)), std::to_string(i));
  }
  auto values = other->mget({"key:1", "key:2", "key:299"});
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"1", "2", "299"}));
}

TEST(Redis, Resp3RepliesAndAuthAndSelect) {
  RedisServer server({"--requirepass", "s3cret"});
  auto anonymous = redis::Client::make(uriOf(server));
  try {
    anonymous->get("k");
    FAIL() << "no NOAUTH";
  } catch (const redis::ServerError& e) {
    EXPECT_EQ(e.kind(), "NOAUTH");
  }

  auto wrong = redis::Client::make(uriOf(server, "?password=nope"));
  try {
    wrong->get("k");
    FAIL() << "a wrong password connected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("WRONGPASS"), std::string::npos) << e.what();
  }

  auto db2 = redis::Client::make(uriOf(server, "?password=s3cret&db=2"));
  auto db0 = redis::Client::make(uriOf(server, "?password=s3cret"));
  db2->set("where", "two");
  EXPECT_EQ(db0->get("where"), std::nullopt);
  EXPECT_EQ(db2->get("where"), "two");

  auto resp3 = redis::Client::make(uriOf(server, "?password=s3cret&resp=3&db=2"));
  resp3->hset("h", "f", "v");
  auto map = resp3->command({"HGETALL", "h"});
  EXPECT_EQ(map.type, Reply::Type::kMap);
  EXPECT_EQ(resp3->hgetall("h"), (std::vector<std::pair<std::string, std::string>>{{"f", "v"}}));
  auto score = resp3->command({"ZINCRBY", "z", "1.5", "m"});
  EXPECT_EQ(score.type, Reply::Type::kDouble);
  EXPECT_DOUBLE_EQ(score.number, 1.5);
  EXPECT_EQ(resp3->get("where"), "two");
}

TEST(Redis, ServerKilledAndRestartedMidStream) {
  RedisServer server;
  auto client = redis::Client::make(uriOf(server, "?timeout_ms=500"));
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, ok_after_restart{0};
  std::atomic<bool> restarted{false};
  std::string unexpected;
  std::thread load([&] {
    for (auto give_up = Clock::now() + 30s; !stop && Clock::now() < give_up;) {
      try {
        client->set("k", "v");
        ++ok;
        if (restarted) ++ok_after_restart;
      } catch (const ConnectionError&) {
        ++failed;
      } catch (const UnavailableError&) {
        ++failed;
      } catch (const TimeoutError&) {
        ++failed;
      } catch (const std::exception& e) {
        unexpected = e.what();
        return;
      }
    }
  });
  auto waitFor = [](std::atomic<int>& counter, int at_least) {
    for (auto give_up = Clock::now() + 20s; counter < at_least && Clock::now() < give_up;) {
      std::this_thread::yield();
    }
    return counter >= at_least;
  };
  EXPECT_TRUE(waitFor(ok, 200));
  server.kill();
  EXPECT_TRUE(waitFor(failed, 1)) << "no call noticed the dead server";
  server.start();
  restarted = true;
  EXPECT_TRUE(waitFor(ok_after_restart, 200)) << "the client did not come back";
  stop = true;
  load.join();
  EXPECT_EQ(unexpected, "");
  EXPECT_EQ(client->get("k"), "v");
}

TEST(Redis, BadOptionsAreConfigErrors) {
  EXPECT_THROW(redis::Client::make("tcp://127.0.0.1:1?resp=4"), ConfigError);
  EXPECT_THROW(redis::Client::make("tcp://127.0.0.1:1?db=two"), ConfigError);
  EXPECT_THROW(redis::Client::make("tcp://127.0.0.1:1?no_such_knob=1"), ConfigError);
  EXPECT_THROW(redis::Client::make("nope://127.0.0.1:1"), ConfigError);
}

}  // namespace
}  // namespace scales::testing
