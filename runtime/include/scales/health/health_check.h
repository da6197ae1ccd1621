// SPDX-License-Identifier: Apache-2.0
// Active health checks: each endpoint is probed every `interval` (a TCP connect, an HTTP GET
// expecting 2xx, or a Mux Tping expecting Rping), each probe bounded by `timeout`.
// `unhealthy_threshold` failed probes in a row take the endpoint out of the balancer's live set;
// `healthy_threshold` good ones in a row bring it back. Every endpoint has its own schedule (first
// probe at a random point of the interval), so probes to many endpoints run side by side.
// Probes are named in a registry; adding one is a file and a registry line.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include "scales/core/deadline.h"
#include "scales/core/registry.h"
#include "scales/discovery/endpoint.h"
#include "scales/transport/tls.h"

namespace scales::health {

struct HealthCheckOptions {
  std::string probe;  // "tcp", "http" or "mux"; empty: no active checks
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(1);
  int healthy_threshold = 2;
  int unhealthy_threshold = 3;
  std::string http_path = "/health";  // for "http"
  // The client's TLS (ClientConfig::tls; the stack fills it in): with it enabled, the "http" and
  // "mux" probes speak TLS as the client's calls do. ("tcp" only connects.)
  transport::TlsClientOptions tls{};
  // Throws ConfigError: an unknown probe, a non-positive interval or timeout, a zero threshold.
  void validate() const;
};

// Probes one endpoint once: completes with an empty string when healthy, else why not. The
// checker bounds it by the timeout (cancelling it), so a probe need not. Arguments by value: a
// probe is a coroutine, whose frame must own what it reads after its first suspension.
using Probe =
    std::function<boost::asio::awaitable<std::string>(discovery::Endpoint, HealthCheckOptions)>;

// "tcp", "http", "mux", and those users registered.
const Registry<Probe>& probeRegistry();
// Adds a probe for HealthCheckOptions::probe and ?health_check= (before creating the clients that
// name it). Thread-safe; throws ConfigError when the name is taken.
void registerProbe(std::string name, Probe probe);
// Throws ConfigError naming the valid probes.
Probe makeProbe(const std::string& name);

// Probes one endpoint on its schedule and reports changes of health.
class HealthChecker : public std::enable_shared_from_this<HealthChecker> {
 public:
  // (healthy, why): called on each change, on the executor.
  using Listener = std::function<void(bool, const std::string&)>;

  HealthChecker(discovery::Endpoint endpoint, HealthCheckOptions options, Probe probe,
                boost::asio::any_io_executor executor, Listener listener);
  void start();
  void stop();
  bool healthy() const { return healthy_; }

 private:
  boost::asio::awaitable<void> run();
  void observe(const std::string& failure);

  discovery::Endpoint endpoint_;
  HealthCheckOptions options_;
  Probe probe_;
  boost::asio::any_io_executor executor_;
  Listener listener_;
  boost::asio::steady_timer timer_;
  bool healthy_ = true;
  bool stopped_ = false;
  int streak_ = 0;  // probes in a row that disagree with healthy_
};

}  // namespace scales::health
