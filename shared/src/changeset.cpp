#include "ocop/core/changeset.hpp"

namespace ocop {

size_t Changeset::change_count() const noexcept {
    size_t n = 0;
    for (const auto& r : records) n += r.fields.size();
    return n;
}

}  // namespace ocop
