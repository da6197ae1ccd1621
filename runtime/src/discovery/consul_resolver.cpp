// SPDX-License-Identifier: Apache-2.0
// consul://h:p[,h:p]/service[?dc=&tag=&passing=]: a service's instances from Consul's health API
// (GET /v1/health/service/<service>), followed by blocking queries: each query sends the last
// X-Consul-Index and Consul holds it until the service changes or the wait (kWait) elapses.
//
// Consul's rules for blocking queries (its docs, "Blocking Queries"): an index that goes
// backwards (a restore, a new cluster) restarts the loop from index 0; an index of 0 is sent as
// 1; and a loop is rate limited, since a query may return without any change: here queries start
// kMinGap apart, and kQuietGap apart after an answer whose index did not advance.
//
// What keeps the last good set (an error update): the agent unreachable, an HTTP error, a
// malformed answer. Each failure tries the next agent of the list after a growing pause, and the
// query after a failure asks for the current state at once (index 0), so a recovered agent's set
// arrives without waiting out a blocking query. What empties it: a service with no (passing)
// instance; `detail` says so. Instances with a bad port or no address are left out.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <random>

#include "discovery/consul_api.h"
#include "discovery/http_exchange.h"
#include "discovery/shared_resolver.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"

namespace scales::discovery {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// How long Consul may hold a blocking query. Shorter than Consul's default (5 min): a query that
// hangs on a half-open connection is noticed within a minute, for one request per 30 s per client.
constexpr Duration kWait = 30s;
// Consul adds up to wait/16 to spread wake-ups; beyond that and this margin the agent is stuck.
constexpr Duration kBlockingTimeout = kWait + kWait / 16 + 5s;
// A query that should answer at once (index 0).
constexpr Duration kPromptTimeout = 10s;
// Rate limits between query starts (see the top of the file).
constexpr Duration kMinGap = 100ms;
constexpr Duration kQuietGap = 1s;
// Pauses after failures, doubling from the first to the last, with up to 25% jitter.
constexpr Duration kFirstBackoff = 200ms;
constexpr Duration kMaxBackoff = 10s;

long long millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

class ConsulResolver final : public Resolver, public std::enable_shared_from_this<ConsulResolver> {
 public:
  ConsulResolver(consul::Target target, asio::any_io_executor executor,
                 const ResolverOptions& options)
      : target_(std::move(target)),
        executor_(std::move(executor)),
        options_(options),
        first_timer_(executor_),
        next_timer_(executor_),
        random_(std::random_device{}()) {}

  void start(Listener listener) override {
    listener_ = std::move(listener);
    // dispatch: on the executor, and never inline from a start() called outside it; from a
    // handler on it, open() only arms timers and starts an exchange, which call back later.
    asio::dispatch(executor_, [self = shared_from_this()] { self->open(); });
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    first_timer_.cancel();
    next_timer_.cancel();
    if (exchange_) exchange_->cancel();
    exchange_.reset();
  }

 private:
  std::weak_ptr<ConsulResolver> weak() { return shared_from_this(); }

  const HostPort& agent() const { return target_.agents[agent_]; }

  std::string what() const {
    return "Consul service '" + target_.service + "'" +
           (target_.dc.empty() ? "" : " in dc " + target_.dc) +
           (target_.tag.empty() ? "" : " tagged '" + target_.tag + "'");
  }

  void open() {
    if (stopped_) return;
    first_timer_.expires_after(options_.resolve_timeout);
    first_timer_.async_wait([weak = weak()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_ || self->delivered_) return;
      self->listener_({{},
                       "no answer for " + self->what() + " from Consul agent " +
                           showServer(self->agent()) + " after " +
                           std::to_string(millis(self->options_.resolve_timeout)) + " ms (" +
                           (self->last_error_.empty() ? "waiting for it" : self->last_error_) +
                           "); still trying",
                       {}});
    });
    query();
  }

  void query() {
    if (stopped_) return;
    started_ = Clock::now();
    HttpExchangeRequest request;
    request.target = consul::healthQuery(target_, index_, kWait);
    sent_index_ = index_;
    exchange_ = HttpExchange::start(
        executor_, agent(), std::move(request), index_ == 0 ? kPromptTimeout : kBlockingTimeout,
        consul::kMaxAnswerBytes, [weak = weak()](HttpExchangeResult result) {
          auto self = weak.lock();
          if (!self || self->stopped_) return;
          self->exchange_.reset();
          self->onAnswer(result);
        });
  }

  void onAnswer(const HttpExchangeResult& result) {
    std::string from = "Consul agent " + showServer(agent());
    if (!result.error.empty()) return failed(from + ": " + result.error);
    if (result.status != 200) {
      return failed(from + " answered HTTP " + std::to_string(result.status) + " for " + what() +
                    ": " + excerpt(result.body));
    }
    auto index = consul::parseIndex(result.header("x-consul-index"));
    if (!index) {
      return failed(from + " answered without a numeric X-Consul-Index header ('" +
                    excerpt(result.header("x-consul-index")) + "')");
    }
    consul::Health health;
    try {
      health = consul::parseHealth(result.body, target_.passing);
    } catch (const ConfigError& e) {
      return failed(from + " sent a malformed health answer for " + what() + ": " + e.what());
    }
    bool advanced = *index > sent_index_;
    index_ = consul::nextIndex(sent_index_, *index);
    backoff_ = kFirstBackoff;
    last_error_.clear();
    deliver(std::move(health));
    schedule(started_ + (advanced ? kMinGap : kQuietGap));
  }

  void deliver(consul::Health health) {
    if (delivered_ && !failed_since_ && *delivered_ == health.endpoints) return;
    ResolverUpdate update{health.endpoints, {}, {}};
    if (update.endpoints.empty()) {
      update.detail = what() + " on Consul agent " + showServer(agent()) +
                      (health.instances == 0
                           ? (target_.passing ? " has no passing instances" : " has no instances")
                           : " has no usable instance (" + health.problems + ")");
    }
    delivered_ = std::move(health.endpoints);
    failed_since_ = false;
    first_timer_.cancel();
    listener_(update);
  }

  // Keeps the last good set, moves to the next agent, and tries again after a pause.
  void failed(std::string why) {
    last_error_ = why;
    failed_since_ = true;
    index_ = 0;  // the next answer comes at once: the set after recovery need not wait
    agent_ = (agent_ + 1) % target_.agents.size();
    auto pause = backoff_ + backoff_ * std::uniform_real_distribution<double>(0, 0.25)(random_);
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    // Before a first set, errors wait for first_timer_ (resolve_timeout): an update now would
    // end the calls waiting for a set although the next agent, or the next try, may answer.
    if (delivered_) listener_({{}, std::move(why), {}});
    schedule(Clock::now() + std::chrono::duration_cast<Duration>(pause));
  }

  void schedule(Clock::time_point at) {
    next_timer_.expires_at(at);
    next_timer_.async_wait([weak = weak()](boost::system::error_code ec) {
      if (auto self = weak.lock(); !ec && self && !self->stopped_) self->query();
    });
  }

  // The start of what an agent said, fit for an error message.
  static std::string excerpt(const std::string& text) {
    std::string out;
    for (char c : text.substr(0, 200)) {
      auto u = static_cast<unsigned char>(c);
      out += u >= 0x20 && u < 0x7f ? c : ' ';
    }
    return text.size() > 200 ? out + "..." : out;
  }

  consul::Target target_;
  asio::any_io_executor executor_;
  ResolverOptions options_;
  asio::steady_timer first_timer_;  // reports a first set that takes too long
  asio::steady_timer next_timer_;   // the next query, after a rate-limit gap or a backoff
  std::minstd_rand random_;
  Listener listener_;
  std::shared_ptr<HttpExchange> exchange_;
  size_t agent_ = 0;           // the agent asked now
  uint64_t index_ = 0;         // sent with the next query
  uint64_t sent_index_ = 0;    // sent with the query in flight
  Clock::time_point started_;  // when the query in flight started
  Duration backoff_ = kFirstBackoff;
  std::optional<std::vector<Endpoint>> delivered_;  // the last set given to the listener
  bool failed_since_ = false;  // an error was reported after delivered_: deliver it again
  std::string last_error_;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<Resolver> resolvers::consul(const Uri& uri, Executor executor,
                                            const ResolverOptions& options) {
  return std::make_unique<SharedResolver<ConsulResolver>>(
      std::make_shared<ConsulResolver>(consul::parseTarget(uri), std::move(executor), options));
}

}  // namespace scales::discovery
