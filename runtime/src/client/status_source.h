// SPDX-License-Identifier: Apache-2.0
// A client's entry in the admin page's directory (scales/metrics/client_directory.h): asked from
// the admin server's thread, it takes the status on the client's executor, where the stack may
// be read, and answers from there. The channel withdraws it before it closes the stack; after
// withdraw() returns the stack is never read again, whatever the directory or a queued ask
// still holds (they hold this object, never the channel).
//
// At most one ask is queued on the executor at a time: asks arriving while one waits there join
// its answers, and the one snapshot answers them all. A loop that is blocked, or stopped for
// good, so holds one small handler, not one per gathering round, and a loop that recovers takes
// one snapshot, not a backlog of them.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "scales/metrics/client_directory.h"

namespace scales::client {

class StatusSource : public std::enable_shared_from_this<StatusSource> {
 public:
  using Fill = std::function<void(metrics::ClientStatus&)>;

  // Answers waiting on one queued ask, at most: older ones are dropped unanswered (the directory
  // allows it; their rounds timed out long ago, as a round waits a second and an ask joins the
  // list only while the previous one is still stuck on the loop).
  static constexpr size_t kMaxWaitingAnswers = 16;

  // Lists the client in `directory` under `name`. `fill` (null: the client has no balancer
  // layer, and only its name shows) runs on `executor` only, and never after withdraw(). An
  // exception out of `fill` is caught there and becomes the status's `error`.
  static std::shared_ptr<StatusSource> publish(metrics::ClientDirectory& directory,
                                               std::string name,
                                               boost::asio::any_io_executor executor, Fill fill);

  // Unlists the client and answers the asks waiting for it with nullopt; waits for a status
  // being taken on the executor to finish (never long, and never on that executor, where none
  // can be under way). Idempotent; any thread.
  void withdraw();

  StatusSource(metrics::ClientDirectory& directory, std::string name,
               boost::asio::any_io_executor executor, Fill fill);

 private:
  struct Queued;
  // The directory's describe(): answers from the executor, or at once with nullopt once
  // withdrawn. Never blocks, not even while a status is being taken.
  void ask(metrics::ClientDirectory::Answer answer);
  void answerQueued();
  void dropQueued();
  std::optional<metrics::ClientStatus> take();
  std::optional<metrics::ClientStatus> failed(const char* what) const;

  metrics::ClientDirectory& directory_;
  const std::string name_;
  const boost::asio::any_io_executor executor_;
  uint64_t id_ = 0;

  // Two locks, so the asker never waits for a snapshot: ask_mutex_ guards what the admin thread
  // touches (posting, the waiting answers), fill_mutex_ a snapshot against withdraw().
  std::mutex ask_mutex_;
  bool withdrawn_ = false;  // nothing is posted once set
  bool queued_ = false;     // an ask is on the executor: new answers wait for it
  std::vector<metrics::ClientDirectory::Answer> waiting_;

  std::mutex fill_mutex_;
  Fill fill_;            // null once withdrawn (or without a balancer layer)
  bool closed_ = false;  // withdrawn: the stack may be going
};

}  // namespace scales::client
