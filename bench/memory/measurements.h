// SPDX-License-Identifier: Apache-2.0
// The three measurements of issue #23's memory item, each in its own file: idle connections
// (idle_connections.cpp), calls in flight (calls_in_flight.cpp), and a client over a large
// endpoint set (endpoint_set.cpp). Each adds its rows to the report and throws
// std::runtime_error, saying what went wrong, when a step fails or does not finish in time.
#pragma once

#include <chrono>
#include <cstddef>

#include "report.h"
#include "server_control.h"

namespace scales::bench {

struct MemoryOptions {
  size_t connections = 1000;  // idle connections (one client each)
  size_t calls = 10000;       // calls held in flight
  size_t payload = 32;        // bytes per call
  size_t endpoints = 10000;   // the large client's endpoint set
  size_t updates = 20;        // updates of that set, one endpoint changed each, timed
  // Bounds every wait: connecting, calls arriving at the server or completing, updates.
  std::chrono::milliseconds timeout{30000};
};

void measureIdleConnections(const MemoryOptions& options, ServerControl& server, Report& report);
void measureCallsInFlight(const MemoryOptions& options, ServerControl& server, Report& report);
void measureEndpointSet(const MemoryOptions& options, Report& report);

}  // namespace scales::bench
