// The desk's HTML: escaping, the page frame (navigation, who is logged in, the logout form) and
// the pieces every list page shows. Pages are rendered on the server; the browser needs no
// script, and everything it loads comes from this server (no CDN).
#pragma once

#include <string>
#include <string_view>

#include "ocop/server/dashboard/desk_http.hpp"

namespace ocop::server::desk {

// Text safe inside HTML elements and double-quoted attributes.
std::string esc(std::string_view text);

// A whole page: `body` inside the frame. `viewer` null: the login page (no navigation).
std::string page(std::string_view title, const Viewer* viewer, std::string_view active,
                 const std::string& body);

// The hidden CSRF input every form carries.
std::string csrf_input(const Viewer& viewer);

// A notice above the content ("ok" or "error" look).
std::string notice(std::string_view text, bool error);

}  // namespace ocop::server::desk
