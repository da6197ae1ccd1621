// SPDX-License-Identifier: Apache-2.0
#include "transport/tcp.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "scales/core/errors.h"
#include "transport/tls_context.h"

namespace scales::transport {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One connect attempt: the timer and the connect race, whichever finishes first completes.
struct ConnectOp : std::enable_shared_from_this<ConnectOp> {
  ConnectOp(asio::any_io_executor ex, std::string h, uint16_t p, TcpConnectHandler hd)
      : socket(ex), resolver(ex), timer(ex), host(std::move(h)), port(p), handler(std::move(hd)) {}

  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer timer;
  std::string host;
  uint16_t port;
  TcpConnectHandler handler;
  bool done = false;

  std::string address() const { return host + ":" + std::to_string(port); }

  void finish(std::exception_ptr error) {
    if (done) return;
    done = true;
    timer.cancel();
    resolver.cancel();
    if (error) {
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
    }
    auto h = std::move(handler);
    h(error, std::move(socket));
  }

  void start(Duration timeout) {
    auto self = shared_from_this();
    if (timeout != Duration::max()) {
      timer.expires_after(timeout);
      timer.async_wait([self](boost::system::error_code ec) {
        if (ec) return;
        self->finish(std::make_exception_ptr(
            ConnectFailedError("connect to " + self->address() + " timed out")));
      });
    }
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(host, ec);
    if (!ec) {
      // A numeric address needs no resolver round trip.
      connect({tcp::endpoint(ip, port)});
      return;
    }
    resolver.async_resolve(host, std::to_string(port),
                           [self](boost::system::error_code rec, tcp::resolver::results_type r) {
                             if (self->done) return;
                             if (rec) {
                               self->finish(std::make_exception_ptr(ConnectFailedError(
                                   "resolve " + self->address() + ": " + rec.message())));
                               return;
                             }
                             std::vector<tcp::endpoint> eps;
                             for (const auto& e : r) eps.push_back(e.endpoint());
                             self->connect(std::move(eps));
                           });
  }

  void connect(std::vector<tcp::endpoint> eps) {
    auto self = shared_from_this();
    asio::async_connect(socket, eps, [self](boost::system::error_code ec, const tcp::endpoint&) {
      if (self->done) return;
      if (ec) {
        self->finish(std::make_exception_ptr(
            ConnectFailedError("connect to " + self->address() + ": " + ec.message())));
      } else {
        self->finish(nullptr);
      }
    });
  }
};

}  // namespace

void asyncTcpConnect(asio::any_io_executor executor, const std::string& host, uint16_t port,
                     Duration timeout, TcpConnectHandler handler) {
  auto op = std::make_shared<ConnectOp>(executor, host, port, std::move(handler));
  // Posted so that the handler never runs inside this call, even for immediate failures.
  asio::post(executor, [op, timeout] { op->start(timeout); });
}

namespace {
class TcpConnectionFactory final : public ConnectionFactory {
 public:
  TcpConnectionFactory(discovery::Endpoint endpoint, Duration connect_timeout,
                       std::shared_ptr<ClientTls> tls, asio::any_io_executor executor,
                       WrapSocket wrap)
      : endpoint_(std::move(endpoint)),
        connect_timeout_(connect_timeout),
        tls_(std::move(tls)),
        executor_(std::move(executor)),
        wrap_(std::move(wrap)) {}

  void connect(Deadline deadline, ConnectHandler handler) override {
    asyncTcpConnect(
        executor_, endpoint_.host, endpoint_.port, std::min(connect_timeout_, deadline.remaining()),
        [endpoint = endpoint_, tls = tls_, wrap = wrap_, deadline, handler = std::move(handler)](
            std::exception_ptr error, tcp::socket socket) mutable {
          if (error) return handler(error, nullptr);
          if (!tls) return wrap(endpoint.address(), Stream(std::move(socket)), std::move(handler));
          // The stream lives on the heap while the handshake runs.
          auto stream = std::make_shared<Stream>(std::move(socket));
          tls->handshake(
              *stream, endpoint.host, endpoint.port,
              [stream, endpoint, wrap = std::move(wrap),
               handler = std::move(handler)](std::exception_ptr e) mutable {
                if (e) return handler(e, nullptr);
                wrap(endpoint.address(), std::move(*stream), std::move(handler));
              },
              deadline.remaining());
        });
  }

 private:
  discovery::Endpoint endpoint_;
  Duration connect_timeout_;
  std::shared_ptr<ClientTls> tls_;
  asio::any_io_executor executor_;
  WrapSocket wrap_;
};
}  // namespace

std::shared_ptr<ConnectionFactory> tcpConnectionFactory(discovery::Endpoint endpoint,
                                                        Duration connect_timeout,
                                                        std::shared_ptr<ClientTls> tls,
                                                        asio::any_io_executor executor,
                                                        WrapSocket wrap) {
  return std::make_shared<TcpConnectionFactory>(
      std::move(endpoint), connect_timeout, std::move(tls), std::move(executor), std::move(wrap));
}

}  // namespace scales::transport
