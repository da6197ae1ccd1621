// SPDX-License-Identifier: Apache-2.0
// A resolver over one znode's children (zk_children_resolver.h). The children and every member's
// data are watched, so adds, removals and edits arrive as new snapshots; a snapshot is delivered
// only once every member it names has been read.
//
// What keeps the last good set (an error update): ZooKeeper unreachable (reported once
// resolve_timeout passes without a first set), the parent znode missing, a failed read.
// What empties it: a parent that exists and has no usable member; `detail` says why.
// After a session expiry the resolver re-reads everything in the new session; until that read
// completes the client keeps the old set.
#include "zk_children_resolver.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <optional>

#include "scales/core/errors.h"
#include "shared_resolver.h"
#include "zk_session.h"

namespace scales::discovery {
namespace {
namespace asio = boost::asio;

class ZkChildrenResolver final : public Resolver,
                                 public std::enable_shared_from_this<ZkChildrenResolver> {
 public:
  ZkChildrenResolver(ZkChildrenSpec spec, asio::any_io_executor executor,
                     const ResolverOptions& options)
      : spec_(std::move(spec)),
        executor_(std::move(executor)),
        options_(options),
        first_timer_(executor_),
        grace_timer_(executor_) {}

  void start(Listener listener) override {
    listener_ = std::move(listener);
    // The session is opened on the executor, where its events are delivered: none of them (a
    // connection made at once, say) can run before session_ is set. Opened from another thread,
    // the "connected" event could list children through a null session.
    asio::dispatch(executor_, [self = shared_from_this()] { self->open(); });
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    first_timer_.cancel();
    grace_timer_.cancel();
    if (session_) session_->close();
  }

 private:
  void open() {
    if (stopped_) return;
    std::weak_ptr<ZkChildrenResolver> weak = shared_from_this();
    ZkSession::Events events{[weak] {
                               if (auto self = weak.lock()) self->listChildren();
                             },
                             [weak] {
                               if (auto self = weak.lock()) self->onExpired();
                             },
                             [weak](ZkSession::Watch what, const std::string& path) {
                               if (auto self = weak.lock()) self->onWatch(what, path);
                             }};
    try {
      session_ = ZkSession::open(executor_, spec_.hosts, options_.zk_session_timeout, events);
    } catch (const ConfigError& e) {
      asio::post(executor_, [weak, why = std::string(e.what())] {
        if (auto self = weak.lock(); self && !self->stopped_) self->fail(why);
      });
      return;
    }
    first_timer_.expires_after(options_.resolve_timeout);
    first_timer_.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_ || self->delivered_once_) return;
      self->fail(
          "no " + self->spec_.naming.set + " from ZooKeeper " + self->spec_.hosts + " after " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(self->options_.resolve_timeout)
                  .count()) +
          " ms (" + (self->session_->connected() ? "connected, still reading" : "unreachable") +
          "); still trying");
    });
  }

  void onExpired() {
    // Watches died with the session; the next listing rebuilds every member from scratch.
    ++listing_;
    ++epoch_;
    stale_ = true;
    // Members' own sessions may have expired too (a ZooKeeper outage expires everyone's): they
    // register again within a session timeout. Until then the set only grows, so calls are not
    // cut off from servers that are fine but not yet announced again.
    grace_until_ = Clock::now() + options_.zk_session_timeout;
    std::weak_ptr<ZkChildrenResolver> weak = shared_from_this();
    grace_timer_.expires_at(grace_until_);
    grace_timer_.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_ || self->stale_ || self->unread_ > 0) return;
      self->deliver();  // removals held back during the grace period apply now
    });
  }

  void onWatch(ZkSession::Watch what, const std::string& path) {
    if (path == spec_.path) {
      listChildren();  // children changed, or the parent znode came or went
    } else if (what == ZkSession::Watch::kChanged && members_.count(childName(path))) {
      readMember(childName(path));
    }
  }

  std::string childName(const std::string& path) const {
    return path.size() > spec_.path.size() + 1 ? path.substr(spec_.path.size() + 1) : "";
  }

  void listChildren() {
    if (stopped_) return;
    uint64_t listing = ++listing_;
    std::weak_ptr<ZkChildrenResolver> weak = shared_from_this();
    session_->children(spec_.path, true, [weak, listing](int rc, std::vector<std::string> names) {
      auto self = weak.lock();
      if (!self || self->stopped_ || listing != self->listing_) return;
      if (rc == ZNONODE) return self->watchForCreation();
      if (rc != ZOK) {
        return self->fail("listing " + self->spec_.path + " on ZooKeeper " + self->spec_.hosts +
                          ": " + zkErrorName(rc));
      }
      self->onChildren(std::move(names));
    });
  }

  void watchForCreation() {
    std::weak_ptr<ZkChildrenResolver> weak = shared_from_this();
    uint64_t listing = listing_;
    session_->exists(spec_.path, true, [weak, listing](int rc) {
      auto self = weak.lock();
      if (!self || self->stopped_ || listing != self->listing_) return;
      if (rc == ZOK) return self->listChildren();  // created in between
      self->fail(self->spec_.naming.set + " znode " + self->spec_.path +
                 " does not exist on ZooKeeper " + self->spec_.hosts);
    });
  }

  void onChildren(std::vector<std::string> names) {
    std::map<std::string, Member> next;
    for (auto& name : names) {
      if (!spec_.is_member(name)) continue;
      auto known = members_.find(name);
      if (!stale_ && known != members_.end() && known->second.read) {
        next.emplace(name, std::move(known->second));
      } else {
        next.emplace(name, Member{});
      }
    }
    stale_ = false;
    members_ = std::move(next);
    unread_ = 0;
    for (auto& [name, member] : members_) {
      if (!member.read) {
        ++unread_;
        readMember(name);
      }
    }
    if (unread_ == 0) deliver();
  }

  // Not tied to a listing: a data watch re-read must land even if the children changed since.
  void readMember(const std::string& name) {
    std::weak_ptr<ZkChildrenResolver> weak = shared_from_this();
    session_->data(spec_.path + "/" + name, true,
                   [weak, name, epoch = epoch_](int rc, std::string json) {
                     auto self = weak.lock();
                     if (!self || self->stopped_ || epoch != self->epoch_) return;
                     self->onMember(name, rc, json);
                   });
  }

  void onMember(const std::string& name, int rc, const std::string& json) {
    auto it = members_.find(name);
    if (it == members_.end()) return;  // removed by a newer listing of the same session
    Member& member = it->second;
    bool initial = !member.read;
    member.read = true;
    member.endpoint.reset();
    member.problem.clear();
    if (rc == ZNONODE) {
      members_.erase(it);  // left between the listing and the read; the child watch follows
    } else if (rc != ZOK) {
      member.problem = "reading " + spec_.naming.label(name) + ": " + zkErrorName(rc);
    } else {
      try {
        member.endpoint = spec_.parse(name, json);
        if (!member.endpoint) member.problem = spec_.naming.unusable(name);
      } catch (const ConfigError& e) {
        member.problem = spec_.naming.label(name) + ": " + e.what();
      }
    }
    if (initial && unread_ > 0) --unread_;
    if (unread_ == 0) deliver();
  }

  void deliver() {
    ResolverUpdate update;
    std::string problems;
    for (const auto& [name, member] : members_) {
      if (member.endpoint) {
        update.endpoints.push_back(*member.endpoint);
      } else if (!member.problem.empty() && problems.size() < 512) {
        problems += (problems.empty() ? "" : "; ") + member.problem;
      }
    }
    if (Clock::now() < grace_until_) {
      for (const auto& endpoint : delivered_) {
        if (std::find(update.endpoints.begin(), update.endpoints.end(), endpoint) ==
            update.endpoints.end()) {
          update.endpoints.push_back(endpoint);
        }
      }
    }
    delivered_ = update.endpoints;
    if (update.endpoints.empty()) {
      update.detail =
          spec_.naming.set + " " + spec_.path + " on ZooKeeper " + spec_.hosts +
          (members_.empty() ? " has no " + spec_.naming.member + "s"
                            : " has no usable " + spec_.naming.member + " (" + problems + ")");
    }
    delivered_once_ = true;
    first_timer_.cancel();
    listener_(update);
  }

  void fail(std::string why) {
    ResolverUpdate update;
    update.error = std::move(why);
    listener_(update);
  }

  struct Member {
    bool read = false;
    std::optional<Endpoint> endpoint;  // nullopt: unusable or malformed (problem says which)
    std::string problem;
  };

  ZkChildrenSpec spec_;
  asio::any_io_executor executor_;
  ResolverOptions options_;
  asio::steady_timer first_timer_;
  Listener listener_;
  std::shared_ptr<ZkSession> session_;
  std::map<std::string, Member> members_;  // by child name: sequence order
  uint64_t listing_ = 0;                   // completions of an older listing are dropped
  uint64_t epoch_ = 0;                     // bumped per expired session
  size_t unread_ = 0;                      // members of the current listing not read yet
  bool stale_ = false;                     // members_ is from an expired session
  bool delivered_once_ = false;
  std::vector<Endpoint> delivered_;  // the last set given to the listener
  Clock::time_point grace_until_;    // after an expiry: until then, the set only grows
  asio::steady_timer grace_timer_;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<Resolver> makeZkChildrenResolver(ZkChildrenSpec spec,
                                                 asio::any_io_executor executor,
                                                 const ResolverOptions& options) {
  return std::make_unique<SharedResolver<ZkChildrenResolver>>(
      std::make_shared<ZkChildrenResolver>(std::move(spec), std::move(executor), options));
}

}  // namespace scales::discovery
