// SPDX-License-Identifier: Apache-2.0
// The admin page, HTML with its CSS and JavaScript inline (src/metrics/admin_page.html, compiled
// in by cmake/EmbedFile.cmake): served at /admin, it needs no file and no network.
#pragma once

#include <string_view>

namespace scales::metrics::detail {

std::string_view adminPageHtml();

}  // namespace scales::metrics::detail
