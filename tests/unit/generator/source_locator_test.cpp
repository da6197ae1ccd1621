// SPDX-License-Identifier: Apache-2.0
// The generator's FILE:LINE for IDL declarations: found by the path of names that leads to them,
// never at a mention in a comment, a string, or another declaration's body.
#include "idl/source_locator.h"

#include <gtest/gtest.h>

namespace scales::gen::idl {
namespace {

constexpr const char* kIdl = R"(// Query is mentioned here, in a comment: line 1
# and here: struct Query
/* and in a block
   struct Query { 1: i32 read } */
const string NOTE = "struct Query { 1: i32 read }"
typedef i32 Count
struct Other {
  1: i32 read
}
struct Query {
  1: string text,
  2: list<Query> read (note = "x")
}
enum Level { LOW = 1, HIGH = 2 }
service Store {
  Query query(1: Query query,
              2: Count read) throws (1: Other read,
                                     2: Other write)
  oneway void touch()
}
)";

TEST(SourceLocator, FindsTopLevelDefinitionsPastCommentsAndStrings) {
  SourceLocator at(kIdl);
  EXPECT_EQ(at.definition("Query"), 10);
  EXPECT_EQ(at.definition("Other"), 7);
  EXPECT_EQ(at.definition("Store"), 15);
  EXPECT_EQ(at.definition("Level"), 14);
  EXPECT_EQ(at.definition("Count"), 6);  // typedef: the name after its type
  EXPECT_EQ(at.definition("NOTE"), 5);   // constant
  EXPECT_EQ(at.definition("Missing"), 0);
}

TEST(SourceLocator, FindsMembersInTheirOwnDefinition) {
  SourceLocator at(kIdl);
  EXPECT_EQ(at.member("Other", "read"), 8);
  EXPECT_EQ(at.member("Query", "read"), 12);  // not Other's field, not the comment's
  EXPECT_EQ(at.member("Query", "text"), 11);
  EXPECT_EQ(at.member("Level", "HIGH"), 14);
  EXPECT_EQ(at.member("Store", "query"), 16);  // the function, not its argument's type
  EXPECT_EQ(at.member("Store", "touch"), 19);
  EXPECT_EQ(at.member("Store", "absent"), 0);
}

TEST(SourceLocator, TellsArgumentsFromThrownFields) {
  SourceLocator at(kIdl);
  EXPECT_EQ(at.argument("Store", "query", "query"), 16);
  EXPECT_EQ(at.argument("Store", "query", "read"), 17);
  EXPECT_EQ(at.thrown("Store", "query", "read"), 17);
  EXPECT_EQ(at.thrown("Store", "query", "write"), 18);
  EXPECT_EQ(at.argument("Store", "query", "write"), 0);  // only thrown
  EXPECT_EQ(at.thrown("Store", "touch", "read"), 0);     // throws nothing
}

TEST(SourceLocator, AnUnreadableFileFindsNothing) {
  SourceLocator at = SourceLocator::load("/nonexistent/file.thrift");
  EXPECT_EQ(at.definition("Query"), 0);
  EXPECT_EQ(at.argument("Store", "query", "query"), 0);
}

}  // namespace
}  // namespace scales::gen::idl
