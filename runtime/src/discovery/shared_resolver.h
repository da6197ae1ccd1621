// SPDX-License-Identifier: Apache-2.0
// For resolvers whose callbacks (timers, lookups, ZooKeeper completions) must find out whether
// the resolver still exists: the client owns this handle, the callbacks hold the implementation
// weakly, and the handle stops it when the client lets go.
#pragma once

#include <memory>

#include "scales/discovery/resolver.h"

namespace scales::discovery {

template <class Impl>
class SharedResolver final : public Resolver {
 public:
  explicit SharedResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  ~SharedResolver() override { impl_->stop(); }
  void start(Listener listener) override { impl_->start(std::move(listener)); }
  void stop() override { impl_->stop(); }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scales::discovery
