// SPDX-License-Identifier: Apache-2.0
// A Thrift message's seqid, read and rewritten in place on the encoded bytes (binary strict,
// binary non-strict and compact headers). Pipelined framed connections stamp each request with
// its own id and check every reply against the call it would complete.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace scales::thrift {

// The seqid in `message`'s header; throws ProtocolError when the header is malformed.
int32_t seqidOf(std::string_view message);

// Appends `message` to `out` as a framed Thrift frame (4-byte length prefix) with its seqid
// replaced by `seqid`. Throws ProtocolError when `message` has no readable header.
void appendFramedWithSeqid(std::string& out, std::string_view message, int32_t seqid);

}  // namespace scales::thrift
