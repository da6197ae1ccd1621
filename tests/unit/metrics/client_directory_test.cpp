// SPDX-License-Identifier: Apache-2.0
// The admin page's directory of clients and how /admin.json gathers their statuses: answers
// from any thread, clients that closed meanwhile left out, silent ones reported at the timeout
// (never waited for longer), and late answers dropped, also once the admin loop is gone.
#include "scales/metrics/client_directory.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <future>

#include "metrics/detail/status_gather.h"
#include "scales/core/runtime.h"

namespace scales::metrics {
namespace {
using namespace std::chrono_literals;

ClientDirectory::Describe answersWith(std::string uri) {
  return [uri](const ClientDirectory::Answer& answer) {
    ClientStatus status;
    status.name = "ignored: the directory's name is kept";
    status.uri = uri;
    answer(status);
  };
}

// Runs one gathering round on `admin`'s loop and waits for its answer.
std::vector<ClientStatus> gather(const ClientDirectory& directory, Runtime& admin,
                                 const std::shared_ptr<detail::Inbox>& inbox, Duration timeout) {
  std::promise<std::vector<ClientStatus>> answered;
  boost::asio::post(admin.executor(), [&] {
    detail::gatherStatuses(directory, inbox, timeout, [&answered](std::vector<ClientStatus> all) {
      answered.set_value(std::move(all));
    });
  });
  auto future = answered.get_future();
  EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
  return future.get();
}

TEST(ClientDirectory, ListsInOrderAndForgets) {
  ClientDirectory directory;
  auto a = directory.add("a", answersWith("tcp://a"));
  auto b = directory.add("b", answersWith("tcp://b"));
  ASSERT_EQ(directory.entries().size(), 2u);
  EXPECT_EQ(directory.entries()[0].name, "a");
  EXPECT_EQ(directory.entries()[1].id, b);
  directory.remove(a);
  directory.remove(a);  // twice: nothing
  ASSERT_EQ(directory.entries().size(), 1u);
  EXPECT_EQ(directory.entries()[0].name, "b");
}

TEST(ClientDirectory, GatheringWaitsForEveryAnswerButNoLongerThanItsTimeout) {
  ClientDirectory directory;
  Runtime admin(1);
  auto inbox = std::make_shared<detail::Inbox>(admin.executor());
  auto quick = directory.add("quick", answersWith("tcp://quick"));
  directory.add("closed", [](const ClientDirectory::Answer& answer) { answer(std::nullopt); });
  std::vector<ClientDirectory::Answer> held;  // a client whose loop never gets to the ask
  std::mutex held_mutex;
  directory.add("silent", [&](ClientDirectory::Answer answer) {
    std::lock_guard lock(held_mutex);
    held.push_back(std::move(answer));
  });
  // From another thread, as a client's executor would.
  std::thread elsewhere;
  directory.add("elsewhere", [&elsewhere](ClientDirectory::Answer answer) {
    elsewhere = std::thread([answer] { answersWith("tcp://elsewhere")(answer); });
  });

  auto started = Clock::now();
  auto all = gather(directory, admin, inbox, 300ms);
  auto took = Clock::now() - started;
  elsewhere.join();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  ASSERT_EQ(all.size(), 3u);  // "closed" is left out
  EXPECT_EQ(all[0].id, quick);
  EXPECT_EQ(all[0].uri, "tcp://quick");
  EXPECT_EQ(all[0].name, "ignored: the directory's name is kept");
  EXPECT_EQ(all[0].error, "");
  EXPECT_EQ(all[1].name, "silent");
  EXPECT_NE(all[1].error.find("no answer within 300 ms"), std::string::npos) << all[1].error;
  EXPECT_EQ(all[2].uri, "tcp://elsewhere");

  // Too late: dropped, whether the round is over or the admin loop has gone.
  ClientStatus late;
  std::lock_guard lock(held_mutex);
  ASSERT_EQ(held.size(), 1u);
  held[0](late);
  inbox->shut();
  admin.stop();
  held[0](late);
}

TEST(ClientDirectory, GatheringEndsAsSoonAsEveryClientAnswered) {
  ClientDirectory directory;
  Runtime admin(1);
  auto inbox = std::make_shared<detail::Inbox>(admin.executor());
  directory.add("quick", answersWith("tcp://quick"));
  auto started = Clock::now();
  auto all = gather(directory, admin, inbox, 30s);
  EXPECT_LT(Clock::now() - started, 5s);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(gather(ClientDirectory(), admin, inbox, 30s).empty()) << "nobody to ask";
}

}  // namespace
}  // namespace scales::metrics
