// THE merge rule. Every replica (device or server) decides every incoming field value with this
// function and nothing else, which is what makes the final state independent of delivery order
// and duplication: the stamp order is total, so each field converges to its greatest stamp.
#pragma once

#include <optional>

#include "ocop/core/hlc.hpp"

namespace ocop::merge {

// An incoming field value replaces the current one if and only if its stamp is greater.
// Equal stamps mean the same write delivered again: nothing changes.
inline bool incoming_wins(const Stamp& incoming, const std::optional<Stamp>& current) {
    return !current.has_value() || incoming > *current;
}

}  // namespace ocop::merge
