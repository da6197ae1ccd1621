// SPDX-License-Identifier: Apache-2.0
// A socket carrying delimited messages: 4-byte big-endian length-prefixed frames by default
// (framed Thrift, Mux, Kafka), or whatever a Framer finds (Redis' RESP). Reads drain every complete
// frame in the buffer per wake-up; what handling them produces is held until the read is handled
// (or a few KiB are queued), and writes queued while one is in flight leave together in the next
// one. This batching is where throughput comes from (DESIGN.md §3).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace scales::transport {

// Where the first whole message in a buffer lies: its payload at [offset, offset + size), and
// `consumed` bytes to drop once it is handled.
struct FrameBounds {
  size_t offset;
  size_t size;
  size_t consumed;
};
// Finds the first whole message in `buffered`, or nullopt while it is incomplete. Throws
// ProtocolError for bytes that can never become a message, or one over `max_frame` bytes.
using Framer = std::optional<FrameBounds> (*)(std::string_view buffered, size_t max_frame);

class FrameStream {
 public:
  // `payload` is the frame without its length prefix; it is valid only during the call.
  using OnFrame = std::function<void(std::string_view payload)>;
  // Called once, when the stream ends: null for a close by us, else what went wrong
  // (ConnectionError for the socket, ProtocolError for an oversized frame).
  using OnClose = std::function<void(std::exception_ptr why)>;

  // A null `framer` reads 4-byte big-endian length-prefixed frames.
  FrameStream(boost::asio::ip::tcp::socket socket, size_t max_frame, Framer framer = nullptr);

  // Starts the read loop. `owner` is kept alive while I/O is outstanding. Bytes already read
  // from the socket by someone else (protocol sniffing) are processed first.
  void start(std::shared_ptr<void> owner, OnFrame on_frame, OnClose on_close,
             std::string already_read = {});

  // Appends whole frames (length prefix included) to send; flush() starts the write. While the
  // frames of one read are being handled, flushes wait for the last of them or for a few KiB:
  // the replies (or next calls) they produce leave in a few writes, not one each.
  std::string& outbox() { return outbox_; }
  void flush();
  // Closes the socket; pending reads and writes end and on_close runs (with "").
  void close();
  // Closes once everything queued so far has been written.
  void closeAfterFlush();

  bool open() const { return open_; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  size_t bufferedBytes() const { return outbox_.size() + writing_.size(); }

 private:
  void read();
  // Handles what has been read, with flushes held until the end.
  void processRead();
  void processBuffer();
  void processFramed();
  void processPrefixed(size_t& pos);
  void fail(std::exception_ptr why);

  boost::asio::ip::tcp::socket socket_;
  size_t max_frame_;
  Framer framer_;
  // Weak: the owner holds this stream, so a strong reference would keep both alive forever.
  // Each outstanding operation holds a strong one instead.
  std::weak_ptr<void> owner_;
  OnFrame on_frame_;
  OnClose on_close_;
  std::string in_;  // [0, in_used_) holds unprocessed bytes
  size_t in_used_ = 0;
  std::string outbox_;
  std::string writing_;
  bool write_in_flight_ = false;
  bool handling_read_ = false;
  bool flush_held_ = false;
  bool close_after_flush_ = false;
  bool open_ = true;
  bool closed_notified_ = false;
};

// Appends a 4-byte big-endian length followed by `payload`.
void appendLengthPrefixed(std::string& out, std::string_view payload);

}  // namespace scales::transport
