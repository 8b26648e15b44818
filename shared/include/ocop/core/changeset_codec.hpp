// The changeset wire format, version 1 (documented in docs/changeset-format.md). Encoding groups
// a record's changes under one id and one base stamp, and names replicas through a per-changeset
// table, because on rural links bytes matter as much as speed.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ocop/core/changeset.hpp"

namespace ocop::codec {

inline constexpr int changeset_format_version = 1;

nlohmann::json to_json(const Changeset& cs);
std::string encode(const Changeset& cs);

// Throws Error with changeset.malformed / changeset.too_large / changeset.version_unsupported and
// a message that says where the input is wrong. Never crashes on any input.
Changeset from_json(const nlohmann::json& doc);
Changeset decode(std::string_view text);

// Parses JSON text with the core's size and depth limits; used for every JSON input.
nlohmann::json parse_limited(std::string_view text, size_t max_bytes, const char* error_code,
                             const char* too_large_code);

// A stamp on the wire: [wall_ms, logical, replica] (the replica as text or as an index into a
// table, see the format document).
nlohmann::json stamp_to_json(const Stamp& s);
Stamp stamp_from_json(const nlohmann::json& j);

}  // namespace ocop::codec
