// SPDX-License-Identifier: Apache-2.0
// Opening TCP connections with a timeout: resolve (numeric fast path), connect, set TCP_NODELAY.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/transport/connection.h"
#include "scales/transport/stream.h"

namespace scales::transport {

using TcpConnectHandler =
    boost::asio::any_completion_handler<void(std::exception_ptr, boost::asio::ip::tcp::socket)>;

// Completes on `executor` (never inline) with a connected socket, or a ConnectFailedError naming
// the address (refused, unresolvable, or `timeout` passed first).
void asyncTcpConnect(boost::asio::any_io_executor executor, const std::string& host, uint16_t port,
                     Duration timeout, TcpConnectHandler handler);

// Makes a protocol's Connection from a connected stream to `address`, and completes `done` with
// it (possibly after a handshake), or with the error that refused it.
using WrapSocket =
    std::function<void(const std::string& address, Stream stream, ConnectHandler done)>;

class ClientTls;

// A ConnectionFactory for `endpoint`: connects within the lesser of `connect_timeout` and the
// call's deadline, does the TLS handshake when `tls` is set, then lets `wrap` make the
// connection.
std::shared_ptr<ConnectionFactory> tcpConnectionFactory(discovery::Endpoint endpoint,
                                                        Duration connect_timeout,
                                                        std::shared_ptr<ClientTls> tls,
                                                        boost::asio::any_io_executor executor,
                                                        WrapSocket wrap);

}  // namespace scales::transport
