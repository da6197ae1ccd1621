// SPDX-License-Identifier: Apache-2.0
#include "integration/interop_handler.h"

#include <stdexcept>

#include "interop/sample_values.h"

namespace scales::testing {
namespace samples = interop::samples;

std::string InteropHandler::ping() {
  ++calls;
  return "pong";
}
interop::Everything InteropHandler::echo(const interop::Everything& value) {
  ++calls;
  return value;
}
interop::Primitives InteropHandler::echoPrimitives(const interop::Primitives& value) {
  ++calls;
  return value;
}
int64_t InteropHandler::add(int32_t a, int64_t b) {
  ++calls;
  return samples::add(a, b);
}
double InteropHandler::scale(double x, int8_t factor) { return samples::scale(x, factor); }
bool InteropHandler::invert(bool value) { return !value; }
std::string InteropHandler::concat(const std::string& a, const std::string& b) {
  return samples::concat(a, b);
}
std::vector<std::string> InteropHandler::split(const std::string& text, const std::string& sep) {
  return samples::split(text, sep);
}
std::set<int32_t> InteropHandler::unique(const std::vector<int32_t>& values) {
  return samples::unique(values);
}
std::map<std::string, int32_t> InteropHandler::count(const std::vector<std::string>& words) {
  return samples::count(words);
}
interop::Color::type InteropHandler::nextColor(interop::Color::type color) {
  return static_cast<interop::Color::type>(samples::nextColor(color));
}
int64_t InteropHandler::later(int64_t stamp, int32_t seconds) {
  return samples::later(stamp, seconds);
}
interop::Choice InteropHandler::choose(int32_t which) { return samples::choose(which); }
void InteropHandler::nothing() { ++calls; }
void InteropHandler::fail(int32_t code) { samples::fail(code); }
std::string InteropHandler::lookup(const std::string& key) { return samples::lookup(key); }
void InteropHandler::record(const std::string&) { ++recorded_; }
int32_t InteropHandler::recorded() { return recorded_; }
void InteropHandler::crash(const std::string& message) { throw std::runtime_error(message); }

InteropServer::InteropServer(server::ServerOptions options) {
  server = std::make_unique<server::ThriftServer>(
      std::make_shared<interop::InteropServiceDispatcher>(handler), options);
  server->start();
}

std::string InteropServer::uri() const {
  return "tcp://127.0.0.1:" + std::to_string(server->port());
}

}  // namespace scales::testing
