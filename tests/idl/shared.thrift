// Types from a second file, to prove includes and cross-file extends work.
namespace cpp interop.shared

struct Point {
  1: double x
  2: double y
}

exception NotFound {
  1: string key
}

service BaseService {
  /** Answers "pong". */
  string ping()
}
