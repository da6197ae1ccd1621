// SPDX-License-Identifier: Apache-2.0
#include "scales/transport/frame_stream.h"

#include <boost/asio/write.hpp>
#include <cstring>

#include "scales/core/coarse_clock.h"
#include "scales/core/errors.h"

namespace scales::transport {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
uint32_t loadBig32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}
}  // namespace

void appendLengthPrefixed(std::string& out, std::string_view payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  char header[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(header, 4);
  out.append(payload);
}

FrameStream::FrameStream(Stream stream, size_t max_frame, Framer framer)
    : stream_(std::move(stream)), max_frame_(max_frame), framer_(framer) {}

FrameStream::~FrameStream() {
  if (budget_ && charged_ > 0) budget_->release(charged_);
}

void FrameStream::limitUnsent(size_t max_unsent, std::function<void()> on_pause) {
  max_unsent_ = max_unsent;
  on_output_pause_ = std::move(on_pause);
}

void FrameStream::chargeReadsTo(MemoryBudget* budget, std::function<void()> on_pause) {
  budget_ = budget;
  on_memory_pause_ = std::move(on_pause);
}

void FrameStream::start(std::shared_ptr<void> owner, OnFrame on_frame, OnClose on_close,
                        std::string already_read) {
  owner_ = std::move(owner);
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  in_used_ = already_read.size();
  in_ = std::move(already_read);
  // Sniffed bytes are few; anything larger was the caller's choice and stays uncharged.
  if (in_.size() < kInitialReadBytes) in_.resize(kInitialReadBytes);
  processRead();
  if (open_) read();
}

void FrameStream::upgradeAfterThisFrame(Upgrade handshake) { upgrade_ = std::move(handshake); }

void FrameStream::beginUpgrade() {
  if (upgrade_running_ || !open_) return;
  if (write_in_flight_ || !outbox_.empty()) return flush();  // the write's end comes back here
  if (in_used_ > 0) {
    return fail(std::make_exception_ptr(
        ProtocolError("plaintext bytes arrived where the TLS handshake should begin")));
  }
  auto keep = owner_.lock();
  if (!keep) return;
  upgrade_running_ = true;
  // Taken out before it runs: a close() meanwhile must not destroy it mid-call.
  auto handshake = std::move(upgrade_);
  upgrade_ = nullptr;
  handshake(stream_, [this, keep](std::exception_ptr error) {
    upgrade_running_ = false;
    if (!open_) return;
    if (error) return fail(error);
    flush();
    read();
  });
}

void FrameStream::read() {
  if (upgrade_) return beginUpgrade();
  if (reading_ || !open_ || upgrade_running_) return;
  if (holdForOutput()) return;
  output_paused_ = false;
  if (in_used_ == in_.size() && !makeRoom()) {
    if (!memory_paused_ && on_memory_pause_) on_memory_pause_();
    memory_paused_ = true;
    return;
  }
  memory_paused_ = false;
  auto keep = owner_.lock();
  if (!keep) return;
  reading_ = true;
  stream_.async_read_some(
      asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
      [this, keep = std::move(keep)](error_code ec, size_t n) {
        reading_ = false;
        if (ec) {
          return fail(std::make_exception_ptr(ConnectionError(
              Stream::closedByPeer(ec) ? "connection closed by peer" : ec.message())));
        }
        // A read that filled the buffer says more is waiting: take bigger bites (up to the free
        // allowance), so a busy connection needs fewer reads.
        bool filled = in_used_ + n == in_.size();
        in_used_ += n;
        processRead();
        if (filled && open_ && in_.size() < kFreeReadBytes) setCapacity(in_.size() * 2);
        read();
      });
}

bool FrameStream::holdForOutput() {
  if (!outputBlocked()) return false;
  // Frames already in the buffer wait too: a 64 KiB read of small calls is a thousand replies.
  if (!output_paused_ && on_output_pause_) on_output_pause_();
  output_paused_ = true;
  return true;
}

void FrameStream::resumeIfDrained() {
  // Not from inside a read's handling: that loop checks before each frame anyway.
  if (!output_paused_ || handling_read_ || !open_ || outputBlocked()) return;
  // The frames already read come first, then the peer's next bytes.
  processRead();
  read();
}

void FrameStream::retryRead() {
  if (memory_paused_) read();
}

bool FrameStream::makeRoom() {
  size_t want = in_.size() * 2;
  // Never past the frame being read (a prefixed frame's size is known from its header), nor
  // past what proves a framer's message oversized.
  if (frame_needed_ > in_used_) want = std::min(want, frame_needed_);
  want = std::min(want, max_frame_ + 5);
  if (want <= in_.size()) want = in_.size() + 1;
  if (budget_) {
    size_t charge = want > kFreeReadBytes ? want - kFreeReadBytes : 0;
    if (charge > charged_ && !budget_->tryCharge(charge - charged_)) return false;
  }
  setCapacity(want);
  return true;
}

void FrameStream::setCapacity(size_t capacity) {
  if (capacity > in_.size()) {
    in_.resize(capacity);
  } else {
    std::string smaller(capacity, '\0');
    std::memcpy(smaller.data(), in_.data(), in_used_);
    in_.swap(smaller);
  }
  if (!budget_) return;
  size_t charge = capacity > kFreeReadBytes ? capacity - kFreeReadBytes : 0;
  if (charge < charged_) budget_->release(charged_ - charge);
  charged_ = charge;  // growth was charged by makeRoom()
}

void FrameStream::noteProgress(size_t consumed) {
  if (in_used_ == 0) {
    partial_since_.reset();
    frame_needed_ = 0;
  } else if (consumed > 0 || !partial_since_) {
    partial_since_ = coarseNow();  // the partial frame began in this read
  }
  // A large frame's buffer goes back once handled, so one big call does not pin it.
  if (in_.size() > kFreeReadBytes && in_used_ < kFreeReadBytes / 2 &&
      frame_needed_ <= kFreeReadBytes) {
    setCapacity(kFreeReadBytes);
  }
}

void FrameStream::processRead() {
  handling_read_ = true;
  processBuffer();
  handling_read_ = false;
  if (flush_held_) {
    flush_held_ = false;
    flush();
  }
}

void FrameStream::processBuffer() {
  if (framer_) return processFramed();
  size_t pos = 0;
  try {
    processPrefixed(pos);
  } catch (...) {
    // The owner refused a frame (a ProtocolError, e.g. a reply nobody asked for), or handling it
    // failed (an allocation, say): this connection ends, and the loop is not unwound.
    return fail(std::current_exception());
  }
  if (!open_) return;
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_used_ - pos);
    in_used_ -= pos;
  }
  noteProgress(pos);
}

void FrameStream::processPrefixed(size_t& pos) {
  frame_needed_ = 0;
  while (open_ && !upgrade_ && in_used_ - pos >= 4 && !holdForOutput()) {
    uint32_t size = loadBig32(in_.data() + pos);
    if (size > max_frame_) {
      return fail(std::make_exception_ptr(ProtocolError("frame of " + std::to_string(size) +
                                                        " bytes exceeds max_frame_bytes (" +
                                                        std::to_string(max_frame_) + ")")));
    }
    if (in_used_ - pos - 4 < size) {
      // The buffer grows as the rest arrives (makeRoom), never to what a header claims at once.
      frame_needed_ = size_t{size} + 4;
      break;
    }
    on_frame_(std::string_view(in_.data() + pos + 4, size));
    pos += 4 + size_t{size};
  }
}

void FrameStream::processFramed() {
  size_t pos = 0;
  try {
    while (open_ && !upgrade_ && pos < in_used_ && !holdForOutput()) {
      // The message at the start was incomplete when last framed: not before it can be whole.
      if (pos == 0 && in_used_ < framer_needed_) break;
      size_t needed = 0;
      auto frame = framer_(std::string_view(in_.data() + pos, in_used_ - pos), max_frame_, needed);
      if (!frame) {
        framer_needed_ = needed;  // the incomplete message moves to the start below
        if (in_used_ - pos > max_frame_) {
          throw ProtocolError("message over max_frame_bytes (" + std::to_string(max_frame_) +
                              ") still incomplete");
        }
        break;
      }
      framer_needed_ = 0;
      on_frame_(std::string_view(in_.data() + pos + frame->offset, frame->size));
      pos += frame->consumed;
    }
  } catch (...) {
    return fail(std::current_exception());
  }
  if (!open_) return;
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_used_ - pos);
    in_used_ -= pos;
  }
  noteProgress(pos);
}

void FrameStream::flush() {
  if (handling_read_ && outbox_.size() < held_bytes_) {
    flush_held_ = true;
    return;
  }
  if (write_in_flight_ || outbox_.empty() || !open_ || upgrade_running_) return;
  auto keep = owner_.lock();
  if (!keep) return;
  write_in_flight_ = true;
  writing_.swap(outbox_);
  asio::async_write(stream_, asio::buffer(writing_), [this, keep](error_code ec, size_t) {
    write_in_flight_ = false;
    // A buffer a burst grew is kept while batches fill it (freed each time, a stream of large
    // batches would regrow it per write), and given back once one uses less than a quarter.
    if (writing_.capacity() > kKeptWriteBytes && writing_.size() < writing_.capacity() / 4) {
      std::string().swap(writing_);
    } else {
      writing_.clear();
    }
    if (ec) return fail(std::make_exception_ptr(ConnectionError(ec.message())));
    if (close_after_flush_ && outbox_.empty()) return close();
    if (upgrade_ && outbox_.empty()) return beginUpgrade();
    flush();
    resumeIfDrained();
  });
}

void FrameStream::closeAfterFlush() {
  if (!write_in_flight_ && outbox_.empty()) return close();
  close_after_flush_ = true;
  flush();
}

void FrameStream::close() {
  if (!open_) return;
  open_ = false;
  upgrade_ = nullptr;  // it may hold the owner: no cycle outlives the stream
  stream_.close();
  if (!closed_notified_) {
    closed_notified_ = true;
    auto on_close = std::move(on_close_);
    if (on_close) on_close(nullptr);
  }
}

void FrameStream::fail(std::exception_ptr why) {
  if (closed_notified_) return;
  closed_notified_ = true;
  open_ = false;
  upgrade_ = nullptr;
  error_code ignored;
  stream_.socket().close(ignored);
  auto on_close = std::move(on_close_);
  if (on_close) on_close(why);
}

}  // namespace scales::transport
