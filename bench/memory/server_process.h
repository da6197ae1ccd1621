// SPDX-License-Identifier: Apache-2.0
// The server half of the benchmark, in a process of its own so that its heap is measured apart
// from the client's (one process's allocator cannot say which side an allocation was for).
// `scales-memory-bench server` runs a scales ThriftServer for bench.thrift's Bench on
// 127.0.0.1, prints "PORT <n>", then answers one line on stdout per command line on stdin:
//   sample           -> SAMPLE <heap bytes> <resident bytes> <open connections> <calls held>
//   park             -> OK          (from now on echo calls are held, not answered)
//   wait-held K MS   -> HELD <n>    (once K calls are held; ERROR ... after MS milliseconds)
//   release          -> RELEASED <n> (answers every held call; calls are answered at once again)
// and exits at end of input. Errors are "ERROR <why>".
#pragma once

#include <cstddef>

namespace scales::bench {

// `max_calls` of `payload` bytes: the most calls the parent will hold in flight at once. The
// server's limits on calls per connection, pending calls, bytes of calls in flight and replies
// expected are raised to let them all in (past them the server refuses calls or stops reading
// the connection, by design), and the list of held replies is allocated up front so that its
// growth is not counted as memory per call.
int runServerProcess(size_t max_calls, size_t payload);

}  // namespace scales::bench
