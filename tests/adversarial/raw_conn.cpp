// SPDX-License-Identifier: Apache-2.0
// The raw connection of raw_conn.h: a non-blocking socket driven by poll().
#include "raw_conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace scales::adversarial {

namespace {
using Clock = std::chrono::steady_clock;

int msLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}
}  // namespace

std::unique_ptr<RawConn> RawConn::connect(uint16_t port, Millis timeout, int receive_buffer) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  if (receive_buffer > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      ::close(fd);
      return nullptr;
    }
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t len = sizeof error;
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      ::close(fd);
      return nullptr;
    }
  }
  return std::unique_ptr<RawConn>(new RawConn(fd));
}

RawConn::~RawConn() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConn::reset() {
  if (fd_ < 0) return;
  linger l{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

size_t RawConn::send(std::string_view bytes, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  size_t sent = 0;
  while (sent < bytes.size() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;
    pollfd p{fd_, POLLOUT, 0};
    int left = msLeft(deadline);
    if (left == 0 || poll(&p, 1, left) <= 0) break;
    if (p.revents & (POLLERR | POLLHUP)) break;
  }
  return sent;
}

RawConn::Status RawConn::fill(Millis timeout) {
  if (closed_ || fd_ < 0) return Status::kClosed;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      received_ += static_cast<uint64_t>(n);
      return Status::kData;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      closed_ = true;
      return Status::kClosed;
    }
    pollfd p{fd_, POLLIN, 0};
    int left = msLeft(deadline);
    if (left == 0 || poll(&p, 1, left) <= 0) return Status::kTimeout;
  }
}

template <class T>
std::optional<T> RawConn::readUntil(std::optional<T> (*take)(std::string&), Millis timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto got = take(buffer_)) return got;
    if (fill(Millis(msLeft(deadline))) != Status::kData) return take(buffer_);
  }
}

std::optional<wire::MuxFrame> RawConn::readMux(Millis timeout) {
  return readUntil(&wire::takeMuxFrame, timeout);
}

std::optional<std::string> RawConn::readFramed(Millis timeout) {
  return readUntil(&wire::takeFramed, timeout);
}

bool RawConn::waitClosed(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (fill(Millis(msLeft(deadline))) == Status::kData) {
    buffer_.clear();
    if (msLeft(deadline) == 0 && !closed_) {
      // Data keeps coming right up to the deadline: one last non-blocking look.
      return fill(Millis(0)) == Status::kClosed;
    }
  }
  return closed_;
}

bool muxHandshake(RawConn& conn, Millis timeout, std::optional<uint32_t> framer) {
  wire::Contexts headers;
  if (framer) {
    std::string value;
    wire::putU32(value, *framer);
    headers.emplace_back("mux-framer", value);
  }
  if (!conn.sendAll(wire::tinit(headers), timeout)) return false;
  auto reply = conn.readMux(timeout);
  return reply && reply->type == -68 && reply->tag == 1;
}

}  // namespace scales::adversarial
