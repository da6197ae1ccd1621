// SPDX-License-Identifier: Apache-2.0
#include "scales/server/reply.h"

#include <gtest/gtest.h>

namespace scales::server {
namespace {

struct Seen {
  int answers = 0;
  int value = 0;
  std::string error;
};

Reply<int> replyInto(Seen& seen) {
  return Reply<int>([&seen](std::exception_ptr e, int* v) {
    ++seen.answers;
    if (v) seen.value = *v;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        seen.error = ex.what();
      }
    }
  });
}

TEST(Reply, FirstAnswerWins) {
  Seen seen;
  {
    auto reply = replyInto(seen);
    reply(7);
    reply(8);
    reply.fail(std::make_exception_ptr(std::runtime_error("late")));
  }
  EXPECT_EQ(seen.answers, 1);
  EXPECT_EQ(seen.value, 7);
  EXPECT_TRUE(seen.error.empty());
}

TEST(Reply, DroppedReplyAnswersInternalError) {
  Seen seen;
  { auto reply = replyInto(seen); }
  EXPECT_EQ(seen.answers, 1);
  EXPECT_EQ(seen.error, "handler dropped the reply");
}

TEST(Reply, GuardAnswersWithTheThrownErrorAfterTheReplyWasMovedAway) {
  Seen seen;
  auto reply = replyInto(seen);
  auto guard = reply.guard();
  try {
    [](Reply<int>) { throw std::runtime_error("handler threw"); }(std::move(reply));
  } catch (...) {
    guard.fail(std::current_exception());
  }
  EXPECT_EQ(seen.answers, 1);
  EXPECT_EQ(seen.error, "handler threw");
}

TEST(Reply, VoidReplyAnswersOnce) {
  int answers = 0;
  {
    Reply<void> reply([&](std::exception_ptr e) { answers += e ? 100 : 1; });
    reply();
  }
  EXPECT_EQ(answers, 1);
}

}  // namespace
}  // namespace scales::server
