// A small golden case: one service with a value call, a void call that throws, and a oneway;
// scales.* annotations become the per-method policy table.
namespace cpp golden

exception Nope {
  1: string why
} (scales.retryable = "true", scales.failure = "true")

service Tiny {
  /** Adds two numbers. */
  i64 add(1: i32 a, 2: i64 b) (scales.idempotent = "true", scales.timeout_ms = "250")
  void check(1: list<string> items) throws (1: Nope nope)
  oneway void note(1: binary data)
}
