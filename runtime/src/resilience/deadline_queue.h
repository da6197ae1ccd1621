// SPDX-License-Identifier: Apache-2.0
// Calls waiting on their deadlines, all served by one timer. An Asio timer per call costs a heap
// insert, a removal and two trips through the scheduler's mutex, and nearly every call finishes
// long before its deadline; here a call links itself into an ordered set on the way in and
// unlinks on the way out, and the one timer is re-armed only when a new deadline is the earliest
// (calls of one client mostly share a timeout, so new deadlines come last) or when it fires.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/set.hpp>
#include <memory>

#include "scales/core/deadline.h"

namespace scales::resilience {

class DeadlineQueue : public std::enable_shared_from_this<DeadlineQueue> {
 public:
  // A waiting call. It leaves the queue by itself when destroyed, or by leave().
  class Entry : public boost::intrusive::set_base_hook<
                    boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
   public:
    Clock::time_point deadline() const { return deadline_; }
    bool waiting() const { return is_linked(); }
    void leave() { unlink(); }

   protected:
    virtual ~Entry() = default;

   private:
    friend class DeadlineQueue;
    // Called once the deadline has passed, after the entry has left the queue.
    virtual void expired() = 0;
    Clock::time_point deadline_;
  };

  explicit DeadlineQueue(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}
  ~DeadlineQueue() { entries_.clear(); }
  DeadlineQueue(const DeadlineQueue&) = delete;
  DeadlineQueue& operator=(const DeadlineQueue&) = delete;

  // `entry` expires at `deadline` unless it leaves first. Must be made shared before use.
  void add(Entry& entry, Clock::time_point deadline) {
    entry.deadline_ = deadline;
    entries_.insert(entry);
    if (!armed_ || deadline < armed_at_) arm(deadline);
  }

 private:
  struct ByDeadline {
    bool operator()(const Entry& a, const Entry& b) const { return a.deadline_ < b.deadline_; }
  };
  using Entries = boost::intrusive::multiset<Entry, boost::intrusive::compare<ByDeadline>,
                                             boost::intrusive::constant_time_size<false>>;

  void arm(Clock::time_point at) {
    armed_ = true;
    armed_at_ = at;
    timer_.expires_at(at);
    // The timer's handler may run after this queue is gone (already queued when it was destroyed).
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or destroyed
      if (auto self = weak.lock()) self->fire();
    });
  }

  void fire() {
    armed_ = false;
    auto now = Clock::now();
    // expired() may add or remove entries: take them one at a time.
    while (!entries_.empty() && entries_.begin()->deadline_ <= now) {
      Entry& entry = *entries_.begin();
      entries_.erase(entries_.begin());
      entry.expired();
    }
    if (!armed_ && !entries_.empty()) arm(entries_.begin()->deadline_);
  }

  boost::asio::steady_timer timer_;
  Entries entries_;
  bool armed_ = false;
  Clock::time_point armed_at_;
};

}  // namespace scales::resilience
