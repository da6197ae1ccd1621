// SPDX-License-Identifier: Apache-2.0
// A private temporary directory, removed however generation ends.
#pragma once

#include <filesystem>
#include <string>

namespace scales::gen::emit {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);  // throws std::runtime_error
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace scales::gen::emit
