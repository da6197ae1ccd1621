// SPDX-License-Identifier: Apache-2.0
// Framed Thrift on the server: each frame is one Thrift message; replies go back as they
// complete (clients correlate by seqid). Oneway calls get no reply.
#include <boost/asio/post.hpp>

#include "scales/transport/frame_stream.h"
#include "session.h"

namespace scales::server::detail {
namespace {
namespace asio = boost::asio;

class FramedSession final : public Session, public std::enable_shared_from_this<FramedSession> {
 public:
  FramedSession(asio::ip::tcp::socket socket, SessionSetup setup)
      : stream_(std::move(socket), setup.options->max_frame_bytes), setup_(std::move(setup)) {}

  void start(std::string already_read) override {
    std::weak_ptr<FramedSession> weak = weak_from_this();
    stream_.start(
        shared_from_this(), [this](std::string_view payload) { onFrame(payload); },
        [weak](std::exception_ptr) {
          if (auto self = weak.lock()) self->closed();
        },
        std::move(already_read));
  }

  void drain() override {
    draining_ = true;
    if (in_flight_ == 0) closeGracefully();
  }

  void close() override { stream_.close(); }
  void closeGracefully() { stream_.closeAfterFlush(); }

 private:
  void onFrame(std::string_view payload) {
    if (draining_) return;  // framed Thrift cannot tell a client to go elsewhere
    ++in_flight_;
    auto ex = stream_.socket().get_executor();
    setup_.dispatcher->dispatch(setup_.context, std::string(payload),
                                [weak = weak_from_this(), ex](std::string reply) {
                                  asio::post(ex, [weak, reply = std::move(reply)] {
                                    if (auto self = weak.lock()) self->onReply(reply);
                                  });
                                });
  }

  void onReply(const std::string& reply) {
    --in_flight_;
    if (!reply.empty() && stream_.open()) {
      transport::appendLengthPrefixed(stream_.outbox(), reply);
      stream_.flush();
    }
    if (draining_ && in_flight_ == 0) closeGracefully();
  }

  void closed() {
    if (auto on_closed = std::move(setup_.on_closed)) on_closed();
  }

  transport::FrameStream stream_;
  SessionSetup setup_;
  size_t in_flight_ = 0;
  bool draining_ = false;
};

}  // namespace

std::shared_ptr<Session> makeFramedSession(asio::ip::tcp::socket socket, SessionSetup setup) {
  return std::make_shared<FramedSession>(std::move(socket), std::move(setup));
}

}  // namespace scales::server::detail
