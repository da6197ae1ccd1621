// SPDX-License-Identifier: Apache-2.0
// The client stack as an ordered list of named layers, and the edits a user makes to it.
//
// In request order (docs/architecture.md):
//   deadline -> trace -> retry -> backup -> balancer -> per endpoint:
//   endpoint_trace -> stats -> failure_accrual -> circuit_breaker -> health_gate ->
//   outlier_gate -> concurrency_limit -> pool
// Every layer acts as a Service that owns the one below it (built-in ones from endpoint_trace to
// outlier_gate, next to each other, share one Service and one completion wrapper per call); a
// layer whose feature is off passes calls straight through (a factory returns `next` unchanged),
// so the list is the same for every client.
// `balancer` and `pool` are the bottoms of their halves: a layer may go before them, not replace
// them (balancers and pools are chosen by name, from their registries).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scales/core/service.h"
#include "scales/discovery/endpoint.h"
#include "scales/discovery/uri.h"

namespace scales {
struct ClientConfig;
}

namespace scales::client {

struct ClientMetrics;

// What a layer factory is given.
struct LayerContext {
  const discovery::Uri* uri = nullptr;
  const ClientConfig* config = nullptr;
  // The stack's executor: calls, completions and timers of the layer run there, one at a time.
  boost::asio::any_io_executor executor;
  std::shared_ptr<const ClientMetrics> metrics;
  // The endpoint, for a layer below the balancer (made once per endpoint); null above it.
  const discovery::Endpoint* endpoint = nullptr;
};

// Wraps `next`, the layer below; may return `next` itself to add nothing.
using LayerFactory = std::function<std::unique_ptr<RpcService>(std::unique_ptr<RpcService> next,
                                                               const LayerContext& context)>;

// The built-in layers, in request order.
const std::vector<std::string>& builtinLayers();
// The first per-endpoint layer: layers from here down are made once per endpoint.
inline constexpr const char* kFirstEndpointLayer = "endpoint_trace";

// A client's changes to the built-in list, applied in the order they were made. Names are unique
// across the list; a user layer above `balancer` is made once per client, one below it (after
// `balancer`, or before any per-endpoint layer) once per endpoint.
class LayerEdits {
 public:
  // `name` goes just above `target` (it sees calls first).
  LayerEdits& insertBefore(std::string target, std::string name, LayerFactory make);
  // `name` goes just below `target`; after `balancer` means at the top of each endpoint's layers.
  LayerEdits& insertAfter(std::string target, std::string name, LayerFactory make);
  // `target` (a decorating layer, not `balancer` or `pool`) is made by `make` instead.
  LayerEdits& replace(std::string target, LayerFactory make);

  bool empty() const { return edits_.empty(); }

  enum class Kind { kBefore, kAfter, kReplace };
  struct Edit {
    Kind kind;
    std::string target;
    std::string name;
    LayerFactory make;
  };
  const std::vector<Edit>& edits() const { return edits_; }

 private:
  std::vector<Edit> edits_;
};

// One layer of a planned stack: its name, and its factory when a user supplied it (null: the
// built-in layer of that name).
struct PlannedLayer {
  std::string name;
  LayerFactory user;
};

// The built-in list with `edits` applied, top-down. Throws ConfigError for an edit naming an
// unknown layer, a duplicate name, or a change to `balancer` or `pool` other than a layer above
// them.
std::vector<PlannedLayer> planLayers(const LayerEdits& edits);

}  // namespace scales::client
