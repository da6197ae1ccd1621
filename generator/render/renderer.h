// SPDX-License-Identifier: Apache-2.0
// Renders the embedded templates/ (see cmake/EmbedTemplates.cmake) with Kainjow Mustache.
// Partials are named after their path with '/' replaced by '_' ("service_h/client" ->
// "service_h_client"); output is not HTML-escaped.
#pragma once

#include <string>

#include "view/views.h"

namespace scales::gen::render {

// Renders templates/<name>.mustache; throws std::runtime_error on a template error.
std::string render(const std::string& name, const view::Data& data);

}  // namespace scales::gen::render
