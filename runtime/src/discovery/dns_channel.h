// SPDX-License-Identifier: Apache-2.0
// A c-ares channel driven by an Asio executor: c-ares tells us which sockets it wants watched
// (its socket-state callback), Asio waits on them and on c-ares' next timeout, and c-ares does
// the rest. Nothing blocks the event loop; answers come back on the executor, records parsed.
#pragma once

#include <ares.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace scales::discovery {

struct DnsAddress {
  std::string address;  // numeric, v4 or v6
  std::chrono::seconds ttl;
};

struct DnsService {
  std::string target;  // a host name, resolved separately
  uint16_t port;
  uint16_t priority;
  uint16_t weight;
};

class DnsChannel : public std::enable_shared_from_this<DnsChannel> {
 public:
  // `servers`: "host:port,..." to ask instead of the system's; throws ConfigError if c-ares
  // rejects them or cannot start.
  static std::shared_ptr<DnsChannel> open(boost::asio::any_io_executor executor,
                                          const std::string& servers);
  ~DnsChannel();

  // `error` is empty on success; "no such name" style text otherwise (a name with no records of
  // the type is a success with none).
  using AddressesDone = std::function<void(std::string error, std::vector<DnsAddress>)>;
  using ServicesDone =
      std::function<void(std::string error, std::vector<DnsService>, std::chrono::seconds ttl)>;
  void addresses(const std::string& name, int family, AddressesDone done);  // AF_INET / AF_INET6
  void services(const std::string& name, ServicesDone done);

  // Fails pending lookups (their callbacks are not run) and releases the sockets.
  void close();

 private:
  struct Watcher;
  using Raw = std::function<void(int status, const unsigned char* answer, int length)>;

  explicit DnsChannel(boost::asio::any_io_executor executor);
  void query(const std::string& name, int type, Raw done);
  static void onSocketState(void* self, ares_socket_t fd, int readable, int writable);
  void watch(const std::shared_ptr<Watcher>& watcher);
  void process(ares_socket_t read_fd, ares_socket_t write_fd);
  void armTimer();

  boost::asio::any_io_executor executor_;
  ares_channel channel_ = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watcher>> watchers_;
  boost::asio::steady_timer timer_;
  bool closed_ = false;
  bool processing_ = false;  // inside ares_process_fd
};

}  // namespace scales::discovery
