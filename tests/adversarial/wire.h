// SPDX-License-Identifier: Apache-2.0
// Bytes for raw-socket attackers: Flaky calls in Thrift's strict binary protocol (framed or as a
// Mux Tdispatch body), Mux frames (including malformed and fragmented ones the runtime's encoder
// refuses to make), and decoders for what the server sends back. No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scales::adversarial::wire {

// Thrift message types.
inline constexpr int8_t kCall = 1;
inline constexpr int8_t kReply = 2;
inline constexpr int8_t kException = 3;

void putU32(std::string& out, uint32_t v);
void putU16(std::string& out, uint16_t v);
void putU64(std::string& out, uint64_t v);
uint32_t getU32(std::string_view b, size_t at);

// A strict-binary Thrift message for Flaky.read/write(key, delay_ms) (no framing).
std::string flakyCall(const std::string& method, int32_t seqid, const std::string& key,
                      int32_t delay_ms, int8_t message_type = kCall);
// The same with the 4-byte frame length in front (framed Thrift).
std::string framedFlakyCall(const std::string& method, int32_t seqid, const std::string& key,
                            int32_t delay_ms);
std::string framed(std::string_view payload);

// What a Thrift reply says: its message type, seqid, and either the string `success` (field 0)
// or, for an EXCEPTION, TApplicationException's message and type. nullopt if undecodable.
struct ThriftReply {
  int8_t type = 0;
  std::string name;
  int32_t seqid = 0;
  std::optional<std::string> success;  // REPLY with field 0
  bool declared_exception = false;     // REPLY carrying field 1 or 2 (Busy/Invalid)
  std::string error_message;           // EXCEPTION
  int32_t error_type = -1;             // EXCEPTION
};
std::optional<ThriftReply> parseThriftReply(std::string_view message);

// Mux (docs/architecture.md, "Mux wire notes"). A frame: size:4 type:1 tag:3 body. `tag` may carry
// the fragment bit.
std::string muxFrame(int8_t type, uint32_t tag, std::string_view body);
// A Tdispatch frame with the given contexts and a Flaky call body.
using Contexts = std::vector<std::pair<std::string, std::string>>;
std::string tdispatchBody(const Contexts& contexts, std::string_view thrift);
std::string tdispatch(uint32_t tag, const std::string& key, int32_t delay_ms,
                      const Contexts& contexts = {});
// Finagle's Deadline context value: (timestamp, deadline) in ns since the Unix epoch.
std::string deadlineValue(int64_t timestamp_ns, int64_t deadline_ns);
int64_t epochNanos();
// Tinit (tag 1, version 1) with these headers.
std::string tinit(const Contexts& headers);
// Tdiscarded (tag 0, Finagle's number -62) for `discard_tag`.
std::string tdiscarded(uint32_t discard_tag, std::string_view why);

// One Mux frame as received.
struct MuxFrame {
  int8_t type = 0;
  uint32_t tag = 0;  // fragment bit removed
  bool more = false;
  std::string body;
};
// Takes one whole frame off the front of `buffer`, if there is one.
std::optional<MuxFrame> takeMuxFrame(std::string& buffer);
// Takes one framed-Thrift payload off the front of `buffer`, if there is one.
std::optional<std::string> takeFramed(std::string& buffer);

// An Rdispatch body: status (0 ok, 1 error, 2 nack) and the Thrift reply (or error text).
struct Rdispatch {
  uint8_t status = 0;
  std::string body;
};
std::optional<Rdispatch> parseRdispatch(std::string_view body);

}  // namespace scales::adversarial::wire
