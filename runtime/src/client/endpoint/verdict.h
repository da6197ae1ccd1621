// SPDX-License-Identifier: Apache-2.0
// What a call's error says about the endpoint, for the gates that judge endpoints by their calls.
#pragma once

#include <exception>

#include "scales/core/deadline.h"
#include "scales/core/errors.h"

namespace scales::client::endpoint {

enum class Verdict { kIgnore, kFailure, kUnreachable };

// Refusals (a full queue, a NACK) and the caller's own cancellations say nothing; a call
// cancelled because its deadline passed timed out.
inline Verdict judge(const std::exception_ptr& error, Deadline deadline) {
  if (!error) return Verdict::kIgnore;
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

inline std::string messageOf(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace scales::client::endpoint
