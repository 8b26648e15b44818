// Vietnamese messages for the stable error codes, kept in the core so every app (the SDK's JSON
// views, the C ABI, ocop-field, the server's console) shows an officer the same sentence for the
// same code. The English message stays beside it: it names the collection, field and rule, which
// a short sentence per code cannot.
#pragma once

#include <string>
#include <string_view>

namespace ocop {

// The Vietnamese sentence for `code`, or an empty view for a code the catalogue does not know
// (so a caller or a test can tell "no translation" from a translation). The view points at a
// NUL-terminated string literal, so `.data()` may be handed to C.
std::string_view message_vi(std::string_view code) noexcept;

// What to show: the sentence for `code`, or for an unknown code the generic
// "Đã xảy ra lỗi (mã <code>)." so the officer can still report the code.
std::string message_vi_or_generic(std::string_view code);

// The generic sentence without a code, for callers that cannot build a string (the C ABI).
inline constexpr const char* message_vi_generic = "Đã xảy ra lỗi không xác định.";

}  // namespace ocop
