// SPDX-License-Identifier: Apache-2.0
#include "peer_allowlist.h"

#include "scales/core/errors.h"
#include "scales/thrift/codec.h"

namespace scales::server::detail {
namespace {

class PeerAllowlist final : public Dispatcher {
 public:
  PeerAllowlist(std::shared_ptr<Dispatcher> inner, const transport::TlsServerOptions& tls,
                std::shared_ptr<metrics::Counter> refused)
      : inner_(std::move(inner)),
        allowed_(tls.allowed_peers),
        by_method_(tls.allowed_peers_by_method),
        refused_(std::move(refused)) {}

  void dispatch(const CallContext& context, std::string message, Responder respond) override {
    thrift::MessageHeader header;
    try {
      header = thrift::peekMessage(message);
    } catch (const ProtocolError&) {
      // Not a call: the service's dispatcher answers it as it answers any malformed message.
      return inner_->dispatch(context, std::move(message), std::move(respond));
    }
    auto method = by_method_.find(header.name);
    const auto& allowed = method != by_method_.end() ? method->second : allowed_;
    if (allowed.empty() || (context.peer && context.peer->matchesAny(allowed))) {
      return inner_->dispatch(context, std::move(message), std::move(respond));
    }
    refused_->add();
    if (header.type == apache::thrift::protocol::T_ONEWAY) return respond(std::string());
    std::string who = context.peer ? "peer identity " + context.peer->name()
                                   : std::string("a peer without a verified certificate");
    respond(thrift::encodeApplicationException(header, ApplicationError::Type::kUnknown,
                                               who + " is not allowed to call " + header.name));
  }

 private:
  std::shared_ptr<Dispatcher> inner_;
  std::vector<std::string> allowed_;
  std::map<std::string, std::vector<std::string>> by_method_;
  std::shared_ptr<metrics::Counter> refused_;
};

}  // namespace

std::shared_ptr<Dispatcher> guardPeers(std::shared_ptr<Dispatcher> inner,
                                       const transport::TlsServerOptions& tls,
                                       std::shared_ptr<metrics::Counter> refused) {
  if (tls.allowed_peers.empty() && tls.allowed_peers_by_method.empty()) return inner;
  return std::make_shared<PeerAllowlist>(std::move(inner), tls, std::move(refused));
}

}  // namespace scales::server::detail
