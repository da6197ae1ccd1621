// SPDX-License-Identifier: Apache-2.0
// The types behind tests/fuzz/thrift_message_fuzz.cpp: strings, binary, every container, nested
// and self-nesting structs, a union, a required field and declared exceptions, so that decoding
// arbitrary bytes reaches every reader the generated code has.
namespace cpp scales_fuzz

struct Inner {
  1: string name
  2: optional binary blob
  3: list<i64> values
}

struct Tree {
  1: string label
  2: list<Tree> kids
}

struct Record {
  1: required i32 id
  2: string label
  3: list<Inner> children
  4: map<string, Inner> by_name
  5: set<i16> tags
  6: optional Inner parent
  7: double score
  8: bool flag
  9: i8 small
  10: map<i32, list<string>> nested
  11: optional Tree tree
}

union Choice {
  1: string text
  2: i64 number
  3: Record record
}

exception NotFound {
  1: string key
  2: i32 code
}

exception Overloaded {
  1: string message
}

service Store {
  Record get(1: string key, 2: list<string> fields) throws (1: NotFound missing, 2: Overloaded busy)
  void put(1: Record record, 2: map<string, Choice> extra) throws (1: Overloaded busy)
  bool check(1: set<string> keys, 2: bool strict)
  oneway void touch(1: i64 at, 2: list<bool> flags)
}
