// SPDX-License-Identifier: Apache-2.0
// scales-call: call one method of a running Thrift service by hand, or load-test it, from an IDL
// read at run time (what grpcurl and ghz are to gRPC).
//   scales-call [options] URI IDL Service.method ['JSON' | - | @file]
//   scales-call --load [-c N] [-d 10s] [--rate N] [-n N] [--json] URI IDL Service.method JSON
//   scales-call --list IDL
//   scales-call --describe IDL (Type | Service.method)
// Exit status: 0 the call returned, 2 it threw a declared exception, 3 it failed (transport,
// timeout, TApplicationException), 1 bad input (arguments, JSON, IDL).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "codec/json_values.h"
#include "invoke/dynamic_call.h"
#include "load/load_run.h"
#include "load/report.h"
#include "scales/core/errors.h"
#include "schema/describe.h"
#include "schema/idl_reader.h"

namespace {
using namespace scales::call;
using json = Json;

constexpr int kReturned = 0, kBadInput = 1, kDeclaredException = 2, kFailed = 3;

// "10s", "500ms", "2m", "1.5s"; a bare number is seconds.
std::chrono::nanoseconds parseDuration(const std::string& text) {
  size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw CLI::ValidationError("--duration", "'" + text + "' is not a duration (10s, 500ms, 2m)");
  }
  std::string unit = text.substr(used);
  double seconds = unit == "ms" ? number / 1e3 : unit == "m" ? number * 60 : number;
  if ((unit != "" && unit != "s" && unit != "ms" && unit != "m") || !(seconds > 0)) {
    throw CLI::ValidationError("--duration", "'" + text + "' is not a duration (10s, 500ms, 2m)");
  }
  if (!(seconds <= std::chrono::duration<double>(kMaxDuration).count())) {
    throw CLI::ValidationError("--duration", "'" + text + "' is longer than a week");
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(seconds));
}

// The arguments: literal JSON, `-` (standard input) or `@file`.
json readArguments(const std::string& given) {
  std::string text = given;
  if (given == "-" || (!given.empty() && given[0] == '@')) {
    std::ostringstream buffer;
    if (given == "-") {
      buffer << std::cin.rdbuf();
    } else {
      std::ifstream in(given.substr(1));
      if (!in) throw JsonInputError("", "cannot read arguments file " + given.substr(1));
      buffer << in.rdbuf();
    }
    text = buffer.str();
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw JsonInputError("", std::string("the arguments are not JSON: ") + e.what());
  }
}

// Ctrl-C in load mode ends the run early, with its report.
LoadProgress* interruptible = nullptr;
extern "C" void interrupt(int) {
  if (interruptible != nullptr) interruptible->stop.store(true, std::memory_order_relaxed);
}

// The progress line on a terminal, once a second, until stopped.
class ProgressLine {
 public:
  ProgressLine(const LoadProgress& progress, bool enabled) : progress_(progress) {
    if (!enabled) return;
    thread_ = std::thread([this] {
      auto started = std::chrono::steady_clock::now();
      std::unique_lock lock(mutex_);
      while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        uint64_t done = progress_.done.load(std::memory_order_relaxed);
        std::fprintf(stderr, "\r%6.1fs  %10llu calls  %9.0f/s  %llu errors   ", seconds,
                     static_cast<unsigned long long>(done), done / seconds,
                     static_cast<unsigned long long>(progress_.failed.load()));
        std::fflush(stderr);
      }
      std::fprintf(stderr, "\r%70s\r", "");
    });
  }
  ~ProgressLine() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  const LoadProgress& progress_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int printOutcome(const CallOutcome& outcome, bool verbose) {
  if (verbose && outcome.trace) std::cerr << "attempts: " << outcome.trace->render() << "\n";
  switch (outcome.kind) {
    case CallOutcome::Kind::kReturned:
      std::cout << toText(outcome.value) << "\n";
      return kReturned;
    case CallOutcome::Kind::kDeclaredException:
      std::cout << toText(json{{outcome.exception_type, outcome.value}}) << "\n";
      return kDeclaredException;
    case CallOutcome::Kind::kFailed:
      break;
  }
  std::cerr << "scales-call: " << scales::describeError(outcome.error) << "\n";
  return kFailed;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Calls one method of a Thrift service from an IDL read at run time, or load-tests it"};
  app.footer(
      "Forms:\n"
      "  scales-call [OPTIONS] URI IDL Service.method [JSON|-|@file]\n"
      "  scales-call --load [-c N] [-d 10s] [--rate N] URI IDL Service.method JSON\n"
      "  scales-call --list IDL\n"
      "  scales-call --describe IDL (Type|Service.method)\n"
      "Exit status: 0 returned, 2 a declared exception, 3 the call failed, 1 bad input.");
  std::vector<std::string> positional;
  IdlSource idl;
  bool list = false, describe_it = false, verbose = false, load = false, as_json = false,
       no_progress = false;
  size_t concurrency = 0;
  std::string duration = "10s";
  double rate = 0;
  uint64_t calls = 0;
  app.add_option("args", positional, "URI IDL Service.method [JSON], or IDL [NAME]")->required();
  app.add_option("-I,--include", idl.include_dirs, "Where the IDL's includes are looked for");
  app.add_option("--thrift", idl.compiler, "The thrift-scales compiler that reads the IDL");
  app.add_flag("--list", list, "List the IDL's services and their functions");
  app.add_flag("--describe", describe_it, "Describe a type or a function, with a JSON skeleton");
  app.add_flag("-v,--verbose", verbose, "Print the function called and every attempt");
  app.add_flag("--load", load, "Load mode: call again and again, then report");
  app.add_option("-c,--concurrency", concurrency,
                 "Load: calls in flight (closed loop, default 16), or at most in flight (with "
                 "--rate, default 1000)")
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--duration", duration, "Load: how long (10s, 500ms, 2m)");
  app.add_option("--rate", rate, "Load: calls per second (open loop); none: closed loop")
      ->check(CLI::Range(kMinRate, kMaxRate));
  app.add_option("-n,--calls", calls, "Load: stop after this many calls")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", as_json, "Load: print the report as JSON");
  app.add_flag("--no-progress", no_progress, "Load: no progress line, even on a terminal");
  CLI11_PARSE(app, argc, argv);

  try {
    if (list || describe_it) {
      if (positional.size() != (list ? 1u : 2u)) {
        std::cerr << "scales-call: " << (list ? "--list IDL" : "--describe IDL NAME") << "\n";
        return kBadInput;
      }
      idl.idl = positional[0];
      Schema schema = readIdl(idl);
      if (list) {
        listServices(schema, std::cout);
      } else {
        describe(schema, positional[1], std::cout);
      }
      return kReturned;
    }
    if (positional.size() < 3 || positional.size() > 4) {
      std::cerr << "scales-call: expected URI IDL Service.method [JSON]\n" << app.help();
      return kBadInput;
    }
    idl.idl = positional[1];
    Schema schema = readIdl(idl);
    const FunctionDef& function = schema.function(positional[2]);
    json args = readArguments(positional.size() == 4 ? positional[3] : "{}");

    scales::ClientConfig config;
    config.name = "scales-call";
    config.timeout = std::chrono::seconds(10);  // the URI's timeout_ms overrides it
    auto client = scales::thrift::ThriftClient::make(positional[0], config);
    DynamicCall call(client, schema, function, args);
    if (verbose) {
      std::cerr << "calling " << function.service << "." << function.name << " on " << positional[0]
                << ": " << function.signature() << "\n";
    }
    if (!load) return printOutcome(call.call(verbose), verbose);

    LoadOptions options;
    options.rate = rate;
    options.concurrency = concurrency != 0 ? concurrency : rate > 0 ? 1000 : 16;
    options.duration = parseDuration(duration);
    if (calls > 0) options.calls = calls;
    LoadProgress progress;
    static_assert(std::atomic<bool>::is_always_lock_free);
    interruptible = &progress;
    struct sigaction on_interrupt = {};
    on_interrupt.sa_handler = interrupt;
    sigaction(SIGINT, &on_interrupt, nullptr);
    sigaction(SIGTERM, &on_interrupt, nullptr);
    LoadResult result;
    {
      ProgressLine line(progress, !no_progress && !as_json && isatty(STDERR_FILENO));
      result = runLoad(call, options, &progress);
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    interruptible = nullptr;
    if (as_json) {
      std::cout << toText(reportJson(result)) << "\n";
    } else {
      printReport(result, std::cout);
    }
    return result.succeeded > 0 ? kReturned : kFailed;
  } catch (const JsonInputError& e) {
    std::cerr << "scales-call: " << e.what() << "\n";
  } catch (const SchemaError& e) {
    std::cerr << "scales-call: " << e.what() << "\n";
  } catch (const CLI::ValidationError& e) {
    std::cerr << "scales-call: " << e.what() << "\n";
  } catch (const scales::ConfigError& e) {
    std::cerr << "scales-call: " << e.what() << "\n";
  } catch (const std::invalid_argument& e) {
    std::cerr << "scales-call: expected " << e.what() << "\n";
  } catch (const std::exception& e) {
    // Anything else (a temporary directory that cannot be made, an exhausted machine): said, not
    // an abort.
    std::cerr << "scales-call: " << e.what() << "\n";
    return kFailed;
  }
  return kBadInput;
}
