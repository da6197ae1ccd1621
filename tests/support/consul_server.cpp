// SPDX-License-Identifier: Apache-2.0
#include "support/consul_server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <charconv>
#include <future>
#include <nlohmann/json.hpp>

namespace scales::testing {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Consul's limits on `wait`: 5 min when absent, 10 min at most.
constexpr Duration kDefaultWait = 5min;
constexpr Duration kMaxWait = 10min;
constexpr Duration kSweepEvery = 20ms;

// Go's duration format as Consul reads it: "10s", "1500ms", "1m30s".
std::optional<Duration> parseGoDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Duration total{};
  while (!text.empty()) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    size_t unit_length = 0;
    while (unit_length < text.size() &&
           std::isalpha(static_cast<unsigned char>(text[unit_length]))) {
      ++unit_length;
    }
    auto unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    if (unit == "ns") {
      total += std::chrono::nanoseconds(value);
    } else if (unit == "us") {
      total += std::chrono::microseconds(value);
    } else if (unit == "ms") {
      total += std::chrono::milliseconds(value);
    } else if (unit == "s") {
      total += std::chrono::seconds(value);
    } else if (unit == "m") {
      total += std::chrono::minutes(value);
    } else if (unit == "h") {
      total += std::chrono::hours(value);
    } else {
      return std::nullopt;
    }
  }
  return total;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    out[percentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
  }
  return out;
}

// Go's strconv.ParseBool, which Consul applies to `passing` (present without a value: true).
bool parseBool(const std::string& text) {
  return text.empty() || text == "1" || text == "t" || text == "T" || text == "true" ||
         text == "TRUE" || text == "True";
}

}  // namespace

struct ConsulServer::Response {
  unsigned status = 200;
  std::string body;
  std::optional<std::string> index;
  bool drop = false;  // close the connection without answering
};

class ConsulServer::Connection {
 public:
  explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
};

ConsulServer::ConsulServer()
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), sweeper_(io_) {
  port_ = acceptor_.local_endpoint().port();
  acceptNext();
  sweep();
  thread_ = std::thread([this] { io_.run(); });
}

ConsulServer::~ConsulServer() {
  io_.stop();
  thread_.join();
}

std::string ConsulServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

void ConsulServer::listen() {
  acceptor_.open(tcp::v4());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  acceptor_.listen();
  acceptNext();
}

void ConsulServer::acceptNext() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;  // closed by stop()
    auto connection = std::make_shared<Connection>(std::move(socket));
    connections_.insert(connection);
    asio::co_spawn(
        io_,
        [this, connection]() -> asio::awaitable<void> {
          boost::beast::flat_buffer buffer;
          try {
            for (;;) {
              http::request_parser<http::string_body> parser;
              parser.header_limit(64 * 1024);
              parser.body_limit(1024 * 1024);
              co_await http::async_read(connection->socket, buffer, parser, asio::use_awaitable);
              auto request = parser.release();
              Response response;
              std::string target(request.target());
              auto qmark = target.find('?');
              std::string path = percentDecode(target.substr(0, qmark));
              auto query = parseQuery(qmark == std::string::npos ? "" : target.substr(qmark + 1));
              const std::string health_prefix = "/v1/health/service/";
              const std::string deregister_prefix = "/v1/agent/service/deregister/";
              const std::string pass_prefix = "/v1/agent/check/pass/";
              auto method = request.method();
              if (method == http::verb::get && path.rfind(health_prefix, 0) == 0) {
                response = co_await blockingHealth(connection, path.substr(health_prefix.size()),
                                                   std::move(query));
              } else if (method == http::verb::put && path == "/v1/agent/service/register") {
                response = registerService(request.body());
              } else if (method == http::verb::put && path.rfind(deregister_prefix, 0) == 0) {
                response = deregister(path.substr(deregister_prefix.size()));
              } else if (method == http::verb::put && path.rfind(pass_prefix, 0) == 0) {
                response = pass(path.substr(pass_prefix.size()));
              } else {
                response = {404, "no such endpoint in this stand-in", {}, false};
              }
              if (response.drop || !connection->socket.is_open()) break;
              http::response<http::string_body> reply{static_cast<http::status>(response.status),
                                                      11};
              reply.set(http::field::content_type,
                        response.status == 200 ? "application/json" : "text/plain; charset=utf-8");
              if (response.index) reply.set("X-Consul-Index", *response.index);
              reply.body() = std::move(response.body);
              reply.keep_alive(request.keep_alive());
              reply.prepare_payload();
              co_await http::async_write(connection->socket, reply, asio::use_awaitable);
              if (!request.keep_alive()) break;
            }
          } catch (const std::exception&) {
            // The client went away, or stop() closed the connection.
          }
          boost::system::error_code ignored;
          connection->socket.close(ignored);
          connections_.erase(connection);
        },
        asio::detached);
    acceptNext();
  });
}

asio::awaitable<ConsulServer::Response> ConsulServer::blockingHealth(
    std::shared_ptr<Connection> connection, std::string service,
    std::map<std::string, std::string> query) {
  uint64_t min_index = 0;
  if (auto it = query.find("index"); it != query.end()) {
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), min_index);
  }
  Duration wait = kDefaultWait;
  if (auto it = query.find("wait"); it != query.end()) {
    if (auto parsed = parseGoDuration(it->second)) wait = std::min(*parsed, kMaxWait);
  }
  auto deadline = Clock::now() + wait;
  uint64_t epoch;
  {
    std::lock_guard lock(mutex_);
    ++requests_["health"];
    health_indexes_.push_back(min_index);
    ++generation_;
    changed_.notify_all();
    epoch = epoch_;
  }
  asio::steady_timer timer(io_);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (min_index == 0 || serviceIndexLocked(service) > min_index || epoch_ != epoch ||
          Clock::now() >= deadline) {
        break;
      }
    }
    if (!connection->socket.is_open()) co_return Response{0, {}, {}, true};
    timer.expires_at(deadline);
    waiters_.push_back(&timer);
    auto self = std::prev(waiters_.end());
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    waiters_.erase(self);
  }
  co_return healthAnswer(service, query);
}

ConsulServer::Response ConsulServer::healthAnswer(const std::string& service,
                                                  const std::map<std::string, std::string>& query) {
  std::lock_guard lock(mutex_);
  std::string dc = "dc1";
  if (auto it = query.find("dc"); it != query.end()) dc = it->second;
  if (!datacenters_.count(dc)) return {500, "No path to datacenter", {}, false};
  std::string tag = query.count("tag") ? query.at("tag") : "";
  bool passing = query.count("passing") && parseBool(query.at("passing"));
  json answer = json::array();
  for (const auto& [id, entry] : entries_) {
    const auto& in = entry.instance;
    if (in.service != service || in.datacenter != dc) continue;
    if (!tag.empty() && std::find(in.tags.begin(), in.tags.end(), tag) == in.tags.end()) continue;
    if (passing && in.status != "passing") continue;
    std::string node = "node-" + in.node_address;
    answer.push_back({{"Node", {{"Node", node}, {"Address", in.node_address}, {"Datacenter", dc}}},
                      {"Service",
                       {{"ID", in.id},
                        {"Service", in.service},
                        {"Tags", in.tags},
                        {"Address", in.address},
                        {"Port", in.port},
                        {"Weights", {{"Passing", in.weight}, {"Warning", 1}}}}},
                      {"Checks",
                       {{{"Node", node},
                         {"CheckID", "serfHealth"},
                         {"Name", "Serf Health Status"},
                         {"Status", "passing"},
                         {"ServiceID", ""},
                         {"ServiceName", ""}},
                        {{"Node", node},
                         {"CheckID", entry.check_id},
                         {"Name", "Service '" + in.service + "' check"},
                         {"Status", in.status},
                         {"ServiceID", in.id},
                         {"ServiceName", in.service}}}}});
  }
  Response response{200, answer.dump(), std::to_string(serviceIndexLocked(service)), false};
  if (health_body_) response.body = *health_body_;
  if (health_index_) response.index = *health_index_;
  return response;
}

ConsulServer::Response ConsulServer::registerService(const std::string& body) {
  json request;
  try {
    request = json::parse(body);
    Entry entry;
    entry.via_agent = true;
    auto& in = entry.instance;
    in.service = request.at("Name").get<std::string>();
    in.id = request.value("ID", in.service);
    in.address = request.value("Address", "");
    in.port = request.value("Port", uint16_t{0});
    in.tags = request.value("Tags", std::vector<std::string>{});
    if (request.contains("Weights")) in.weight = request["Weights"].value("Passing", 1);
    entry.check_id = "service:" + in.id;
    in.status = "passing";  // a service without checks is healthy
    if (request.contains("Check")) {
      const auto& check = request["Check"];
      entry.check_id = check.value("CheckID", entry.check_id);
      in.status = check.value("Status", "critical");  // Consul: TTL checks start critical
      if (check.contains("TTL")) {
        entry.ttl = parseGoDuration(check["TTL"].get<std::string>());
        if (!entry.ttl) return {400, "Invalid check: TTL must be a duration", {}, false};
        entry.ttl_deadline = Clock::now() + *entry.ttl;
      }
      if (check.contains("DeregisterCriticalServiceAfter")) {
        entry.deregister_after =
            parseGoDuration(check["DeregisterCriticalServiceAfter"].get<std::string>());
      }
    }
    std::lock_guard lock(mutex_);
    ++requests_["register"];
    if (in.status == "critical") entry.critical_since = Clock::now();
    if (auto old = entries_.find(in.id); old != entries_.end()) {
      entry.critical_transitions = old->second.critical_transitions;
    }
    std::string service = in.service;
    entries_[in.id] = std::move(entry);
    changedLocked(service);
  } catch (const json::exception& e) {
    return {400, std::string("Request decode failed: ") + e.what(), {}, false};
  }
  return {};
}

ConsulServer::Response ConsulServer::deregister(const std::string& id) {
  std::lock_guard lock(mutex_);
  ++requests_["deregister"];
  auto it = entries_.find(id);
  if (it == entries_.end()) return {404, "Unknown service ID \"" + id + "\"", {}, false};
  std::string service = it->second.instance.service;
  entries_.erase(it);
  changedLocked(service);
  return {};
}

ConsulServer::Response ConsulServer::pass(const std::string& check_id) {
  std::lock_guard lock(mutex_);
  ++requests_["pass"];
  ++generation_;
  changed_.notify_all();
  for (auto& [id, entry] : entries_) {
    if (entry.check_id != check_id || !entry.via_agent) continue;
    if (dropped_heartbeats_.count(id)) return {0, {}, {}, true};
    if (entry.ttl) entry.ttl_deadline = Clock::now() + *entry.ttl;
    setStatusLocked(entry, "passing");
    return {};
  }
  return {404,
          "Unknown check ID \"" + check_id +
              "\". Ensure that the check ID is passed, not the check name.",
          {},
          false};
}

void ConsulServer::sweep() {
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto& entry = it->second;
      if (entry.ttl && entry.instance.status != "critical" && now >= entry.ttl_deadline) {
        setStatusLocked(entry, "critical");
      }
      if (entry.instance.status == "critical" && entry.deregister_after &&
          now - entry.critical_since >= std::max(*entry.deregister_after, min_deregister_after_)) {
        std::string service = entry.instance.service;
        it = entries_.erase(it);
        changedLocked(service);
      } else {
        ++it;
      }
    }
  }
  sweeper_.expires_after(kSweepEvery);
  sweeper_.async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

void ConsulServer::changedLocked(const std::string& service) {
  service_index_[service] = ++index_;
  ++generation_;
  changed_.notify_all();
  wakeWaiters();
}

void ConsulServer::setStatusLocked(Entry& entry, const std::string& status) {
  if (entry.instance.status == status) return;
  if (status == "critical") {
    entry.critical_since = Clock::now();
    ++entry.critical_transitions;
  }
  entry.instance.status = status;
  changedLocked(entry.instance.service);
}

uint64_t ConsulServer::serviceIndexLocked(const std::string& service) const {
  auto it = service_index_.find(service);
  return std::max<uint64_t>(it == service_index_.end() ? index_ : it->second, 1);
}

void ConsulServer::wakeWaiters() {
  asio::post(io_, [this] {
    for (auto* timer : waiters_) timer->cancel();
  });
}

void ConsulServer::add(Instance instance) {
  std::lock_guard lock(mutex_);
  datacenters_.insert(instance.datacenter);
  Entry entry;
  entry.check_id = "service:" + instance.id;
  std::string id = instance.id, service = instance.service;
  entry.instance = std::move(instance);
  if (entry.instance.status == "critical") entry.critical_since = Clock::now();
  entries_[id] = std::move(entry);
  changedLocked(service);
}

void ConsulServer::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  std::string service = it->second.instance.service;
  entries_.erase(it);
  changedLocked(service);
}

void ConsulServer::setHealth(const std::string& id, const std::string& status) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(id); it != entries_.end()) setStatusLocked(it->second, status);
}

std::string ConsulServer::health(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? "" : it->second.instance.status;
}

std::optional<ConsulServer::Instance> ConsulServer::instance(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.instance;
}

Duration ConsulServer::deregisterAfter(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? Duration{} : it->second.deregister_after.value_or(Duration{});
}

int ConsulServer::criticalTransitions(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? 0 : it->second.critical_transitions;
}

uint64_t ConsulServer::index() const {
  std::lock_guard lock(mutex_);
  return index_;
}

void ConsulServer::rewindIndex(uint64_t to) {
  std::lock_guard lock(mutex_);
  index_ = to;
  for (auto& [service, index] : service_index_) index = std::min(index, to);
  ++epoch_;
  ++generation_;
  changed_.notify_all();
  wakeWaiters();
}

void ConsulServer::forgetAgentServices() {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [](const auto& item) { return item.second.via_agent; });
}

void ConsulServer::setMinDeregisterAfter(Duration floor) {
  std::lock_guard lock(mutex_);
  min_deregister_after_ = floor;
}

void ConsulServer::stop() {
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& connection : connections_) connection->socket.close(ignored);
    for (auto* timer : waiters_) timer->cancel();  // blocked queries notice their closed sockets
    done.set_value();
  });
  done.get_future().wait();
}

void ConsulServer::start() {
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    listen();
    done.set_value();
  });
  done.get_future().wait();
}

void ConsulServer::replaceHealthAnswer(std::optional<std::string> body,
                                       std::optional<std::string> index) {
  std::lock_guard lock(mutex_);
  health_body_ = std::move(body);
  health_index_ = std::move(index);
}

void ConsulServer::dropHeartbeats(const std::string& id, bool drop) {
  std::lock_guard lock(mutex_);
  if (drop) {
    dropped_heartbeats_.insert(id);
  } else {
    dropped_heartbeats_.erase(id);
  }
}

int ConsulServer::requests(const std::string& kind) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(kind);
  return it == requests_.end() ? 0 : it->second;
}

std::vector<uint64_t> ConsulServer::healthIndexes() const {
  std::lock_guard lock(mutex_);
  return health_indexes_;
}

bool ConsulServer::waitFor(const std::function<bool()>& done, Duration timeout) {
  auto give_up = Clock::now() + timeout;
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    if (done()) return true;  // without the lock: `done` may call this server's accessors
    std::unique_lock lock(mutex_);
    if (!changed_.wait_until(lock, give_up, [&] { return generation_ != seen; })) return done();
  }
}

}  // namespace scales::testing
