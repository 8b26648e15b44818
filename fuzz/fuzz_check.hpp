// What every fuzz target checks beyond "no crash": a broken invariant prints what broke and
// aborts, which libFuzzer reports as a crash with the input saved.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "ocop/core/error.hpp"

namespace ocop::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
    std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()),
                 what.data());
    std::abort();
}

inline void check(bool ok, std::string_view what) {
    if (!ok) fail(what);
}

// A decoder may refuse input only with one of the codes its contract names.
inline void check_code(const Error& e, std::initializer_list<std::string_view> allowed) {
    for (std::string_view code : allowed)
        if (e.code() == code) return;
    fail("unexpected error code " + e.code() + ": " + e.what());
}

}  // namespace ocop::fuzz
