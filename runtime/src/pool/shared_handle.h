// SPDX-License-Identifier: Apache-2.0
// Pools live in a shared_ptr because their in-flight completions refer back to them (weakly);
// the stack owns a pool through this handle, which closes it when the stack lets go.
#pragma once

#include <memory>

#include "scales/pool/pool.h"

namespace scales::pool::detail {

template <class Impl>
class SharedHandle final : public Pool {
 public:
  explicit SharedHandle(std::shared_ptr<Impl> pool) : pool_(std::move(pool)) {}
  ~SharedHandle() override { pool_->close(); }
  void call(Request&& request, Handler&& handler) override {
    pool_->call(std::move(request), std::move(handler));
  }
  void close() override { pool_->close(); }
  size_t size() const override { return pool_->size(); }
  size_t idle() const override { return pool_->idle(); }
  size_t waiters() const override { return pool_->waiters(); }
  void preconnect() override { pool_->preconnect(); }
  bool connected() const override { return pool_->connected(); }
  bool connecting() const override { return pool_->connecting(); }
  std::string lastConnectError() const override { return pool_->lastConnectError(); }

 private:
  std::shared_ptr<Impl> pool_;
};

}  // namespace scales::pool::detail
