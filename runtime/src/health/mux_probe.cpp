// SPDX-License-Identifier: Apache-2.0
// The Mux probe: a Tping on a fresh connection, healthy on the matching Rping. It proves the
// server's Mux session loop answers, not just that its port accepts.
#include <algorithm>
#include <array>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "probes.h"
#include "scales/mux/frame.h"

namespace scales::health::probes {
namespace asio = boost::asio;

asio::awaitable<std::string> mux(discovery::Endpoint endpoint, HealthCheckOptions options) {
  try {
    auto socket = co_await open(endpoint, options, std::vector<std::string>());
    std::string ping;
    scales::mux::encode(scales::mux::Tping{scales::mux::kControlTag}, ping);
    co_await asio::async_write(socket, asio::buffer(ping), asio::use_awaitable);
    // Servers may send other frames first (e.g. a Tlease); read frames until the Rping.
    for (int frames = 0; frames < 8; ++frames) {
      std::array<unsigned char, scales::mux::kHeaderSize> header{};
      co_await asio::async_read(socket, asio::buffer(header), asio::use_awaitable);
      uint32_t size = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) |
                      (uint32_t{header[2]} << 8) | header[3];
      if (size < 4 || size > 1024 * 1024) co_return "bad Mux frame size " + std::to_string(size);
      auto type = static_cast<int8_t>(header[4]);
      // The body is not needed, only passed: through a small buffer, so that a header claiming
      // 1 MiB costs nothing until (unless) the bytes come.
      std::array<char, 4096> scratch;
      for (size_t left = size - 4; left > 0;) {
        size_t step = std::min(left, scratch.size());
        co_await asio::async_read(socket, asio::buffer(scratch, step), asio::use_awaitable);
        left -= step;
      }
      if (type == scales::mux::type::kRping) co_return "";
      if (type == scales::mux::type::kRerr || type == scales::mux::type::kRerrLegacy) {
        co_return "Tping answered with Rerr (not a Mux server?)";
      }
    }
    co_return "no Rping among the first frames";
  } catch (const boost::system::system_error& e) {
    co_return "Mux ping failed: " + e.code().message();
  } catch (const std::exception& e) {  // the TLS handshake's, which says what failed
    co_return "Mux ping failed: " + std::string(e.what());
  }
}

}  // namespace scales::health::probes
