// SPDX-License-Identifier: Apache-2.0
// A ZooKeeper session on an Asio executor, over the ZooKeeper C client's multi-threaded library
// (libzookeeper_mt). The C client runs its own I/O and completion threads; this wrapper moves
// every completion and watch onto the executor, so its users (the zk:// resolver, the announcer)
// are single-threaded state machines with no locks.
//
// The session outlives ZooKeeper's: when the server expires it (watches and ephemeral nodes are
// gone), or the connection stays lost for a whole session timeout, the wrapper opens a new one
// and says so, and its users re-read and re-register. Watches
// all go to one place (the session's event handler) rather than to per-call watcher contexts,
// whose lifetime the C client does not let us bound.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/discovery/uri.h"

typedef struct _zhandle zhandle_t;  // NOLINT: the C client's own spelling

namespace scales::discovery {

class ZkSession : public std::enable_shared_from_this<ZkSession> {
 public:
  enum class Watch { kCreated, kDeleted, kChanged, kChildren };
  struct Events {
    std::function<void()> connected;  // a new or resumed session is up: (re)read, (re)register
    std::function<void()> expired;    // the old session, its watches and ephemerals are gone
    std::function<void(Watch, const std::string& path)> watch;
  };

  // `hosts` is "h:p,h:p". Starts connecting at once; throws ConfigError when the C client rejects
  // the host list. Call from the executor's thread or before it runs.
  static std::shared_ptr<ZkSession> open(boost::asio::any_io_executor executor, std::string hosts,
                                         Duration session_timeout, Events events);
  ~ZkSession();

  // Completions run on the executor with the C client's return code (ZOK, ZNONODE, ...). A
  // completion from a session that has since expired or closed is dropped: the `connected` event
  // that follows is the cue to start over.
  using StringsDone = std::function<void(int rc, std::vector<std::string>)>;
  using DataDone = std::function<void(int rc, std::string)>;
  using Done = std::function<void(int rc)>;
  void children(const std::string& path, bool watch, StringsDone done);
  void data(const std::string& path, bool watch, DataDone done);
  void exists(const std::string& path, bool watch, Done done);
  // flags: 0, or the C client's ZOO_EPHEMERAL / ZOO_EPHEMERAL_SEQUENTIAL / ...; `done` gets the
  // created path (with its sequence number).
  void create(const std::string& path, const std::string& value, int flags, DataDone done);
  void remove(const std::string& path, Done done);

  // Ends the session (ephemerals go at once, not after the timeout). Blocks briefly while the C
  // client says goodbye to the server and joins its threads; no event or completion runs after.
  void close();

  const std::string& hosts() const { return hosts_; }
  bool connected() const { return connected_; }

  // One request in flight in the C client (internal: its completion trampolines need it).
  template <class Result>
  struct Op;

 private:
  struct Bridge;

  ZkSession(boost::asio::any_io_executor executor, std::string hosts, Duration session_timeout,
            Events events);
  void connect();
  void onSessionEvent(int state);
  void replace();  // the session is gone: a new handle, a new session
  template <class Result>
  Op<Result>* op(std::function<void(int, Result)> done);

  boost::asio::any_io_executor executor_;
  std::string hosts_;
  Duration session_timeout_;
  Events events_;
  zhandle_t* handle_ = nullptr;
  std::unique_ptr<Bridge> bridge_;  // the C client's context: outlives the handle
  uint64_t generation_ = 0;         // bumped per handle: completions of an old one are dropped
  boost::asio::steady_timer lost_timer_;  // disconnected for a whole session timeout
  bool lost_armed_ = false;
  bool connected_ = false;
  bool ever_connected_ = false;  // this handle had a session (so it can lose it)
  bool closed_ = false;
};

// The C client's name for a return code, e.g. "no node (-101)".
std::string zkErrorName(int rc);

// zk://h:p,h:p/path[!endpoint] (or scales' #endpoint).
struct ZkTarget {
  std::string hosts;  // "h:p,h:p" as the C client takes it
  std::string path;
  std::string endpoint_name;
};
// Throws ConfigError naming the bad part.
ZkTarget parseZkTarget(const Uri& uri);

}  // namespace scales::discovery
