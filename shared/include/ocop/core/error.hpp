// Errors that can reach a user: a stable code (listed in error_codes.hpp and docs/errors.md), a
// human message, and a kind that tells callers whether retrying can help.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ocop {

// What the caller can do about an error. The server maps kinds to HTTP statuses; the sync client
// retries only `transient` ones (the LiteCore idea of c4error_mayBeTransient).
enum class ErrorKind {
    invalid_input,  // the request or value is wrong; retrying the same thing fails again
    not_found,      // the thing named does not exist
    conflict,       // valid, but the current state forbids it (e.g. a gap in a sequence)
    unauthorized,   // no valid credentials
    forbidden,      // credentials valid, permission missing
    too_large,      // a size limit was exceeded
    transient,      // network or busy; retrying later may succeed
    internal,       // a bug or a broken store; retrying will not help
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string code, const std::string& message)
        : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& code() const noexcept { return code_; }
    bool may_be_transient() const noexcept { return kind_ == ErrorKind::transient; }

  private:
    ErrorKind kind_;
    std::string code_;
};

std::string_view to_string(ErrorKind kind) noexcept;

}  // namespace ocop
