// SPDX-License-Identifier: Apache-2.0
// The watermark pool: exclusive connections, kept forever up to the low watermark, opened on
// demand up to the high watermark and closed after idling above the low one; beyond the high
// watermark, bounded waiters served in arrival order, each bounded by the acquire timeout.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_map>

#include "core/completion.h"
#include "core/waiters.h"
#include "scales/core/errors.h"
#include "scales/pool/pool.h"
#include "shared_handle.h"

namespace scales::pool {
namespace {
namespace asio = boost::asio;
using transport::Connection;

class WatermarkPool final : public Pool, public std::enable_shared_from_this<WatermarkPool> {
 public:
  WatermarkPool(const WatermarkPoolOptions& options,
                std::shared_ptr<transport::ConnectionFactory> factory, asio::any_io_executor ex)
      : options_(options),
        factory_(std::move(factory)),
        executor_(std::move(ex)),
        idle_timer_(executor_),
        waiter_timer_(executor_) {
    options_.high_watermark = std::max<size_t>(1, options_.high_watermark);
  }

  ~WatermarkPool() override { close(); }

  void call(Request&& request, Handler&& handler) override {
    if (closed_) return fail(std::move(handler), UnavailableError("pool closed"));
    // Most recently used first: hot connections stay hot, cold ones age out above the low mark.
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back().conn);
      idle_.pop_back();
      if (conn->probeOpen()) {
        return dispatch(std::move(conn), std::move(request), std::move(handler));
      }
      --size_;
    }
    if (size_ < options_.high_watermark) return open(std::move(request), std::move(handler));
    if (waiters_.size() >= options_.max_waiters) {
      return fail(
          std::move(handler),
          RejectedError("connection pool has " + std::to_string(waiters_.size()) +
                        " waiters already (max_waiters " + std::to_string(options_.max_waiters) +
                        ", high_watermark " + std::to_string(options_.high_watermark) + ")"));
    }
    waiters_.push(std::move(request), std::move(handler),
                  "cancelled while waiting for a connection");
    armWaiterTimer();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    idle_timer_.cancel();
    waiter_timer_.cancel();
    for (auto& entry : idle_) entry.conn->close();
    size_ -= idle_.size();
    idle_.clear();
    // Closing a busy connection fails its call, which comes back through release().
    std::vector<std::shared_ptr<Connection>> busy;
    for (auto& [raw, conn] : busy_) busy.push_back(conn);
    for (auto& conn : busy) conn->close();
    waiters_.failAll(std::make_exception_ptr(UnavailableError("pool closed")), executor_);
  }

  size_t size() const override { return size_; }
  size_t idle() const override { return idle_.size(); }
  size_t waiters() const override { return waiters_.size(); }

  // Opens connections until low_watermark (at least one) are open or opening; they wait idle.
  // An idle connection the peer has closed counts for nothing: it is dropped first, or a pool
  // at its low mark would keep a dead one and never open another (readiness would wait forever
  // on a server that restarted).
  void preconnect() override {
    std::erase_if(idle_, [this](const Idle& entry) {
      if (entry.conn->probeOpen()) return false;
      entry.conn->close();
      --size_;
      return true;
    });
    size_t want = std::min(std::max<size_t>(1, options_.low_watermark), options_.high_watermark);
    while (!closed_ && size_ < want) {
      ++size_;
      ++opening_;
      factory_->connect(
          Deadline::infinite(),
          [self = shared_from_this()](std::exception_ptr error, std::shared_ptr<Connection> conn) {
            --self->opening_;
            if (error) {
              --self->size_;
              self->last_error_ = describe(error);
              self->serveWaiterWithNewConnection();  // a call may have queued behind this one
              return;
            }
            self->last_error_.clear();
            if (self->closed_) {
              conn->close();
              --self->size_;
              return;
            }
            // A waiter that came meanwhile takes it, if its deadline allows; else it waits idle.
            if (!self->waiters_.empty()) {
              auto w = self->waiters_.pop();
              if (!w.request.deadline.expired()) {
                return self->dispatch(std::move(conn), std::move(w.request), std::move(w.handler));
              }
              w.handler(std::make_exception_ptr(TimeoutError("deadline passed while connecting")),
                        Response{});
            }
            self->keepIdle(std::move(conn));
          });
    }
  }
  bool connected() const override {
    if (!busy_.empty()) return true;
    for (const auto& entry : idle_) {
      if (entry.conn->probeOpen()) return true;  // an idle one may have been closed meanwhile
    }
    return false;
  }
  bool connecting() const override { return opening_ > 0; }
  std::string lastConnectError() const override { return last_error_; }

 private:
  struct Idle {
    std::shared_ptr<Connection> conn;
    Clock::time_point since;
  };

  template <class E>
  void fail(Handler handler, E error) {
    completePost(executor_, std::move(handler), std::make_exception_ptr(std::move(error)),
                 Response{});
  }

  void open(Request request, Handler handler) {
    ++size_;
    auto self = shared_from_this();
    factory_->connect(
        request.deadline, [self, request = std::move(request), handler = std::move(handler)](
                              std::exception_ptr error, std::shared_ptr<Connection> conn) mutable {
          if (error) {
            --self->size_;
            self->last_error_ = describe(error);
            handler(error, Response{});
            self->serveWaiterWithNewConnection();
            return;
          }
          if (self->closed_) {
            conn->close();
            --self->size_;
            handler(std::make_exception_ptr(UnavailableError("pool closed")), Response{});
            return;
          }
          if (request.deadline.expired()) {
            self->keepIdle(std::move(conn));
            handler(std::make_exception_ptr(TimeoutError("deadline passed while connecting")),
                    Response{});
            return;
          }
          self->dispatch(std::move(conn), std::move(request), std::move(handler));
        });
  }

  void dispatch(std::shared_ptr<Connection> conn, Request request, Handler handler) {
    auto slot = asio::get_associated_cancellation_slot(handler);
    Connection* target = conn.get();
    busy_.emplace(target, std::move(conn));
    // The connection holds this handler while the call runs, and the pool holds the connection:
    // the handler refers back to both weakly, or neither could ever be freed.
    target->call(std::move(request),
                 asio::bind_cancellation_slot(
                     slot, [weak = weak_from_this(), target, handler = std::move(handler)](
                               std::exception_ptr error, Response response) mutable {
                       if (auto self = weak.lock()) self->release(target);
                       handler(error, std::move(response));
                     }));
  }

  void release(Connection* target) {
    auto it = busy_.find(target);
    if (it == busy_.end()) return;
    auto conn = std::move(it->second);
    busy_.erase(it);
    if (closed_) {
      conn->close();
      --size_;
      return;
    }
    // Probed only when it is lent again at once; an idle one is probed when it is taken.
    if (!conn->isOpen() || (!waiters_.empty() && !conn->probeOpen())) {
      --size_;
      serveWaiterWithNewConnection();
      return;
    }
    if (!waiters_.empty()) {
      auto w = waiters_.pop();
      dispatch(std::move(conn), std::move(w.request), std::move(w.handler));
      return;
    }
    keepIdle(std::move(conn));
  }

  void keepIdle(std::shared_ptr<Connection> conn) {
    if (size_ > options_.low_watermark && options_.idle_timeout <= Duration::zero()) {
      conn->close();
      --size_;
      return;
    }
    idle_.push_back(Idle{std::move(conn), Clock::now()});
    if (size_ > options_.low_watermark) armIdleTimer();
  }

  // A connection slot freed up (one failed or closed): the oldest waiter gets a fresh connection.
  void serveWaiterWithNewConnection() {
    if (closed_ || waiters_.empty() || size_ >= options_.high_watermark) return;
    auto w = waiters_.pop();
    open(std::move(w.request), std::move(w.handler));
  }

  // One timer for all idle connections: it fires for the longest idle (idle_.front()) and closes
  // every connection past the timeout while the pool is above its low watermark.
  void armIdleTimer() {
    if (idle_timer_armed_ || idle_.empty()) return;
    idle_timer_armed_ = true;
    idle_timer_.expires_at(idle_.front().since + options_.idle_timeout);
    idle_timer_.async_wait([weak = weak_from_this()](boost::system::error_code) {
      auto self = weak.lock();
      if (!self || self->closed_) return;
      self->idle_timer_armed_ = false;
      auto cutoff = Clock::now() - self->options_.idle_timeout;
      while (!self->idle_.empty() && self->size_ > self->options_.low_watermark &&
             self->idle_.front().since <= cutoff) {
        self->idle_.front().conn->close();
        self->idle_.erase(self->idle_.begin());
        --self->size_;
      }
      if (self->size_ > self->options_.low_watermark) self->armIdleTimer();
    });
  }

  // One timer for all waiters: they wait in arrival order, so the oldest expires first.
  void armWaiterTimer() {
    if (options_.acquire_timeout <= Duration::zero() || waiter_timer_armed_ || waiters_.empty()) {
      return;
    }
    waiter_timer_armed_ = true;
    waiter_timer_.expires_at(waiters_.oldestSince() + options_.acquire_timeout);
    waiter_timer_.async_wait([weak = weak_from_this()](boost::system::error_code) {
      auto self = weak.lock();
      if (!self || self->closed_) return;
      self->waiter_timer_armed_ = false;
      auto cutoff = Clock::now() - self->options_.acquire_timeout;
      while (!self->waiters_.empty() && self->waiters_.oldestSince() <= cutoff) {
        auto w = self->waiters_.pop();
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(self->options_.acquire_timeout);
        w.handler(
            std::make_exception_ptr(TimeoutError(
                "no connection within the pool's acquire_timeout of " + std::to_string(ms.count()) +
                " ms (" + std::to_string(self->size_) + " open, high_watermark " +
                std::to_string(self->options_.high_watermark) + ")")),
            Response{});
      }
      self->armWaiterTimer();
    });
  }

  WatermarkPoolOptions options_;
  std::shared_ptr<transport::ConnectionFactory> factory_;
  asio::any_io_executor executor_;
  std::vector<Idle> idle_;  // oldest first
  std::unordered_map<Connection*, std::shared_ptr<Connection>> busy_;
  Waiters waiters_;
  asio::steady_timer idle_timer_;
  asio::steady_timer waiter_timer_;
  bool idle_timer_armed_ = false;
  bool waiter_timer_armed_ = false;
  size_t size_ = 0;
  size_t opening_ = 0;  // by preconnect()
  bool closed_ = false;
  std::string last_error_;
};

}  // namespace

std::unique_ptr<Pool> pools::watermark(const WatermarkPoolOptions& options,
                                       std::shared_ptr<transport::ConnectionFactory> factory,
                                       asio::any_io_executor executor) {
  return std::make_unique<detail::SharedHandle<WatermarkPool>>(
      std::make_shared<WatermarkPool>(options, std::move(factory), std::move(executor)));
}

}  // namespace scales::pool
