// SPDX-License-Identifier: Apache-2.0
// etcd://h:p,h:p/prefix: a key `<prefix>/member_<lease>` holding the server's serverset JSON
// (what etcd:// clients, and Finagle-format readers, understand), attached to a lease whose TTL
// is the session timeout. The lease is kept alive every third of its TTL, from whichever member
// answers; when etcd says the lease is gone (it expired while we were cut off), a new lease is
// granted and the key put again. unannounce() revokes the lease, which deletes the key at once;
// a process that dies leaves etcd to delete it when the lease expires.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>

#include "core/base64.h"
#include "discovery/etcd_gateway.h"
#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "scales/discovery/serverset.h"
#include "server/announcement.h"

namespace scales::server {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using discovery::EtcdCluster;
using discovery::EtcdJson;

constexpr Duration kCallTimeout = 3s;
constexpr Duration kFirstBackoff = 100ms;
constexpr Duration kMaxBackoff = 2s;

std::string leaseKey(const std::string& prefix, int64_t lease) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(lease));
  return prefix + "member_" + hex;
}

// Lives on its own one-thread loop; the public methods talk to it under the mutex. The loop
// stops (its thread joins) before anything it uses goes away.
class EtcdAnnouncement final : public Announcement {
 public:
  EtcdAnnouncement(discovery::EtcdTarget target, std::string value, AnnouncerOptions options)
      : target_(std::move(target)),
        value_(std::move(value)),
        options_(std::move(options)),
        ttl_seconds_(std::max<int64_t>(
            2, static_cast<int64_t>(
                   std::ceil(std::chrono::duration<double>(options_.session_timeout).count())))),
        timer_(loop_.executor()) {
    asio::post(loop_.executor(), [this] {
      // A member that hangs must not eat the lease: each try gets at most a third of the TTL.
      Duration ttl = std::chrono::seconds(ttl_seconds_);  // in Duration's units before dividing
      auto timeout = std::min<Duration>(kCallTimeout, ttl / 3);
      cluster_ = std::make_shared<EtcdCluster>(loop_.executor(), target_.members, timeout);
      grant();
    });
  }

  ~EtcdAnnouncement() override {
    unannounce();
    loop_.stop();  // joins the loop's thread: nothing runs on it from here on
  }

  bool waitAnnounced(Duration timeout) override {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return !key_.empty(); });
  }

  std::string memberPath() const override {
    std::lock_guard lock(mutex_);
    return key_;
  }

  void unannounce() override {
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
    }
    asio::post(loop_.executor(), [this] {
      stopping_ = true;
      timer_.cancel();
      if (lease_ == 0) return finish();
      // Revoking deletes the key now, rather than when the lease runs out.
      cluster_->call("/v3/lease/revoke", EtcdJson{{"ID", std::to_string(lease_)}},
                     [this](std::string, EtcdJson) { finish(); });
    });
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, options_.session_timeout, [this] { return finished_; })) {
      lock.unlock();
      asio::post(loop_.executor(), [this] { finish(); });  // etcd did not answer: give up on it
      lock.lock();
      changed_.wait(lock, [this] { return finished_; });
    }
  }

 private:
  // Loop-only from here on.
  void grant() {
    if (stopping_) return;
    cluster_->call("/v3/lease/grant", EtcdJson{{"TTL", ttl_seconds_}},
                   [this](std::string error, EtcdJson reply) {
                     if (stopping_) return;
                     int64_t lease = 0, ttl = 0;
                     try {
                       lease = discovery::etcdInt(reply, "ID");
                       ttl = discovery::etcdInt(reply, "TTL");
                     } catch (const ConfigError& e) {
                       error = e.what();
                     }
                     if (error.empty() && (lease == 0 || ttl <= 0)) error = "no lease granted";
                     if (!error.empty()) return retry([this] { grant(); });
                     lease_ = lease;
                     granted_ttl_ = std::chrono::seconds(ttl);
                     lease_expires_ = Clock::now() + granted_ttl_;
                     put();
                   });
  }

  void put() {
    if (stopping_) return;
    auto key = leaseKey(target_.prefix, lease_);
    EtcdJson body{{"key", detail::base64Encode(key)},
                  {"value", detail::base64Encode(value_)},
                  {"lease", std::to_string(lease_)}};
    cluster_->call("/v3/kv/put", body, [this, key](std::string error, EtcdJson) {
      if (stopping_) return;
      if (!error.empty()) {
        // The lease may be fine: put again while it lasts, else start over with a new one.
        return retry([this] { Clock::now() < lease_expires_ ? put() : grant(); });
      }
      backoff_ = kFirstBackoff;
      publish(key);
      scheduleKeepAlive(granted_ttl_ / 3);
    });
  }

  void keepAlive() {
    if (stopping_) return;
    cluster_->call("/v3/lease/keepalive", EtcdJson{{"ID", std::to_string(lease_)}},
                   [this](std::string error, EtcdJson reply) {
                     if (stopping_) return;
                     onKeptAlive(std::move(error), reply);
                   });
  }

  void onKeptAlive(std::string error, const EtcdJson& reply) {
    int64_t ttl = -1;
    if (error.empty()) {
      // A stream on the gateway: the answer comes wrapped in "result" (or "error"). A result
      // with TTL 0 (left out): etcd no longer knows the lease.
      auto result = reply.find("result");
      if (result == reply.end() || !result->is_object()) {
        error = "keepalive answered without a result";
      } else {
        try {
          ttl = discovery::etcdInt(*result, "TTL");
        } catch (const ConfigError& e) {
          error = e.what();
        }
      }
    }
    if (error.empty() && ttl <= 0) return lost();
    if (!error.empty()) {
      if (Clock::now() >= lease_expires_) return lost();  // expired while unreachable
      auto pause = std::min<Duration>(backoff_, granted_ttl_ / 3);
      backoff_ = std::min(backoff_ * 2, kMaxBackoff);
      return scheduleKeepAlive(pause);
    }
    backoff_ = kFirstBackoff;
    Duration granted = std::chrono::seconds(ttl);  // in Duration's units before dividing
    lease_expires_ = Clock::now() + granted;
    scheduleKeepAlive(granted / 3);
  }

  void lost() {
    publish("");
    lease_ = 0;
    grant();
  }

  void scheduleKeepAlive(Duration after) {
    timer_.expires_after(after);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) keepAlive();
    });
  }

  template <class Again>
  void retry(Again again) {
    timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    timer_.async_wait([again](boost::system::error_code ec) {
      if (!ec) again();
    });
  }

  void publish(std::string key) {
    std::lock_guard lock(mutex_);
    key_ = std::move(key);
    changed_.notify_all();
  }

  void finish() {
    timer_.cancel();
    if (cluster_) cluster_->close();
    std::lock_guard lock(mutex_);
    finished_ = true;
    key_.clear();
    changed_.notify_all();
  }

  discovery::EtcdTarget target_;
  std::string value_;
  AnnouncerOptions options_;
  int64_t ttl_seconds_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string key_;        // guarded: the put key, empty while not announced
  bool finished_ = false;  // guarded: unannounce() is done with etcd

  Runtime loop_{1};
  asio::steady_timer timer_;              // loop-only: keepalives and retries
  std::shared_ptr<EtcdCluster> cluster_;  // loop-only
  int64_t lease_ = 0;
  Duration granted_ttl_{};
  Clock::time_point lease_expires_;
  Duration backoff_ = kFirstBackoff;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<Announcement> announceInEtcd(const discovery::Uri& uri,
                                             const discovery::Endpoint& endpoint,
                                             const AnnouncerOptions& options) {
  auto target = discovery::parseEtcdTarget(uri);
  if (!target.endpoint_name.empty()) {
    throw ConfigError("bad URI '" + uri.text +
                      "': an announcer names its extra endpoints in AnnouncerOptions, not '!'");
  }
  if (options.session_timeout < std::chrono::seconds(1)) {
    throw ConfigError("etcd announcer: session_timeout (the lease TTL) must be at least 1 s");
  }
  auto value =
      discovery::serversetMemberJson(endpoint, options.shard, options.additional_endpoints);
  return std::make_unique<EtcdAnnouncement>(std::move(target), std::move(value), options);
}

}  // namespace scales::server
