// SPDX-License-Identifier: Apache-2.0
#include "flaky_handler.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace scales::testing {

FlakyHandler::FlakyHandler(std::string name)
    : name_(std::move(name)), work_(timers_->get_executor()), thread_([this] { timers_->run(); }) {}

FlakyHandler::~FlakyHandler() { stop(); }

void FlakyHandler::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  timers_->stop();
  thread_.join();
  timers_.reset();  // destroys the waiting replies
}

void FlakyHandler::read(const std::string& key, int32_t delay_ms,
                        server::Reply<std::string> reply) {
  answer(key, delay_ms, std::move(reply));
}

void FlakyHandler::write(const std::string& key, int32_t delay_ms,
                         server::Reply<std::string> reply) {
  answer(key, delay_ms, std::move(reply));
}

void FlakyHandler::bounded(int32_t delay_ms, server::Reply<std::string> reply) {
  answer("", delay_ms, std::move(reply));
}

void FlakyHandler::answer(const std::string& key, int32_t delay_ms,
                          server::Reply<std::string> reply) {
  ++calls;
  if (key == "invalid") {
    flaky::Invalid invalid;
    invalid.why = "invalid key";
    return reply.fail(std::make_exception_ptr(invalid));
  }
  if (key.rfind("busy-once:", 0) == 0) {
    std::lock_guard lock(mutex_);
    if (seen_.insert(key).second) {
      flaky::Busy busy;
      busy.why = name_ + " is busy";
      return reply.fail(std::make_exception_ptr(busy));
    }
  }
  int delay = delay_ms + extra_delay_ms.load();
  if (workers.load() > 0) {
    boost::asio::post(*timers_, [this, delay, reply = std::move(reply)]() mutable {
      waiting_.emplace_back(delay, std::move(reply));
      serveQueued();
    });
    return;
  }
  if (delay <= 0) return reply(name_);
  auto timer =
      std::make_shared<boost::asio::steady_timer>(*timers_, std::chrono::milliseconds(delay));
  timer->async_wait([timer, name = name_,
                     reply = std::move(reply)](boost::system::error_code) mutable { reply(name); });
}

void FlakyHandler::serveQueued() {
  while (!waiting_.empty() && busy_ < std::max(1, workers.load())) {
    auto [delay, reply] = std::move(waiting_.front());
    waiting_.pop_front();
    ++busy_;
    auto timer = std::make_shared<boost::asio::steady_timer>(
        *timers_, std::chrono::milliseconds(std::max(0, delay)));
    timer->async_wait([this, timer, reply = std::move(reply)](boost::system::error_code) mutable {
      reply(name_);
      --busy_;
      serveQueued();
    });
  }
}

}  // namespace scales::testing
