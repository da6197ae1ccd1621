// SPDX-License-Identifier: Apache-2.0
// etcd://h:p,h:p/prefix[!endpoint]: the keys under a prefix in etcd v3, each holding an endpoint
// (etcd_value.h), through etcd's JSON gateway (etcd_gateway.h says why not gRPC).
//
// The whole prefix is read once, then watched from the revision after the read, so no change
// between the two is missed; each watch message applies its events and delivers the new whole
// set. A watch that breaks (its member died, restarted or was cut off) is opened again on the
// next member from the revision after the last event seen, so nothing is read twice or missed.
// When etcd has compacted past that revision (it says so by cancelling the watch), the prefix is
// read again from scratch and watched from there. Errors keep the last good set.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <optional>
#include <random>

#include "core/base64.h"
#include "discovery/etcd_gateway.h"
#include "discovery/etcd_value.h"
#include "discovery/shared_resolver.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"

namespace scales::discovery {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// A member that has not answered a read (or a watch's header) in this time is left for the next.
constexpr Duration kCallTimeout = 3s;
// Pauses between failed rounds (every member tried): doubling from the first to the last.
constexpr Duration kFirstBackoff = 100ms;
constexpr Duration kMaxBackoff = 5s;
// A watch that ran this long before it broke is followed at once by the next; one that broke
// sooner waits out the backoff.
constexpr Duration kSettledWatch = 1s;
// Keys read into a set at most; more is a misconfigured prefix, not a fleet.
constexpr size_t kMaxKeys = 100000;

class EtcdResolver final : public Resolver, public std::enable_shared_from_this<EtcdResolver> {
  struct Member {
    std::optional<Endpoint> endpoint;  // nullopt: see problem
    std::string problem;
  };

 public:
  EtcdResolver(EtcdTarget target, asio::any_io_executor executor, const ResolverOptions& options)
      : target_(std::move(target)),
        executor_(std::move(executor)),
        options_(options),
        first_timer_(executor_),
        retry_timer_(executor_) {}

  void start(Listener listener) override {
    listener_ = std::move(listener);
    asio::dispatch(executor_, [self = shared_from_this()] { self->open(); });
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    first_timer_.cancel();
    retry_timer_.cancel();
    if (cluster_) cluster_->close();
  }

 private:
  void open() {
    if (stopped_) return;
    cluster_ = std::make_shared<EtcdCluster>(executor_, target_.members, kCallTimeout);
    first_timer_.expires_after(options_.resolve_timeout);
    first_timer_.async_wait([weak = weak()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_ || self->delivered_once_) return;
      self->fail("no endpoints from etcd " + self->target_.hosts + " after " +
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    self->options_.resolve_timeout)
                                    .count()) +
                 " ms (" + (self->last_error_.empty() ? "no answer yet" : self->last_error_) +
                 "); still trying");
    });
    read();
  }

  std::weak_ptr<EtcdResolver> weak() { return shared_from_this(); }

  void read() {
    EtcdJson body{{"key", detail::base64Encode(target_.prefix)},
                  {"range_end", detail::base64Encode(prefixRangeEnd(target_.prefix))},
                  {"limit", kMaxKeys + 1}};
    cluster_->call("/v3/kv/range", body, [weak = weak()](std::string error, EtcdJson reply) {
      auto self = weak.lock();
      if (!self || self->stopped_) return;
      if (error.empty()) error = self->onRange(reply);
      if (!error.empty()) self->retryLater(error, [](EtcdResolver& r) { r.read(); });
    });
  }

  // Empty on success; otherwise what was wrong with the reply.
  std::string onRange(const EtcdJson& reply) {
    try {
      const auto& kvs = reply.contains("kvs") ? reply["kvs"] : EtcdJson::array();
      if (!kvs.is_array()) return "etcd range reply: 'kvs' is not an array";
      if (kvs.size() > kMaxKeys) {
        return "prefix " + target_.prefix + " holds more than " + std::to_string(kMaxKeys) +
               " keys";
      }
      std::map<std::string, Member> members;
      for (const auto& kv : kvs) members[etcdBytes(kv, "key")] = memberOf(kv);
      auto revision = etcdInt(reply.value("header", EtcdJson::object()), "revision");
      if (revision <= 0) return "etcd range reply without a revision";
      members_ = std::move(members);
      next_revision_ = revision + 1;
    } catch (const std::exception& e) {  // ConfigError, or a JSON value of the wrong type
      return std::string("etcd range reply: ") + e.what();
    }
    deliver();
    watch();
    return "";
  }

  Member memberOf(const EtcdJson& kv) {
    Member member;
    try {
      member.endpoint = parseEtcdValue(etcdBytes(kv, "value"), target_.endpoint_name);
      if (!member.endpoint) {
        member.problem =
            "is not ALIVE or has no endpoint" +
            (target_.endpoint_name.empty() ? std::string() : " '" + target_.endpoint_name + "'");
      }
    } catch (const ConfigError& e) {
      member.problem = e.what();
    }
    return member;
  }

  void watch() {
    watch_created_ = false;
    EtcdJson create{{"key", detail::base64Encode(target_.prefix)},
                    {"range_end", detail::base64Encode(prefixRangeEnd(target_.prefix))},
                    {"start_revision", std::to_string(next_revision_)}};
    cluster_->stream(
        "/v3/watch", EtcdJson{{"create_request", std::move(create)}},
        [weak = weak()](const EtcdJson& result) {
          auto self = weak.lock();
          if (self && !self->stopped_) self->onWatch(result);
        },
        [weak = weak()](std::string why) {
          auto self = weak.lock();
          if (self && !self->stopped_) self->onWatchEnd(std::move(why));
        });
  }

  void onWatch(const EtcdJson& result) {
    try {
      if (result.value("canceled", false)) {
        cluster_->cancelStream();
        if (etcdInt(result, "compact_revision") > 0) {
          // Compacted past next_revision_: the events in between are gone; read everything again
          // (the set delivered so far stays until that read succeeds).
          return read();
        }
        return retryLater("etcd cancelled the watch: " + result.value("cancel_reason", "no reason"),
                          [](EtcdResolver& r) { r.watch(); });
      }
      if (result.value("created", false)) {
        watch_created_ = true;
        watch_created_at_ = Clock::now();
        return;
      }
      const auto& events = result.contains("events") ? result["events"] : EtcdJson::array();
      if (!events.is_array()) throw ConfigError("etcd watch: 'events' is not an array");
      if (events.empty()) {
        // A progress notification: every change up to its revision has been sent.
        auto revision = etcdInt(result.value("header", EtcdJson::object()), "revision");
        next_revision_ = std::max(next_revision_, revision + 1);
        return;
      }
      for (const auto& event : events) {
        const auto& kv = event.value("kv", EtcdJson::object());
        auto key = etcdBytes(kv, "key");
        if (event.value("type", "PUT") == "DELETE") {
          members_.erase(key);
        } else if (members_.size() < kMaxKeys || members_.count(key)) {
          members_[key] = memberOf(kv);
        }
        next_revision_ = std::max(next_revision_, etcdInt(kv, "mod_revision") + 1);
      }
      backoff_ = kFirstBackoff;  // a watch that applies events is a working one
      deliver();
    } catch (const std::exception& e) {  // ConfigError, or a JSON value of the wrong type
      // A message we cannot follow: start over from a fresh read rather than guess.
      cluster_->cancelStream();
      retryLater(e.what(), [](EtcdResolver& r) { r.read(); });
    }
  }

  void onWatchEnd(std::string why) {
    cluster_->skipMember();
    if (watch_created_ && Clock::now() - watch_created_at_ >= kSettledWatch) {
      // A watch that had been running broke (its member died or restarted): carry on at once on
      // the next member, from where this one left off. (One that breaks soon after it was made
      // waits like any failure, so a member that accepts and drops watches cannot make a loop.)
      last_error_ = why;
      backoff_ = kFirstBackoff;
      return watch();
    }
    retryLater(why, [](EtcdResolver& r) { r.watch(); });
  }

  // Reports the failure (the client keeps its last set) and tries again after the backoff.
  void retryLater(const std::string& why, void (*again)(EtcdResolver&)) {
    last_error_ = why;
    if (delivered_once_) fail(why + "; still trying");
    // Jittered (half to all of the backoff): a fleet that lost the same member does not come
    // back to the next one in step.
    retry_timer_.expires_after(std::chrono::duration_cast<Duration>(
        backoff_ * std::uniform_real_distribution<double>(0.5, 1.0)(random_)));
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    retry_timer_.async_wait([weak = weak(), again](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_) return;
      again(*self);
    });
  }

  void deliver() {
    ResolverUpdate update;
    std::string problems;
    for (const auto& [key, member] : members_) {
      if (member.endpoint) {
        update.endpoints.push_back(*member.endpoint);
      } else if (problems.size() < 512) {
        problems += (problems.empty() ? "" : "; ") + key + ": " + member.problem;
      }
    }
    // The same set again (a key rewritten with the same value) is nothing a client needs to see,
    // unless an error was reported since: then the set says all is well again.
    if (delivered_once_ && !error_reported_ && update.endpoints == delivered_) return;
    error_reported_ = false;
    delivered_ = update.endpoints;
    if (update.endpoints.empty()) {
      update.detail = "prefix " + target_.prefix + " on etcd " + target_.hosts +
                      (members_.empty() ? " has no keys" : " has no usable key (" + problems + ")");
    }
    delivered_once_ = true;
    last_error_.clear();
    first_timer_.cancel();
    listener_(update);
  }

  void fail(std::string why) {
    error_reported_ = true;
    ResolverUpdate update;
    update.error = std::move(why);
    listener_(update);
  }

  EtcdTarget target_;
  asio::any_io_executor executor_;
  ResolverOptions options_;
  asio::steady_timer first_timer_;
  asio::steady_timer retry_timer_;
  Listener listener_;
  std::shared_ptr<EtcdCluster> cluster_;
  std::map<std::string, Member> members_;  // by key
  int64_t next_revision_ = 0;              // where a new watch starts
  bool watch_created_ = false;
  Clock::time_point watch_created_at_;
  Duration backoff_ = kFirstBackoff;
  std::mt19937 random_{std::random_device{}()};
  std::string last_error_;
  std::vector<Endpoint> delivered_;
  bool delivered_once_ = false;
  bool error_reported_ = false;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<Resolver> resolvers::etcd(const Uri& uri, Executor executor,
                                          const ResolverOptions& options) {
  return std::make_unique<SharedResolver<EtcdResolver>>(
      std::make_shared<EtcdResolver>(parseEtcdTarget(uri), std::move(executor), options));
}

}  // namespace scales::discovery
