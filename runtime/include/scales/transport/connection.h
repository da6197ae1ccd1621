// SPDX-License-Identifier: Apache-2.0
// A Connection is the bottom Service of a stack: one socket plus a codec. Pools own them and ask a
// ConnectionFactory for new ones.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <memory>

#include "scales/core/deadline.h"
#include "scales/core/service.h"
#include "scales/discovery/endpoint.h"

namespace scales::transport {

class Connection : public RpcService {
 public:
  // False once the socket failed or was closed, as far as the connection knows: the pool drops it.
  virtual bool isOpen() const = 0;
  // isOpen(), checked against the socket where that tells more: a connection with no read
  // pending learns of a peer's close only by looking, which costs a system call. Pools ask this
  // before lending an idle connection again and when reporting whether any is open, and
  // isOpen() everywhere else (a pool of one's own that asks only isOpen() lends connections the
  // peer may have closed).
  virtual bool probeOpen() const { return isOpen(); }
};

using ConnectHandler =
    boost::asio::any_completion_handler<void(std::exception_ptr, std::shared_ptr<Connection>)>;

// Opens connections to one endpoint. Called on the client's executor; completes with a
// ConnectFailedError (the call was never sent, so it may go elsewhere), never inline.
class ConnectionFactory {
 public:
  virtual ~ConnectionFactory() = default;
  virtual void connect(Deadline deadline, ConnectHandler handler) = 0;
};

}  // namespace scales::transport
