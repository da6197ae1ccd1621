// SPDX-License-Identifier: Apache-2.0
// Zipkin v2 JSON (docs/tracing.md): the encoding, and the built-in span exporters that send it,
// over HTTP to a collector or as JSON lines to a file. Other exporters implement
// tracing::Exporter.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scales/tracing/tracer.h"

namespace scales::http {
class Client;
}

namespace scales::zipkin {

using tracing::Exporter;
using tracing::Span;

// Zipkin's v2 JSON for a batch of spans (a JSON array), and for one span (an object).
std::string toZipkinJson(const std::vector<Span>& spans);
std::string toZipkinJson(const Span& span);
// Appends one span's object to `out` (a batch written into one reused buffer).
void appendZipkinJson(std::string& out, const Span& span);

// POSTs each batch to a Zipkin collector (e.g. "http://127.0.0.1:9411/api/v2/spans") with the
// project's own HTTP client: its own calls are never traced. A status other than 2xx throws
// (a failed export). Only http:// URLs; the host may be a name or an address.
class ZipkinExporter final : public Exporter {
 public:
  explicit ZipkinExporter(std::string_view url, Duration timeout = std::chrono::seconds(5));
  ~ZipkinExporter() override;
  void exportSpans(const std::vector<Span>& spans) override;

 private:
  std::shared_ptr<http::Client> client_;
  std::string path_;
};

// Appends each span as one line of Zipkin v2 JSON to a file (created if missing).
class JsonLinesExporter final : public Exporter {
 public:
  explicit JsonLinesExporter(const std::string& path);
  void exportSpans(const std::vector<Span>& spans) override;

 private:
  std::string path_;
  std::ofstream out_;
  std::string buffer_;  // a batch's lines, written at once; reused
};

}  // namespace scales::zipkin
