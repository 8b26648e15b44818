#include "ocop/core/local_replica.hpp"

#include <algorithm>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/core/text.hpp"
#include "ocop/core/tuning.hpp"

namespace ocop {

namespace {

// Text is stored in NFC so that the same words typed through different input methods are the
// same bytes (equal, found by filters, merged as one value). Invalid UTF-8 is left for
// validate_value to refuse with the field's name.
void normalise_text(const CollectionDef* coll, const std::string& name, Value& v) {
    if (!coll || !v.is_string()) return;
    const FieldDef* f = coll->field(name);
    if (!f || f->type != FieldType::text) return;
    const auto& s = v.get_ref<const std::string&>();
    if (is_valid_utf8(s) && !text::is_nfc(s)) v = text::to_nfc(s);
}

}  // namespace

void LocalTransaction::put(std::string collection, std::string id, const FieldValues& fields) {
    Edit& e = edits_[{std::move(collection), std::move(id)}];
    for (const auto& [name, value] : fields) e.fields[name] = value;
}

void LocalTransaction::remove(std::string collection, std::string id) {
    Edit& e = edits_[{std::move(collection), std::move(id)}];
    e.remove = true;
}

void LocalTransaction::restore(std::string collection, std::string id) {
    Edit& e = edits_[{std::move(collection), std::move(id)}];
    e.restore = true;
}

LocalReplica::LocalReplica(Store& store, const Schema& schema, PhysicalClock physical,
                           const std::string& new_replica_id,
                           std::vector<const ChangesetRule*> rules, bool keep_outbox)
    : store_(store),
      schema_(schema),
      rules_(std::move(rules)),
      keep_outbox_(keep_outbox),
      clock_(std::move(physical), tuning::max_clock_ahead_ms,
             Hlc::unpack(stored_u64(store.meta(meta_key::hlc_last), meta_key::hlc_last))) {
    if (auto stored = store.meta(meta_key::replica_id)) {
        id_ = *stored;
    } else {
        id_ = new_replica_id;
        store.write([&](StoreTxn& t) { t.set_meta(meta_key::replica_id, id_); });
    }
}

std::string LocalReplica::new_record_id() {
    const std::lock_guard lock(ids_mutex_);
    return ids_.next(clock_.physical_ms());
}

Changeset LocalReplica::commit(const LocalTransaction& txn) {
    Changeset cs;
    store_.write([&](StoreTxn& t) { cs = commit_in(t, txn); });
    return cs;
}

Changeset LocalReplica::commit_in(StoreTxn& t, const LocalTransaction& as_given) {
    LocalTransaction txn = as_given;
    for (auto& [key, edit] : txn.edits_)
        for (auto& [name, value] : edit.fields)
            normalise_text(schema_.collection(key.first), name, value);
    if (txn.empty())
        throw Error(ErrorKind::invalid_input, errc::changeset_empty,
                    "the transaction has no edits");
    // Validate every value before touching the store, so that a bad form fails as a whole.
    for (const auto& [key, edit] : txn.edits_) {
        const CollectionDef& coll = schema_.require_collection(key.first);
        if (!is_uuid(key.second))
            throw Error(ErrorKind::invalid_input, errc::record_bad_id,
                        "record id '" + key.second + "' is not a lowercase UUID");
        for (const auto& [name, value] : edit.fields) schema_.validate_value(coll, name, value);
    }

    Changeset cs;
    cs.replica = id_;
    cs.seq = stored_u64(t.meta(meta_key::changeset_seq), meta_key::changeset_seq) + 1;
    cs.schema_version = schema_.version();
    Hlc newest_base;
    for (const auto& [key, edit] : txn.edits_) {
        const auto& [collection, id] = key;
        const CollectionDef& coll = schema_.require_collection(collection);
        auto current = t.read(collection, id);
        if (current && current->deleted() && !edit.restore)
            throw Error(ErrorKind::conflict, errc::record_deleted,
                        collection + "/" + id + " has been deleted");
        FieldValues fields = edit.fields;
        if (edit.restore && !edit.remove) {
            if (!current || !current->deleted())
                throw Error(ErrorKind::not_found, errc::record_not_found,
                            collection + "/" + id + " is not a deleted record");
            fields[std::string(deleted_field)] = false;
        }
        if (edit.remove) {
            if (!current)
                throw Error(ErrorKind::not_found, errc::record_not_found,
                            collection + "/" + id + " does not exist");
            fields[std::string(deleted_field)] = true;
        }
        // The record as it will be after this transaction must satisfy the schema.
        FieldValues after = current ? current->values() : FieldValues{};
        for (const auto& [name, value] : fields) after[name] = value;
        schema_.validate_record(coll, after);

        RecordChange rc{collection, id, {}};
        for (const auto& [name, value] : fields) {
            std::optional<Stamp> base;
            if (current) {
                if (const auto it = current->fields.find(name); it != current->fields.end()) {
                    base = it->second.stamp;
                    newest_base = std::max(newest_base, base->hlc);
                }
            }
            rc.fields.push_back(FieldChange{name, value, std::move(base)});
        }
        cs.records.push_back(std::move(rc));
    }
    // An edit must outrank what it overwrites, even when this device's clock lags the one that
    // stamped the value it saw: otherwise the officer's correction would lose to the value it
    // corrects, on every replica, with no conflict to show for it.
    clock_.advance_past(newest_base);
    cs.hlc = clock_.now();
    for (const ChangesetRule* rule : rules_) rule->check(t, cs);
    apply_changeset(t, cs);
    if (keep_outbox_) t.outbox_put(cs);
    t.set_meta(meta_key::changeset_seq, std::to_string(cs.seq));
    t.set_meta(meta_key::hlc_last, std::to_string(cs.hlc.packed()));
    return cs;
}

}  // namespace ocop
