// SPDX-License-Identifier: Apache-2.0
// The built-in probes, one file each; registry.cpp names them.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "scales/health/health_check.h"
#include "scales/transport/stream.h"

namespace scales::health::probes {

boost::asio::awaitable<std::string> tcp(discovery::Endpoint endpoint, HealthCheckOptions options);
boost::asio::awaitable<std::string> http(discovery::Endpoint endpoint, HealthCheckOptions options);
boost::asio::awaitable<std::string> mux(discovery::Endpoint endpoint, HealthCheckOptions options);

// Connects to the endpoint (resolving its host); throws boost::system::system_error.
boost::asio::awaitable<boost::asio::ip::tcp::socket> connect(const discovery::Endpoint& endpoint);
// Connects, then begins TLS when options.tls enables it (offering `alpn`); throws
// boost::system::system_error, or a ConnectFailedError for a failed TLS handshake.
boost::asio::awaitable<transport::Stream> open(const discovery::Endpoint& endpoint,
                                               const HealthCheckOptions& options,
                                               std::vector<std::string> alpn);

}  // namespace scales::health::probes
