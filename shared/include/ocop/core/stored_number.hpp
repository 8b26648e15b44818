// Numbers kept as text in a store's meta table, read back. A value that is not a whole number in
// range means the file was damaged or written by something else: that is `store.corrupt`, never a
// silently wrong zero or an exception type a caller does not expect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ocop {

// `text` absent: `fallback`. `what` names the value in the error message (e.g. the meta key).
uint64_t stored_u64(const std::optional<std::string>& text, std::string_view what,
                    uint64_t fallback = 0);
int64_t stored_i64(const std::optional<std::string>& text, std::string_view what,
                   int64_t fallback = 0);

}  // namespace ocop
