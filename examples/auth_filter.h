// SPDX-License-Identifier: Apache-2.0
// A user layer: adds "authorization: Bearer <token>" to every call. ThriftMux carries it as a
// Mux context, HTTP as a request header. The token is read per call, so a rotated token is
// picked up by the next call. Install it above the retry layer (once per call, kept by every
// retry):
//   scales::ClientConfig config;
//   config.layers.insertBefore("retry", "auth", examples::authFilter([] { return token(); }));
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "scales/client/layers.h"
#include "scales/core/service.h"

namespace examples {

class AuthFilter final : public scales::RpcFilter {
 public:
  AuthFilter(std::unique_ptr<scales::RpcService> next, std::function<std::string()> token)
      : scales::RpcFilter(std::move(next)), token_(std::move(token)) {}

  void call(scales::Request&& request, Handler&& handler) override {
    request.context.emplace_back("authorization", "Bearer " + token_());
    next().call(std::move(request), std::move(handler));
  }

 private:
  std::function<std::string()> token_;
};

inline scales::client::LayerFactory authFilter(std::function<std::string()> token) {
  return [token = std::move(token)](std::unique_ptr<scales::RpcService> next,
                                    const scales::client::LayerContext&) {
    return std::make_unique<AuthFilter>(std::move(next), token);
  };
}

}  // namespace examples
