// SPDX-License-Identifier: Apache-2.0
// A load run, for people (a table with a text histogram) and for CI (--json).
#pragma once

#include <ostream>

#include "codec/json_values.h"
#include "load/load_run.h"

namespace scales::call {

void printReport(const LoadResult& result, std::ostream& out);
Json reportJson(const LoadResult& result);
// "1.23ms", "850us", "2.1s".
std::string formatMicros(uint64_t micros);

}  // namespace scales::call
