// Unicode text as the system stores and searches it. Vietnamese arrives in two forms: composed
// (NFC, one code point per accented letter) and decomposed (NFD, as some input methods send it).
// Stored text is NFC so that equal words are equal bytes; search compares a folded form that
// ignores case and diacritics.
#pragma once

#include <string>
#include <string_view>

namespace ocop::text {

// The NFC form of `s`. Throws Error(value.bad_format) when `s` is not valid UTF-8.
std::string to_nfc(std::string_view s);

// True when `s` is valid UTF-8 already in NFC (so to_nfc would return it unchanged).
bool is_nfc(std::string_view s) noexcept;

// What search compares: case folded, diacritics removed (đ/Đ become d, which Unicode does not
// decompose), runs of whitespace collapsed to one space, no leading or trailing space.
// "Chợ  Long Xuyên" -> "cho long xuyen". Throws Error(value.bad_format) on invalid UTF-8.
std::string fold_for_search(std::string_view s);

}  // namespace ocop::text
