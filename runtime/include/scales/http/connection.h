// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 keep-alive connections to one endpoint, for a watermark pool.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/http/propagation.h"
#include "scales/transport/connection.h"
#include "scales/transport/tls.h"

namespace scales::http {

struct ConnectionOptions {
  Duration connect_timeout = std::chrono::seconds(1);
  // A larger response body is a ProtocolError (and closes the connection).
  size_t max_body_bytes = 64 * 1024 * 1024;
  // Status line and headers together.
  size_t max_header_bytes = 64 * 1024;
  std::shared_ptr<transport::ClientTls> tls;  // null: plaintext
  TraceHeaders trace_headers = TraceHeaders::kBoth;
};

std::shared_ptr<transport::ConnectionFactory> connectionFactory(
    const discovery::Endpoint& endpoint, const ConnectionOptions& options,
    boost::asio::any_io_executor executor);

}  // namespace scales::http
