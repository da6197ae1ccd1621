// SPDX-License-Identifier: Apache-2.0
#include "scales/http/client.h"

#include "scales/client/client_metrics.h"
#include "scales/client/uri_options.h"
#include "scales/core/errors.h"
#include "scales/http/codec.h"
#include "scales/pool/pool.h"
#include "transport/tls_context.h"

namespace scales::http {
namespace asio = boost::asio;

namespace {

// RFC 9110's idempotent methods may be retried after a timeout or a lost connection.
const MethodPolicy kIdempotent{true, std::nullopt, {}, {}};

bool idempotent(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
    if (method == m) return true;
  }
  return false;
}

client::ProtocolStack protocolStack(const ClientOptions& options) {
  // Keep-alive connections, one call at a time each, from a watermark pool.
  return {
      [options](const ClientConfig& config,
                std::shared_ptr<const client::ClientMetrics> metrics) -> client::ConnectionsFor {
        ConnectionOptions connection;
        connection.connect_timeout = config.connect_timeout;
        connection.tls =
            transport::clientTlsFor(config.tls, {"http/1.1"}, metrics->registry, metrics->labels);
        connection.max_body_bytes = options.max_body_bytes;
        connection.trace_headers = parseTraceHeaders(options.trace_headers);
        connection.max_header_bytes = options.max_header_bytes;
        return [connection](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
          return connectionFactory(endpoint, connection, ex);
        };
      },
      classifyReply};
}

}  // namespace

Response decodeReply(const scales::Response& reply) { return decodeResponse(reply.payload); }

const OptionKeys<ClientOptions>& ClientOptions::uriKeys() {
  static const OptionKeys<ClientOptions> keys = [] {
    OptionKeys<ClientOptions> k;
    k.count(
         "max_body_bytes", [](ClientOptions & o) -> auto& { return o.max_body_bytes; })
        .count(
            "max_header_bytes", [](ClientOptions & o) -> auto& { return o.max_header_bytes; })
        .text(
            "trace_headers", [](ClientOptions & o) -> auto& { return o.trace_headers; });
    return k;
  }();
  return keys;
}

void ClientOptions::validate() const {
  parseTraceHeaders(trace_headers);
  if (max_header_bytes < 64) throw ConfigError("http max_header_bytes must be at least 64");
}

std::shared_ptr<Client> Client::make(std::string_view uri, ClientConfig config,
                                     ClientOptions options) {
  auto setup = client::parseClientUri(uri, std::move(config), std::move(options));
  return std::shared_ptr<Client>(new Client(setup.uri, std::move(setup.config), setup.options));
}

Client::Client(const discovery::Uri& uri, ClientConfig config, const ClientOptions& options)
    : channel_(uri, std::move(config), protocolStack(options)) {}

scales::Request Client::encode(const Request& request) {
  scales::Request call;
  call.payload = encodeRequest(request);
  call.method = request.method;
  if (idempotent(request.method)) call.policy = &kIdempotent;
  return call;
}

Response Client::send(Request request) {
  channel_.checkMayBlock(request.method);
  return send(std::move(request), client::use_blocking);
}

Response Client::get(std::string_view target, Headers headers) {
  return send(Request{"GET", std::string(target), std::move(headers), {}});
}

Response Client::post(std::string_view target, std::string body, Headers headers) {
  return send(Request{"POST", std::string(target), std::move(headers), std::move(body)});
}

}  // namespace scales::http
