// SPDX-License-Identifier: Apache-2.0
#include "zk_session.h"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "scales/core/errors.h"

namespace scales::discovery {
namespace asio = boost::asio;

// What the C client hands back to the global watcher: where to post, and which handle it is.
struct ZkSession::Bridge {
  asio::any_io_executor executor;
  std::weak_ptr<ZkSession> session;
  uint64_t generation;
};

template <class Result>
struct ZkSession::Op {
  asio::any_io_executor executor;
  std::weak_ptr<ZkSession> session;
  uint64_t generation;
  std::function<void(int, Result)> done;

  // Runs on a C client thread (or inside zookeeper_close): hop to the executor.
  static void finish(const void* data, int rc, Result result) {
    std::unique_ptr<Op> self(static_cast<Op*>(const_cast<void*>(data)));
    auto executor = self->executor;
    asio::post(executor, [self = std::move(self), rc, result = std::move(result)]() mutable {
      auto session = self->session.lock();
      if (!session || session->closed_ || session->generation_ != self->generation) return;
      self->done(rc, std::move(result));
    });
  }
};

namespace {

using Strings = std::vector<std::string>;

void onStrings(int rc, const String_vector* strings, const void* data) {
  Strings names;
  if (rc == ZOK && strings != nullptr) names.assign(strings->data, strings->data + strings->count);
  ZkSession::template Op<Strings>::finish(data, rc, std::move(names));
}

void onData(int rc, const char* value, int length, const Stat*, const void* data) {
  std::string text;
  if (rc == ZOK && value != nullptr && length > 0) text.assign(value, static_cast<size_t>(length));
  ZkSession::template Op<std::string>::finish(data, rc, std::move(text));
}

void onCreated(int rc, const char* path, const void* data) {
  ZkSession::template Op<std::string>::finish(data, rc, rc == ZOK && path ? path : "");
}

void onStat(int rc, const Stat*, const void* data) {
  ZkSession::template Op<int>::finish(data, rc, 0);
}

void onVoid(int rc, const void* data) { ZkSession::template Op<int>::finish(data, rc, 0); }

// At most one C client log line per 5 s for the whole process, to stderr as the client would.
void logLine(const char* message) {
  static std::atomic<int64_t> last{0};
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t previous = last.load(std::memory_order_relaxed);
  if (previous != 0 && now - previous < 5) return;
  if (!last.compare_exchange_strong(previous, now)) return;
  std::fprintf(stderr, "%s (ZooKeeper C client; similar lines muted for 5 s)\n", message);
}

}  // namespace

ZkTarget parseZkTarget(const Uri& uri) {
  auto bad = [&uri](const std::string& why) {
    return ConfigError("bad URI '" + uri.text + "': " + why);
  };
  if (uri.authority.empty()) throw bad("zk:// needs ZooKeeper hosts, e.g. zk://zk1:2181/path");
  parseHostList(uri.authority, uri.text);
  ZkTarget target{uri.authority, uri.path, uri.fragment};
  if (auto bang = target.path.find('!'); bang != std::string::npos) {
    if (!target.endpoint_name.empty()) throw bad("endpoint named twice (both '!' and '#')");
    target.endpoint_name = target.path.substr(bang + 1);
    target.path.resize(bang);
    if (target.endpoint_name.empty()) throw bad("empty endpoint name after '!'");
  }
  if (target.path.size() < 2 || target.path.front() != '/' || target.path.back() == '/' ||
      target.path.find("//") != std::string::npos) {
    throw bad("zk:// needs a znode path like /services/name (got '" + target.path + "')");
  }
  return target;
}

std::string zkErrorName(int rc) { return zerror(rc) + (" (" + std::to_string(rc) + ")"); }

ZkSession::ZkSession(asio::any_io_executor executor, std::string hosts, Duration session_timeout,
                     Events events)
    : executor_(std::move(executor)),
      hosts_(std::move(hosts)),
      session_timeout_(session_timeout),
      events_(std::move(events)),
      lost_timer_(executor_) {}

std::shared_ptr<ZkSession> ZkSession::open(asio::any_io_executor executor, std::string hosts,
                                           Duration session_timeout, Events events) {
  // The C client logs every connection at INFO, and while ZooKeeper is down an error every few
  // milliseconds per session. Keep errors only (the level is process-wide: an application that
  // wants otherwise calls zoo_set_debug_level afterwards); logLine() rate-limits them.
  static std::once_flag quiet;
  std::call_once(quiet, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR); });
  std::shared_ptr<ZkSession> session(
      new ZkSession(std::move(executor), std::move(hosts), session_timeout, std::move(events)));
  session->connect();
  return session;
}

ZkSession::~ZkSession() { close(); }

void ZkSession::connect() {
  auto bridge = std::make_unique<Bridge>(Bridge{executor_, weak_from_this(), ++generation_});
  auto watcher = [](zhandle_t* zh, int type, int state, const char* path, void*) {
    auto* b = static_cast<Bridge*>(const_cast<void*>(zoo_get_context(zh)));
    if (b == nullptr) return;
    asio::post(b->executor, [session = b->session, generation = b->generation, type, state,
                             where = std::string(path ? path : "")] {
      auto self = session.lock();
      if (!self || self->closed_ || self->generation_ != generation) return;
      if (type == ZOO_SESSION_EVENT) {
        self->onSessionEvent(state);
      } else if (self->events_.watch) {
        Watch what = type == ZOO_CREATED_EVENT   ? Watch::kCreated
                     : type == ZOO_DELETED_EVENT ? Watch::kDeleted
                     : type == ZOO_CHANGED_EVENT ? Watch::kChanged
                                                 : Watch::kChildren;
        if (type == ZOO_NOTWATCHING_EVENT) return;
        self->events_.watch(what, where);
      }
    });
  };
  auto timeout_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(session_timeout_).count());
  errno = 0;
  handle_ = zookeeper_init2(hosts_.c_str(), watcher, timeout_ms, nullptr, bridge.get(), 0, logLine);
  if (handle_ == nullptr) {
    throw ConfigError("cannot start a ZooKeeper session with '" + hosts_ +
                      "': " + (errno ? std::strerror(errno) : "rejected by the client library"));
  }
  bridge_ = std::move(bridge);
}

void ZkSession::onSessionEvent(int state) {
  if (state == ZOO_CONNECTED_STATE) {
    connected_ = true;
    ever_connected_ = true;
    lost_timer_.cancel();
    if (events_.connected) events_.connected();
  } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
    replace();
  } else {
    // Disconnected: the C client retries the hosts by itself, and resumes the session if the
    // server still has it. After a whole session timeout away, the server has expired it (or
    // lost it: a ZooKeeper restarted without its data refuses a client that has seen newer
    // transactions, forever): give up on it, as Curator does, and start a new one.
    connected_ = false;
    if (!ever_connected_ || lost_armed_) return;
    lost_armed_ = true;
    lost_timer_.expires_after(session_timeout_);
    lost_timer_.async_wait([weak = weak_from_this(), generation = generation_](auto ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_ || self->generation_ != generation) return;
      self->lost_armed_ = false;
      if (!self->connected_) self->replace();
    });
  }
}

void ZkSession::replace() {
  connected_ = false;
  ever_connected_ = false;
  lost_armed_ = false;
  lost_timer_.cancel();
  zookeeper_close(handle_);  // a dead session: nothing to say to the server, returns at once
  handle_ = nullptr;
  bridge_.reset();
  if (events_.expired) events_.expired();
  try {
    connect();
  } catch (const ConfigError&) {
    // The host list was accepted once; a failure now (e.g. a name that stopped resolving)
    // leaves the session closed, like any later failure to reach ZooKeeper.
    closed_ = true;
  }
}

template <class Result>
ZkSession::Op<Result>* ZkSession::op(std::function<void(int, Result)> done) {
  return new Op<Result>{executor_, weak_from_this(), generation_, std::move(done)};
}

// A request the C client refused outright never completes: finish it ourselves, off this stack.
#define SCALES_ZK_SUBMIT(Result, call, done)                  \
  do {                                                        \
    if (closed_ || handle_ == nullptr) return;                \
    auto* pending = op<Result>(std::move(done));              \
    int rc = (call);                                          \
    if (rc != ZOK) Op<Result>::finish(pending, rc, Result{}); \
  } while (false)

void ZkSession::children(const std::string& path, bool watch, StringsDone done) {
  SCALES_ZK_SUBMIT(
      Strings, zoo_aget_children(handle_, path.c_str(), watch ? 1 : 0, onStrings, pending), done);
}

void ZkSession::data(const std::string& path, bool watch, DataDone done) {
  SCALES_ZK_SUBMIT(std::string, zoo_aget(handle_, path.c_str(), watch ? 1 : 0, onData, pending),
                   done);
}

void ZkSession::exists(const std::string& path, bool watch, Done done) {
  std::function<void(int, int)> adapted = [done = std::move(done)](int rc, int) { done(rc); };
  SCALES_ZK_SUBMIT(int, zoo_aexists(handle_, path.c_str(), watch ? 1 : 0, onStat, pending),
                   adapted);
}

void ZkSession::create(const std::string& path, const std::string& value, int flags,
                       DataDone done) {
  SCALES_ZK_SUBMIT(std::string,
                   zoo_acreate(handle_, path.c_str(), value.data(), static_cast<int>(value.size()),
                               &ZOO_OPEN_ACL_UNSAFE, flags, onCreated, pending),
                   done);
}

void ZkSession::remove(const std::string& path, Done done) {
  std::function<void(int, int)> adapted = [done = std::move(done)](int rc, int) { done(rc); };
  SCALES_ZK_SUBMIT(int, zoo_adelete(handle_, path.c_str(), -1, onVoid, pending), adapted);
}

#undef SCALES_ZK_SUBMIT

void ZkSession::close() {
  if (closed_ && handle_ == nullptr) return;
  closed_ = true;
  connected_ = false;
  lost_timer_.cancel();
  if (handle_ != nullptr) zookeeper_close(handle_);  // joins the C client's threads
  handle_ = nullptr;
  bridge_.reset();
}

}  // namespace scales::discovery
