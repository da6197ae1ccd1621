// SPDX-License-Identifier: Apache-2.0
// RESP, Redis' wire format: commands out, replies in. Pure functions over bytes. The decoder
// bounds what it accepts (nesting depth, lengths, the frame size) and turns anything malformed
// into ProtocolError.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "scales/core/request.h"
#include "scales/redis/reply.h"
#include "scales/transport/frame_stream.h"

namespace scales::redis {

// Aggregates nested deeper than this are refused.
inline constexpr int kMaxReplyDepth = 32;

// Appends one command as an array of bulk strings. The arguments must not view `out` itself:
// it is resized before they are copied in.
void appendCommand(std::string& out, std::span<const std::string_view> args);
std::string encodeCommand(std::initializer_list<std::string_view> args);

// The Framer for pipelined connections: the bounds of the first whole reply in `buffered`, or
// nullopt and in `needed` a size `buffered` must reach before it can be whole. A reply that
// cannot fit in `max_frame` (by what it says of its size) is a ProtocolError.
std::optional<transport::FrameBounds> frameReply(std::string_view buffered, size_t max_frame,
                                                 size_t& needed);

// Decodes exactly one whole reply (as framed by frameReply). Throws ProtocolError.
Reply parseReply(std::string_view bytes);

// The stack's ReplyClassifier for Redis (scales/core/reply_class.h): error replies that say the
// server cannot serve now are failures of the endpoint (LOADING, BUSY, MASTERDOWN, TRYAGAIN and
// CLUSTERDOWN also retryable, since the command did not run; READONLY, MISCONF, OOM not). Every
// other reply, other errors included (ERR, WRONGTYPE...), is a success.
ReplyClass classifyReply(const ReplyContext& call, const Response& reply);

}  // namespace scales::redis
