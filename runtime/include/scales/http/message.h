// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 requests and responses as the HTTP client's callers see them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scales::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  // Origin form ("/path?query"), resolved against whichever endpoint the call goes to; its Host
  // header is that endpoint unless `headers` names one.
  std::string target = "/";
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;   // as received (names in the server's case)
  std::string body;  // de-chunked

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace scales::http
