// SPDX-License-Identifier: Apache-2.0
#include "dns_channel.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <mutex>

#include "scales/core/errors.h"

namespace scales::discovery {
namespace asio = boost::asio;

struct DnsChannel::Watcher {
  Watcher(asio::any_io_executor executor, ares_socket_t socket)
      : fd(socket), descriptor(std::move(executor), socket) {}
  ~Watcher() { descriptor.release(); }  // c-ares owns (and closes) the socket
  ares_socket_t fd;
  asio::posix::stream_descriptor descriptor;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;
};

namespace {

// The smallest TTL among the answers: c-ares 1.18 parses SRV records without their TTLs.
std::chrono::seconds smallestTtl(const unsigned char* answer, int length) {
  uint32_t ttl = UINT32_MAX;
  if (length < HFIXEDSZ) return std::chrono::seconds(0);
  const unsigned char* at = answer + HFIXEDSZ;
  const unsigned char* end = answer + length;
  auto skipName = [&]() {
    char* name = nullptr;
    long used = 0;
    if (ares_expand_name(at, answer, length, &name, &used) != ARES_SUCCESS) return false;
    ares_free_string(name);
    at += used;
    return at <= end;
  };
  auto be16 = [](const unsigned char* p) { return static_cast<uint32_t>(p[0] << 8 | p[1]); };
  auto be32 = [&be16](const unsigned char* p) { return be16(p) << 16 | be16(p + 2); };
  uint32_t questions = be16(answer + 4);  // header: id, flags, qdcount, ancount, ...
  uint32_t answers = be16(answer + 6);
  for (uint32_t i = 0; i < questions; ++i) {
    if (!skipName() || end - at < QFIXEDSZ) return std::chrono::seconds(0);
    at += QFIXEDSZ;
  }
  for (uint32_t i = 0; i < answers && at < end; ++i) {
    if (!skipName() || end - at < RRFIXEDSZ) break;
    ttl = std::min(ttl, be32(at + 4));  // after type and class; rdlength follows
    at += RRFIXEDSZ + be16(at + 8);
  }
  return std::chrono::seconds(ttl == UINT32_MAX ? 0 : ttl);
}

std::string describe(int status) { return ares_strerror(status); }

}  // namespace

DnsChannel::DnsChannel(asio::any_io_executor executor)
    : executor_(std::move(executor)), timer_(executor_) {}

std::shared_ptr<DnsChannel> DnsChannel::open(asio::any_io_executor executor,
                                             const std::string& servers) {
  static std::once_flag library;
  std::call_once(library, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  std::shared_ptr<DnsChannel> self(new DnsChannel(std::move(executor)));
  ares_options options{};
  options.sock_state_cb = &DnsChannel::onSocketState;
  options.sock_state_cb_data = self.get();
  options.timeout = 1000;  // per try, ms
  options.tries = 3;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (int rc = ares_init_options(&self->channel_, &options, mask); rc != ARES_SUCCESS) {
    throw ConfigError("cannot start a DNS resolver: " + describe(rc));
  }
  if (!servers.empty()) {
    if (int rc = ares_set_servers_ports_csv(self->channel_, servers.c_str()); rc != ARES_SUCCESS) {
      throw ConfigError("bad DNS servers '" + servers + "': " + describe(rc));
    }
  }
  return self;
}

DnsChannel::~DnsChannel() { close(); }

void DnsChannel::close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  if (processing_) {
    // Called from a lookup's callback, inside c-ares: destroy the channel once it returns.
    asio::post(executor_, [self = shared_from_this()] {
      ares_destroy(self->channel_);
      self->channel_ = nullptr;
      self->watchers_.clear();
    });
    return;
  }
  // Pending callbacks run now with ARES_EDESTRUCTION; their owners see closed_ and drop them.
  if (channel_ != nullptr) ares_destroy(channel_);
  channel_ = nullptr;
  watchers_.clear();
}

void DnsChannel::query(const std::string& name, int type, Raw done) {
  if (closed_) return;
  struct Pending {
    std::weak_ptr<DnsChannel> channel;
    Raw done;
  };
  auto* pending = new Pending{weak_from_this(), std::move(done)};
  ares_query(
      channel_, name.c_str(), ns_c_in, type,
      [](void* arg, int status, int, unsigned char* answer, int length) {
        std::unique_ptr<Pending> self(static_cast<Pending*>(arg));
        auto channel = self->channel.lock();
        if (!channel || channel->closed_ || status == ARES_EDESTRUCTION) return;
        self->done(status, answer, length);
      },
      pending);
  armTimer();
}

void DnsChannel::addresses(const std::string& name, int family, AddressesDone done) {
  query(name, family == AF_INET6 ? ns_t_aaaa : ns_t_a,
        [family, done = std::move(done)](int status, const unsigned char* answer, int length) {
          std::vector<DnsAddress> found;
          if (status == ARES_ENODATA) return done({}, {});  // the name has no such records
          if (status != ARES_SUCCESS) return done(describe(status), {});
          char text[INET6_ADDRSTRLEN];
          int count = 64;
          if (family == AF_INET6) {
            ares_addr6ttl records[64];
            status = ares_parse_aaaa_reply(answer, length, nullptr, records, &count);
            for (int i = 0; status == ARES_SUCCESS && i < count; ++i) {
              inet_ntop(AF_INET6, &records[i].ip6addr, text, sizeof text);
              found.push_back({text, std::chrono::seconds(std::max(records[i].ttl, 0))});
            }
          } else {
            ares_addrttl records[64];
            status = ares_parse_a_reply(answer, length, nullptr, records, &count);
            for (int i = 0; status == ARES_SUCCESS && i < count; ++i) {
              inet_ntop(AF_INET, &records[i].ipaddr, text, sizeof text);
              found.push_back({text, std::chrono::seconds(std::max(records[i].ttl, 0))});
            }
          }
          if (status == ARES_ENODATA) return done({}, {});
          if (status != ARES_SUCCESS) return done("malformed answer: " + describe(status), {});
          done({}, std::move(found));
        });
}

void DnsChannel::services(const std::string& name, ServicesDone done) {
  query(name, ns_t_srv,
        [done = std::move(done)](int status, const unsigned char* answer, int length) {
          if (status == ARES_ENODATA) return done({}, {}, std::chrono::seconds(0));
          if (status != ARES_SUCCESS) return done(describe(status), {}, std::chrono::seconds(0));
          ares_srv_reply* records = nullptr;
          status = ares_parse_srv_reply(answer, length, &records);
          if (status != ARES_SUCCESS) {
            return done("malformed answer: " + describe(status), {}, std::chrono::seconds(0));
          }
          std::vector<DnsService> found;
          for (auto* r = records; r != nullptr; r = r->next) {
            found.push_back({r->host, r->port, r->priority, r->weight});
          }
          ares_free_data(records);
          done({}, std::move(found), smallestTtl(answer, length));
        });
}

void DnsChannel::onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<DnsChannel*>(data);
  if (!readable && !writable) {
    self->watchers_.erase(fd);  // about to be closed by c-ares
    return;
  }
  auto& watcher = self->watchers_[fd];
  if (!watcher) watcher = std::make_shared<Watcher>(self->executor_, fd);
  watcher->want_read = readable != 0;
  watcher->want_write = writable != 0;
  self->watch(watcher);
}

void DnsChannel::watch(const std::shared_ptr<Watcher>& watcher) {
  std::weak_ptr<DnsChannel> weak = weak_from_this();
  auto wait = [weak, watcher](bool for_read) {
    (for_read ? watcher->reading : watcher->writing) = true;
    watcher->descriptor.async_wait(for_read ? asio::posix::descriptor_base::wait_read
                                            : asio::posix::descriptor_base::wait_write,
                                   [weak, watcher, for_read](boost::system::error_code ec) {
                                     (for_read ? watcher->reading : watcher->writing) = false;
                                     auto self = weak.lock();
                                     if (ec || !self || self->closed_) return;
                                     auto it = self->watchers_.find(watcher->fd);
                                     if (it == self->watchers_.end() || it->second != watcher)
                                       return;  // socket gone
                                     self->process(for_read ? watcher->fd : ARES_SOCKET_BAD,
                                                   for_read ? ARES_SOCKET_BAD : watcher->fd);
                                     it = self->watchers_.find(watcher->fd);
                                     if (it != self->watchers_.end() && it->second == watcher)
                                       self->watch(watcher);
                                   });
  };
  if (watcher->want_read && !watcher->reading) wait(true);
  if (watcher->want_write && !watcher->writing) wait(false);
}

void DnsChannel::process(ares_socket_t read_fd, ares_socket_t write_fd) {
  auto keep = shared_from_this();  // a callback may drop the last outside reference
  processing_ = true;
  ares_process_fd(channel_, read_fd, write_fd);
  processing_ = false;
  armTimer();
}

void DnsChannel::armTimer() {
  if (closed_) return;
  timeval limit{};
  timeval* next = ares_timeout(channel_, nullptr, &limit);
  timer_.cancel();
  if (next == nullptr) return;  // nothing pending
  timer_.expires_after(std::chrono::seconds(next->tv_sec) +
                       std::chrono::microseconds(next->tv_usec));
  std::weak_ptr<DnsChannel> weak = weak_from_this();
  timer_.async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  });
}

}  // namespace scales::discovery
