// SPDX-License-Identifier: Apache-2.0
#include "scales/http/client.h"

#include "scales/core/errors.h"
#include "scales/http/codec.h"
#include "scales/pool/pool.h"

namespace scales::http {
namespace asio = boost::asio;

namespace {

// RFC 9110's idempotent methods may be retried after a timeout or a lost connection.
const MethodPolicy kIdempotent{true, std::nullopt, {}};

bool idempotent(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
    if (method == m) return true;
  }
  return false;
}

client::MakePools pools(ConnectionOptions options) {
  return [options](const ClientConfig& config, std::shared_ptr<const client::ClientMetrics>) {
    auto connection = options;
    connection.connect_timeout = config.connect_timeout;
    return [connection, pool = config.pool](const discovery::Endpoint& endpoint,
                                            asio::any_io_executor ex) {
      return pool::pools::watermark(pool, connectionFactory(endpoint, connection, ex), ex);
    };
  };
}

}  // namespace

Response decodeReply(const scales::Response& reply) { return decodeResponse(reply.payload); }

std::shared_ptr<Client> Client::make(std::string_view uri_text, ClientConfig config,
                                     ConnectionOptions options) {
  auto uri = discovery::parseUri(uri_text);
  applyUriOptions(uri, config);
  return std::shared_ptr<Client>(new Client(uri, std::move(config), options));
}

Client::Client(const discovery::Uri& uri, ClientConfig config, ConnectionOptions options)
    : channel_(uri, std::move(config), pools(options)) {}

scales::Request Client::encode(const Request& request) {
  scales::Request call;
  call.payload = encodeRequest(request);
  call.method = request.method;
  if (idempotent(request.method)) call.policy = &kIdempotent;
  return call;
}

Response Client::send(Request request) {
  channel_.checkMayBlock(request.method);
  return send(std::move(request), asio::use_future).get();
}

Response Client::get(std::string_view target, Headers headers) {
  return send(Request{"GET", std::string(target), std::move(headers), {}});
}

Response Client::post(std::string_view target, std::string body, Headers headers) {
  return send(Request{"POST", std::string(target), std::move(headers), std::move(body)});
}

}  // namespace scales::http
