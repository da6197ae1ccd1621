// SPDX-License-Identifier: Apache-2.0
#include "discovery/etcd_gateway.h"

#include <charconv>
#include <random>

#include "core/base64.h"
#include "scales/core/errors.h"

namespace scales::discovery {
namespace {

// The gateway's error body: {"error": "...", "message": "...", "code": N} (grpc-gateway's shape;
// both spellings of the text occur across versions).
std::string errorText(const EtcdJson& reply) {
  for (const char* field : {"message", "error"}) {
    auto it = reply.find(field);
    if (it != reply.end() && it->is_string() && !it->get<std::string>().empty()) {
      return it->get<std::string>().substr(0, 512);
    }
  }
  return "";
}

std::string describeStatus(const HttpExchangeResult& result) {
  std::string text = "HTTP " + std::to_string(result.status);
  auto reply = EtcdJson::parse(result.body, nullptr, false);
  if (!reply.is_discarded() && reply.is_object()) {
    auto why = errorText(reply);
    if (!why.empty()) text += ": " + why;
  }
  return text;
}

}  // namespace

EtcdTarget parseEtcdTarget(const Uri& uri) {
  auto bad = [&](const std::string& why) -> ConfigError {
    return ConfigError("bad URI '" + uri.text + "': " + why);
  };
  EtcdTarget target;
  target.hosts = uri.authority;
  target.members = parseHostList(uri.authority, uri.text);
  std::string path = uri.path;
  auto bang = path.find('!');
  if (bang != std::string::npos) {
    target.endpoint_name = path.substr(bang + 1);
    path.resize(bang);
    if (target.endpoint_name.empty()) throw bad("empty endpoint name after '!'");
  }
  if (!uri.fragment.empty()) {
    if (!target.endpoint_name.empty()) throw bad("both '!' and '#' name an endpoint");
    target.endpoint_name = uri.fragment;
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path == "/") {
    throw bad("etcd:// needs a key prefix, e.g. etcd://127.0.0.1:2379/services/echo");
  }
  target.prefix = path + "/";
  return target;
}

std::string prefixRangeEnd(std::string_view prefix) {
  // etcd's own rule (clientv3.GetPrefixRangeEnd): the prefix with its last byte below 0xff
  // incremented and everything after it dropped; all-0xff prefixes range to the end ("\0").
  std::string end(prefix);
  for (size_t i = end.size(); i-- > 0;) {
    if (static_cast<unsigned char>(end[i]) < 0xff) {
      end[i] = static_cast<char>(static_cast<unsigned char>(end[i]) + 1);
      end.resize(i + 1);
      return end;
    }
  }
  return std::string(1, '\0');
}

int64_t etcdInt(const EtcdJson& object, const char* field) {
  if (!object.is_object()) return 0;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
  }
  throw ConfigError(std::string("etcd reply: '") + field + "' is not a 64-bit integer");
}

std::string etcdBytes(const EtcdJson& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return "";
  if (!it->is_string()) throw ConfigError(std::string("etcd reply: '") + field + "' is not text");
  auto bytes = detail::base64Decode(it->get_ref<const std::string&>());
  if (!bytes) throw ConfigError(std::string("etcd reply: '") + field + "' is not base64");
  return std::move(*bytes);
}

EtcdCluster::EtcdCluster(boost::asio::any_io_executor executor, std::vector<HostPort> members,
                         Duration timeout)
    : executor_(std::move(executor)), members_(std::move(members)), timeout_(timeout) {
  // Each client starts at a member of its own: a fleet's watches spread over the cluster, and
  // when one member dies only its share moves.
  std::mt19937 random(std::random_device{}());
  current_ = std::uniform_int_distribution<size_t>(0, members_.size() - 1)(random);
}

void EtcdCluster::call(std::string path, EtcdJson body, Done done) {
  if (closed_) return;
  attempt(next_id_++, std::move(path), body.dump(), std::move(done), members_.size(), "");
}

void EtcdCluster::attempt(uint64_t id, std::string path, std::string body, Done done,
                          size_t tries_left, std::string errors) {
  size_t member = current_;
  std::weak_ptr<EtcdCluster> weak = shared_from_this();
  HttpExchangeRequest request{"POST", path, body, {}};
  calls_[id] = HttpExchange::start(
      executor_, members_[member], std::move(request), timeout_, kEtcdMaxReply,
      [weak, id, member, path, body, done, tries_left, errors](HttpExchangeResult result) mutable {
        auto self = weak.lock();
        if (!self || self->closed_) return;
        self->calls_.erase(id);
        std::string failure;
        if (!result.error.empty()) {
          failure = result.error;
        } else if (result.status >= 500) {
          failure = describeStatus(result);  // no leader, shutting down: another member may do
        } else if (result.status != 200) {
          return done("etcd " + showServer(self->members_[member]) + " " + path + ": " +
                          describeStatus(result),
                      {});
        } else {
          auto reply = EtcdJson::parse(result.body, nullptr, false);
          if (reply.is_discarded() || !reply.is_object()) {
            failure = "a reply that is not a JSON object";
          } else {
            return done("", std::move(reply));
          }
        }
        errors +=
            (errors.empty() ? "" : "; ") + showServer(self->members_[member]) + ": " + failure;
        if (member == self->current_) self->current_ = (self->current_ + 1) % self->members_.size();
        if (tries_left <= 1)
          return done("etcd " + path + " failed on every member (" + errors + ")", {});
        self->attempt(id, std::move(path), std::move(body), std::move(done), tries_left - 1,
                      std::move(errors));
      });
}

void EtcdCluster::stream(std::string path, EtcdJson body, OnResult on_result, OnEnd on_end) {
  if (closed_) return;
  cancelStream();
  std::weak_ptr<EtcdCluster> weak = shared_from_this();
  auto where = currentMember();
  // Shared by the two callbacks: a message carrying "error" ends the stream, and the end is told
  // once.
  auto end = std::make_shared<OnEnd>(std::move(on_end));
  auto finish = [weak, end](std::string why) {
    auto self = weak.lock();
    if (!self || self->closed_ || !*end) return;
    auto told = std::move(*end);
    *end = nullptr;
    self->cancelStream();
    told(std::move(why));
  };
  // etcd's require-leader flag: a member cut off from its cluster ends the stream ("no leader")
  // rather than keeping it open and silent.
  HttpExchangeRequest request{"POST", path, body.dump(), {{"Grpc-Metadata-hasleader", "true"}}};
  stream_ = HttpExchange::start(
      executor_, members_[current_], std::move(request), timeout_, kEtcdMaxReply,
      [finish, where](HttpExchangeResult result) {
        if (!result.error.empty()) return finish("etcd " + where + ": " + result.error);
        if (result.status != 200) return finish("etcd " + where + ": " + describeStatus(result));
        finish("etcd " + where + " ended the stream");
      },
      [finish, where, on_result, end](std::string_view line) {
        if (!*end) return;
        auto message = EtcdJson::parse(line, nullptr, false);
        if (message.is_discarded() || !message.is_object()) {
          return finish("etcd " + where + " streamed a message that is not a JSON object");
        }
        if (auto error = message.find("error"); error != message.end()) {
          auto why = error->is_object() ? errorText(*error) : errorText(message);
          return finish("etcd " + where + ": " + (why.empty() ? "stream error" : why));
        }
        auto result = message.find("result");
        if (result == message.end() || !result->is_object()) {
          return finish("etcd " + where + " streamed a message without a result");
        }
        on_result(*result);
      });
}

void EtcdCluster::cancelStream() {
  if (stream_) stream_->cancel();
  stream_.reset();
}

void EtcdCluster::skipMember() { current_ = (current_ + 1) % members_.size(); }

void EtcdCluster::close() {
  if (closed_) return;
  closed_ = true;
  cancelStream();
  for (auto& [id, exchange] : calls_) exchange->cancel();
  calls_.clear();
}

}  // namespace scales::discovery
