// SPDX-License-Identifier: Apache-2.0
// ExclusiveConnection: the shared half of connections that carry one call at a time (framed
// Thrift, HTTP/1.1), lent to one caller by a watermark pool. Subclasses write the request and read
// the reply; this base holds the caller's handler, closes the socket when the call is cancelled
// (a reply may still arrive and would answer the next call), names socket errors, and notices a
// peer's close of an idle connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>

#include "scales/transport/connection.h"
#include "scales/transport/stream.h"

namespace scales::transport {

class ExclusiveConnection : public Connection,
                            public std::enable_shared_from_this<ExclusiveConnection> {
 public:
  ExclusiveConnection(Stream stream, std::string address);

  bool isOpen() const override { return open_; }
  bool probeOpen() const override;
  void close() override;
  // Refuses a second concurrent call or a closed connection; else starts the exchange.
  void call(Request&& request, Handler&& handler) final;

 protected:
  // The exchange for request(); it ends with finish() or fail().
  virtual void exchange() = 0;

  Request& request() { return request_; }
  Stream& stream() { return stream_; }
  const std::string& address() const { return address_; }
  // Closes the socket; the caller gets CancelledError if the call was cancelled, else a
  // ConnectionError naming `what` ("read from", "write to") and the cause.
  void fail(boost::system::error_code ec, const char* what);
  void finish(std::exception_ptr error, Response response);
  bool cancelled() const { return cancelled_; }

 private:
  Stream stream_;
  std::string address_;
  bool open_ = true;
  bool cancelled_ = false;
  Request request_;
  // Boost 1.81's any_completion_handler move-assignment recurses forever, so the handler is only
  // ever move-constructed, into an optional.
  std::optional<Handler> handler_;
};

}  // namespace scales::transport
