// SPDX-License-Identifier: Apache-2.0
// The caching pool: exclusive connections, cached when released, bounded count and waiters.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <unordered_map>

#include "scales/core/completion.h"
#include "scales/core/errors.h"
#include "scales/core/waiters.h"
#include "scales/pool/pool.h"
#include "shared_handle.h"

namespace scales::pool {
namespace {
namespace asio = boost::asio;
using transport::Connection;

class CachingPool final : public Pool, public std::enable_shared_from_this<CachingPool> {
 public:
  CachingPool(const CachingPoolOptions& options,
              std::shared_ptr<transport::ConnectionFactory> factory, asio::any_io_executor ex)
      : options_(options), factory_(std::move(factory)), executor_(std::move(ex)) {}

  ~CachingPool() override { close(); }

  void call(Request request, Handler handler) override {
    if (closed_) return fail(std::move(handler), UnavailableError("pool closed"));
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->isOpen()) return dispatch(std::move(conn), std::move(request), std::move(handler));
      --size_;
    }
    if (size_ < options_.max_connections) return open(std::move(request), std::move(handler));
    if (waiters_.size() >= options_.max_waiters) {
      return fail(std::move(handler),
                  RejectedError("connection pool has " + std::to_string(waiters_.size()) +
                                " waiters already (max_waiters)"));
    }
    waiters_.push(std::move(request), std::move(handler),
                  "cancelled while waiting for a connection");
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    for (auto& conn : idle_) conn->close();
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

 private:
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
            self->idle_.push_back(std::move(conn));
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
    if (!conn->isOpen()) {
      --size_;
      serveWaiterWithNewConnection();
      return;
    }
    if (!waiters_.empty()) {
      auto w = waiters_.pop();
      dispatch(std::move(conn), std::move(w.request), std::move(w.handler));
      return;
    }
    idle_.push_back(std::move(conn));
  }

  // A connection slot freed up (one failed or closed): the oldest waiter gets a fresh connection.
  void serveWaiterWithNewConnection() {
    if (closed_ || waiters_.empty() || size_ >= options_.max_connections) return;
    auto w = waiters_.pop();
    open(std::move(w.request), std::move(w.handler));
  }

  CachingPoolOptions options_;
  std::shared_ptr<transport::ConnectionFactory> factory_;
  asio::any_io_executor executor_;
  std::vector<std::shared_ptr<Connection>> idle_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> busy_;
  Waiters waiters_;
  size_t size_ = 0;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Pool> pools::caching(const CachingPoolOptions& options,
                                     std::shared_ptr<transport::ConnectionFactory> factory,
                                     asio::any_io_executor executor) {
  return std::make_unique<detail::SharedHandle<CachingPool>>(
      std::make_shared<CachingPool>(options, std::move(factory), std::move(executor)));
}

}  // namespace scales::pool
