// SPDX-License-Identifier: Apache-2.0
// An event loop with its own threads, for clients and servers that are not handed an executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

namespace scales {

class Runtime {
 public:
  explicit Runtime(int threads = 1);
  ~Runtime();  // stops the loop and joins its threads
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  boost::asio::io_context& context() { return io_; }
  bool runningInThisThread() const { return io_.get_executor().running_in_this_thread(); }
  void stop();

 private:
  void run();
  mutable boost::asio::io_context io_;  // get_executor() is non-const in Asio
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

}  // namespace scales
