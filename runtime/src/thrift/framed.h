// SPDX-License-Identifier: Apache-2.0
// Framed Thrift (TFramedTransport): each message behind a 4-byte big-endian length. Talks to any
// stock Apache Thrift server. One call at a time per connection; the pool provides concurrency.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/thrift/protocol.h"
#include "scales/transport/connection.h"
#include "scales/transport/tls.h"

namespace scales::thrift {

struct FramedConnectionOptions {
  Duration connect_timeout = std::chrono::seconds(1);
  size_t max_frame_bytes = 16 * 1024 * 1024;
  std::shared_ptr<transport::ClientTls> tls;  // null: plaintext
};

std::shared_ptr<transport::ConnectionFactory> framedConnectionFactory(
    const discovery::Endpoint& endpoint, const FramedConnectionOptions& options,
    boost::asio::any_io_executor executor);

}  // namespace scales::thrift
