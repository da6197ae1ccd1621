// SPDX-License-Identifier: Apache-2.0
#include "scales/core/call_trace.h"

#include <cstdio>

#include "scales/core/errors.h"

namespace scales {

const char* attemptKindName(AttemptKind kind) {
  switch (kind) {
    case AttemptKind::kFirst:
      return "first";
    case AttemptKind::kRequeue:
      return "requeue";
    case AttemptKind::kRetry:
      return "retry";
    case AttemptKind::kBackup:
      return "backup";
  }
  return "?";
}

size_t CallTrace::start(std::string endpoint, AttemptKind kind) {
  attempts_.push_back(Attempt{std::move(endpoint), kind, false, "", {}});
  return attempts_.size() - 1;
}

void CallTrace::finish(size_t index, const std::exception_ptr& error, Duration took) {
  if (index >= attempts_.size()) return;
  auto& attempt = attempts_[index];
  attempt.finished = true;
  attempt.outcome = error ? describeError(error) : "ok";
  attempt.took = took;
}

std::string CallTrace::render() const {
  std::string out =
      "[" + std::to_string(attempts_.size()) + (attempts_.size() == 1 ? " attempt" : " attempts");
  const char* separator = ": ";
  for (const auto& attempt : attempts_) {
    out += separator;
    separator = "; ";
    if (attempt.kind != AttemptKind::kFirst) {
      out += attemptKindName(attempt.kind);
      out += ' ';
    }
    out += attempt.endpoint;
    if (!attempt.finished) {
      out += " unfinished";
      continue;
    }
    char took[32];
    std::snprintf(took, sizeof took, " %.1fms",
                  std::chrono::duration<double, std::milli>(attempt.took).count());
    out += ' ' + attempt.outcome + took;
  }
  if (!ended_by_.empty()) out += "; ended by: " + ended_by_;
  return out + "]";
}

std::string describeError(const std::exception_ptr& error) {
  auto described = [](const char* type, const char* message) {
    return std::string(type) + " (" + message + ")";
  };
  try {
    std::rethrow_exception(error);
  } catch (const TimeoutError& e) {
    return described("TimeoutError", e.message());
  } catch (const CancelledError& e) {
    return described("CancelledError", e.message());
  } catch (const UnavailableError& e) {
    return described("UnavailableError", e.message());
  } catch (const NackError& e) {
    return described("NackError", e.message());
  } catch (const RejectedError& e) {
    return described("RejectedError", e.message());
  } catch (const ConnectFailedError& e) {
    return described("ConnectFailedError", e.message());
  } catch (const ConnectionError& e) {
    return described("ConnectionError", e.message());
  } catch (const ProtocolError& e) {
    return described("ProtocolError", e.message());
  } catch (const Error& e) {
    return described("Error", e.message());
  } catch (const std::exception& e) {
    return described("exception", e.what());
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace scales
