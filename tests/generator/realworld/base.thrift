// The base service of realworld/input.thrift, in its own file and C++ namespace.
namespace cpp realworld.base

// Its functions take this service's policy, not the policy of the services extending it.
service Base {
  string ping(1: string ping)
} (scales.timeout_ms = "100")
