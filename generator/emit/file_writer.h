// SPDX-License-Identifier: Apache-2.0
// Writes generated files: only when the bytes change (so builds do not recompile needlessly), and
// through a rename, so that parallel generator runs never leave a half-written file.
#pragma once

#include <filesystem>
#include <string>

namespace scales::gen::emit {

// Throws std::runtime_error naming the path on failure. Returns true if the file changed.
bool writeIfChanged(const std::filesystem::path& path, const std::string& content);

}  // namespace scales::gen::emit
