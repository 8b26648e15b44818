// A changeset: the field changes of one local transaction ("save this inspection form"). It is
// the unit of upload, of atomic apply on the server, and of exactly-once bookkeeping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/hlc.hpp"
#include "ocop/core/schema.hpp"

namespace ocop {

struct FieldChange {
    std::string field;
    Value value;
    // The stamp of the value the writer saw before writing; empty when the field had no value.
    // The server uses it to tell a considered overwrite from a concurrent one.
    std::optional<Stamp> base;
};

struct RecordChange {
    std::string collection;
    std::string id;
    std::vector<FieldChange> fields;
};

struct Changeset {
    std::string replica;     // the writing replica (device or server)
    uint64_t seq = 0;        // that replica's changeset number: 1, 2, 3... without gaps
    int schema_version = 0;  // the schema the writer validated against
    Hlc hlc;                 // one timestamp for the whole transaction
    std::vector<RecordChange> records;

    // Every field change of this changeset carries this stamp.
    Stamp stamp() const { return Stamp{hlc, replica}; }
    size_t change_count() const noexcept;
};

}  // namespace ocop
