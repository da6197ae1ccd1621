// SPDX-License-Identifier: Apache-2.0
// The client stack: the layers, top-down in request order, with one comment per layer saying why
// it sits where it does; then the one function that assembles a client's list (the built-in
// layers with the user's edits, scales/client/layers.h).
#include "scales/client/stack.h"

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <iterator>
#include <map>

#include "balanced_service.h"
#include "endpoint/layers.h"
#include "endpoint_node.h"
#include "scales/balancer/balancers.h"
#include "scales/client/layers.h"
#include "scales/discovery/resolver.h"
#include "scales/resilience/backup.h"
#include "scales/resilience/concurrency_limit.h"
#include "scales/resilience/retry.h"
#include "scales/resilience/timeout.h"
#include "scales/tracing/layers.h"

namespace scales::client {
namespace {
namespace asio = boost::asio;

// What the layers of one client share; the balancer's endpoint factory holds it.
struct Shared : std::enable_shared_from_this<Shared> {
  Shared(discovery::Uri u, ClientConfig c, asio::any_io_executor ex,
         std::shared_ptr<const ClientMetrics> m, PoolFactory p, ProtocolClassifier r, StackHooks* h)
      : uri(std::move(u)),
        config(std::move(c)),
        executor(std::move(ex)),
        metrics(std::move(m)),
        pools(std::move(p)),
        classify(r),
        hooks(h),
        context{&uri, &config, executor, metrics, nullptr},
        budget(std::make_shared<resilience::RetryBudget>(config.retry_budget)) {
    if (config.retry_budget.shadow && metrics) {
      auto labels = metrics->labels;
      labels.emplace_back("limit", "retry_budget");
      budget->countShadowRefusals(metrics->registry.counter("shadow_refusals", labels));
    }
    if (config.panic_threshold > 0) {
      panic = std::make_shared<PanicMode>(config.panic_threshold,
                                          config.name.empty() ? uri.text : config.name, metrics);
    }
  }

  discovery::Uri uri;
  ClientConfig config;
  asio::any_io_executor executor;
  std::shared_ptr<const ClientMetrics> metrics;
  PoolFactory pools;
  ProtocolClassifier classify;
  StackHooks* hooks;     // the channel's (may be null); filled in while building
  LayerContext context;  // what user layers above the balancer get (Shared is not copied)
  // One latency window per client: the endpoints feed it; backups fire at its percentile, and
  // retries must fit its median in what is left of the deadline.
  std::shared_ptr<resilience::LatencyWindow> latencies =
      std::make_shared<resilience::LatencyWindow>();
  // One retry budget per client: requeues, retries and backups all draw on it.
  std::shared_ptr<resilience::RetryBudget> budget;
  std::vector<PlannedLayer> endpoint_layers;  // from the first per-endpoint layer down
  std::shared_ptr<PanicMode> panic;           // null: off
};

using ClientLayer = std::unique_ptr<RpcService> (*)(std::unique_ptr<RpcService>, const Shared&);
// A per-endpoint layer either wraps the layer below it, or watches calls (one of a run that
// shares a wrapper, endpoint/watcher.h); exactly one of the two is set.
struct EndpointLayer {
  std::unique_ptr<RpcService> (*wrap)(std::unique_ptr<RpcService>, const endpoint::Parts&);
  std::unique_ptr<endpoint::Watcher> (*watch)(const endpoint::Parts&);
};

std::shared_ptr<EndpointNode> makeEndpoint(const Shared& shared, const discovery::Endpoint& at);

// deadline: the top. It owns the caller's handler, so every layer below may be cancelled by it
// and the caller hears back exactly once; it spans every retry. Calls without a deadline of
// their own get the client's timeout here.
std::unique_ptr<RpcService> deadline(std::unique_ptr<RpcService> next, const Shared& s) {
  return resilience::deadlineFilter(std::move(next), s.executor, s.metrics->timeouts,
                                    s.config.timeout, s.hooks ? s.hooks->in_flight : nullptr);
}

// trace: one span per call when the call is sampled (scales/tracing/layers.h). Below the
// deadline, whose cancellation it sees like any layer, and above the retries it annotates.
std::unique_ptr<RpcService> trace(std::unique_ptr<RpcService> next, const Shared& s) {
  return tracing::callTraceLayer(std::move(next),
                                 s.config.name.empty() ? s.uri.text : s.config.name);
}

// retry: retries and requeues sit above the balancer, so a call goes back for another pick, by
// which time a failed endpoint may be marked and skipped.
std::unique_ptr<RpcService> retry(std::unique_ptr<RpcService> next, const Shared& s) {
  return resilience::retryFilter(std::move(next), s.config.retry, s.budget, s.metrics->attempts,
                                 s.latencies, s.executor);
}

// backup: below the retry filter, so that each attempt may be hedged and a hedged attempt's
// failure is still the retry filter's to judge.
std::unique_ptr<RpcService> backup(std::unique_ptr<RpcService> next, const Shared& s) {
  return resilience::backupFilter(std::move(next), s.config.backup, s.budget, s.metrics->attempts,
                                  s.latencies, s.executor);
}

// What the admin page shows of the client beyond its endpoints: names and the retry budget.
void describeClient(const Shared& s, metrics::ClientStatus& status) {
  status.name = s.config.name.empty() ? s.uri.text : s.config.name;
  status.uri = s.uri.text;
  status.balancer = s.config.balancer;
  auto& budget = status.retry_budget;
  const auto& options = s.config.retry_budget;
  budget.available = s.budget->available();
  budget.percent_can_retry = options.percent_can_retry;
  budget.min_retries_per_second = options.min_retries_per_second;
  budget.ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options.ttl).count();
  budget.shadow = options.shadow;
  if (const auto& attempts = s.metrics->attempts) {
    budget.calls = attempts->calls->value();
    budget.requeues = attempts->requeues->value();
    budget.retries = attempts->retries->value();
    budget.backups = attempts->backups->value();
    budget.exhausted = attempts->budget_exhausted->value();
  }
}

// balancer: picks an endpoint per call among those the resolver reports, away from those the
// call already tried. It sits below the deadline so that time spent waiting for the first
// resolution counts against the call; it ejects outliers because only it sees every endpoint.
// Below it, each endpoint has its own layers (makeEndpoint).
std::unique_ptr<RpcService> balancer(std::unique_ptr<RpcService>, const Shared& s) {
  auto service = std::make_unique<BalancedService>(
      discovery::makeResolver(s.uri, s.executor, s.config.discovery),
      balancer::makeBalancer(s.config.balancer, s.config.balancer_options),
      [shared = s.shared_from_this()](const discovery::Endpoint& at) {
        return makeEndpoint(*shared, at);
      },
      s.executor, s.uri.text, s.config.outliers, s.metrics, s.panic);
  if (s.hooks) {
    s.hooks->await_ready = [raw = service.get()](Deadline deadline,
                                                 std::function<void(std::string)> done) {
      raw->awaitReady(deadline, std::move(done));
    };
    s.hooks->describe = [raw = service.get(),
                         shared = s.shared_from_this()](metrics::ClientStatus& status) {
      describeClient(*shared, status);
      raw->describe(status);
    };
  }
  return service;
}

// Per endpoint, top-down:
// endpoint_trace: first, so each attempt's span covers all the endpoint's layers, queueing too.
// stats: first, so the balancer's load counts every call the endpoint holds, queued ones too.
// failure_accrual, circuit_breaker: judge the endpoint by the results of its calls.
// health_gate: judges it by active probes. outlier_gate: by comparison with its peers.
// These six act where a call starts and where it ends, without wrapping the layers below
// (endpoint/watcher.h): next to each other, they run as one layer with one wrapper per call.
// concurrency_limit: calls in flight per endpoint, queued beyond that (queued calls count as
// the endpoint's load). pool: the protocol's connections (one multiplexed or pipelined session,
// or a watermark pool of exclusive connections).
std::unique_ptr<RpcService> concurrencyLimit(std::unique_ptr<RpcService> next,
                                             const endpoint::Parts& p) {
  const auto& limits = p.config.concurrency;
  if (limits.max_concurrency == 0 && !limits.adaptive.enabled) return next;  // no layer, no metrics
  resilience::ConcurrencyLimitMetrics metrics;
  metrics.shadow_refusals = endpoint::shadowCounter(p, "concurrency_limit");
  if (auto* endpoint_metrics = p.node.metrics()) {
    metrics.limit = endpoint_metrics->registry.gauge("concurrency_limit", endpoint_metrics->labels);
  }
  return resilience::concurrencyLimit(std::move(next), p.config.concurrency, p.node.address(),
                                      p.executor, std::move(metrics));
}

const std::map<std::string, ClientLayer>& clientLayers() {
  static const std::map<std::string, ClientLayer> layers = {{"deadline", deadline},
                                                            {"trace", trace},
                                                            {"retry", retry},
                                                            {"backup", backup},
                                                            {"balancer", balancer}};
  return layers;
}

const std::map<std::string, EndpointLayer>& endpointLayers() {
  static const std::map<std::string, EndpointLayer> layers = {
      {"endpoint_trace", {nullptr, endpoint::attemptTrace}},
      {"stats", {nullptr, endpoint::stats}},
      {"failure_accrual", {nullptr, endpoint::failureAccrual}},
      {"circuit_breaker", {nullptr, endpoint::circuitBreaker}},
      {"health_gate", {nullptr, endpoint::healthGate}},
      {"outlier_gate", {nullptr, endpoint::outlierGate}},
      {"concurrency_limit", {concurrencyLimit, nullptr}}};
  return layers;
}

// The bottom of an endpoint's layers: its pool, which the node reads for connection counts.
// Each reply is classified here, once, so that every layer above reads the same ReplyClass.
class SharedPool final : public RpcService {
 public:
  SharedPool(std::shared_ptr<pool::Pool> pool, ProtocolClassifier protocol, CustomClassifier custom)
      : pool_(std::move(pool)), protocol_(protocol), custom_(std::move(custom)) {}

  void call(Request&& request, Handler&& handler) override {
    bool protocol_judges =
        protocol_.classify != nullptr &&
        (protocol_.judges_calls == nullptr || protocol_.judges_calls(request.policy));
    if ((!protocol_judges && !custom_) || request.oneway) {
      return pool_->call(std::move(request), std::move(handler));
    }
    auto slot = asio::get_associated_cancellation_slot(handler);
    // The method is kept only for a custom classifier, which may read it.
    std::string method = custom_ ? request.method : std::string();
    const MethodPolicy* policy = request.policy;
    pool_->call(std::move(request),
                asio::bind_cancellation_slot(
                    slot, [this, policy, method = std::move(method), handler = std::move(handler)](
                              std::exception_ptr error, Response response) mutable {
                      if (!error) response.reply_class = classify({method, policy}, response);
                      handler(error, std::move(response));
                    }));
  }
  void close() override { pool_->close(); }

 private:
  // The layer outlives its calls: the node holds it, and each call holds the node.
  ReplyClass classify(const ReplyContext& call, const Response& response) const {
    if (custom_) {
      if (auto own = custom_(call, response)) return *own;
    }
    return protocol_.classify != nullptr ? protocol_.classify(call, response) : ReplyClass{};
  }

  std::shared_ptr<pool::Pool> pool_;
  ProtocolClassifier protocol_;
  CustomClassifier custom_;  // the client's config.classify (a copy: the layer may outlive it)
};

// A user's layer: never null.
std::unique_ptr<RpcService> userLayer(const PlannedLayer& layer, std::unique_ptr<RpcService> next,
                                      const LayerContext& context) {
  auto made = layer.user(std::move(next), context);
  if (!made) throw UsageError("layer '" + layer.name + "' made no service");
  return made;
}

std::shared_ptr<EndpointNode> makeEndpoint(const Shared& s, const discovery::Endpoint& at) {
  auto node = std::make_shared<EndpointNode>(at, s.config.balancer_options.ewma_decay, s.metrics);
  node->setPanicMode(s.panic);
  if (s.hooks) node->countCallsIn(s.hooks->in_flight);
  endpoint::Parts parts{s.config, s.executor, *node, s.latencies};
  LayerContext context = s.context;
  context.endpoint = &node->endpoint();
  std::unique_ptr<RpcService> service;
  // Watchers met since the last layer that wraps, bottom first: they become one WatcherRun over
  // `service` as soon as a wrapping layer (or the top) comes.
  std::vector<std::unique_ptr<endpoint::Watcher>> watchers;
  auto runWatchers = [&] {
    if (watchers.empty()) return;
    std::reverse(watchers.begin(), watchers.end());  // a run lists them top first
    service =
        std::make_unique<endpoint::WatcherRun>(std::move(service), std::move(watchers), s.executor);
    watchers.clear();
  };
  for (auto layer = s.endpoint_layers.rbegin(); layer != s.endpoint_layers.rend(); ++layer) {
    if (layer->name == "pool") {
      std::shared_ptr<pool::Pool> pool = s.pools(at, s.executor);
      node->setPool(pool);
      if (s.config.preconnect) pool->preconnect();  // warm as soon as the endpoint appears
      service = std::make_unique<SharedPool>(std::move(pool), s.classify, s.config.classify);
    } else if (layer->user) {
      runWatchers();
      service = userLayer(*layer, std::move(service), context);
    } else if (const auto& builtin = endpointLayers().at(layer->name); builtin.watch) {
      if (auto watcher = builtin.watch(parts)) watchers.push_back(std::move(watcher));
    } else {
      runWatchers();
      service = builtin.wrap(std::move(service), parts);
    }
  }
  runWatchers();
  node->setLayers(std::move(service));
  return node;
}

}  // namespace

std::unique_ptr<RpcService> buildStack(const discovery::Uri& uri, const ClientConfig& config,
                                       PoolFactory pools, asio::any_io_executor executor,
                                       ProtocolClassifier classify,
                                       std::shared_ptr<const ClientMetrics> metrics,
                                       StackHooks* hooks) {
  if (!metrics) {
    metrics = std::make_shared<ClientMetrics>(
        config.metrics ? *config.metrics : metrics::defaultRegistry(),
        config.name.empty() ? uri.text : config.name);
  }
  auto plan = planLayers(config.layers);
  auto split = std::find_if(plan.begin(), plan.end(),
                            [](const PlannedLayer& l) { return l.name == "balancer"; }) +
               1;
  auto shared =
      std::make_shared<Shared>(uri, config, executor, metrics, std::move(pools), classify, hooks);
  shared->endpoint_layers.assign(split, plan.end());

  std::unique_ptr<RpcService> service;
  for (auto layer = std::make_reverse_iterator(split); layer != plan.rend(); ++layer) {
    if (layer->user) {
      service = userLayer(*layer, std::move(service), shared->context);
    } else {
      service = clientLayers().at(layer->name)(std::move(service), *shared);
    }
  }
  return service;
}

}  // namespace scales::client
