// SPDX-License-Identifier: Apache-2.0
// The TCP probe: healthy when a connection opens. Cheap, and catches dead hosts and processes.
#include <boost/asio/connect.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "probes.h"
#include "transport/tls_context.h"

namespace scales::health::probes {
namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<tcp::socket> connect(const discovery::Endpoint& endpoint) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto addresses = co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                   asio::use_awaitable);
  tcp::socket socket(executor);
  co_await asio::async_connect(socket, addresses, asio::use_awaitable);
  co_return socket;
}

asio::awaitable<transport::Stream> open(const discovery::Endpoint& endpoint,
                                        const HealthCheckOptions& options,
                                        std::vector<std::string> alpn) {
  transport::Stream stream(co_await connect(endpoint));
  if (!options.tls.enabled) co_return stream;
  // Made per probe: a probe every few seconds can afford to read the files, and so follows
  // rotations without a cache.
  auto tls = transport::ClientTls::make(options.tls, std::move(alpn),
                                        transport::HandshakeCounters::standalone());
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [&](auto handler) {
        tls->handshake(stream, endpoint.host, endpoint.port, std::move(handler));
      },
      asio::use_awaitable);
  co_return stream;
}

asio::awaitable<std::string> tcp(discovery::Endpoint endpoint, HealthCheckOptions /*options*/) {
  try {
    auto socket = co_await connect(endpoint);
  } catch (const boost::system::system_error& e) {
    co_return "connect failed: " + e.code().message();
  }
  co_return "";
}

}  // namespace scales::health::probes
