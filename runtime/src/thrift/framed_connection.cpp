// SPDX-License-Identifier: Apache-2.0
// A framed Thrift connection: write one frame, read one frame back (the one-call-at-a-time
// bookkeeping is ExclusiveConnection's).
#include <algorithm>
#include <array>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/endian/conversion.hpp>
#include <utility>

#include "scales/core/errors.h"
#include "thrift/framed.h"
#include "transport/exclusive_connection.h"
#include "transport/tcp.h"

namespace scales::thrift {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class FramedConnection final : public transport::ExclusiveConnection {
 public:
  FramedConnection(transport::Stream stream, std::string address, size_t max_frame)
      : ExclusiveConnection(std::move(stream), std::move(address)), max_frame_(max_frame) {}

 private:
  void exchange() override {
    boost::endian::store_big_u32(header_.data(), static_cast<uint32_t>(request().payload.size()));
    std::array<asio::const_buffer, 2> buffers{asio::buffer(header_),
                                              asio::buffer(request().payload)};
    asio::async_write(stream(), buffers, [this, self = shared_from_this()](error_code ec, size_t) {
      if (ec) return fail(ec, "write");
      if (request().oneway) return finish(nullptr, Response{});
      readHeader();
    });
  }

  void readHeader() {
    asio::async_read(stream(), asio::buffer(header_),
                     [this, self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return fail(ec, "read");
                       readBody(boost::endian::load_big_u32(header_.data()));
                     });
  }

  void readBody(uint32_t size) {
    if (size == 0 || size > max_frame_) {
      close();
      return finish(std::make_exception_ptr(ProtocolError(
                        "frame of " + std::to_string(size) + " bytes from " + address() +
                        (size == 0 ? " is empty" : " exceeds max_frame_bytes"))),
                    Response{});
    }
    frame_size_ = size;
    filled_ = 0;
    reply_.payload.clear();
    readMore();
  }

  // The frame's size is the peer's claim: the reply grows with the bytes that arrive (doubling,
  // each byte zeroed once), so a server that announces max_frame_bytes and sends a few bytes
  // costs 64 KiB per connection, not max_frame_bytes each until the deadline.
  void readMore() {
    auto& payload = reply_.payload;
    if (filled_ == payload.size()) {
      payload.resize(std::min(frame_size_, filled_ + std::max(kFirstReadBytes, filled_)));
    }
    stream().async_read_some(asio::buffer(payload.data() + filled_, payload.size() - filled_),
                             [this, self = shared_from_this()](error_code ec, size_t n) {
                               if (ec) return fail(ec, "read");
                               filled_ += n;
                               if (filled_ < frame_size_) return readMore();
                               finish(nullptr, std::exchange(reply_, Response{}));
                             });
  }

  static constexpr size_t kFirstReadBytes = 64 * 1024;
  size_t max_frame_;
  size_t frame_size_ = 0;  // the reply frame being read: its announced size
  size_t filled_ = 0;      // and how much of it has arrived
  std::array<unsigned char, 4> header_{};
  Response reply_;
};

}  // namespace

std::shared_ptr<transport::ConnectionFactory> framedConnectionFactory(
    const discovery::Endpoint& endpoint, const FramedConnectionOptions& options,
    asio::any_io_executor executor) {
  return transport::tcpConnectionFactory(
      endpoint, options.connect_timeout, options.tls, std::move(executor),
      [max_frame = options.max_frame_bytes](const std::string& address, transport::Stream stream,
                                            transport::ConnectHandler done) {
        done(nullptr, std::make_shared<FramedConnection>(std::move(stream), address, max_frame));
      });
}

}  // namespace scales::thrift
