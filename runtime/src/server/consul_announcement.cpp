// SPDX-License-Identifier: Apache-2.0
// consul://host:port/service: a service instance registered with the Consul agent
// (PUT /v1/agent/service/register) with a TTL check of `session_timeout`, kept passing by
// PUT /v1/agent/check/pass/service:<ID> every third of it. A pass that Consul refuses (the agent
// restarted without its state, or someone deregistered the instance) registers it again. A
// process that dies stops passing: its instance turns critical (clients of passing instances drop
// it) after one TTL, and Consul removes it after DeregisterCriticalServiceAfter.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "discovery/consul_api.h"
#include "discovery/http_exchange.h"
#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "server/announcement.h"

namespace scales::server {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using discovery::HttpExchange;
using discovery::HttpExchangeRequest;
using discovery::HttpExchangeResult;

// Consul's floor for DeregisterCriticalServiceAfter (its reaper raises lower values to this).
constexpr Duration kMinDeregisterAfter = 1min;
// A dead process's instance stays (critical, so unused) this many TTLs before Consul removes it:
// long enough to tell a crash from a pause, short enough not to pile up dead instances.
constexpr int kDeregisterAfterTtls = 6;
// Pauses between failed registrations, doubling up to a heartbeat.
constexpr Duration kFirstBackoff = 200ms;
// The agent's answers are short; more is not an agent.
constexpr size_t kMaxAnswer = 64 * 1024;

// Runs on its own one-thread loop; the public methods talk to it under the mutex. The loop is
// declared first so that it is destroyed last: the timer and exchange belong to its io_context.
struct State {
  Runtime loop{1};

  discovery::HostPort agent;
  std::string id;            // the service ID: <service>-<host>-<port>
  std::string check_id;      // "service:<ID>", the ID Consul gives a service's own check
  std::string registration;  // the register body
  Duration heartbeat{};      // a third of the TTL
  Duration timeout{};        // the session timeout: unannounce() waits no longer

  // Loop-only.
  std::shared_ptr<HttpExchange> exchange;
  asio::steady_timer timer{loop.executor()};
  Duration backoff = kFirstBackoff;
  bool sent_registration = false;  // Consul may know the ID: deregister it when done
  bool registering = false;        // `exchange` is a registration
  bool stopping = false;

  std::mutex mutex;
  std::condition_variable changed;
  bool announced = false;  // guarded: Consul accepted the registration (and has not lost it)
  bool finished = false;   // guarded: unannounce() is done

  ~State() { loop.stop(); }  // joins the loop's thread: nothing runs on it from here on

  void send(std::string method, std::string target, std::string body, Duration limit,
            std::function<void(const HttpExchangeResult&)> done) {
    HttpExchangeRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    exchange = HttpExchange::start(loop.executor(), agent, std::move(request), limit, kMaxAnswer,
                                   [this, done = std::move(done)](HttpExchangeResult result) {
                                     exchange.reset();
                                     // leave() waited for this registration to land: now the
                                     // deregistration cannot overtake it.
                                     if (stopping) return deregister();
                                     done(result);
                                   });
  }

  void after(Duration pause, void (State::*next)()) {
    timer.expires_after(pause);
    timer.async_wait([this, next](boost::system::error_code ec) {
      if (!ec && !stopping) (this->*next)();
    });
  }

  void setAnnounced(bool value) {
    std::lock_guard lock(mutex);
    announced = value;
    changed.notify_all();
  }

  void registerService() {
    sent_registration = true;
    registering = true;
    send("PUT", "/v1/agent/service/register", registration, heartbeat,
         [this](const HttpExchangeResult& result) {
           registering = false;
           if (!result.error.empty() || result.status != 200) {
             // Unreachable or refusing: try again, no slower than a heartbeat.
             auto pause = backoff;
             backoff = std::min(backoff * 2, heartbeat);
             return after(pause, &State::registerService);
           }
           backoff = kFirstBackoff;
           setAnnounced(true);
           after(heartbeat, &State::pass);
         });
  }

  void pass() {
    send("PUT", "/v1/agent/check/pass/" + discovery::consul::escape(check_id), "", heartbeat,
         [this](const HttpExchangeResult& result) {
           if (!result.error.empty()) {
             // Consul may still have the instance: keep passing; the TTL covers a short outage.
             auto pause = backoff;
             backoff = std::min(backoff * 2, heartbeat);
             return after(pause, &State::pass);
           }
           backoff = kFirstBackoff;
           if (result.status != 200) {
             // 404 "Unknown check ID" (older agents: 500): the agent forgot the instance.
             setAnnounced(false);
             return registerService();
           }
           after(heartbeat, &State::pass);
         });
  }

  // On the loop: ends the heartbeats and, if Consul may know the instance, deregisters it.
  void leave() {
    stopping = true;
    timer.cancel();
    // A registration on its way is let through (bounded by its timeout): cancelled here, it could
    // still reach Consul after the deregistration and leave an instance nobody heartbeats.
    if (exchange && registering) return;
    if (exchange) exchange->cancel();
    exchange.reset();
    deregister();
  }

  void deregister() {
    if (!sent_registration) return finish();
    HttpExchangeRequest request;
    request.method = "PUT";
    request.target = "/v1/agent/service/deregister/" + discovery::consul::escape(id);
    exchange = HttpExchange::start(loop.executor(), agent, std::move(request), timeout, kMaxAnswer,
                                   [this](const HttpExchangeResult&) { finish(); });
  }

  void finish() {
    if (exchange) exchange->cancel();
    exchange.reset();
    std::lock_guard lock(mutex);
    finished = true;
    announced = false;
    changed.notify_all();
  }
};

std::string registrationJson(const discovery::consul::Target& target, const std::string& id,
                             const std::string& check_id, const discovery::Endpoint& endpoint,
                             const AnnouncerOptions& options) {
  auto deregister_after =
      std::max(kMinDeregisterAfter, options.session_timeout * kDeregisterAfterTtls);
  nlohmann::json check{
      {"CheckID", check_id},
      {"Name", "scales announcer heartbeat"},
      {"TTL", discovery::consul::goDuration(options.session_timeout)},
      {"Status", "passing"},  // announced at once, not after the first pass
      {"DeregisterCriticalServiceAfter", discovery::consul::goDuration(deregister_after)}};
  nlohmann::json body{{"ID", id},
                      {"Name", target.service},
                      {"Address", endpoint.host},
                      {"Port", endpoint.port},
                      {"Tags", options.tags},
                      {"Weights", {{"Passing", options.weight}, {"Warning", 1}}},
                      {"Check", std::move(check)}};
  // Tags are the user's bytes: invalid UTF-8 is replaced rather than thrown at the caller.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class ConsulAnnouncement final : public Announcement {
 public:
  ConsulAnnouncement(const discovery::Uri& uri, const discovery::Endpoint& endpoint,
                     const AnnouncerOptions& options)
      : state_(std::make_shared<State>()) {
    auto bad = [&uri](const std::string& why) {
      return ConfigError("bad URI '" + uri.text + "': " + why);
    };
    auto target = discovery::consul::parseTarget(uri);
    if (target.agents.size() != 1) {
      throw bad("consul:// announces through one agent (the one on this host), not a list");
    }
    if (!options.additional_endpoints.empty()) {
      throw ConfigError("consul:// cannot announce additional endpoints ('" +
                        options.additional_endpoints.begin()->first +
                        "'): a Consul instance has one address; register each as its own service");
    }
    if (options.weight < 1) {
      throw ConfigError("consul:// announcer: weight " + std::to_string(options.weight) +
                        " must be at least 1 (Consul's Weights.Passing)");
    }
    if (options.session_timeout < 1s) {
      throw ConfigError(
          "consul:// announcer: session_timeout (the check's TTL) must be at least 1 s");
    }
    if (endpoint.host.empty() || endpoint.port == 0) {
      throw ConfigError("consul:// announcer: the endpoint needs a host and a port");
    }
    State& state = *state_;
    state.agent = target.agents.front();
    state.id = target.service + "-" + endpoint.host + "-" + std::to_string(endpoint.port);
    state.check_id = "service:" + state.id;
    state.registration = registrationJson(target, state.id, state.check_id, endpoint, options);
    state.heartbeat = options.session_timeout / 3;
    state.timeout = options.session_timeout;
    asio::post(state.loop.executor(), [&state] { state.registerService(); });
  }

  ~ConsulAnnouncement() override { unannounce(); }

  bool waitAnnounced(Duration timeout) override {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [this] { return state_->announced; });
  }

  std::string memberPath() const override {
    std::lock_guard lock(state_->mutex);
    return state_->announced ? state_->id : std::string();
  }

  void unannounce() override {
    State* state = state_.get();
    std::unique_lock lock(state->mutex);
    if (state->finished) return;
    asio::post(state->loop.executor(), [state] {
      if (!state->stopping) state->leave();
    });
    if (!state->changed.wait_for(lock, state->timeout, [state] { return state->finished; })) {
      // Consul did not answer the deregistration in time: give up on it.
      asio::post(state->loop.executor(), [state] { state->finish(); });
      state->changed.wait(lock, [state] { return state->finished; });
    }
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Announcement> announceInConsul(const discovery::Uri& uri,
                                               const discovery::Endpoint& endpoint,
                                               const AnnouncerOptions& options) {
  return std::make_unique<ConsulAnnouncement>(uri, endpoint, options);
}

}  // namespace scales::server
