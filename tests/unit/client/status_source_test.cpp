// SPDX-License-Identifier: Apache-2.0
// A client's entry in the admin page's directory: however many rounds ask while its loop does
// not run, one ask is queued there and one snapshot answers them all; the asker never waits for
// a snapshot being taken; a status that cannot be taken is reported, not thrown on the client's
// loop; a withdrawn client, or one whose loop dropped the ask, answers with nothing.
#include "client/status_source.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace scales::client {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// What the answers given so far said, from any thread.
struct Answers {
  metrics::ClientDirectory::Answer answer() {
    return [this](std::optional<metrics::ClientStatus> status) {
      std::lock_guard lock(mutex);
      got.push_back(std::move(status));
      given.notify_all();
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return got.size();
  }
  // Whether `n` answers came within `timeout`.
  bool await(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return given.wait_for(lock, timeout, [&] { return got.size() >= n; });
  }
  std::mutex mutex;
  std::condition_variable given;
  std::vector<std::optional<metrics::ClientStatus>> got;
};

// Asks the one client listed in `directory`, as the admin server would.
void ask(metrics::ClientDirectory& directory, metrics::ClientDirectory::Answer answer) {
  auto entries = directory.entries();
  ASSERT_EQ(entries.size(), 1u);
  entries[0].describe(std::move(answer));
}

// Runs what is ready on `io` (a loop nobody else runs); returns how many handlers ran.
size_t runReady(asio::io_context& io) {
  io.restart();
  return io.poll();
}

TEST(StatusSource, OneAskIsQueuedOnALoopThatDoesNotRunHoweverManyRoundsAsk) {
  asio::io_context io;  // not running: a blocked or stopped client loop
  metrics::ClientDirectory directory;
  int fills = 0;
  auto source = StatusSource::publish(directory, "stuck", io.get_executor(),
                                      [&fills](metrics::ClientStatus& status) {
                                        ++fills;
                                        status.uri = "tcp://stuck";
                                      });
  Answers answers;
  for (int round = 0; round < 5; ++round) ask(directory, answers.answer());
  EXPECT_EQ(answers.size(), 0u);
  EXPECT_EQ(runReady(io), 1u) << "one handler for five asks";
  EXPECT_EQ(fills, 1) << "one snapshot answers them all";
  ASSERT_EQ(answers.size(), 5u);
  for (const auto& status : answers.got) {
    ASSERT_TRUE(status);
    EXPECT_EQ(status->uri, "tcp://stuck");
    EXPECT_EQ(status->name, "stuck");
  }
  // Answered: the next round queues an ask again.
  ask(directory, answers.answer());
  EXPECT_EQ(runReady(io), 1u);
  EXPECT_EQ(fills, 2);
  EXPECT_EQ(answers.size(), 6u);
  source->withdraw();
}

TEST(StatusSource, AnswersWaitingOnAStuckLoopAreCapped) {
  asio::io_context io;
  metrics::ClientDirectory directory;
  auto source =
      StatusSource::publish(directory, "stuck", io.get_executor(), [](metrics::ClientStatus&) {});
  Answers answers;
  auto token = std::make_shared<int>();  // held by every answer given to the source
  for (size_t i = 0; i < StatusSource::kMaxWaitingAnswers + 4; ++i) {
    auto answer = answers.answer();
    ask(directory, [answer, token](std::optional<metrics::ClientStatus> status) {
      answer(std::move(status));
    });
  }
  // The four oldest were dropped (released, never called): a stuck loop holds a bounded list.
  EXPECT_EQ(token.use_count(), static_cast<long>(StatusSource::kMaxWaitingAnswers) + 1);
  EXPECT_EQ(runReady(io), 1u);
  EXPECT_EQ(answers.size(), StatusSource::kMaxWaitingAnswers);
  source->withdraw();
}

TEST(StatusSource, AnAskDoesNotWaitForASnapshotBeingTaken) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread loop([&io] { io.run(); });
  metrics::ClientDirectory directory;
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  int fills = 0;
  auto source =
      StatusSource::publish(directory, "slow", io.get_executor(), [&](metrics::ClientStatus&) {
        if (++fills == 1) {
          entered.set_value();
          released.wait();
        }
      });
  Answers answers;
  ask(directory, answers.answer());
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
  // The snapshot is being taken, under its lock: a second ask must return at once.
  auto second = std::async(std::launch::async, [&] { ask(directory, answers.answer()); });
  auto returned = second.wait_for(10s);
  release.set_value();
  EXPECT_EQ(returned, std::future_status::ready) << "the asker waited for the snapshot";
  second.wait();
  // The second joined the queued ask: the snapshot under way answers it too.
  EXPECT_TRUE(answers.await(2, 10s));
  source->withdraw();
  work.reset();
  loop.join();
  EXPECT_EQ(fills, 1);
  ASSERT_EQ(answers.size(), 2u);
  for (const auto& status : answers.got) EXPECT_TRUE(status);
}

TEST(StatusSource, AStatusThatCannotBeTakenIsReportedNotThrownOnTheClientsLoop) {
  asio::io_context io;
  metrics::ClientDirectory directory;
  auto source = StatusSource::publish(
      directory, "broken", io.get_executor(),
      [](metrics::ClientStatus&) -> void { throw std::runtime_error("no memory left"); });
  Answers answers;
  ask(directory, answers.answer());
  EXPECT_NO_THROW(runReady(io));
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_TRUE(answers.got[0]);
  EXPECT_EQ(answers.got[0]->name, "broken");
  EXPECT_NE(answers.got[0]->error.find("no memory left"), std::string::npos)
      << answers.got[0]->error;
  source->withdraw();
}

TEST(StatusSource, AClientWithoutABalancerLayerSaysSo) {
  asio::io_context io;
  metrics::ClientDirectory directory;
  auto source = StatusSource::publish(directory, "bare", io.get_executor(), nullptr);
  Answers answers;
  ask(directory, answers.answer());
  runReady(io);
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_TRUE(answers.got[0]);
  EXPECT_EQ(answers.got[0]->resolver.state, "none") << "not 'resolving' for ever";
  EXPECT_EQ(answers.got[0]->resolver.detail, "no balancer layer");
  EXPECT_EQ(answers.got[0]->error, "");
  source->withdraw();
}

TEST(StatusSource, WithdrawingAnswersWaitingAsksWithNothingAndReadsNoMore) {
  asio::io_context io;
  metrics::ClientDirectory directory;
  int fills = 0;
  auto source = StatusSource::publish(directory, "leaving", io.get_executor(),
                                      [&fills](metrics::ClientStatus&) { ++fills; });
  Answers answers;
  ask(directory, answers.answer());
  ask(directory, answers.answer());
  auto describe = directory.entries().at(0).describe;  // as a round under way still holds it
  source->withdraw();
  EXPECT_TRUE(directory.entries().empty());
  ASSERT_EQ(answers.size(), 2u) << "answered at withdraw(), not when the loop gets to it";
  EXPECT_FALSE(answers.got[0]);
  EXPECT_FALSE(answers.got[1]);
  describe(answers.answer());  // after withdraw(): nothing, at once
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_FALSE(answers.got[2]);
  runReady(io);  // the ask queued before withdraw() runs: it reads nothing
  EXPECT_EQ(fills, 0);
  EXPECT_EQ(answers.size(), 3u);
}

TEST(StatusSource, AnAskItsLoopDropsIsAnsweredWithNothing) {
  auto io = std::make_unique<asio::io_context>();
  metrics::ClientDirectory directory;
  auto source =
      StatusSource::publish(directory, "gone", io->get_executor(), [](metrics::ClientStatus&) {});
  Answers answers;
  ask(directory, answers.answer());
  ask(directory, answers.answer());
  source->withdraw();  // as a channel does before its loop goes
  EXPECT_EQ(answers.size(), 2u);
  // A loop destroyed with the ask still queued: the ask's destructor answers (nothing waits).
  auto io2 = std::make_unique<asio::io_context>();
  auto other = StatusSource::publish(directory, "dropped", io2->get_executor(),
                                     [](metrics::ClientStatus&) {});
  ask(directory, answers.answer());
  io2.reset();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_FALSE(answers.got[2]) << "the client cannot answer any more";
  other->withdraw();
}

}  // namespace
}  // namespace scales::client
