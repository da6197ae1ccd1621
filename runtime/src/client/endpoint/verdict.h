// SPDX-License-Identifier: Apache-2.0
// What a call's result says about the endpoint, for the gates that judge endpoints by their calls:
// its error, or the class of its reply (scales/core/reply_class.h).
#pragma once

#include <exception>

#include "scales/core/deadline.h"
#include "scales/core/errors.h"
#include "scales/core/request.h"

namespace scales::client::endpoint {

enum class Verdict { kSuccess, kIgnore, kFailure, kUnreachable };

inline bool failed(Verdict verdict) {
  return verdict == Verdict::kFailure || verdict == Verdict::kUnreachable;
}

// A reply is a success unless classified a failure. Refusals (a full queue, a NACK) and the
// caller's own cancellations say nothing; a call cancelled because its deadline passed timed
// out.
inline Verdict judge(const std::exception_ptr& error, const Response& reply, Deadline deadline) {
  if (!error) return reply.reply_class.failure ? Verdict::kFailure : Verdict::kSuccess;
  try {
    std::rethrow_exception(error);
  } catch (const ConnectFailedError&) {
    return Verdict::kUnreachable;
  } catch (const ConnectionError&) {
    return Verdict::kFailure;
  } catch (const ProtocolError&) {
    return Verdict::kFailure;
  } catch (const TimeoutError&) {
    return Verdict::kFailure;
  } catch (const CancelledError&) {
    return deadline.expired() ? Verdict::kFailure : Verdict::kIgnore;
  } catch (...) {
    return Verdict::kIgnore;
  }
}

// What went wrong, for the reason an endpoint was taken out.
inline std::string messageOf(const std::exception_ptr& error, const Response& reply) {
  if (!error) return "a reply classified as a failure (" + reply.reply_class.label() + ")";
  return describe(error);
}

}  // namespace scales::client::endpoint
