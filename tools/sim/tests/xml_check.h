// SPDX-License-Identifier: Apache-2.0
// A strict reader of XML 1.0 well-formedness, for tests of the SVG scales-sim writes: one root
// element, tags that nest and close by name, quoted attributes unique per element, only the five
// predefined entities and character references, no stray '<' or '&'. It is not a validating
// parser (no DTDs, namespaces are plain names); what it accepts, a browser renders.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scales::sim::testing {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;  // values with references resolved
  std::string text;                               // the character data directly inside
  std::vector<XmlElement> children;
};

class XmlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The document's root element; throws XmlError ("line 3, column 7: ...") when not well-formed.
XmlElement parseXml(std::string_view document);

// Every element named `name` at or below `root`, in document order.
std::vector<const XmlElement*> findAll(const XmlElement& root, std::string_view name);

}  // namespace scales::sim::testing
