// SPDX-License-Identifier: Apache-2.0
#include "scales/zipkin/exporters.h"

#include "scales/context/inherited.h"
#include "scales/core/errors.h"
#include "scales/http/client.h"

namespace scales::zipkin {

ZipkinExporter::ZipkinExporter(std::string_view url, Duration timeout) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    throw ConfigError("zipkin exporter URL must start with http://: '" + std::string(url) + "'");
  }
  auto rest = url.substr(kScheme.size());
  auto slash = rest.find('/');
  std::string authority(rest.substr(0, slash));
  path_ = slash == std::string_view::npos ? "/api/v2/spans" : std::string(rest.substr(slash));
  if (authority.empty() || authority.find(':') == std::string::npos) {
    throw ConfigError("zipkin exporter URL needs host:port: '" + std::string(url) + "'");
  }
  ClientConfig config;
  config.name = "zipkin-exporter";
  config.timeout = timeout;
  client_ = http::Client::make("tcp://" + authority, std::move(config));
}

ZipkinExporter::~ZipkinExporter() = default;

void ZipkinExporter::exportSpans(const std::vector<Span>& spans) {
  // The export's own call is decided unsampled, so exporting never makes spans of its own.
  Inherited untraced;
  untraced.trace = TraceContext::root();
  untraced.trace.setSampled(false);
  InheritedScope scope(std::move(untraced));
  auto response = client_->post(path_, toZipkinJson(spans), {{"Content-Type", "application/json"}});
  if (response.status < 200 || response.status > 299) {
    throw ProtocolError("zipkin collector answered " + std::to_string(response.status));
  }
}

JsonLinesExporter::JsonLinesExporter(const std::string& path)
    : path_(path), out_(path, std::ios::app) {
  if (!out_) throw ConfigError("cannot open span file '" + path + "'");
}

void JsonLinesExporter::exportSpans(const std::vector<Span>& spans) {
  buffer_.clear();
  for (const auto& span : spans) {
    appendZipkinJson(buffer_, span);
    buffer_ += '\n';
  }
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  out_.flush();
  if (!out_) throw std::runtime_error("writing span file '" + path_ + "' failed");
}

}  // namespace scales::zipkin
