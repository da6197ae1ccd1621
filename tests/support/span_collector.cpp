// SPDX-License-Identifier: Apache-2.0
// A Zipkin-style span collector in its own process, for the tracing tests:
//   span_collector     prints "listening <port>"; exits on SIGTERM.
// POST /api/v2/spans takes a JSON array of v2 spans (202); GET /spans answers every span taken so
// far as one JSON array. Anything else is 404; a body that is not a JSON array is 400.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "stop_signals.h"
#include "support/http_peer.h"

namespace {
std::string answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " -\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
}  // namespace

int main() {
  sigset_t signals = scales::testing::blockStopSignals();
  nlohmann::json spans = nlohmann::json::array();  // touched only on the peer's one thread
  scales::testing::HttpPeer peer([&](const auto& request) -> scales::testing::HttpPeer::Answer {
    if (request.method() == boost::beast::http::verb::post && request.target() == "/api/v2/spans") {
      auto batch = nlohmann::json::parse(request.body(), nullptr, false);
      if (!batch.is_array()) return {answer(400, "{}")};
      for (auto& span : batch) spans.push_back(std::move(span));
      return {answer(202, "")};
    }
    if (request.method() == boost::beast::http::verb::get && request.target() == "/spans") {
      return {answer(200, spans.dump())};
    }
    return {answer(404, "")};
  });
  std::cout << "listening " << peer.address().substr(peer.address().rfind(':') + 1) << std::endl;
  scales::testing::waitForStopSignal(signals);
  return 0;
}
