// SPDX-License-Identifier: Apache-2.0
// zk://hosts/path: an ephemeral sequential member_ znode holding Finagle's serverset JSON.

#include <zookeeper/zookeeper.h>

#include <boost/asio/post.hpp>
#include <condition_variable>
#include <future>
#include <mutex>

#include "../discovery/zk_session.h"
#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "scales/discovery/serverset.h"
#include "server/announcement.h"

namespace scales::server {
namespace {
namespace asio = boost::asio;
using discovery::ZkSession;

// Runs on its own one-thread loop; the public methods talk to it under the mutex. The loop stops
// (its thread joins) before anything it uses goes away, and the session goes before the loop's
// io_context does.
struct State {
  discovery::ZkTarget target;
  std::string member_json;
  AnnouncerOptions options;
  std::shared_ptr<ZkSession> session;
  bool creating = false;  // loop-only

  std::mutex mutex;
  std::condition_variable changed;
  std::string member;     // guarded: the created znode, empty while not announced
  bool finished = false;  // guarded: unannounce() is done with the session

  Runtime loop{1};

  ~State() {
    loop.stop();      // joins the loop's thread: nothing runs on it from here on
    session.reset();  // its timer belongs to the loop's io_context, which must still exist
  }

  void onConnected() {
    std::lock_guard lock(mutex);
    if (!member.empty() || creating || finished) return;
    creating = true;
    createParent(1);
  }

  void onExpired() {
    std::lock_guard lock(mutex);
    member.clear();  // gone with the session; onConnected registers again
    creating = false;
  }

  // Creates the path's ancestors one level at a time (persistent; existing ones are fine).
  void createParent(size_t from) {
    auto slash = target.path.find('/', from);
    std::string parent = target.path.substr(0, slash);
    session->create(parent, "", 0, [this, slash](int rc, std::string) {
      if (rc != ZOK && rc != ZNODEEXISTS) return retryLater();
      if (slash == std::string::npos) return createMember();
      createParent(slash + 1);
    });
  }

  void createMember() {
    session->create(target.path + "/member_", member_json, ZOO_EPHEMERAL_SEQUENTIAL,
                    [this](int rc, std::string created) {
                      if (rc != ZOK) return retryLater();
                      std::lock_guard lock(mutex);
                      creating = false;
                      member = std::move(created);
                      changed.notify_all();
                    });
  }

  // A connection lost mid-way: the next `connected` event starts over.
  void retryLater() {
    std::lock_guard lock(mutex);
    creating = false;
  }
};

class ZkAnnouncement final : public Announcement {
 public:
  ZkAnnouncement(const discovery::Uri& uri, const discovery::Endpoint& endpoint,
                 AnnouncerOptions options);
  ~ZkAnnouncement() override { unannounce(); }
  bool waitAnnounced(Duration timeout) override;
  std::string memberPath() const override;
  void unannounce() override;

 private:
  std::shared_ptr<State> state_;
};

ZkAnnouncement::ZkAnnouncement(const discovery::Uri& uri, const discovery::Endpoint& endpoint,
                               AnnouncerOptions options)
    : state_(std::make_shared<State>()) {
  state_->target = discovery::parseZkTarget(uri);
  if (!state_->target.endpoint_name.empty()) {
    throw ConfigError("bad URI '" + uri.text +
                      "': an announcer names its extra endpoints in AnnouncerOptions, not '!'");
  }
  state_->member_json =
      discovery::serversetMemberJson(endpoint, options.shard, options.additional_endpoints);
  state_->options = std::move(options);
  State* state = state_.get();
  ZkSession::Events events{[state] { state->onConnected(); }, [state] { state->onExpired(); },
                           nullptr};
  // Opened on the loop: the session's callbacks then never race its construction.
  std::promise<std::exception_ptr> opened;
  asio::post(state->loop.executor(), [state, &opened, events] {
    try {
      state->session = ZkSession::open(state->loop.executor(), state->target.hosts,
                                       state->options.session_timeout, events);
      opened.set_value(nullptr);
    } catch (...) {
      opened.set_value(std::current_exception());
    }
  });
  if (auto error = opened.get_future().get()) std::rethrow_exception(error);
}

bool ZkAnnouncement::waitAnnounced(Duration timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [this] { return !state_->member.empty(); });
}

std::string ZkAnnouncement::memberPath() const {
  std::lock_guard lock(state_->mutex);
  return state_->member;
}

void ZkAnnouncement::unannounce() {
  State* state = state_.get();
  {
    std::lock_guard lock(state->mutex);
    if (state->finished) return;
  }
  auto finish = [state] {
    if (state->session) state->session->close();
    std::lock_guard lock(state->mutex);
    state->finished = true;
    state->member.clear();
    state->changed.notify_all();
  };
  asio::post(state->loop.executor(), [state, finish] {
    std::string member;
    {
      std::lock_guard lock(state->mutex);
      member = state->member;
    }
    // Deleting first lets clients see the member go now, not after closing reaches ZooKeeper.
    if (member.empty() || !state->session || !state->session->connected()) return finish();
    state->session->remove(member, [finish](int) { finish(); });
  });
  std::unique_lock lock(state->mutex);
  if (!state->changed.wait_for(lock, state->options.session_timeout,
                               [state] { return state->finished; })) {
    lock.unlock();
    asio::post(state->loop.executor(), finish);  // ZooKeeper did not answer: close regardless
    lock.lock();
    state->changed.wait(lock, [state] { return state->finished; });
  }
}

}  // namespace

std::unique_ptr<Announcement> announceInZooKeeper(const discovery::Uri& uri,
                                                  const discovery::Endpoint& endpoint,
                                                  const AnnouncerOptions& options) {
  return std::make_unique<ZkAnnouncement>(uri, endpoint, options);
}

}  // namespace scales::server
