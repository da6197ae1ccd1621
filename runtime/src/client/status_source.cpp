// SPDX-License-Identifier: Apache-2.0
// A client's entry in the admin page's directory: asks hop onto the client's executor, one at a
// time.
#include "status_source.h"

#include <boost/asio/post.hpp>

namespace scales::client {
namespace asio = boost::asio;

namespace {
// Answers run other people's code (the admin server's inbox): whatever they throw stays here,
// never reaching the client's event loop, which may be a user's. A lost answer is allowed (at
// most once); the round reports the client as silent.
void give(const metrics::ClientDirectory::Answer& answer,
          std::optional<metrics::ClientStatus> status) {
  try {
    answer(std::move(status));
  } catch (...) {
  }
}
}  // namespace

// The one ask on the executor. Run, it answers every waiting answer; destroyed unrun (its loop
// shut down and dropped it), it answers them with nullopt: the client cannot answer any more.
struct StatusSource::Queued {
  explicit Queued(std::shared_ptr<StatusSource> s) : source(std::move(s)) {}
  Queued(const Queued&) = delete;
  Queued& operator=(const Queued&) = delete;
  ~Queued() {
    if (!done) source->dropQueued();
  }
  std::shared_ptr<StatusSource> source;
  bool done = false;
};

StatusSource::StatusSource(metrics::ClientDirectory& directory, std::string name,
                           asio::any_io_executor executor, Fill fill)
    : directory_(directory),
      name_(std::move(name)),
      executor_(std::move(executor)),
      fill_(std::move(fill)) {}

std::shared_ptr<StatusSource> StatusSource::publish(metrics::ClientDirectory& directory,
                                                    std::string name,
                                                    asio::any_io_executor executor, Fill fill) {
  auto source = std::make_shared<StatusSource>(directory, std::move(name), std::move(executor),
                                               std::move(fill));
  // The directory holds the source weakly: listing a client must not keep it alive.
  source->id_ = directory.add(source->name_, [weak = std::weak_ptr<StatusSource>(source)](
                                                 metrics::ClientDirectory::Answer answer) {
    if (auto self = weak.lock()) return self->ask(std::move(answer));
    give(answer, std::nullopt);
  });
  return source;
}

void StatusSource::ask(metrics::ClientDirectory::Answer answer) {
  // Declared before the lock, so released after it: an answer dropped for the cap, and our
  // reference to the queued ask (whose destructor takes the lock when the loop dropped it).
  metrics::ClientDirectory::Answer dropped;
  std::shared_ptr<Queued> queued;
  {
    std::lock_guard lock(ask_mutex_);
    if (!withdrawn_) {
      if (waiting_.size() >= kMaxWaitingAnswers) {
        dropped = std::move(waiting_.front());
        waiting_.erase(waiting_.begin());
      }
      waiting_.push_back(std::move(answer));
      if (queued_) return;  // the ask on the executor answers this one too
      queued = std::make_shared<Queued>(shared_from_this());
      // Posted under the lock: once withdraw() has returned, nothing is posted to an executor
      // that may be about to go with its channel.
      try {
        asio::post(executor_, [queued] {
          queued->done = true;
          queued->source->answerQueued();
        });
        queued_ = true;
      } catch (...) {
        // Never posted (out of memory): the answer waits for the next ask, or for withdraw();
        // this round reports the client silent.
        queued->done = true;
      }
      return;
    }
  }
  give(answer, std::nullopt);
}

void StatusSource::answerQueued() {
  auto status = take();
  std::vector<metrics::ClientDirectory::Answer> answers;
  {
    std::lock_guard lock(ask_mutex_);
    answers.swap(waiting_);  // asks that came while the status was taken get it too
    queued_ = false;
  }
  for (size_t i = 0; i < answers.size(); ++i) {
    if (i + 1 == answers.size()) {
      give(answers[i], std::move(status));
    } else {
      try {
        give(answers[i], status);
      } catch (...) {  // the copy could not be made: that one answer is lost
      }
    }
  }
}

void StatusSource::dropQueued() {
  std::vector<metrics::ClientDirectory::Answer> answers;
  {
    std::lock_guard lock(ask_mutex_);
    answers.swap(waiting_);
    // queued_ stays set: the loop is going, nothing more is posted there.
  }
  for (auto& answer : answers) give(answer, std::nullopt);
}

std::optional<metrics::ClientStatus> StatusSource::take() {
  std::lock_guard lock(fill_mutex_);
  if (closed_) return std::nullopt;
  try {
    metrics::ClientStatus status;
    status.name = name_;
    if (fill_) {
      fill_(status);
    } else {
      // Not "resolving" for ever: this client has nothing that resolves or balances.
      status.resolver.state = "none";
      status.resolver.detail = "no balancer layer";
    }
    return status;
  } catch (const std::exception& e) {
    return failed(e.what());
  } catch (...) {
    return failed("not a std::exception");
  }
}

std::optional<metrics::ClientStatus> StatusSource::failed(const char* what) const {
  try {
    metrics::ClientStatus status;
    status.name = name_;
    status.resolver.state = "unknown";
    status.error = std::string("could not take its status: ") + what;
    return status;
  } catch (...) {
    return std::nullopt;  // out of memory even for that: left out of this round
  }
}

void StatusSource::withdraw() {
  std::vector<metrics::ClientDirectory::Answer> waiting;
  {
    std::lock_guard lock(ask_mutex_);
    withdrawn_ = true;
    waiting.swap(waiting_);
  }
  Fill fill;  // may hold the stack's last shared parts: released outside the lock
  {
    // Waits for a status being taken right now; later ones find the source closed.
    std::lock_guard lock(fill_mutex_);
    closed_ = true;
    fill = std::move(fill_);
    fill_ = nullptr;
  }
  directory_.remove(id_);
  for (auto& answer : waiting) give(answer, std::nullopt);  // the client left: no wait for it
}

}  // namespace scales::client
