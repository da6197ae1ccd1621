// SPDX-License-Identifier: Apache-2.0
// Opening TCP connections with a timeout: resolve (numeric fast path), connect, set TCP_NODELAY.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "scales/core/deadline.h"

namespace scales::transport {

using TcpConnectHandler =
    boost::asio::any_completion_handler<void(std::exception_ptr, boost::asio::ip::tcp::socket)>;

// Completes on `executor` (never inline) with a connected socket, or a ConnectFailedError naming
// the address (refused, unresolvable, or `timeout` passed first).
void asyncTcpConnect(boost::asio::any_io_executor executor, const std::string& host, uint16_t port,
                     Duration timeout, TcpConnectHandler handler);

}  // namespace scales::transport
