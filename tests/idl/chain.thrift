// A service that calls the next tier of itself: each tier reports what reached it (trace ids,
// deadline, contexts, retries), for the context propagation tests (tests/integration/chain_*).
namespace cpp chain

struct Hop {
  1: string tier
  2: string trace_id       // hex, as the tier's span carries it
  3: string span_id        // the tier's server span
  4: string parent_id      // the span the caller sent (the caller's attempt)
  5: i64 deadline_left_us  // -1: no deadline reached the tier
  6: map<string, binary> contexts
  7: i32 retries
  8: bool sampled
}

// The bottom tier's failure, which callers may retry.
exception Unavailable {
  1: string why
} (scales.retryable = "true")

service Chain {
  // This tier's hop, then the next tier's (if any). A tier started with --fail throws
  // Unavailable instead.
  list<Hop> call(1: string tag) throws (1: Unavailable unavailable) (scales.idempotent = "true")
  // How many times call() reached this tier, by the retry count each call carried (0: first
  // attempts).
  map<i32, i32> attempts()
}
