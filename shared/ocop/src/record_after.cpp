#include "ocop/domain/record_after.hpp"

#include "ocop/core/merge.hpp"

namespace ocop::domain {

FieldValues record_after(const std::optional<Record>& stored, const RecordChange& rc,
                         const Stamp& stamp) {
    FieldValues out = stored ? stored->values() : FieldValues{};
    for (const auto& f : rc.fields) {
        std::optional<Stamp> current;
        if (stored)
            if (auto it = stored->fields.find(f.field); it != stored->fields.end())
                current = it->second.stamp;
        if (merge::incoming_wins(stamp, current)) out[f.field] = f.value;
    }
    return out;
}

}  // namespace ocop::domain
