// SPDX-License-Identifier: Apache-2.0
// The gRPC C++ peers: a callback-API server, and an async unary client on one channel with a
// completion queue polled by one thread.
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <thread>

#include "echo.grpc.pb.h"
#include "measure.h"

namespace scales::bench {
namespace {

class EchoService final : public ::bench::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const ::bench::Payload* request,
                                 ::bench::Payload* reply) override {
    reply->set_data(request->data());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

struct Call {
  grpc::ClientContext context;
  ::bench::Payload reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<::bench::Payload>> reader;
  Clock::time_point start;
};

}  // namespace

int runGrpcServer() {
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  std::cout << "PORT " << port << std::endl;
  waitForStopAndReportCpu();
  server->Shutdown();
  return 0;
}

LoadResult runGrpcAsyncClient(const LoadSpec& spec, LatencyLog& log) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(spec.port),
                                     grpc::InsecureChannelCredentials());
  auto stub = ::bench::Echo::NewStub(channel);
  ::bench::Payload request;
  request.set_data(makePayload(spec.payload));
  grpc::CompletionQueue queue;
  auto issue = [&] {
    auto* call = new Call;
    call->start = Clock::now();
    call->reader = stub->PrepareAsyncEcho(&call->context, request, &queue);
    call->reader->StartCall();
    call->reader->Finish(&call->reply, &call->status, call);
  };
  {
    grpc::ClientContext warm;
    ::bench::Payload reply;
    stub->Echo(&warm, request, &reply);  // connected before the clock starts
  }
  Window window(spec);
  uint64_t measured = 0, all = 0, errors = 0;
  for (int i = 0; i < spec.concurrency; ++i) issue();
  int active = spec.concurrency;
  double cpu_start = -1, cpu_end = -1;
  void* tag = nullptr;
  bool ok = false;
  while (active > 0 && queue.Next(&tag, &ok)) {
    std::unique_ptr<Call> call(static_cast<Call*>(tag));
    auto now = Clock::now();
    if (cpu_start < 0 && now >= window.measureFrom()) cpu_start = processCpuMicros();
    ++all;
    if (!ok || !call->status.ok()) ++errors;
    if (window.measuring(now)) {
      ++measured;
      log.record(now - call->start);
    }
    if (window.issueAnother(now)) {
      issue();
    } else {
      if (cpu_end < 0) cpu_end = processCpuMicros();
      --active;
    }
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return {measured, all, errors, cpu_end - cpu_start, spec.seconds};
}

}  // namespace scales::bench
