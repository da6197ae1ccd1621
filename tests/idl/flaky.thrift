// A backend for fault-injection tests, with its retry policy in the IDL: reads are idempotent,
// Busy says "nothing was done, try again", and `bounded` carries its own timeout.
namespace cpp flaky

exception Busy {
  1: string why
} (scales.retryable = "true")

exception Invalid {
  1: string why
}

service Flaky {
  // Answers the server's name after delay_ms. Keys starting "busy-once:" throw Busy the first
  // time the server sees them; the key "invalid" always throws Invalid.
  string read(1: string key, 2: i32 delay_ms) throws (1: Busy busy, 2: Invalid invalid)
      (scales.idempotent = "true")
  // The same, but not idempotent.
  string write(1: string key, 2: i32 delay_ms) throws (1: Busy busy, 2: Invalid invalid)
  // Answers after delay_ms; the client gives up after 150 ms.
  string bounded(1: i32 delay_ms) (scales.timeout_ms = "150")
}
