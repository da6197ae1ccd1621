// SPDX-License-Identifier: Apache-2.0
#include "scales/tracing/client_record.h"

#include <chrono>

namespace scales::tracing {

const char* attemptNote(AttemptKind kind) {
  // Indexed by AttemptKind: kFirst, kRequeue, kRetry, kBackup.
  static constexpr const char* kNotes[] = {"scales.first", "scales.requeue", "scales.retry",
                                           "scales.backup"};
  return kNotes[static_cast<size_t>(kind)];
}

Span toSpan(ClientRecord&& record) {
  Span span;
  span.ids = record.ids;
  span.kind = Span::Kind::kClient;
  span.name = std::move(record.method);
  span.start_us = wallMicros(record.began);
  span.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(record.took).count();
  if (record.error) span.error = describeError(record.error);
  if (record.attempt) {
    if (record.site) span.remote = *record.site;
    span.tags.emplace_back("scales.attempt", attemptKindName(record.attempt_kind));
    if (record.attempt_kind != AttemptKind::kFirst) {
      span.annotations.push_back({span.start_us, attemptNote(record.attempt_kind)});
    }
    return span;
  }
  span.tags.reserve(6);
  span.tags.emplace_back("scales.client", record.site ? *record.site : std::string());
  span.tags.emplace_back("scales.attempts", std::to_string(record.attempts));
  if (record.retries) span.tags.emplace_back("scales.retries", std::to_string(record.retries));
  if (record.requeues) span.tags.emplace_back("scales.requeues", std::to_string(record.requeues));
  if (record.backups) span.tags.emplace_back("scales.backups", std::to_string(record.backups));
  if (!record.ended_by.empty()) span.tags.emplace_back("scales.ended_by", record.ended_by);
  for (const auto& [at, what] : record.notes) span.annotations.push_back({at, what});
  return span;
}

}  // namespace scales::tracing
