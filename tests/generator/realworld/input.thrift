// Constructs that real-world IDLs use and that earlier generators got wrong, written here: an
// argument named like its function, names other languages or the generated code use themselves,
// exception fields named success/read/write, an exception type thrown twice, enum arguments and
// results, `namespace *` alone, a map constant keyed by a container, a doc line ending in a
// backslash, service-level policy annotations, and a base service in an included file.
include "base.thrift"

namespace * realworld.store

enum Level {
  LOW = 1,
  HIGH = 2
}

struct TIncrement {
  1: string row
  2: i64 amount
}

struct Query {
  1: string text
  2: optional Level level
}

exception IOError {
  1: string message
}

exception Tricky {
  1: string message
  2: string success
}

const map<list<i32>, string> BY_PATH = {[1, 2]: "a", [3]: "b"}

/**
 * Counters and queries. A doc line that ends in a backslash, like C:\
 * must not swallow the declaration after it.
 */
service Store extends base.Base {
  /** Adds to a counter. \ */
  i64 increment(1: TIncrement increment) throws (1: IOError io, 2: IOError again)

  list<string> query(1: Query query, 2: Level level)

  Level level(1: Level read, 2: string write, 3: string token, 4: string reply)
      throws (1: Tricky success, 2: IOError read, 3: IOError write)

  map<Level, list<Level>> levels(1: set<Level> wanted)

  // Words that other languages reserve are plain names in C++.
  void args(1: string self, 2: string print) (scales.idempotent = "false")
} (scales.idempotent = "true", scales.timeout_ms = "250")
