// SPDX-License-Identifier: Apache-2.0
// file:///path/to/endpoints: a file of endpoints, re-read whenever it changes (inotify on its
// directory, so an editor's or a deploy tool's write-then-rename is seen too). The file holds one
// `host:port [weight]` per line (# starts a comment), or a JSON array of serverset members
// (Finagle's format; `file:///path!name` picks the additional endpoint `name`). A file that is
// missing or malformed yields an error naming the file and line, and the client keeps the last
// good set.
#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/discovery/serverset.h"

namespace scales::discovery {
namespace {
namespace asio = boost::asio;

ResolverUpdate readEndpoints(const std::string& path, const std::string& endpoint_name) {
  std::ifstream in(path);
  if (!in) return {{}, "cannot read " + path + ": " + std::strerror(errno), {}};
  const std::string empty = path + " lists no endpoints";
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto first = content.find_first_not_of(" \t\r\n");
  try {
    if (first != std::string::npos && content[first] == '[') {
      auto members = parseServersetArray(content, endpoint_name);
      return {std::move(members), {}, members.empty() ? empty : ""};
    }
    std::vector<Endpoint> endpoints;
    std::istringstream lines(content);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      line = line.substr(0, line.find('#'));
      std::istringstream fields(line);
      std::string address, weight, extra;
      if (!(fields >> address)) continue;  // blank or comment
      Endpoint endpoint;
      try {
        auto hp = parseHostPort(address, path);
        endpoint = Endpoint{hp.host, hp.port};
        if (fields >> weight) {
          size_t used = 0;
          endpoint.weight = std::stod(weight, &used);
          // NaN fails `> 0`; infinity would take every call from a weighted balancer.
          if (used != weight.size() || !(endpoint.weight > 0) || std::isinf(endpoint.weight)) {
            throw std::invalid_argument(weight);
          }
        }
      } catch (const std::invalid_argument&) {
        throw ConfigError("weight '" + weight + "' is not a positive number");
      } catch (const std::out_of_range&) {
        throw ConfigError("weight '" + weight + "' is out of range");
      } catch (const ConfigError& e) {
        throw ConfigError(path + " line " + std::to_string(number) + ": " + e.what());
      }
      if (fields >> extra) {
        throw ConfigError(path + " line " + std::to_string(number) + ": unexpected '" + extra +
                          "' (want host:port [weight])");
      }
      endpoints.push_back(std::move(endpoint));
    }
    std::string detail = endpoints.empty() ? empty : "";
    return {std::move(endpoints), {}, detail};
  } catch (const ConfigError& e) {
    return {{}, e.what(), {}};
  }
}

// Everything the pending inotify read needs, outliving the resolver if it must.
struct Watch {
  Watch(asio::any_io_executor executor, std::string file, std::string endpoint)
      : path(std::move(file)), endpoint_name(std::move(endpoint)), events(std::move(executor)) {}
  std::string path;
  std::string endpoint_name;
  std::string name;  // the file's name within its directory
  asio::posix::stream_descriptor events;
  std::array<char, 4096> buffer{};
  Resolver::Listener listener;
  bool stopped = false;
};

void readEvents(std::shared_ptr<Watch> watch) {
  watch->events.async_read_some(
      asio::buffer(watch->buffer), [watch](boost::system::error_code ec, size_t n) {
        if (ec || watch->stopped) return;
        bool ours = false;
        for (size_t at = 0; at + sizeof(inotify_event) <= n;) {
          inotify_event event;
          std::memcpy(&event, watch->buffer.data() + at, sizeof event);
          if (event.len > 0) {
            ours = ours ||
                   std::strcmp(watch->buffer.data() + at + sizeof event, watch->name.c_str()) == 0;
          }
          at += sizeof event + event.len;
        }
        if (ours) watch->listener(readEndpoints(watch->path, watch->endpoint_name));
        readEvents(watch);
      });
}

class FileResolver final : public Resolver {
 public:
  FileResolver(const Uri& uri, asio::any_io_executor executor) : executor_(std::move(executor)) {
    if (!uri.authority.empty() && uri.authority != "localhost") {
      throw ConfigError("bad URI '" + uri.text + "': file:// takes no host (use file:///path)");
    }
    std::string path = uri.path;
    std::string endpoint_name;
    if (auto bang = path.rfind('!'); bang != std::string::npos) {
      endpoint_name = path.substr(bang + 1);
      path.resize(bang);
    }
    if (path.empty() || path == "/" || path.back() == '/') {
      throw ConfigError("bad URI '" + uri.text + "': file:// needs a file path");
    }
    watch_ = std::make_shared<Watch>(executor_, path, endpoint_name);
    watch_->name = path.substr(path.rfind('/') + 1);
  }

  ~FileResolver() override { stop(); }

  void start(Listener listener) override {
    watch_->listener = std::move(listener);
    std::string dir = watch_->path.substr(0, watch_->path.rfind('/'));
    if (dir.empty()) dir = "/";
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    // Without a watch (no such directory yet, inotify limits reached) the file is read once.
    if (fd >= 0 &&
        inotify_add_watch(fd, dir.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0) {
      ::close(fd);
      fd = -1;
    }
    if (fd >= 0) {
      watch_->events.assign(fd);
      readEvents(watch_);
    }
    asio::post(executor_, [watch = watch_] {
      if (!watch->stopped) watch->listener(readEndpoints(watch->path, watch->endpoint_name));
    });
  }

  void stop() override {
    if (watch_->stopped) return;
    watch_->stopped = true;
    boost::system::error_code ignored;
    watch_->events.close(ignored);
  }

 private:
  asio::any_io_executor executor_;
  std::shared_ptr<Watch> watch_;
};

}  // namespace

std::unique_ptr<Resolver> resolvers::file(const Uri& uri, Executor executor,
                                          const ResolverOptions&) {
  return std::make_unique<FileResolver>(uri, std::move(executor));
}

}  // namespace scales::discovery
