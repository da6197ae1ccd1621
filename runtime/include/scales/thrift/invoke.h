// SPDX-License-Identifier: Apache-2.0
// What a generated stub method calls: client::asyncInvoke through the stub's ThriftClient.
#pragma once

#include <memory>
#include <utility>

#include "scales/client/invoke.h"
#include "scales/client/use_blocking.h"
#include "scales/thrift/client.h"

namespace scales::thrift {

template <class T, class Decode, class CompletionToken>
auto asyncInvoke(std::shared_ptr<ThriftClient> client, Request&& request, Decode decode,
                 CompletionToken&& token) {
  return client::asyncInvoke<T>(
      [client = std::move(client)](Request&& call, RpcService::Handler&& handler) {
        client->asyncCall(std::move(call), std::move(handler));
      },
      std::move(request), std::move(decode), std::forward<CompletionToken>(token));
}

}  // namespace scales::thrift
