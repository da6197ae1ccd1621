// SPDX-License-Identifier: Apache-2.0
// scales::redis::Client: Redis commands over the shared client stack. Commands to one server are
// pipelined over one connection (a singleton pool of pipelined connections); with several servers
// each key goes to one of them by consistent hashing (the ring_hash balancer, the default here).
// Every command has a sync form (returns or throws) and an async form taking any Asio completion
// token.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scales/client/channel.h"
#include "scales/client/invoke.h"
#include "scales/client/use_blocking.h"
#include "scales/core/option_keys.h"
#include "scales/redis/reply.h"

namespace scales::redis {

struct ClientOptions {
  static constexpr std::string_view kProtocol = "redis";
  static const OptionKeys<ClientOptions>& uriKeys();  // db, resp, username, password

  // Sent on every new connection: AUTH [username] password, SELECT database, HELLO 3.
  std::string username;
  std::string password;
  int database = 0;
  // 2: RESP2. 3: RESP3 (HELLO 3); replies then may carry RESP3 types (maps, doubles, booleans).
  int protocol = 2;

  void validate() const;  // throws ConfigError
};

// The reply decoders behind the typed commands; each throws ServerError for an error reply and
// ProtocolError for a reply of the wrong type.
namespace decode {
Reply any(const Response& response);  // error replies too are returned, not thrown
Reply checked(const Response& response);
void ok(const Response& response);
int64_t integer(const Response& response);
bool flag(const Response& response);  // an integer reply, 1 = true
std::optional<std::string> optionalString(const Response& response);
std::vector<std::string> strings(const Response& response);
std::vector<std::optional<std::string>> optionalStrings(const Response& response);
std::vector<std::pair<std::string, std::string>> pairs(const Response& response);
}  // namespace decode

class Client : public std::enable_shared_from_this<Client> {
 public:
  // The URI names the servers (tcp://, zk://, dns://, ...); its query may carry the stack's keys
  // and the Redis options: ?db=2&resp=3&username=u&password=p. The default balancer is
  // ring_hash (keys shard across servers). Throws ConfigError naming the bad part.
  static std::shared_ptr<Client> make(std::string_view uri, ClientConfig config = {},
                                      ClientOptions options = {});

  const ClientConfig& config() const { return channel_.config(); }
  // The stack's layers, top-down (scales/client/layers.h).
  std::vector<std::string> layers() const { return channel_.layers(); }
  const client::ClientMetrics& metrics() const { return channel_.metrics(); }
  boost::asio::any_io_executor executor() const { return channel_.executor(); }
  // Graceful close (the destructor does it too): new calls fail with UsageError, calls in flight
  // finish for up to config().drain_timeout, then the connections close (client::Channel).
  void close() { channel_.close(); }
  // Waits until an endpoint is connected (or throws UnavailableError naming why none is within
  // `timeout`); the token form completes with void(std::exception_ptr) (client::Channel).
  void awaitReady(Duration timeout) { channel_.awaitReady(timeout); }
  template <class CompletionToken>
  auto awaitReady(Duration timeout, CompletionToken&& token) {
    return channel_.awaitReady(timeout, std::forward<CompletionToken>(token));
  }

  // Any command, e.g. command({"ZADD", "board", "1", "ann"}). Routed by its first argument
  // after the command's name. The reply is returned as sent, error replies included.
  template <class Token>
  auto command(std::vector<std::string> args, Token&& token) {
    return invoke<Reply>(request(args, false), decode::any, std::forward<Token>(token));
  }
  Reply command(std::vector<std::string> args);

  template <class Token>
  auto get(std::string_view key, Token&& token) {
    return invoke<std::optional<std::string>>(request({"GET", key}, true), decode::optionalString,
                                              std::forward<Token>(token));
  }
  std::optional<std::string> get(std::string_view key);

  // SET key value [PX ttl].
  template <class Token>
  auto set(std::string_view key, std::string_view value, Token&& token) {
    return invoke<void>(request({"SET", key, value}, true), decode::ok, std::forward<Token>(token));
  }
  void set(std::string_view key, std::string_view value);
  void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl);

  template <class Token>
  auto del(std::string_view key, Token&& token) {
    return invoke<int64_t>(request({"DEL", key}, true), decode::integer,
                           std::forward<Token>(token));
  }
  int64_t del(std::string_view key);
  bool exists(std::string_view key);

  template <class Token>
  auto incr(std::string_view key, Token&& token) {
    return invoke<int64_t>(request({"INCR", key}, false), decode::integer,
                           std::forward<Token>(token));
  }
  int64_t incr(std::string_view key);
  int64_t incrBy(std::string_view key, int64_t by);
  bool expire(std::string_view key, std::chrono::seconds ttl);
  // Seconds to live; -1 without expiry, -2 when the key is missing.
  int64_t ttl(std::string_view key);

  // One GET per key, each to its key's server, pipelined; values in the order of `keys`.
  template <class Token>
  auto mget(std::vector<std::string> keys, Token&& token) {
    using Values = std::vector<std::optional<std::string>>;
    return boost::asio::async_initiate<Token, void(std::exception_ptr, Values)>(
        [](auto handler, std::shared_ptr<Client> self, std::vector<std::string> names) {
          self->startMget(std::move(names), MgetHandler(std::move(handler)));
        },
        token, shared_from_this(), std::move(keys));
  }
  std::vector<std::optional<std::string>> mget(std::vector<std::string> keys);

  template <class Token>
  auto hset(std::string_view key, std::string_view field, std::string_view value, Token&& token) {
    return invoke<int64_t>(request({"HSET", key, field, value}, true), decode::integer,
                           std::forward<Token>(token));
  }
  int64_t hset(std::string_view key, std::string_view field, std::string_view value);
  template <class Token>
  auto hget(std::string_view key, std::string_view field, Token&& token) {
    return invoke<std::optional<std::string>>(request({"HGET", key, field}, true),
                                              decode::optionalString, std::forward<Token>(token));
  }
  std::optional<std::string> hget(std::string_view key, std::string_view field);
  int64_t hdel(std::string_view key, std::string_view field);
  std::vector<std::pair<std::string, std::string>> hgetall(std::string_view key);

  template <class Token>
  auto lpush(std::string_view key, std::string_view value, Token&& token) {
    return invoke<int64_t>(request({"LPUSH", key, value}, false), decode::integer,
                           std::forward<Token>(token));
  }
  int64_t lpush(std::string_view key, std::string_view value);
  int64_t rpush(std::string_view key, std::string_view value);
  std::optional<std::string> lpop(std::string_view key);
  std::vector<std::string> lrange(std::string_view key, int64_t start, int64_t stop);

  int64_t sadd(std::string_view key, std::string_view member);
  std::vector<std::string> smembers(std::string_view key);

  // PING to the server `key` routes to; "PONG".
  std::string ping(std::string_view key = "");

 private:
  using MgetHandler = boost::asio::any_completion_handler<void(
      std::exception_ptr, std::vector<std::optional<std::string>>)>;

  Client(const discovery::Uri& uri, ClientConfig config, ClientOptions options);

  // `idempotent`: the command may run twice with the same effect, so a timed-out or failed
  // attempt may be retried (requeues of unsent commands happen regardless).
  Request request(std::initializer_list<std::string_view> args, bool idempotent) const;
  Request request(const std::vector<std::string>& args, bool idempotent) const;

  template <class T, class Decode, class Token>
  auto invoke(Request&& call, Decode decoder, Token&& token) {
    return client::asyncInvoke<T>(
        [self = shared_from_this()](Request&& r, RpcService::Handler&& h) {
          self->channel_.send(std::move(r), std::move(h));
        },
        std::move(call), decoder, std::forward<Token>(token));
  }
  // Sync: block on the async form, refusing on the client's own loop.
  template <class T, class Decode>
  T wait(Request&& call, Decode decoder) {
    channel_.checkMayBlock(call.method);
    return invoke<T>(std::move(call), decoder, client::use_blocking);
  }

  void startMget(std::vector<std::string> keys, MgetHandler handler);

  client::Channel channel_;
};

}  // namespace scales::redis
