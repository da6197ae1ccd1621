// SPDX-License-Identifier: Apache-2.0
// docs/configuration.md and the URI parsers agree: every key a parser accepts is documented in its
// protocol's section, and every documented key is accepted there.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "scales/client/uri_options.h"
#include "scales/http/client.h"
#include "scales/kafka/producer.h"
#include "scales/redis/client.h"
#include "scales/thrift/options.h"

namespace scales {
namespace {

using Keys = std::set<std::string>;

// Section title (the text after "## ") -> the keys in its "URI key" tables.
std::map<std::string, Keys> documentedKeys() {
  std::ifstream in(std::string(SCALES_SOURCE_DIR) + "/docs/configuration.md");
  EXPECT_TRUE(in) << "docs/configuration.md not found";
  std::map<std::string, Keys> out;
  std::string line, section;
  bool in_key_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      section = line.substr(3);
      in_key_table = false;
      continue;
    }
    if (line.rfind("| URI key |", 0) == 0) {
      in_key_table = true;
      continue;
    }
    if (line.empty() || line[0] != '|') {
      in_key_table = false;
      continue;
    }
    if (!in_key_table || line.rfind("|---", 0) == 0) continue;
    // "| `key` | ..." : the first cell, between backticks.
    auto open = line.find('`');
    auto close = line.find('`', open + 1);
    auto cell_end = line.find('|', 1);
    if (open == std::string::npos || close == std::string::npos || close > cell_end) {
      ADD_FAILURE() << "URI key row without a `key` in its first cell: " << line;
      continue;
    }
    out[section].insert(line.substr(open + 1, close - open - 1));
  }
  return out;
}

template <class Options>
Keys parserKeys() {
  auto list = Options::uriKeys().list();
  return Keys(list.begin(), list.end());
}

TEST(ConfigurationDoc, EveryAcceptedKeyIsDocumentedAndEveryDocumentedKeyAccepted) {
  auto docs = documentedKeys();
  auto stack = client::stackKeys().list();
  std::map<std::string, Keys> parsers = {
      {"Every client (the stack)", Keys(stack.begin(), stack.end())},
      {"Thrift (ThriftMux and framed)", parserKeys<thrift::ThriftOptions>()},
      {"HTTP", parserKeys<http::ClientOptions>()},
      {"Redis", parserKeys<redis::ClientOptions>()},
      {"Kafka producer", parserKeys<kafka::ProducerOptions>()},
  };
  for (const auto& [section, keys] : parsers) {
    ASSERT_TRUE(docs.count(section)) << "no section '## " << section << "'";
    for (const auto& key : keys) {
      EXPECT_TRUE(docs[section].count(key)) << section << ": `" << key << "` is not documented";
    }
    for (const auto& key : docs[section]) {
      EXPECT_TRUE(keys.count(key)) << section << ": `" << key << "` is documented, not accepted";
    }
  }
  for (const auto& [section, keys] : docs) {
    EXPECT_TRUE(parsers.count(section))
        << "URI keys under '## " << section << "' belong to no parser";
  }
}

}  // namespace
}  // namespace scales
