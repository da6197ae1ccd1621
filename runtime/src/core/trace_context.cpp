// SPDX-License-Identifier: Apache-2.0
#include "scales/core/trace_context.h"

#include <random>
#include <thread>

#include "core/append_number.h"

namespace scales {
namespace {
uint64_t getBig64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
void putBig64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * (7 - i)));
}
}  // namespace

uint64_t randomId() {
  // splitmix64 over a per-thread counter seeded once from the system: ids need to be unlikely to
  // collide, not secret.
  // Trivially initialized (no TLS guard per call); seeded on first use.
  thread_local uint64_t state = 0;
  if (state == 0) {
    std::random_device device;
    state = ((uint64_t{device()} << 32) ^ device() ^
             std::hash<std::thread::id>{}(std::this_thread::get_id())) |
            1;
  }
  for (;;) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    if (z != 0) return z;
  }
}

TraceContext TraceContext::child() const {
  TraceContext c = *this;
  c.parent_id = span_id;
  c.span_id = randomId();
  return c;
}

TraceContext TraceContext::root() {
  TraceContext c;
  c.span_id = randomId();
  c.trace_id = c.span_id;
  return c;
}

std::string TraceContext::idHex(uint64_t id) {
  std::string out;
  detail::appendHex64(out, id);
  return out;
}

std::string TraceContext::traceIdHex() const {
  return trace_id_high ? idHex(trace_id_high) + idHex(trace_id) : idHex(trace_id);
}

size_t TraceContext::writeMux(char (&out)[kMaxMuxBytes]) const {
  putBig64(out, span_id);
  putBig64(out + 8, parent_id ? parent_id : span_id);  // Finagle's root: parent = span
  putBig64(out + 16, trace_id);
  putBig64(out + 24, flags);
  if (!trace_id_high) return 32;
  putBig64(out + 32, trace_id_high);
  return 40;
}

std::optional<TraceContext> TraceContext::fromMux(std::string_view bytes) {
  if (bytes.size() != 32 && bytes.size() != 40) return std::nullopt;
  TraceContext c;
  c.span_id = getBig64(bytes.data());
  c.parent_id = getBig64(bytes.data() + 8);
  c.trace_id = getBig64(bytes.data() + 16);
  c.flags = getBig64(bytes.data() + 24);
  if (bytes.size() == 40) c.trace_id_high = getBig64(bytes.data() + 32);
  if (c.parent_id == c.span_id) c.parent_id = 0;
  if (!c.valid()) return std::nullopt;
  return c;
}

}  // namespace scales
