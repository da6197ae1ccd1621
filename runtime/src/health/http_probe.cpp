// SPDX-License-Identifier: Apache-2.0
// The HTTP probe: GET options.http_path, healthy on a 2xx status.
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "probes.h"

namespace scales::health::probes {
namespace asio = boost::asio;
namespace http_ = boost::beast::http;

asio::awaitable<std::string> http(discovery::Endpoint endpoint, HealthCheckOptions options) {
  try {
    // Named, not braced in the call: g++ 12 miscompiles an initializer list in a co_await.
    std::vector<std::string> alpn{"http/1.1"};
    auto socket = co_await open(endpoint, options, std::move(alpn));
    http_::request<http_::empty_body> request(http_::verb::get, options.http_path, 11);
    request.set(http_::field::host, endpoint.address());
    request.set(http_::field::user_agent, "scales-health");
    request.set(http_::field::connection, "close");
    co_await http_::async_write(socket, request, asio::use_awaitable);
    boost::beast::flat_buffer buffer;
    http_::response_parser<http_::string_body> parser;
    parser.body_limit(64 * 1024);  // a health page, not a download
    co_await http_::async_read_header(socket, buffer, parser, asio::use_awaitable);
    auto status = parser.get().result_int();
    if (status < 200 || status > 299) {
      co_return "GET " + options.http_path + " answered " + std::to_string(status);
    }
  } catch (const boost::system::system_error& e) {
    co_return "GET " + options.http_path + " failed: " + e.code().message();
  } catch (const std::exception& e) {  // the TLS handshake's, which says what failed
    co_return "GET " + options.http_path + " failed: " + e.what();
  }
  co_return "";
}

}  // namespace scales::health::probes
