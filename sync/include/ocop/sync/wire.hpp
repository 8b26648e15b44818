// The sync protocol on the wire (JSON, gzip over HTTP). The single place where requests and
// responses become bytes and back; decoding refuses malformed input with sync.malformed.
#pragma once

#include <string>
#include <string_view>

#include "ocop/sync/protocol.hpp"

namespace ocop::sync::wire {

std::string encode(const SyncRequest& req);
SyncRequest decode_request(std::string_view json_text);

std::string encode(const SyncResponse& resp);
SyncResponse decode_response(std::string_view json_text);

// One changeset's outcome; the server also stores it as the receipt returned on a retry.
std::string encode(const ChangesetResult& result);
ChangesetResult decode_result(std::string_view json_text);

// Error bodies: {"error":{"code":"...","message":"..."}}.
std::string error_body(std::string_view code, std::string_view message);

}  // namespace ocop::sync::wire
