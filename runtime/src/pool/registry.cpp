// SPDX-License-Identifier: Apache-2.0
// Every built-in pool kind, one line each; users add theirs with registerPool().
#include "scales/pool/pool.h"

namespace scales::pool {

namespace {
std::unique_ptr<Pool> singletonOf(const WatermarkPoolOptions& options,
                                  std::shared_ptr<transport::ConnectionFactory> factory,
                                  boost::asio::any_io_executor executor) {
  return pools::singleton(SingletonPoolOptions{options.max_waiters}, std::move(factory),
                          std::move(executor));
}

// Never destroyed: clients may still look names up while statics are torn down.
Registry<PoolKind>& registry() {
  static auto* r = [] {
    auto* table = new Registry<PoolKind>("pool");
    table->add("singleton", PoolKind{singletonOf, true});
    table->add("watermark", PoolKind{pools::watermark, false});
    return table;
  }();
  return *r;
}
}  // namespace

const Registry<PoolKind>& poolRegistry() { return registry(); }

void registerPool(std::string name, PoolKind kind) {
  registry().add(std::move(name), std::move(kind));
}

std::unique_ptr<Pool> makePool(std::string_view kind, const WatermarkPoolOptions& options,
                               std::shared_ptr<transport::ConnectionFactory> factory,
                               boost::asio::any_io_executor executor) {
  return poolRegistry().get(kind).make(options, std::move(factory), std::move(executor));
}

}  // namespace scales::pool
