// SPDX-License-Identifier: Apache-2.0
#include "scales/client/channel.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>

#include "core/completion.h"
#include "scales/context/start_call.h"
#include "scales/core/errors.h"
#include "status_source.h"

namespace scales::client {
namespace asio = boost::asio;

Channel::Channel(const discovery::Uri& uri, ClientConfig config, const ProtocolStack& protocol)
    : config_(std::move(config)) {
  if (config_.name.empty()) config_.name = uri.text;
  if (config_.balancer.empty()) config_.balancer = protocol.default_balancer;
  if (config_.pool_kind.empty()) config_.pool_kind = protocol.default_pool;
  config_.validate();
  if (pool::poolRegistry().get(config_.pool_kind).shares_connections &&
      !protocol.concurrent_connections) {
    throw ConfigError("pool '" + config_.pool_kind +
                      "' lends one connection to many calls at once; this protocol's connections "
                      "take one call at a time");
  }
  if (config_.executor) {
    // A caller's executor may run several threads; the stack is single-threaded by design.
    strand_.emplace(asio::make_strand(*config_.executor));
    executor_ = *strand_;
  } else {
    runtime_ = std::make_unique<Runtime>(1);
    executor_ = runtime_->executor();
  }
  hooks_.in_flight->executor = executor_;
  metrics_ = std::make_shared<ClientMetrics>(
      config_.metrics ? *config_.metrics : metrics::defaultRegistry(), config_.name);
  auto pools = [kind = pool::poolRegistry().get(config_.pool_kind), options = config_.pool,
                connections = protocol.connections(config_, metrics_)](
                   const discovery::Endpoint& endpoint, asio::any_io_executor executor) {
    return kind.make(options, connections(endpoint, executor), executor);
  };
  stack_ = buildStack(uri, config_, pools, executor_, protocol.classify, metrics_, &hooks_);
  // Last: a constructor that throws leaves nothing listed.
  status_ =
      StatusSource::publish(metrics::clientDirectory(), config_.name, executor_, hooks_.describe);
}

std::vector<std::string> Channel::layers() const {
  std::vector<std::string> names;
  for (const auto& layer : planLayers(config_.layers)) names.push_back(layer.name);
  return names;
}

bool Channel::onOwnExecutor() const {
  return runtime_ ? runtime_->runningInThisThread() : strand_->running_in_this_thread();
}

Channel::~Channel() {
  close();
  if (runtime_) runtime_->stop();
  stack_.reset();
}

namespace {
// How long close() waits, after closing the stack, for the calls it failed to hear so, and for
// the attempts below them to end: their completions are posted, and the loop may stop right
// after (an attempt left unfinished would keep its node, pool and connection alive forever).
constexpr Duration kSettleTimeout = std::chrono::seconds(1);
}  // namespace

void Channel::close() {
  if (closing_.exchange(true)) {
    // Another caller is closing: wait for it, except on our own executor, which it may need.
    if (!onOwnExecutor()) closed_.wait();
    return;
  }
  // Off the admin page first: from here on nothing reads the stack from there.
  status_->withdraw();
  // The stack is not thread-safe: everything below runs on its executor.
  if (onOwnExecutor()) {
    stack_->close();
    return closed_promise_.set_value();
  }
  asio::dispatch(executor_, [this] {
    // Each step once: when the calls in flight are done, or at its timeout.
    auto timer = std::make_shared<asio::steady_timer>(executor_);
    auto when_idle = [this, timer](Duration within, std::function<void()> next) {
      auto step = [timer, next, done = std::make_shared<bool>(false)] {
        if (*done) return;
        *done = true;
        timer->cancel();
        next();
      };
      if (hooks_.in_flight->count == 0) return step();
      hooks_.in_flight->idle = step;
      timer->expires_after(within);
      timer->async_wait([this, step](boost::system::error_code ec) {
        if (ec) return;
        hooks_.in_flight->idle = nullptr;
        step();
      });
    };
    // Drain, close the stack (failing what is left), let those failures reach their callers.
    when_idle(config_.drain_timeout, [this, when_idle] {
      stack_->close();
      when_idle(kSettleTimeout, [this] { closed_promise_.set_value(); });
    });
  });
  closed_.wait();
}

void Channel::awaitReady(Duration timeout) {
  checkMayBlock("awaitReady");
  std::promise<void> ready;
  startAwaitReady(timeout, [&ready](std::exception_ptr error) {
    if (error) return ready.set_exception(error);
    ready.set_value();
  });
  ready.get_future().get();
}

void Channel::startAwaitReady(Duration timeout, ReadyHandler handler) {
  auto deadline = Deadline::after(timeout);
  asio::dispatch(executor_, [this, deadline, handler = std::move(handler)]() mutable {
    if (closing_ || !hooks_.await_ready) {
      return completePost(
          executor_, std::move(handler),
          std::make_exception_ptr(UsageError(closing_ ? "awaitReady() after the client was closed"
                                                      : "awaitReady() needs the balancer layer")));
    }
    // std::function needs a copyable callable: the handler moves in once, and runs once. The
    // answer may come at once, inside this initiation: it is posted, never run inline.
    auto shared = std::make_shared<ReadyHandler>(std::move(handler));
    hooks_.await_ready(deadline, [executor = executor_, shared](std::string why) {
      std::exception_ptr error;
      if (why == kClientClosed) {
        error = std::make_exception_ptr(UsageError("awaitReady(): the client was closed"));
      } else if (!why.empty()) {
        error = std::make_exception_ptr(UnavailableError(why));
      }
      completePost(executor, std::move(*shared), error);
    });
  });
}

void Channel::send(Request&& request, RpcService::Handler&& handler) {
  if (closing_.load(std::memory_order_relaxed)) {
    return completePost(executor_, std::move(handler),
                        std::make_exception_ptr(UsageError("call to " + request.method +
                                                           " after the client was closed")),
                        Response{});
  }
  // On the caller's thread: what it inherits (a handler's deadline, trace and contexts) and its
  // CallOptionsScope.
  detail::startCall(request, config_.timeout);
  // The stack's top layer (the deadline filter) completes the handler on its associated
  // executor, so the handler goes down as it is. Calls made from the channel's own executor (a
  // completion issuing the next call) go straight in: dispatch through a type-erased executor
  // would wrap and allocate the call first.
  if (onOwnExecutor()) return stack_->call(std::move(request), std::move(handler));
  // From another thread the timeout starts now, not when the loop gets to the call (the deadline
  // filter gives the default to calls made on the loop itself, with the clock read it needs).
  if (request.deadline.isInfinite() && config_.timeout != Duration::max()) {
    request.deadline = Deadline::after(config_.timeout);
  }
  submit(std::move(request), std::move(handler));
}

void Channel::submit(Request&& request, RpcService::Handler&& handler) {
  {
    std::lock_guard lock(submitted_mutex_);
    submitted_.push_back(Submitted{std::move(request), std::move(handler)});
    if (submitted_.size() > 1) return;  // the loop has been asked already
  }
  try {
    asio::post(executor_, [this] { runSubmitted(); });
  } catch (...) {
    // Nothing will take the queue (out of memory): it is emptied here, its handlers destroyed
    // uncalled, so that the next call asks the loop again.
    std::vector<Submitted> dropped;
    {
      std::lock_guard lock(submitted_mutex_);
      dropped.swap(submitted_);
    }
    throw;
  }
}

void Channel::runSubmitted() {
  running_.clear();  // left over only if a completion below threw past its call
  {
    std::lock_guard lock(submitted_mutex_);
    running_.swap(submitted_);  // the next call submitted posts again
  }
  for (auto& call : running_) {
    try {
      stack_->call(std::move(call.request), std::move(call.handler));
    } catch (...) {
      // One call's failure (an allocation, say) is its own: the rest of the batch goes on.
      if (call.handler) {
        completePost(executor_, std::move(call.handler), std::current_exception(), Response{});
      }
    }
  }
  // Kept for the next batch, unless a burst grew it: the two queues swap, and each would hold
  // room for the largest burst ever submitted (about 224 B a call) for good.
  if (running_.capacity() > kKeptBatch) {
    std::vector<Submitted>().swap(running_);
  } else {
    running_.clear();
  }
}

void Channel::checkMayBlock(std::string_view what) const {
  if (onOwnExecutor()) {
    throw UsageError("sync call " + std::string(what) +
                     "() on the client's own executor would deadlock; use the async overload");
  }
}

}  // namespace scales::client
