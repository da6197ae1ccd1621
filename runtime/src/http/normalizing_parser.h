// SPDX-License-Identifier: Apache-2.0
// The HTTP connection's response parser (runtime/src/http/connection.cpp), on its own so that the
// fuzz target (tests/fuzz/http_response_fuzz.cpp) drives the very parser the connection uses.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <string>

namespace scales::http {

// What the connection's read buffer may hold past a head's worth (max_header_bytes): a chunk
// header (with its extensions) or a trailer section that never ends is a ProtocolError once the
// buffer is full, not memory growing until the deadline (Beast bounds neither). Bodies pass
// through the buffer in pieces.
constexpr size_t kReadSlackBytes = 64 * 1024;

// Parses a response straight into the stack's normalized form (codec.h): the status line and
// each field are appended as Beast parses them, then the body as its bytes arrive. Beast's
// message parser built a field list (an allocation per field) that was then copied into a
// Response and encoded again: about a third of the client's instructions per call.
// The body grows with the bytes that arrive, never by what Content-Length claims, so a hostile
// server cannot make a client allocate max_body_bytes by announcing it.
class NormalizingParser final : public boost::beast::http::basic_parser<false> {
 public:
  int status() const { return status_; }
  std::string take() { return std::move(out_); }
  // Trailers (after a chunked body) count against this as the head does against header_limit(),
  // which Beast applies to the head alone.
  void trailer_limit(size_t bytes) { trailer_limit_ = bytes; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, boost::system::error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view reason, int,
                        boost::system::error_code&) override {
    status_ = code;  // three digits: Beast reads no other status line
    const char digits[] = {static_cast<char>('0' + code / 100 % 10),
                           static_cast<char>('0' + code / 10 % 10),
                           static_cast<char>('0' + code % 10), ' '};
    // A status line without a reason gets the standard one, as Beast's message gives it.
    if (reason.empty())
      reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(code));
    out_.reserve(kFirstReserve);
    out_.append(digits, sizeof digits).append(reason.data(), reason.size()).append("\r\n");
  }
  void on_field_impl(boost::beast::http::field, boost::beast::string_view name,
                     boost::beast::string_view value, boost::system::error_code& ec) override {
    if (!head_done_) {
      out_.append(name.data(), name.size()).append(": ").append(value.data(), value.size());
      out_.append("\r\n");
      return;
    }
    // A trailer, after a chunked body: it joins the head (once all have come: inserting each in
    // front of the body would copy the body once per trailer).
    if (trailers_.size() + name.size() + value.size() + 4 > trailer_limit_) {
      ec = boost::beast::http::error::header_limit;
      return;
    }
    trailers_.append(name.data(), name.size()).append(": ").append(value.data(), value.size());
    trailers_.append("\r\n");
  }
  void on_header_impl(boost::system::error_code&) override {
    head_end_ = out_.size();
    head_done_ = true;
    out_.append("\r\n");
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::system::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, boost::system::error_code&) override {
    out_.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::system::error_code&) override {
    out_.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(boost::system::error_code&) override {
    if (!trailers_.empty()) out_.insert(head_end_, trailers_);
  }

  // Room for a typical head and a small body in one allocation.
  static constexpr size_t kFirstReserve = 256;
  std::string out_;
  std::string trailers_;
  size_t trailer_limit_ = 64 * 1024;
  int status_ = 0;
  bool head_done_ = false;
  size_t head_end_ = 0;  // where the head's closing blank line begins
};

}  // namespace scales::http
