// SPDX-License-Identifier: Apache-2.0
#include "scales/redis/client.h"

#include <algorithm>

#include "core/completion.h"
#include "scales/balancer/hash.h"
#include "scales/client/client_metrics.h"
#include "scales/client/uri_options.h"
#include "scales/pool/pool.h"
#include "scales/redis/resp.h"
#include "transport/pipelined.h"
#include "transport/tls_context.h"

namespace scales::redis {
namespace asio = boost::asio;

namespace decode {
namespace {
[[noreturn]] void wrongType(const Reply& reply, const char* wanted) {
  throw ProtocolError("redis replied with " + std::string(typeName(reply.type)) + ", expected " +
                      wanted);
}
std::string text(Reply&& reply) {
  if (reply.type != Reply::Type::kBulkString && reply.type != Reply::Type::kSimpleString) {
    wrongType(reply, "a string");
  }
  return std::move(reply.string);
}
}  // namespace

Reply any(const Response& response) { return parseReply(response.payload); }

Reply checked(const Response& response) {
  Reply reply = parseReply(response.payload);
  if (reply.isError()) throw ServerError(reply.string);
  return reply;
}

void ok(const Response& response) {
  Reply reply = checked(response);
  if (reply.type != Reply::Type::kSimpleString) wrongType(reply, "+OK");
}

int64_t integer(const Response& response) {
  Reply reply = checked(response);
  if (reply.type != Reply::Type::kInteger) wrongType(reply, "an integer");
  return reply.integer;
}

bool flag(const Response& response) { return integer(response) == 1; }

std::optional<std::string> optionalString(const Response& response) {
  Reply reply = checked(response);
  if (reply.isNil()) return std::nullopt;
  return text(std::move(reply));
}

std::vector<std::string> strings(const Response& response) {
  Reply reply = checked(response);
  if (reply.type != Reply::Type::kArray) wrongType(reply, "an array");
  std::vector<std::string> out;
  out.reserve(reply.elements.size());
  for (auto& element : reply.elements) out.push_back(text(std::move(element)));
  return out;
}

std::vector<std::optional<std::string>> optionalStrings(const Response& response) {
  Reply reply = checked(response);
  if (reply.type != Reply::Type::kArray) wrongType(reply, "an array");
  std::vector<std::optional<std::string>> out;
  out.reserve(reply.elements.size());
  for (auto& element : reply.elements) {
    if (element.isNil()) {
      out.emplace_back();
    } else {
      out.emplace_back(text(std::move(element)));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> pairs(const Response& response) {
  Reply reply = checked(response);
  // RESP2 sends a flat array of field, value; RESP3 a map holding the same.
  if (reply.type != Reply::Type::kArray && reply.type != Reply::Type::kMap) {
    wrongType(reply, "a map");
  }
  if (reply.elements.size() % 2 != 0) throw ProtocolError("redis map of odd length");
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < reply.elements.size(); i += 2) {
    out.emplace_back(text(std::move(reply.elements[i])), text(std::move(reply.elements[i + 1])));
  }
  return out;
}
}  // namespace decode

namespace {

// Reads are safe to retry after a timeout or a lost connection; writes are not (by default).
const MethodPolicy kIdempotent{true, std::nullopt, {}, {}};

std::vector<std::string> handshake(const ClientOptions& options) {
  std::vector<std::string> commands;
  if (options.protocol == 3) {
    if (options.password.empty()) {
      commands.push_back(encodeCommand({"HELLO", "3"}));
    } else {
      commands.push_back(encodeCommand({"HELLO", "3", "AUTH",
                                        options.username.empty() ? "default" : options.username,
                                        options.password}));
    }
  } else if (!options.password.empty()) {
    commands.push_back(options.username.empty()
                           ? encodeCommand({"AUTH", options.password})
                           : encodeCommand({"AUTH", options.username, options.password}));
  }
  if (options.database != 0) {
    commands.push_back(encodeCommand({"SELECT", std::to_string(options.database)}));
  }
  return commands;
}

// Commands to one server are pipelined over one connection; keys shard across servers by
// consistent hashing unless the config names another balancer.
client::ProtocolStack protocolStack(const ClientOptions& options) {
  auto connections =
      [options](const ClientConfig& config,
                std::shared_ptr<const client::ClientMetrics> metrics) -> client::ConnectionsFor {
    transport::PipelinedOptions pipelined;
    pipelined.connect_timeout = config.connect_timeout;
    pipelined.tls = transport::clientTlsFor(config.tls, {}, metrics->registry, metrics->labels);
    pipelined.framer = frameReply;
    pipelined.handshake = handshake(options);
    pipelined.check_handshake = [](size_t, std::string_view reply) {
      Reply r = parseReply(reply);
      if (r.isError()) throw ServerError(r.string);
    };
    return [pipelined](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
      return transport::pipelinedConnectionFactory(endpoint, pipelined, ex);
    };
  };
  return {connections, classifyReply, "ring_hash", "singleton", true};
}

std::string upper(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  });
  return out;
}

}  // namespace

#define SCALES_KNOB(expr) \
  [](ClientOptions & o) -> auto& { return o.expr; }

const OptionKeys<ClientOptions>& ClientOptions::uriKeys() {
  static const OptionKeys<ClientOptions> keys = [] {
    OptionKeys<ClientOptions> k;
    k.count("db", SCALES_KNOB(database))
        .count("resp", SCALES_KNOB(protocol))
        .text("username", SCALES_KNOB(username))
        .text("password", SCALES_KNOB(password));
    return k;
  }();
  return keys;
}
#undef SCALES_KNOB

void ClientOptions::validate() const {
  if (protocol != 2 && protocol != 3) {
    throw ConfigError("redis protocol " + std::to_string(protocol) + ": 2 (RESP2) or 3 (RESP3)");
  }
  if (database < 0) throw ConfigError("redis database must not be negative");
}

std::shared_ptr<Client> Client::make(std::string_view uri, ClientConfig config,
                                     ClientOptions options) {
  auto setup = client::parseClientUri(uri, std::move(config), std::move(options));
  return std::shared_ptr<Client>(
      new Client(setup.uri, std::move(setup.config), std::move(setup.options)));
}

Client::Client(const discovery::Uri& uri, ClientConfig config, ClientOptions options)
    : channel_(uri, std::move(config), protocolStack(options)) {}

Request Client::request(std::initializer_list<std::string_view> args, bool idempotent) const {
  Request call;
  appendCommand(call.payload, std::span<const std::string_view>(args.begin(), args.size()));
  call.method = upper(*args.begin());
  if (args.size() > 1) call.hash_key = hashKey(*(args.begin() + 1));
  if (idempotent) call.policy = &kIdempotent;
  return call;
}

Request Client::request(const std::vector<std::string>& args, bool idempotent) const {
  if (args.empty()) throw UsageError("redis command without a name");
  std::vector<std::string_view> views(args.begin(), args.end());
  Request call;
  appendCommand(call.payload, views);
  call.method = upper(args[0]);
  if (args.size() > 1) call.hash_key = hashKey(args[1]);
  if (idempotent) call.policy = &kIdempotent;
  return call;
}

Reply Client::command(std::vector<std::string> args) {
  return wait<Reply>(request(args, false), decode::any);
}

std::optional<std::string> Client::get(std::string_view key) {
  return wait<std::optional<std::string>>(request({"GET", key}, true), decode::optionalString);
}

void Client::set(std::string_view key, std::string_view value) {
  wait<void>(request({"SET", key, value}, true), decode::ok);
}

void Client::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  wait<void>(request({"SET", key, value, "PX", std::to_string(ttl.count())}, true), decode::ok);
}

int64_t Client::del(std::string_view key) {
  return wait<int64_t>(request({"DEL", key}, true), decode::integer);
}

bool Client::exists(std::string_view key) {
  return wait<bool>(request({"EXISTS", key}, true), decode::flag);
}

int64_t Client::incr(std::string_view key) {
  return wait<int64_t>(request({"INCR", key}, false), decode::integer);
}

int64_t Client::incrBy(std::string_view key, int64_t by) {
  return wait<int64_t>(request({"INCRBY", key, std::to_string(by)}, false), decode::integer);
}

bool Client::expire(std::string_view key, std::chrono::seconds ttl) {
  return wait<bool>(request({"EXPIRE", key, std::to_string(ttl.count())}, true), decode::flag);
}

int64_t Client::ttl(std::string_view key) {
  return wait<int64_t>(request({"TTL", key}, true), decode::integer);
}

std::vector<std::optional<std::string>> Client::mget(std::vector<std::string> keys) {
  channel_.checkMayBlock("MGET");
  return mget(std::move(keys), client::use_blocking);
}

void Client::startMget(std::vector<std::string> keys, MgetHandler handler) {
  struct Gather {
    // Move-constructed: Boost 1.81's any_completion_handler move-assignment recurses forever.
    explicit Gather(MgetHandler h, size_t n) : values(n), left(n), handler(std::move(h)) {}
    std::vector<std::optional<std::string>> values;
    size_t left;
    std::exception_ptr error;
    MgetHandler handler;
  };
  auto gather = std::make_shared<Gather>(std::move(handler), keys.size());
  if (keys.empty()) {
    return completePost(channel_.executor(), std::move(gather->handler), nullptr,
                        std::move(gather->values));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    get(keys[i], [gather, i](std::exception_ptr error, std::optional<std::string> value) {
      if (error && !gather->error) gather->error = error;
      gather->values[i] = std::move(value);
      if (--gather->left > 0) return;
      auto executor = asio::get_associated_executor(gather->handler);
      if (gather->error) {
        completeDispatch(executor, std::move(gather->handler), gather->error,
                         std::vector<std::optional<std::string>>{});
      } else {
        completeDispatch(executor, std::move(gather->handler), nullptr, std::move(gather->values));
      }
    });
  }
}

int64_t Client::hset(std::string_view key, std::string_view field, std::string_view value) {
  return wait<int64_t>(request({"HSET", key, field, value}, true), decode::integer);
}

std::optional<std::string> Client::hget(std::string_view key, std::string_view field) {
  return wait<std::optional<std::string>>(request({"HGET", key, field}, true),
                                          decode::optionalString);
}

int64_t Client::hdel(std::string_view key, std::string_view field) {
  return wait<int64_t>(request({"HDEL", key, field}, true), decode::integer);
}

std::vector<std::pair<std::string, std::string>> Client::hgetall(std::string_view key) {
  return wait<std::vector<std::pair<std::string, std::string>>>(request({"HGETALL", key}, true),
                                                                decode::pairs);
}

int64_t Client::lpush(std::string_view key, std::string_view value) {
  return wait<int64_t>(request({"LPUSH", key, value}, false), decode::integer);
}

int64_t Client::rpush(std::string_view key, std::string_view value) {
  return wait<int64_t>(request({"RPUSH", key, value}, false), decode::integer);
}

std::optional<std::string> Client::lpop(std::string_view key) {
  return wait<std::optional<std::string>>(request({"LPOP", key}, false), decode::optionalString);
}

std::vector<std::string> Client::lrange(std::string_view key, int64_t start, int64_t stop) {
  return wait<std::vector<std::string>>(
      request({"LRANGE", key, std::to_string(start), std::to_string(stop)}, true), decode::strings);
}

int64_t Client::sadd(std::string_view key, std::string_view member) {
  return wait<int64_t>(request({"SADD", key, member}, true), decode::integer);
}

std::vector<std::string> Client::smembers(std::string_view key) {
  return wait<std::vector<std::string>>(request({"SMEMBERS", key}, true), decode::strings);
}

std::string Client::ping(std::string_view key) {
  auto call = request({"PING"}, true);
  call.hash_key = hashKey(key);
  return wait<Reply>(std::move(call), decode::checked).string;
}

}  // namespace scales::redis
