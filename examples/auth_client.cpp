// SPDX-License-Identifier: Apache-2.0
// One user layer on two protocols: the auth filter of auth_filter.h on an ExampleService client
// (ThriftMux) and on an HTTP client.
//   auth_client THRIFT_URI HTTP_URI TOKEN
// e.g. auth_client tcp://127.0.0.1:9090 tcp://127.0.0.1:8080 s3cret
#include <iostream>

#include "ExampleService.scales.h"
#include "auth_filter.h"
#include "scales/http/client.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: auth_client THRIFT_URI HTTP_URI TOKEN\n";
    return 2;
  }
  std::string token = argv[3];
  scales::ClientConfig config;
  config.layers.insertBefore("retry", "auth", examples::authFilter([token] { return token; }));
  try {
    auto thrift = example::ExampleServiceClient::make(argv[1], config);
    example::Message message;
    message.text = "hello";
    std::cout << "thrift: " << thrift.passMessage(message).text << "\n";
    auto http = scales::http::Client::make(argv[2], config);
    std::cout << "http: " << http->get("/").status << "\n";
    std::cout << "layers:";
    for (const auto& layer : http->layers()) std::cout << " " << layer;
    std::cout << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
