// Exercises every Thrift type, both ways, against stock Apache Thrift peers.
namespace cpp interop

include "shared.thrift"

typedef i64 Timestamp
typedef list<shared.Point> Path

enum Color {
  RED = 1,
  GREEN = 2,
  BLUE = 42
}

struct Primitives {
  1: bool flag
  2: i8 tiny
  3: i16 small
  4: i32 medium
  5: i64 large
  6: double real
  7: string text
  8: binary blob
}

struct Defaults {
  1: optional i32 maybe
  2: required string must
  3: i32 answer = 42
  4: string greeting = "hello"
  5: optional list<i32> numbers
}

union Choice {
  1: i32 number
  2: string word
  3: shared.Point point
}

struct Everything {
  1: Primitives primitives
  2: Defaults defaults
  3: Choice choice
  4: Color color
  5: Timestamp stamp
  6: Path path
  7: list<list<i32>> matrix
  8: set<string> tags
  9: map<string, list<Color>> palette
  10: map<i32, map<string, binary>> nested
  11: list<Primitives> many
  12: optional Choice maybe_choice
}

exception Invalid {
  1: i32 code
  2: string reason
}

service InteropService extends shared.BaseService {
  Everything echo(1: Everything value)
  Primitives echoPrimitives(1: Primitives value)
  i64 add(1: i32 a, 2: i64 b)
  double scale(1: double x, 2: i8 factor)
  bool invert(1: bool value)
  string concat(1: string a, 2: binary b)
  list<string> split(1: string text, 2: string sep)
  set<i32> unique(1: list<i32> values)
  map<string, i32> count(1: list<string> words)
  Color nextColor(1: Color color)
  Timestamp later(1: Timestamp stamp, 2: i32 seconds)
  Choice choose(1: i32 which)
  void nothing()
  void fail(1: i32 code) throws (1: Invalid invalid, 2: shared.NotFound missing)
  string lookup(1: string key) throws (1: shared.NotFound missing)
  oneway void record(1: string event)
  i32 recorded()
  void crash(1: string message)
}
