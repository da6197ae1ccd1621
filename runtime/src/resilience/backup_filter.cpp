// SPDX-License-Identifier: Apache-2.0
#include <array>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "scales/core/errors.h"
#include "scales/resilience/backup.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

// One call with up to two copies out: [0] the original, [1] the backup.
struct HedgedCall {
  HedgedCall(Request r, RpcService::Handler h, asio::any_io_executor executor)
      : request(std::move(r)), handler(std::move(h)), timer(std::move(executor)) {}

  Request request;
  RpcService::Handler handler;
  asio::steady_timer timer;
  std::array<asio::cancellation_signal, 2> below;
  std::array<bool, 2> out{false, false};
  std::exception_ptr first_error;        // kept while the other copy may still succeed
  std::optional<Response> failed_reply;  // a reply classified a failure, kept likewise
  bool done = false;
};

class BackupFilter final : public RpcFilter {
 public:
  BackupFilter(std::unique_ptr<RpcService> next, const BackupOptions& options,
               std::shared_ptr<RetryBudget> budget, std::shared_ptr<AttemptCounters> counters,
               std::shared_ptr<LatencyWindow> latencies, asio::any_io_executor executor)
      : RpcFilter(std::move(next)),
        options_(options),
        budget_(std::move(budget)),
        counters_(std::move(counters)),
        latencies_(std::move(latencies)),
        executor_(std::move(executor)) {}

  void call(Request&& request, Handler&& handler) override {
    auto delay = latencies_->percentile(options_.percentile, options_.min_samples);
    // Too few latencies to know what is slow, or no time for a backup to help: plain call.
    if (!delay || request.oneway || request.deadline.remaining() <= *delay) {
      return next().call(std::move(request), std::move(handler));
    }
    if (*delay < options_.min_delay) delay = options_.min_delay;
    auto call = std::make_shared<HedgedCall>(std::move(request), std::move(handler), executor_);
    auto slot = asio::get_associated_cancellation_slot(call->handler);
    if (slot.is_connected()) {
      slot.assign([call](asio::cancellation_type type) {
        // Held here: a copy's cancellation may complete the call inline, which clears this slot
        // and so destroys this lambda and its capture.
        auto held = call;
        if (held->done) return;
        held->timer.cancel();
        for (int i = 0; i < 2; ++i) {
          if (held->out[i]) held->below[i].emit(type);
        }
      });
    }
    call->timer.expires_after(*delay);
    call->timer.async_wait([this, call](boost::system::error_code ec) {
      if (ec || call->done || !call->out[0]) return;
      if (!budget_->tryWithdraw()) {
        counters_->budget_exhausted->add();
        return;
      }
      counters_->backups->add();
      send(call, 1);
    });
    send(call, 0);
  }

 private:
  void send(const std::shared_ptr<HedgedCall>& call, int copy) {
    Request request = call->request;
    if (copy == 1) request.attempt_kind = AttemptKind::kBackup;
    call->out[copy] = true;
    next().call(std::move(request), asio::bind_cancellation_slot(
                                        call->below[copy].slot(),
                                        [call, copy](std::exception_ptr error, Response response) {
                                          onReply(call, copy, error, std::move(response));
                                        }));
  }

  static void onReply(const std::shared_ptr<HedgedCall>& call, int copy, std::exception_ptr error,
                      Response response) {
    call->out[copy] = false;
    if (call->done) return;
    int other = 1 - copy;
    // A reply classified a failure (a fast 503) is no better than an error while the other copy
    // may still succeed; it is kept in case both fail.
    bool failed = error || response.reply_class.failure;
    if (failed && call->out[other]) {
      if (error) {
        call->first_error = error;  // the other copy may still answer
      } else {
        call->failed_reply = std::move(response);
      }
      return;
    }
    if (error && call->failed_reply) {  // a failed reply says more than an error
      error = nullptr;
      response = std::move(*call->failed_reply);
    } else if (error && copy == 1 && call->first_error) {
      error = call->first_error;  // the original's
    }
    call->done = true;
    call->timer.cancel();
    auto slot = asio::get_associated_cancellation_slot(call->handler);
    if (slot.is_connected()) slot.clear();
    auto handler = std::move(call->handler);
    handler(error, std::move(response));
    // The loser lets go of its connection slot; its completion finds the call done.
    if (call->out[other]) call->below[other].emit(asio::cancellation_type::terminal);
  }

  BackupOptions options_;
  std::shared_ptr<RetryBudget> budget_;
  std::shared_ptr<AttemptCounters> counters_;
  std::shared_ptr<LatencyWindow> latencies_;
  asio::any_io_executor executor_;
};

}  // namespace

void BackupOptions::validate() const {
  if (percentile < 0 || percentile >= 100) {
    throw ConfigError("backup percentile must be within [0, 100)");
  }
}

std::unique_ptr<RpcService> backupFilter(std::unique_ptr<RpcService> next,
                                         const BackupOptions& options,
                                         std::shared_ptr<RetryBudget> budget,
                                         std::shared_ptr<AttemptCounters> counters,
                                         std::shared_ptr<LatencyWindow> latencies,
                                         asio::any_io_executor executor) {
  options.validate();
  if (options.percentile <= 0) return next;
  return std::make_unique<BackupFilter>(std::move(next), options, std::move(budget),
                                        std::move(counters), std::move(latencies),
                                        std::move(executor));
}

}  // namespace scales::resilience
