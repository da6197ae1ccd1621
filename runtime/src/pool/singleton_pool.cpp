// SPDX-License-Identifier: Apache-2.0
// The singleton pool: one multiplexed session per endpoint (Finagle's and scales' choice for Mux).
#include "core/completion.h"
#include "core/waiters.h"
#include "scales/core/errors.h"
#include "scales/pool/pool.h"
#include "shared_handle.h"

namespace scales::pool {
namespace {
namespace asio = boost::asio;
using transport::Connection;

class SingletonPool final : public Pool, public std::enable_shared_from_this<SingletonPool> {
 public:
  SingletonPool(const SingletonPoolOptions& options,
                std::shared_ptr<transport::ConnectionFactory> factory, asio::any_io_executor ex)
      : options_(options), factory_(std::move(factory)), executor_(std::move(ex)) {}

  void call(Request&& request, Handler&& handler) override {
    if (closed_) {
      return completePost(executor_, std::move(handler),
                          std::make_exception_ptr(UnavailableError("pool closed")), Response{});
    }
    if (session_ && session_->isOpen())
      return session_->call(std::move(request), std::move(handler));
    if (waiters_.size() >= options_.max_waiters) {
      return completePost(executor_, std::move(handler),
                          std::make_exception_ptr(RejectedError("connection pool has " +
                                                                std::to_string(waiters_.size()) +
                                                                " waiters already (max_waiters)")),
                          Response{});
    }
    Deadline deadline = request.deadline;
    waiters_.push(std::move(request), std::move(handler), "cancelled while connecting");
    if (!connecting_) connect(deadline);
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    if (session_) session_->close();
    session_.reset();
    waiters_.failAll(std::make_exception_ptr(UnavailableError("pool closed")), executor_);
  }

  size_t size() const override { return (session_ ? 1 : 0) + (connecting_ ? 1 : 0); }
  size_t idle() const override { return 0; }
  size_t waiters() const override { return waiters_.size(); }

  void preconnect() override {
    if (closed_ || connecting_ || (session_ && session_->isOpen())) return;
    connect(Deadline::infinite());  // bounded by the connect timeout (and the handshake's)
  }
  bool connected() const override { return session_ && session_->isOpen(); }
  bool connecting() const override { return connecting_; }
  std::string lastConnectError() const override { return last_error_; }

 private:
  void connect(Deadline deadline) {
    connecting_ = true;
    // A draining session keeps serving its own calls; only new ones go to the replacement.
    session_.reset();
    factory_->connect(deadline, [weak = weak_from_this()](std::exception_ptr error,
                                                          std::shared_ptr<Connection> session) {
      auto self = weak.lock();
      if (!self) {
        if (session) session->close();
        return;
      }
      self->connecting_ = false;
      if (self->closed_) {
        if (session) session->close();
        return;
      }
      if (error) {
        self->last_error_ = describe(error);
        return self->waiters_.failAll(error, self->executor_);
      }
      self->last_error_.clear();
      self->session_ = std::move(session);
      while (!self->waiters_.empty() && self->session_ && self->session_->isOpen()) {
        auto w = self->waiters_.pop();
        self->session_->call(std::move(w.request), std::move(w.handler));
      }
      if (!self->waiters_.empty()) {
        // The session ended as soon as it opened: say so rather than reconnect in a loop.
        self->waiters_.failAll(
            std::make_exception_ptr(ConnectionError("connection closed right after the handshake")),
            self->executor_);
      }
    });
  }

  SingletonPoolOptions options_;
  std::shared_ptr<transport::ConnectionFactory> factory_;
  asio::any_io_executor executor_;
  std::shared_ptr<Connection> session_;
  Waiters waiters_;
  bool connecting_ = false;
  bool closed_ = false;
  std::string last_error_;
};

}  // namespace

std::unique_ptr<Pool> pools::singleton(const SingletonPoolOptions& options,
                                       std::shared_ptr<transport::ConnectionFactory> factory,
                                       asio::any_io_executor executor) {
  return std::make_unique<detail::SharedHandle<SingletonPool>>(
      std::make_shared<SingletonPool>(options, std::move(factory), std::move(executor)));
}

}  // namespace scales::pool
