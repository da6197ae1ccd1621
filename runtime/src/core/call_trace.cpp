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

size_t CallTrace::start(std::string_view endpoint, AttemptKind kind) {
  if (size_ < kInline) {
    auto& attempt = inline_[size_];
    attempt.endpoint.assign(endpoint);
    attempt.kind = kind;
  } else {
    rare().overflow.push_back(Attempt{std::string(endpoint), kind, false, nullptr, {}});
  }
  return size_++;
}

const std::string& CallTrace::endedBy() const {
  static const std::string kNone;
  return rare_ ? rare_->ended_by : kNone;
}

const CallTrace::Notes& CallTrace::notes() const {
  static const Notes kNone;
  return rare_ ? rare_->notes : kNone;
}

std::string Attempt::outcome() const { return error ? describeError(error) : "ok"; }

bool CallTrace::tried(std::string_view endpoint) const {
  for (size_t i = 0; i < size_; ++i) {
    if ((*this)[i].endpoint == endpoint) return true;
  }
  return false;
}

void CallTrace::finish(size_t index, const std::exception_ptr& error, Duration took) {
  if (index >= size_) return;
  auto& attempt = at(index);
  attempt.finished = true;
  attempt.error = error;
  attempt.took = took;
}

std::string CallTrace::render() const {
  // Appended piece by piece: g++ 12 at -O3 misreads "[" + std::string as overlapping copies.
  std::string out = "[";
  out += std::to_string(size_);
  out += size_ == 1 ? " attempt" : " attempts";
  const char* separator = ": ";
  for (size_t i = 0; i < size_; ++i) {
    const auto& attempt = (*this)[i];
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
    out += ' ';
    out += attempt.outcome();
    out += took;
  }
  if (!endedBy().empty()) out += "; ended by: " + endedBy();
  return out + "]";
}

const char* errorTypeName(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const TimeoutError&) {
    return "TimeoutError";
  } catch (const CancelledError&) {
    return "CancelledError";
  } catch (const UnavailableError&) {
    return "UnavailableError";
  } catch (const NackError&) {
    return "NackError";
  } catch (const RejectedError&) {
    return "RejectedError";
  } catch (const ConnectFailedError&) {
    return "ConnectFailedError";
  } catch (const ConnectionError&) {
    return "ConnectionError";
  } catch (const ProtocolError&) {
    return "ProtocolError";
  } catch (const ApplicationError&) {
    return "ApplicationError";
  } catch (const Error&) {
    return "Error";
  } catch (...) {
    return "exception";
  }
}

std::string describeError(const std::exception_ptr& error) {
  std::string text = errorTypeName(error);
  text += " (";
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    text += e.message();
  } catch (const std::exception& e) {
    text += e.what();
  } catch (...) {
    text += "unknown";
  }
  text += ')';
  return text;
}

}  // namespace scales
