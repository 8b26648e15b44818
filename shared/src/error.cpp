#include "ocop/core/error.hpp"

namespace ocop {

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::invalid_input:
            return "invalid_input";
        case ErrorKind::not_found:
            return "not_found";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::unauthorized:
            return "unauthorized";
        case ErrorKind::forbidden:
            return "forbidden";
        case ErrorKind::too_large:
            return "too_large";
        case ErrorKind::transient:
            return "transient";
        case ErrorKind::internal:
            return "internal";
    }
    return "internal";
}

}  // namespace ocop
