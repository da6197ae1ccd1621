// SPDX-License-Identifier: Apache-2.0
// Collecting every client's status for /admin.json: ask all, wait for the answers or a timer.
#include "metrics/detail/status_gather.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

namespace scales::metrics::detail {
namespace asio = boost::asio;

void Inbox::post(std::function<void()> work) {
  std::lock_guard lock(mutex_);
  if (!shut_) asio::post(executor_, std::move(work));
}

void Inbox::shut() {
  std::lock_guard lock(mutex_);
  shut_ = true;
}

namespace {

// One round of asks. Only the admin loop touches it; the timer's handler owns it, so it lives
// and dies with that loop (answers hold it weakly and reach it only through the inbox).
struct Gather {
  explicit Gather(asio::any_io_executor executor) : timer(std::move(executor)) {}

  void finish(Duration timeout) {
    if (!done) return;
    std::vector<ClientStatus> out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (!answered[i]) {
        ClientStatus silent;
        silent.name = names[i];
        silent.error =
            "no answer within " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
            " ms: its event loop is busy or blocked";
        silent.resolver.state = "unknown";
        silent.id = ids[i];
        out.push_back(std::move(silent));
      } else if (answers[i]) {  // else it closed meanwhile
        answers[i]->id = ids[i];
        out.push_back(std::move(*answers[i]));
      }
    }
    auto finished = std::move(done);
    done = nullptr;
    finished(std::move(out));
  }

  // describe() threw: the client is listed with why.
  void cannotAsk(size_t i, const char* why) {
    if (answered[i]) return;
    answered[i] = true;
    answers[i].emplace();
    answers[i]->name = names[i];
    answers[i]->resolver.state = "unknown";
    answers[i]->error = std::string("could not ask it: ") + why;
    if (--waiting == 0) timer.cancel();
  }

  asio::steady_timer timer;
  std::vector<uint64_t> ids;
  std::vector<std::string> names;
  std::vector<bool> answered;
  std::vector<std::optional<ClientStatus>> answers;
  size_t waiting = 0;
  std::function<void(std::vector<ClientStatus>)> done;  // null once called
};

}  // namespace

void gatherStatuses(const ClientDirectory& directory, const std::shared_ptr<Inbox>& inbox,
                    Duration timeout, std::function<void(std::vector<ClientStatus>)> done) {
  auto entries = directory.entries();
  auto gather = std::make_shared<Gather>(inbox->executor());
  for (const auto& entry : entries) {
    gather->ids.push_back(entry.id);
    gather->names.push_back(entry.name);
  }
  gather->answered.assign(entries.size(), false);
  gather->answers.resize(entries.size());
  gather->waiting = entries.size();
  gather->done = std::move(done);
  // With nothing to wait for the timer is cancelled at once: `done` still runs from the loop,
  // never inside this call.
  gather->timer.expires_after(entries.empty() ? Duration::zero() : timeout);
  gather->timer.async_wait(
      [gather, timeout](boost::system::error_code) { gather->finish(timeout); });
  for (size_t i = 0; i < entries.size(); ++i) {
    try {
      entries[i].describe(
          [inbox, weak = std::weak_ptr<Gather>(gather), i](std::optional<ClientStatus> status) {
            inbox->post([weak, i, status = std::move(status)]() mutable {
              auto round = weak.lock();
              if (!round || !round->done || round->answered[i]) return;
              round->answered[i] = true;
              round->answers[i] = std::move(status);
              if (--round->waiting == 0) round->timer.cancel();  // its handler finishes
            });
          });
    } catch (const std::exception& e) {
      // One client that cannot be asked (out of memory, say) must not cost the others theirs.
      gather->cannotAsk(i, e.what());
    } catch (...) {
      gather->cannotAsk(i, "not a std::exception");
    }
  }
}

}  // namespace scales::metrics::detail
