// SPDX-License-Identifier: Apache-2.0
// Reads `thrift --gen json` output into the IDL model. Errors name the JSON path and the
// construct, so an unsupported IDL feature is reported by name.
#pragma once

#include <filesystem>
#include <string>

#include "model.h"

namespace scales::gen::idl {

// Reads `<dir>/<root>.json` and, recursively, the JSON of every program it includes.
Model readModel(const std::filesystem::path& json_dir, const std::string& root);

}  // namespace scales::gen::idl
