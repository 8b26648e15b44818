// The OCOP schema compiled into every binary (from shared/schema/ocop.schema.json), so that a
// device and the server validate with the same definitions without shipping a file.
#pragma once

#include <string_view>

#include "ocop/core/schema.hpp"

namespace ocop {

std::string_view builtin_schema_json();
// Parsed on first use; immutable afterwards, so sharing it between threads is safe.
const Schema& builtin_schema();

}  // namespace ocop
