// SPDX-License-Identifier: Apache-2.0
// Redis' reply classification: errors that say the server cannot serve now are failures (some
// retryable); the command's own errors are successes of the protocol.
#include <gtest/gtest.h>

#include "scales/redis/resp.h"

namespace scales::redis {
namespace {

ReplyClass classify(std::string payload) { return classifyReply({"GET", nullptr}, {payload}); }

TEST(RedisReplyClass, ServerStateErrorsAreFailuresAndTheCommandsOwnAreNot) {
  auto loading = classify("-LOADING Redis is loading the dataset in memory\r\n");
  EXPECT_TRUE(loading.failure);
  EXPECT_TRUE(loading.retryable) << "the command did not run";
  EXPECT_EQ(loading.label(), "redis_LOADING");
  EXPECT_TRUE(classify("-BUSY Redis is busy running a script\r\n").retryable);
  EXPECT_TRUE(classify("-MASTERDOWN Link with MASTER is down\r\n").failure);
  auto readonly = classify("-READONLY You can't write against a read only replica.\r\n");
  EXPECT_TRUE(readonly.failure);
  EXPECT_FALSE(readonly.retryable);
  EXPECT_TRUE(classify("!21\r\nTRYAGAIN slot moving\r\n").retryable) << "RESP3 blob error";

  for (auto ok : {"+OK\r\n", "$3\r\nbar\r\n", ":1\r\n", "-ERR unknown command\r\n",
                  "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                  "-LOADINGX not a code we know\r\n", "-\r\n", ""}) {
    auto verdict = classify(ok);
    EXPECT_FALSE(verdict.failure) << ok;
    EXPECT_FALSE(verdict.retryable) << ok;
  }
}

}  // namespace
}  // namespace scales::redis
