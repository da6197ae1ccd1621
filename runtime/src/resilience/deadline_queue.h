// SPDX-License-Identifier: Apache-2.0
// Calls waiting on their deadlines, all served by one timer. An Asio timer per call costs a heap
// insert, a removal and two trips through the scheduler's mutex, and nearly every call finishes
// long before its deadline; here a call links itself in on the way in and unlinks on the way out,
// and the one timer is re-armed only when a new deadline is the earliest (calls of one client
// mostly share a timeout, so new deadlines come last) or when it fires.
// Because they mostly come last, a deadline no earlier than the last one in goes at the end of a
// list, in constant time; only one earlier than that goes into an ordered set. A red-black tree
// for every call cost 230 instructions more per call at 64 in flight (callgrind, ThriftMux).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <boost/intrusive/set.hpp>
#include <memory>

#include "scales/core/deadline.h"

namespace scales::resilience {

class DeadlineQueue : public std::enable_shared_from_this<DeadlineQueue> {
 public:
  struct InOrder;     // the list's hook
  struct OutOfOrder;  // the set's hook
  using InOrderHook =
      boost::intrusive::list_base_hook<boost::intrusive::tag<InOrder>,
                                       boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
  using OutOfOrderHook =
      boost::intrusive::set_base_hook<boost::intrusive::tag<OutOfOrder>,
                                      boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

  // A waiting call, in the list or in the set. It leaves the queue by itself when destroyed, or
  // by leave().
  class Entry : public InOrderHook, public OutOfOrderHook {
   public:
    Clock::time_point deadline() const { return deadline_; }
    bool waiting() const { return InOrderHook::is_linked() || OutOfOrderHook::is_linked(); }
    void leave() {
      InOrderHook::unlink();
      OutOfOrderHook::unlink();
    }

   protected:
    virtual ~Entry() = default;

   private:
    friend class DeadlineQueue;
    // Called once the deadline has passed, after the entry has left the queue.
    virtual void expired() = 0;
    Clock::time_point deadline_;
  };

  explicit DeadlineQueue(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}
  ~DeadlineQueue() {
    in_order_.clear();
    out_of_order_.clear();
  }
  DeadlineQueue(const DeadlineQueue&) = delete;
  DeadlineQueue& operator=(const DeadlineQueue&) = delete;

  // `entry` expires at `deadline` unless it leaves first. Must be made shared before use.
  void add(Entry& entry, Clock::time_point deadline) {
    entry.deadline_ = deadline;
    if (in_order_.empty() || in_order_.back().deadline_ <= deadline) {
      in_order_.push_back(entry);
    } else {
      out_of_order_.insert(entry);
    }
    if (!armed_ || deadline < armed_at_) arm(deadline);
  }

 private:
  struct ByDeadline {
    bool operator()(const Entry& a, const Entry& b) const { return a.deadline_ < b.deadline_; }
  };
  using InOrderList = boost::intrusive::list<Entry, boost::intrusive::base_hook<InOrderHook>,
                                             boost::intrusive::constant_time_size<false>>;
  using OutOfOrderSet =
      boost::intrusive::multiset<Entry, boost::intrusive::base_hook<OutOfOrderHook>,
                                 boost::intrusive::compare<ByDeadline>,
                                 boost::intrusive::constant_time_size<false>>;

  // The earliest entry of the two, or null.
  Entry* earliest() {
    Entry* first = in_order_.empty() ? nullptr : &in_order_.front();
    if (!out_of_order_.empty() && (!first || out_of_order_.begin()->deadline_ < first->deadline_)) {
      first = &*out_of_order_.begin();
    }
    return first;
  }

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
    for (Entry* entry = earliest(); entry && entry->deadline_ <= now; entry = earliest()) {
      entry->leave();
      entry->expired();
    }
    // An expired() that started a call armed the timer for that call's deadline: the entries
    // left may be due sooner.
    if (Entry* next = earliest(); next && (!armed_ || next->deadline_ < armed_at_)) {
      arm(next->deadline_);
    }
  }

  boost::asio::steady_timer timer_;
  InOrderList in_order_;
  OutOfOrderSet out_of_order_;
  bool armed_ = false;
  Clock::time_point armed_at_;
};

}  // namespace scales::resilience
