// SPDX-License-Identifier: Apache-2.0
#include "guarded_session.h"

#include <algorithm>

#include "scales/core/coarse_clock.h"
#include "scales/core/errors.h"
#include "scales/core/log.h"

namespace scales::server::detail {
namespace asio = boost::asio;

namespace {
// The tick runs often enough to act within a quarter of the shortest limit, and at most a few
// times a second per connection at the defaults.
Duration tickInterval(const ServerOptions& o) {
  Duration shortest = std::chrono::seconds(1) * 4;
  for (auto limit :
       {o.handshake_timeout, o.read_timeout, o.idle_timeout, o.ping_interval, o.ping_timeout}) {
    if (limit > Duration::zero()) shortest = std::min<Duration>(shortest, limit);
  }
  return std::clamp<Duration>(shortest / 4, std::chrono::milliseconds(5), std::chrono::seconds(1));
}

bool over(Clock::time_point now, Clock::time_point since, Duration limit) {
  return limit > Duration::zero() && now - since > limit;
}
}  // namespace

GuardedSession::GuardedSession(transport::Stream stream, SessionSetup setup)
    : setup_(std::move(setup)),
      stream_(std::move(stream), setup_.shared->options.max_frame_bytes),
      tick_(stream_.socket().get_executor()),
      tick_every_(tickInterval(options())),
      started_(coarseNow()),
      last_frame_(started_),
      last_call_(started_),
      average_reply_(std::min(setup_.shared->typical_reply.load(std::memory_order_relaxed),
                              double(setup_.shared->options.max_unsent_bytes) / 16)) {
  Counters& counters = shared().counters;
  stream_.limitUnsent(options().max_unsent_bytes,
                      [&counters] { counters.backpressure_pauses->add(); });
  stream_.chargeReadsTo(&shared().arriving_budget, [&counters] { counters.memory_pauses->add(); });
}

void GuardedSession::startGuarded(std::shared_ptr<GuardedSession> self, std::string already_read) {
  std::weak_ptr<GuardedSession> weak = self;
  self_ = weak;
  scheduleTick();
  stream_.start(
      std::move(self),
      [this](std::string_view payload) {
        last_frame_ = coarseNow();
        ++frames_;
        onFrame(payload);
      },
      [weak](std::exception_ptr why) {
        if (auto session = weak.lock()) session->closed(why);
      },
      std::move(already_read));
}

void GuardedSession::scheduleTick() {
  tick_.expires_after(tick_every_);
  tick_.async_wait([weak = self_](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->tick();
  });
}

void GuardedSession::tick() {
  if (!stream_.open()) return;
  auto now = coarseNow();
  Counters& counters = shared().counters;
  if (frames_ == 0 && over(now, started_, options().handshake_timeout)) {
    return closeFor(*counters.handshake_timeouts);
  }
  auto partial = stream_.partialSince();
  if (partial && over(now, *partial, options().read_timeout)) {
    return closeFor(*counters.read_timeouts);
  }
  // Idle means no calls: pings (ours and their answers) keep a connection alive, not busy.
  if (!partial && callsInFlight() == 0 && over(now, last_call_, options().idle_timeout)) {
    counters.idle_timeouts->add();
    last_call_ = now;  // a drained session that lingers is closed at the next idle timeout
    onIdle();
    if (!stream_.open()) return;
  }
  onTick(now);
  if (!stream_.open()) return;
  stream_.retryRead();  // reading may have paused for the memory budget
  scheduleTick();
}

void GuardedSession::closed(std::exception_ptr why) {
  tick_.cancel();
  if (why) {
    try {
      std::rethrow_exception(why);
    } catch (const ProtocolError&) {
      shared().counters.protocol_errors->add();
    } catch (const ConnectionError&) {
      // The peer went away or the socket failed: nothing to report.
    } catch (const std::exception& e) {
      // Thrown by our own frame handling (an allocation that failed, say): this connection ends,
      // the server goes on.
      shared().counters.handler_errors->add();
      logError(std::string("server connection closed after an error: ") + e.what());
    } catch (...) {
      shared().counters.handler_errors->add();
      logError("server connection closed after a non-standard exception");
    }
  }
  if (auto on_closed = std::move(setup_.on_closed)) on_closed();
}

std::string GuardedSession::remoteAddress() {
  boost::system::error_code ec;
  auto at = stream_.socket().remote_endpoint(ec);
  if (ec) return {};
  // Appended piece by piece: g++ 12 at -O3 misreads a chain of operator+ here (-Wrestrict).
  std::string out;
  if (at.address().is_v6()) {
    out.append("[").append(at.address().to_string()).append("]");
  } else {
    out.append(at.address().to_string());
  }
  out.append(":").append(std::to_string(at.port()));
  return out;
}

}  // namespace scales::server::detail
