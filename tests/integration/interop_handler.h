// SPDX-License-Identifier: Apache-2.0
// The scales-side InteropService: a sync handler with the semantics of interop/sample_values.h,
// and a fixture that serves it on 127.0.0.1.
#pragma once

#include <atomic>
#include <memory>

#include "InteropService.scales.h"
#include "scales/server/thrift_server.h"

namespace scales::testing {

class InteropHandler : public interop::InteropServiceHandler {
 public:
  std::string ping() override;
  interop::Everything echo(const interop::Everything& value) override;
  interop::Primitives echoPrimitives(const interop::Primitives& value) override;
  int64_t add(int32_t a, int64_t b) override;
  double scale(double x, int8_t factor) override;
  bool invert(bool value) override;
  std::string concat(const std::string& a, const std::string& b) override;
  std::vector<std::string> split(const std::string& text, const std::string& sep) override;
  std::set<int32_t> unique(const std::vector<int32_t>& values) override;
  std::map<std::string, int32_t> count(const std::vector<std::string>& words) override;
  interop::Color::type nextColor(interop::Color::type color) override;
  int64_t later(int64_t stamp, int32_t seconds) override;
  interop::Choice choose(int32_t which) override;
  void nothing() override;
  void fail(int32_t code) override;
  std::string lookup(const std::string& key) override;
  void record(const std::string& event) override;
  int32_t recorded() override;
  void crash(const std::string& message) override;

  std::atomic<int> calls{0};

 private:
  std::atomic<int32_t> recorded_{0};
};

// A scales framed Thrift server for InteropHandler on an ephemeral loopback port.
struct InteropServer {
  explicit InteropServer(server::ServerOptions options = {});
  std::string uri() const;  // "tcp://127.0.0.1:<port>"

  std::shared_ptr<InteropHandler> handler = std::make_shared<InteropHandler>();
  std::unique_ptr<server::ThriftServer> server;
};

}  // namespace scales::testing
