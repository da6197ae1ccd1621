// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the HTTP client's response path: arbitrary bytes, delivered in chunks as a
// socket would, read the way an HTTP connection reads them (runtime/src/http/connection.cpp: its
// NormalizingParser within max_body_bytes and max_header_bytes, http::read's loop, one buffer
// kept across the responses of a keep-alive connection, HEAD skipping the body), and decoded as
// the client does (decodeResponse). The same bytes, split the same way, go through Beast's own
// response_parser as the reference: both must accept the same responses, with the same status,
// reason, fields (trailers included) and body, within the limits; the connection's parser may
// refuse more, only where it keeps bounds Beast does not (trailers past max_header_bytes, a full
// read buffer). Everything else must be a parse error, never an exception, a crash or a
// sanitizer report. decodeResponse is also fed the raw bytes: it may only throw ProtocolError.
//
// Boost's assertions stay on, through a handler (below) that lets one known, harmless one pass.
#define BOOST_ENABLE_ASSERT_HANDLER
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/system_error.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/normalizing_parser.h"
#include "scales/core/errors.h"
#include "scales/http/codec.h"
#include "scales/http/connection.h"
#include "scales/http/message.h"

namespace boost {
// Beast (as of Boost 1.81) asserts that a chunked body's header is re-parsed with at least 5 bytes
// at hand, but "0\r\n" then "\r" (an empty chunked body, read in pieces) gets there with 4, and
// the parser answers need_more, as it should (fixed upstream: boostorg/beast#2861). Any other
// assertion aborts.
void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (std::string_view(expr) == "n >= 5" &&
      std::string_view(function).find("parse_chunk_header") != std::string_view::npos) {
    return;
  }
  std::fprintf(stderr, "%s:%ld: %s: assertion '%s' failed\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: assertion '%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}
}  // namespace boost

namespace {
namespace beast = boost::beast;
using boost::system::error_code;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// A socket's read side: the input in chunks whose sizes follow `split` (0: everything at once,
// otherwise 1..split bytes each, varying), then end of stream.
class ChunkedStream {
 public:
  ChunkedStream(std::string_view bytes, uint8_t split)
      : rest_(bytes), split_(split), state_(split) {}

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    ec = {};
    if (rest_.empty()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    size_t chunk = rest_.size();
    if (split_ != 0) {
      state_ = static_cast<uint8_t>(state_ * 33 + 7);
      chunk = std::min<size_t>(chunk, 1 + state_ % split_);
    }
    size_t n = boost::asio::buffer_copy(buffers, boost::asio::buffer(rest_.data(), chunk));
    rest_.remove_prefix(n);
    return n;
  }

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string_view rest_;
  uint8_t split_;
  uint8_t state_;
};

using Fields = std::vector<std::pair<std::string, std::string>>;
Fields byName(Fields fields) {
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  std::stable_sort(fields.begin(), fields.end(),
                   [&](const auto& a, const auto& b) { return lower(a.first) < lower(b.first); });
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  try {
    scales::http::decodeResponse(raw);
  } catch (const scales::ProtocolError&) {
  }

  // Two control bytes: bit 0 small limits (else the connection's defaults), bits 1..7 whether
  // exchange 0..6 is a HEAD; then how the bytes are split.
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  scales::http::ConnectionOptions options;
  if (mode & 1) {
    options.max_body_bytes = 64;
    options.max_header_bytes = 128;
  }
  ChunkedStream stream(raw.substr(2), data[1]);
  // As HttpConnection::readResponse and received(), for successive exchanges on one connection:
  // the connection's parser and Beast's message parser side by side, each on its own copy of
  // the stream.
  ChunkedStream reference_stream(raw.substr(2), data[1]);
  using Reference = beast::http::response_parser<beast::http::string_body>;
  beast::flat_buffer buffer(options.max_header_bytes + scales::http::kReadSlackBytes);
  beast::flat_buffer reference_buffer;
  for (int exchange = 0; exchange < 7; ++exchange) {
    bool head = (mode >> (exchange + 1)) & 1;
    scales::http::NormalizingParser parser;
    Reference reference;
    for (beast::http::basic_parser<false>* p :
         {static_cast<beast::http::basic_parser<false>*>(&parser),
          static_cast<beast::http::basic_parser<false>*>(&reference)}) {
      p->body_limit(options.max_body_bytes);
      p->header_limit(static_cast<uint32_t>(options.max_header_bytes));
      if (head) p->skip(true);
    }
    parser.trailer_limit(options.max_header_bytes);
    error_code ec, reference_ec;
    beast::http::read(stream, buffer, parser, ec);
    beast::http::read(reference_stream, reference_buffer, reference, reference_ec);
    if (ec) {
      // The connection fails the call and closes. Where Beast's message parser took the
      // response, only for the bounds it does not keep: trailers past max_header_bytes (so the
      // fields the reference took, trailers included, come to more than that), or a read
      // buffer full (only for more bytes than it holds).
      if (!reference_ec) {
        size_t field_bytes = 0;
        for (const auto& field : reference.get()) {
          field_bytes += field.name_string().size() + field.value().size() + 4;
        }
        check((ec == beast::http::error::header_limit && field_bytes > options.max_header_bytes) ||
              (ec == beast::http::error::buffer_overflow && raw.size() > buffer.max_size()));
      }
      break;
    }
    check(!reference_ec);
    check(parser.is_done());

    auto message = reference.release();
    check(parser.status() == static_cast<int>(message.result_int()));
    // Beast takes any three digits as the status; the connection refuses one below 100 with a
    // ProtocolError before it reads what the parser built, so only statuses it passes on are
    // compared.
    if (parser.status() >= 100) {
      scales::http::Response response = scales::http::decodeResponse(parser.take());
      check(response.status == static_cast<int>(message.result_int()));
      check(response.reason == message.reason());
      // The fields in the order they came; Beast's message moves a repeated name next to its
      // first (case-insensitively), so the two agree once sorted by name, repeats in order.
      std::vector<std::pair<std::string, std::string>> expected;
      for (const auto& field : message) {
        expected.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      check(byName(response.headers) == byName(expected));
      check(response.body == message.body());
      check(response.body.size() <= options.max_body_bytes);
      check(!head || response.body.empty());
    }

    // As the connection decides (every Connection field counts, and a body that ended at EOF
    // ends the connection too).
    if (!parser.keep_alive()) break;
  }
  return 0;
}
