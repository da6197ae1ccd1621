// The example service used by the README, the demo and the examples/ clients.
namespace cpp example

struct Message {
  1: string text
}

exception Oops {
  1: string why
}

service ExampleService {
  /** Echoes the message back, tagged with the server that answered. */
  Message passMessage(1: Message msg) throws (1: Oops oops)
  /** Fails with Oops, to show declared exceptions reaching the caller. */
  void refuse(1: string why) throws (1: Oops oops)
}
