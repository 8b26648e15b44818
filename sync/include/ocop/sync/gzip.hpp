// gzip (RFC 1952) for request and response bodies, via zlib.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ocop::sync {

std::string gzip_compress(std::string_view data, int level = 6);

// Throws Error(http.bad_encoding) on corrupt input and Error(http.body_too_large) when the
// output would exceed `max_output` bytes, so a small hostile body cannot inflate without bound.
// `on_grow`, if given, is told the bytes the output holds allocated each time that grows (the
// server charges them to its request-memory budget; what it throws stops the inflation).
std::string gzip_decompress(std::string_view data, size_t max_output,
                            const std::function<void(size_t)>& on_grow = {});

}  // namespace ocop::sync
