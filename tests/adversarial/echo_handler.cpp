// SPDX-License-Identifier: Apache-2.0
// The echo handlers of echo_handler.h.
#include "echo_handler.h"

#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace scales::adversarial {

namespace {
constexpr size_t kMaxPad = 8 * 1024 * 1024;
constexpr size_t kMaxPrefixes = 64;
constexpr int32_t kMaxDelayMs = 30000;

int32_t clampDelay(int32_t delay_ms) { return std::min(std::max(delay_ms, 0), kMaxDelayMs); }
}  // namespace

std::string EchoLedger::answer(const std::string& key) {
  if (key == "__stats" && stats_json) return stats_json();
  ++calls_;
  {
    std::string prefix = key.substr(0, std::min(key.find(':'), size_t{32}));
    std::lock_guard lock(mutex_);
    if (by_prefix_.count(prefix) || by_prefix_.size() < kMaxPrefixes) {
      ++by_prefix_[prefix];
    } else {
      ++by_prefix_["(other)"];
    }
  }
  if (key.rfind("pad:", 0) == 0) {
    size_t pad = 0;
    try {
      pad = std::min<size_t>(std::stoul(key.substr(4)), kMaxPad);
    } catch (const std::exception&) {
    }
    return key + std::string(pad, '.');
  }
  return key;
}

std::map<std::string, uint64_t> EchoLedger::callsByPrefix() const {
  std::lock_guard lock(mutex_);
  return by_prefix_;
}

std::string BlockingEchoHandler::read(const std::string& key, int32_t delay_ms) {
  return answer(key, delay_ms);
}
std::string BlockingEchoHandler::write(const std::string& key, int32_t delay_ms) {
  return answer(key, delay_ms);
}
std::string BlockingEchoHandler::bounded(int32_t delay_ms) { return answer("bounded", delay_ms); }

std::string BlockingEchoHandler::answer(const std::string& key, int32_t delay_ms) {
  // Counted when the handler starts: a call that is discarded while queued never gets here.
  std::string reply = ledger_->answer(key);
  std::this_thread::sleep_for(std::chrono::milliseconds(clampDelay(delay_ms)));
  return reply;
}

AsyncEchoHandler::AsyncEchoHandler(std::shared_ptr<EchoLedger> ledger)
    : ledger_(std::move(ledger)),
      work_(timers_->get_executor()),
      thread_([this] { timers_->run(); }) {
  // Asio opens the timer machinery (epoll, timerfd) at the first timer: open it now, so that the
  // server's descriptor count is the same before and after the first delayed call.
  auto warm = std::make_shared<boost::asio::steady_timer>(*timers_, std::chrono::milliseconds(0));
  warm->async_wait([warm](boost::system::error_code) {});
}

AsyncEchoHandler::~AsyncEchoHandler() { stop(); }

void AsyncEchoHandler::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  timers_->stop();
  thread_.join();
  timers_.reset();
}

void AsyncEchoHandler::read(const std::string& key, int32_t delay_ms,
                            server::Reply<std::string> reply) {
  answer(key, delay_ms, std::move(reply));
}
void AsyncEchoHandler::write(const std::string& key, int32_t delay_ms,
                             server::Reply<std::string> reply) {
  answer(key, delay_ms, std::move(reply));
}
void AsyncEchoHandler::bounded(int32_t delay_ms, server::Reply<std::string> reply) {
  answer("bounded", delay_ms, std::move(reply));
}

void AsyncEchoHandler::answer(const std::string& key, int32_t delay_ms,
                              server::Reply<std::string> reply) {
  std::string value = ledger_->answer(key);
  int32_t delay = clampDelay(delay_ms);
  if (delay == 0) return reply(std::move(value));
  auto timer =
      std::make_shared<boost::asio::steady_timer>(*timers_, std::chrono::milliseconds(delay));
  timer->async_wait([timer, value = std::move(value), reply = std::move(reply)](
                        boost::system::error_code) mutable { reply(std::move(value)); });
}

}  // namespace scales::adversarial
