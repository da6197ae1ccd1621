// SPDX-License-Identifier: Apache-2.0
// A recursive-descent reader of XML 1.0's well-formedness rules (the document, element, attribute,
// reference, comment, CDATA and processing-instruction productions), strict where a renderer
// would give up or guess: it exists to catch a chart that is not XML before a browser does.
#include "sim/tests/xml_check.h"

#include <cstdint>
#include <utility>

namespace scales::sim::testing {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool isNameStart(char c) {
  auto u = static_cast<unsigned char>(c);
  // Non-ASCII bytes: XML allows most letters beyond ASCII; the UTF-8 check covers their form.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || u >= 0x80;
}

bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// XML 1.0's Char production.
bool allowedCodePoint(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

std::string utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view document) : d_(document) {}

  XmlElement document() {
    checkUtf8();
    if (starts("\xEF\xBB\xBF")) pos_ += 3;
    if (starts("<?xml") && pos_ + 5 < d_.size() && isSpace(d_[pos_ + 5])) declaration();
    misc();
    if (starts("<!DOCTYPE")) fail("a DOCTYPE (not expected in an SVG chart)");
    if (!starts("<")) fail("expected the root element");
    XmlElement root = element();
    misc();
    if (pos_ != d_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < d_.size(); ++i) {
      if (d_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw XmlError("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                   what);
  }

  bool eof() const { return pos_ >= d_.size(); }
  bool starts(std::string_view s) const { return d_.substr(pos_, s.size()) == s; }

  void expect(char c) {
    if (eof() || d_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  bool skipSpace() {
    size_t from = pos_;
    while (!eof() && isSpace(d_[pos_])) ++pos_;
    return pos_ != from;
  }

  // Every byte sequence is well-formed UTF-8 (the declared encoding) and every character allowed.
  void checkUtf8() {
    for (pos_ = 0; pos_ < d_.size();) {
      auto b = static_cast<unsigned char>(d_[pos_]);
      size_t len = b < 0x80           ? 1
                   : (b >> 5) == 0x6  ? 2
                   : (b >> 4) == 0xE  ? 3
                   : (b >> 3) == 0x1E ? 4
                                      : 0;
      if (len == 0 || pos_ + len > d_.size()) fail("invalid UTF-8");
      uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
      for (size_t i = 1; i < len; ++i) {
        auto c = static_cast<unsigned char>(d_[pos_ + i]);
        if ((c >> 6) != 0x2) fail("invalid UTF-8");
        cp = (cp << 6) | (c & 0x3F);
      }
      static constexpr uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kLeast[len]) fail("overlong UTF-8");
      if (!allowedCodePoint(cp)) fail("a character XML does not allow");
      pos_ += len;
    }
    pos_ = 0;
  }

  std::string name() {
    size_t from = pos_;
    if (eof() || !isNameStart(d_[pos_])) fail("expected a name");
    while (!eof() && isNameChar(d_[pos_])) ++pos_;
    return std::string(d_.substr(from, pos_ - from));
  }

  // At '&': one of the five predefined entities or a character reference, resolved.
  std::string reference() {
    size_t end = d_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) {
      fail("'&' that starts no reference (write &amp;)");
    }
    std::string_view ref = d_.substr(pos_ + 1, end - pos_ - 1);
    std::string out;
    if (ref == "amp") {
      out = "&";
    } else if (ref == "lt") {
      out = "<";
    } else if (ref == "gt") {
      out = ">";
    } else if (ref == "quot") {
      out = "\"";
    } else if (ref == "apos") {
      out = "'";
    } else if (ref.size() > 1 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) fail("empty character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        int v = (c >= '0' && c <= '9')          ? c - '0'
                : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                : -1;
        if (v < 0) fail("bad character reference '&" + std::string(ref) + ";'");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) fail("character reference beyond Unicode");
      }
      if (!allowedCodePoint(cp)) fail("character reference to a character XML does not allow");
      out = utf8(cp);
    } else {
      fail("unknown entity '&" + std::string(ref) + ";'");
    }
    pos_ = end + 1;
    return out;
  }

  // name="value" or name='value'.
  std::pair<std::string, std::string> attribute() {
    std::string key = name();
    skipSpace();
    expect('=');
    skipSpace();
    if (eof() || (d_[pos_] != '"' && d_[pos_] != '\'')) fail("expected a quoted value");
    const char quote = d_[pos_++];
    std::string value;
    while (true) {
      if (eof()) fail("unterminated attribute value");
      char c = d_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c == '<') fail("'<' in an attribute value");
      if (c == '&') {
        value += reference();
      } else {
        value += c;
        ++pos_;
      }
    }
    return {key, value};
  }

  void declaration() {
    pos_ += 5;
    bool first = true;
    while (true) {
      bool space = skipSpace();
      if (starts("?>")) {
        pos_ += 2;
        break;
      }
      if (!space) fail("expected whitespace in the XML declaration");
      auto [key, value] = attribute();
      if (first && key != "version") fail("the XML declaration starts with its version");
      if (key != "version" && key != "encoding" && key != "standalone") {
        fail("unknown '" + key + "' in the XML declaration");
      }
      if (key == "version" && value.rfind("1.", 0) != 0) fail("XML version " + value);
      first = false;
    }
    if (first) fail("the XML declaration has no version");
  }

  void comment() {
    pos_ += 4;
    size_t end = d_.find("--", pos_);
    if (end == std::string_view::npos) fail("unterminated comment");
    if (d_.substr(end, 3) != "-->") {
      pos_ = end;
      fail("'--' inside a comment");
    }
    pos_ = end + 3;
  }

  void instruction() {
    pos_ += 2;
    std::string target = name();
    if (target.size() == 3 && (target[0] | 0x20) == 'x' && (target[1] | 0x20) == 'm' &&
        (target[2] | 0x20) == 'l') {
      fail("an XML declaration after the start of the document");
    }
    size_t end = d_.find("?>", pos_);
    if (end == std::string_view::npos) fail("unterminated processing instruction");
    pos_ = end + 2;
  }

  // Whitespace, comments and processing instructions (around the root element).
  void misc() {
    while (true) {
      skipSpace();
      if (starts("<!--")) {
        comment();
      } else if (starts("<?")) {
        instruction();
      } else {
        return;
      }
    }
  }

  XmlElement element() {
    expect('<');
    XmlElement e;
    e.name = name();
    while (true) {
      bool space = skipSpace();
      if (starts("/>")) {
        pos_ += 2;
        return e;
      }
      if (starts(">")) {
        ++pos_;
        break;
      }
      if (eof()) fail("unterminated tag '<" + e.name + "'");
      if (!space) fail("expected whitespace before an attribute");
      size_t at = pos_;
      auto [key, value] = attribute();
      if (!e.attributes.emplace(key, value).second) {
        pos_ = at;
        fail("attribute '" + key + "' repeated");
      }
    }
    while (true) {
      if (eof()) fail("'<" + e.name + ">' is not closed");
      if (starts("</")) {
        pos_ += 2;
        size_t at = pos_;
        std::string closing = name();
        if (closing != e.name) {
          pos_ = at;
          fail("'</" + closing + ">' closes '<" + e.name + ">'");
        }
        skipSpace();
        expect('>');
        return e;
      }
      if (starts("<!--")) {
        comment();
      } else if (starts("<![CDATA[")) {
        pos_ += 9;
        size_t end = d_.find("]]>", pos_);
        if (end == std::string_view::npos) fail("unterminated CDATA section");
        e.text += d_.substr(pos_, end - pos_);
        pos_ = end + 3;
      } else if (starts("<?")) {
        instruction();
      } else if (starts("<!")) {
        fail("a markup declaration inside an element");
      } else if (starts("<")) {
        e.children.push_back(element());
      } else if (d_[pos_] == '&') {
        e.text += reference();
      } else {
        if (starts("]]>")) fail("']]>' in character data");
        e.text += d_[pos_++];
      }
    }
  }

  std::string_view d_;
  size_t pos_ = 0;
};

void collect(const XmlElement& e, std::string_view name, std::vector<const XmlElement*>& out) {
  if (e.name == name) out.push_back(&e);
  for (const auto& child : e.children) collect(child, name, out);
}

}  // namespace

XmlElement parseXml(std::string_view document) { return Parser(document).document(); }

std::vector<const XmlElement*> findAll(const XmlElement& root, std::string_view name) {
  std::vector<const XmlElement*> out;
  collect(root, name, out);
  return out;
}

}  // namespace scales::sim::testing
