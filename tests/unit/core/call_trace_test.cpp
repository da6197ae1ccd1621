// SPDX-License-Identifier: Apache-2.0
// Call traces: rendering, and errors carrying them without losing their type.
#include "scales/core/call_trace.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales {
namespace {
using namespace std::chrono_literals;

TEST(CallTrace, RendersEachAttemptAndTheLimit) {
  CallTrace trace;
  auto first = trace.start("10.0.0.1:9090", AttemptKind::kFirst);
  auto backup = trace.start("10.0.0.2:9090", AttemptKind::kBackup);
  trace.finish(first, std::make_exception_ptr(TimeoutError("slow")), 12500us);
  trace.endedBy("deadline");
  EXPECT_EQ(trace.render(),
            "[2 attempts: 10.0.0.1:9090 TimeoutError (slow) 12.5ms; backup 10.0.0.2:9090 "
            "unfinished; ended by: deadline]");
  trace.finish(backup, nullptr, 3ms);
  EXPECT_NE(trace.render().find("backup 10.0.0.2:9090 ok 3.0ms"), std::string::npos);
}

TEST(CallTrace, ACopyHasEveryAttemptTheLimitAndTheNotesAndGoesItsOwnWay) {
  CallTrace trace;
  for (int i = 0; i < 4; ++i) {  // past the attempts kept inline
    trace.finish(
        trace.start("h:" + std::to_string(i), i == 0 ? AttemptKind::kFirst : AttemptKind::kRetry),
        std::make_exception_ptr(ConnectionError("reset")), 1ms);
  }
  trace.note(5, "retry");
  CallTrace frozen(trace);  // what an error carries
  frozen.endedBy("max retries");
  trace.start("h:4", AttemptKind::kRetry);
  trace.note(6, "retry");
  EXPECT_EQ(frozen.size(), 4u);
  EXPECT_EQ(frozen[3].endpoint, "h:3");
  EXPECT_TRUE(frozen.tried("h:2"));
  EXPECT_FALSE(frozen.tried("h:4"));
  EXPECT_EQ(frozen.notes().size(), 1u);
  EXPECT_EQ(frozen.endedBy(), "max retries");
  EXPECT_EQ(trace.size(), 5u);
  EXPECT_EQ(trace.notes().size(), 2u);
  EXPECT_EQ(trace.endedBy(), "");  // set on the copy only
  CallTrace assigned;
  assigned = frozen;
  EXPECT_EQ(assigned.render(), frozen.render());
  EXPECT_NE(assigned.render().find("; ended by: max retries]"), std::string::npos);
  CallTrace moved(std::move(assigned));
  EXPECT_EQ(moved.render(), frozen.render());
  EXPECT_EQ(assigned.size(), 0u);  // NOLINT: the moved-from state is specified
  EXPECT_EQ(assigned.render(), "[0 attempts]");
  CallTrace empty;
  EXPECT_TRUE(empty.notes().empty());
  EXPECT_EQ(empty.render(), "[0 attempts]");
}

TEST(CallTrace, ATracedErrorKeepsItsTypeAndTheOriginalIsUntouched) {
  auto trace = std::make_shared<CallTrace>();
  trace->start("h:1", AttemptKind::kFirst);
  trace->finish(0, std::make_exception_ptr(ConnectFailedError("refused")), 1ms);
  ConnectFailedError original("refused");
  auto traced = original.withTrace(trace);
  EXPECT_STREQ(original.what(), "refused");
  try {
    std::rethrow_exception(traced);
  } catch (const ConnectFailedError& e) {
    EXPECT_STREQ(e.message(), "refused");
    EXPECT_EQ(std::string(e.what()), "refused [1 attempt: h:1 ConnectFailedError (refused) 1.0ms]");
    EXPECT_EQ(e.trace(), trace.get());
  }
  ApplicationError app(ApplicationError::Type::kInternalError, "boom");
  try {
    std::rethrow_exception(app.withTrace(trace));
  } catch (const ApplicationError& e) {
    EXPECT_EQ(e.type(), ApplicationError::Type::kInternalError);
  }
}

}  // namespace
}  // namespace scales
