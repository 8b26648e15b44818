// What a record will hold once a change is applied, as the rules that judge a change see it.
#pragma once

#include <optional>

#include "ocop/core/changeset.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/store.hpp"

namespace ocop::domain {

// The record's values once `rc` (stamped `stamp`) is applied under the merge rule: a field value
// replaces the stored one only if its stamp is greater, so on the server an old write may lose.
FieldValues record_after(const std::optional<Record>& stored, const RecordChange& rc,
                         const Stamp& stamp);

}  // namespace ocop::domain
