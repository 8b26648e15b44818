#include "ocop/domain/permission_rule.hpp"

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"

namespace ocop::domain {

namespace {

std::set<std::string, std::less<>> units_of(const std::vector<Grant>& grants,
                                            std::string_view role = {}) {
    std::set<std::string, std::less<>> out;
    for (const auto& g : grants)
        if (role.empty() || g.role == role) out.insert(g.unit);
    return out;
}

const Value* written(const RecordChange& rc, std::string_view field) {
    for (const auto& f : rc.fields)
        if (f.field == field) return &f.value;
    return nullptr;
}

std::string text_of(const Value& v) {
    return v.is_string() ? v.get<std::string>() : std::string();
}

// What one record change asks for, judged against the stored record. A deleted record (a
// tombstone) keeps its unit, state and values: it is judged by them like a live one, so that no
// one takes over another unit's deleted record by writing to it.
struct Request {
    std::vector<Operation> operations;  // create/update/delete/undelete, then sign if it signs
    std::vector<std::string> fields;    // fields the create/update changes
    std::vector<std::string> units;     // units the change touches (stored and new)
    bool stored_unit = false;           // units.front() is the stored record's unit
    std::string state;
};

Request request_for(StoreTxn& txn, const CollectionPermissions& perms, const RecordChange& rc) {
    Request req;
    const std::optional<Record> stored = txn.read(rc.collection, rc.id);
    const bool tombstone = stored && stored->deleted();
    const Value* deleted = written(rc, deleted_field);
    const bool deleting = deleted && deleted->is_boolean() && deleted->get<bool>();
    const bool undeleting = tombstone && deleted && !deleting;

    if (!perms.state_field.empty()) {
        const Value* new_state = written(rc, perms.state_field);
        if (stored)
            req.state = text_of(stored->get(perms.state_field));
        else if (new_state)
            req.state = text_of(*new_state);
    }
    bool signs = false;
    for (const auto& f : rc.fields) {
        if (f.field == deleted_field) continue;
        if (stored && stored->get(f.field) == f.value) continue;  // not a change
        const bool sign_field = perms.sign_fields.count(f.field) && !f.value.is_null();
        const bool signs_state = !perms.signed_state.empty() && f.field == perms.state_field &&
                                 f.value == Value(perms.signed_state);
        if (sign_field || signs_state)
            signs = true;
        else
            req.fields.push_back(f.field);
    }
    // Signing is judged first, so that a forged signature is refused as what it is.
    if (signs && !deleting) req.operations.push_back(Operation::sign);
    if (deleting) {
        if (!tombstone) req.operations.push_back(Operation::remove);  // deleting twice: no change
    } else if (!stored) {
        req.operations.push_back(Operation::create);
    } else {
        if (undeleting) req.operations.push_back(Operation::undelete);
        if (!req.fields.empty()) req.operations.push_back(Operation::update);
    }
    // A record created and signed at once is judged, for its creation, as not yet in a state.
    if (!stored && signs) req.state.clear();

    if (perms.reference) {
        // A unit is judged by itself once it exists, by its parent while it is being created.
        const Value* parent = written(rc, "parent");
        if (stored)
            req.units.push_back(rc.id);
        else if (parent && parent->is_string())
            req.units.push_back(parent->get<std::string>());
        else
            req.units.push_back(rc.id);
        req.stored_unit = static_cast<bool>(stored);
    } else {
        if (stored) {
            const std::string old_unit = text_of(stored->get("unit"));
            if (!old_unit.empty()) {
                req.units.push_back(old_unit);
                req.stored_unit = true;
            }
        }
        if (const Value* unit = written(rc, "unit"); unit && !unit->is_null()) {
            const std::string new_unit = text_of(*unit);
            if (req.units.empty() || req.units.front() != new_unit) req.units.push_back(new_unit);
        }
    }
    return req;
}

// The unit a record will have once the changeset is applied, when the changeset writes it.
const Value* unit_written_in(const Changeset& cs, std::string_view collection,
                             std::string_view id) {
    for (const auto& rc : cs.records)
        if (rc.collection == collection && rc.id == id)
            if (const Value* unit = written(rc, "unit")) return unit;
    return nullptr;
}

[[noreturn]] void refuse(const char* code, const std::string& message) {
    throw Error(ErrorKind::forbidden, code, message);
}

// A unit as people name it: "Xã Tân Hòa (code 30316)". Units are reference data every device
// holds, so naming one tells the writer nothing it could not read; the id stays for support.
std::string unit_label(StoreTxn& txn, const std::string& unit_id) {
    const auto unit = txn.read("admin_unit", unit_id);
    if (!unit || !unit->get("name").is_string()) return "unit " + unit_id;
    std::string label = unit->get("name").get<std::string>();
    if (unit->get("code").is_string())
        label += " (code " + unit->get("code").get<std::string>() + ")";
    return label + ", unit " + unit_id;
}

}  // namespace

void PermissionChecker::check(StoreTxn& txn, const Changeset& cs,
                              const std::vector<Grant>& grants) const {
    const auto read_unit = [&txn](std::string_view id) { return txn.read("admin_unit", id); };
    std::map<std::string, UnitCoverage, std::less<>> by_role;
    for (const auto& g : grants)
        if (!by_role.count(g.role))
            by_role.emplace(g.role, UnitCoverage(units_of(grants, g.role), read_unit));
    UnitCoverage any_role(units_of(grants), read_unit);

    for (const auto& rc : cs.records) {
        const std::string what = rc.collection + " " + rc.id;
        const CollectionPermissions* perms = table_.collection(rc.collection);
        if (!perms)
            refuse(ocop::errc::perm_operation_denied,
                   what + ": " + rc.collection + " records are written by the server only");
        const Request req = request_for(txn, *perms, rc);
        // Even a write of what is already stored needs the unit: it would still restamp the
        // record's cells and send them to every device of the unit again. Of a record the
        // writer may not see, the refusal says nothing but that: not its unit, not whether it
        // exists or is deleted (a record with no unit at all gets the same answer).
        const std::string may_not_write = what + ": your account may not write this record";
        if (req.units.empty()) refuse(ocop::errc::perm_unit_not_covered, may_not_write);
        for (size_t i = 0; i < req.units.size(); ++i)
            if (!any_role.covers(req.units[i])) {
                if (i == 0 && req.stored_unit)
                    refuse(ocop::errc::perm_unit_not_covered, may_not_write);
                refuse(ocop::errc::perm_unit_not_covered, what + ": " +
                                                              unit_label(txn, req.units[i]) +
                                                              " is not one your account covers");
            }
        if (!req.operations.empty())
            check_operations(rc, req.operations, req.fields, req.state, req.units, by_role);
        check_references(txn, cs, rc, any_role);
    }
}

void PermissionChecker::check_references(StoreTxn& txn, const Changeset& cs, const RecordChange& rc,
                                         UnitCoverage& coverage) const {
    const CollectionDef* def = schema_.collection(rc.collection);
    if (!def) return;
    std::optional<std::optional<Record>> stored;  // read once, when a reference is not written
    for (const auto& field : def->fields) {
        if (field.type != FieldType::reference || table_.is_reference(field.ref_collection))
            continue;
        const Value* target = written(rc, field.name);
        const bool chosen = target != nullptr;  // the writer names the target
        if (!chosen) {
            if (!stored) stored = txn.read(rc.collection, rc.id);
            if (!*stored) continue;
            target = &(**stored).get(field.name);
        }
        if (!target->is_string() || target->get<std::string>().empty()) continue;
        const std::string& target_id = target->get<std::string>();
        // The target's unit once this changeset is applied: written in it, or stored.
        std::string unit;
        bool known = false;
        if (const Value* u = unit_written_in(cs, field.ref_collection, target_id)) {
            unit = text_of(*u);
            known = true;
        } else if (const auto r = txn.read(field.ref_collection, target_id)) {
            unit = text_of(r->get("unit"));
            known = true;
        }
        // A reference kept from before (not written now) to a record that is not there is left
        // alone; one the writer names must point at a record it covers. The refusal is the same
        // whether the target is missing, deleted, signed or another unit's.
        if (!known && !chosen) continue;
        if (known && !unit.empty() && coverage.covers(unit)) continue;
        refuse(ocop::errc::perm_reference_not_covered,
               rc.collection + " " + rc.id + "." + field.name + ": your account may not refer to " +
                   field.ref_collection + " " + target_id);
    }
}

void PermissionChecker::check_operations(
    const RecordChange& rc, const std::vector<Operation>& operations,
    const std::vector<std::string>& req_fields, const std::string& state,
    const std::vector<std::string>& units,
    std::map<std::string, UnitCoverage, std::less<>>& by_role) const {
    const std::string what = rc.collection + " " + rc.id;
    for (const Operation op : operations) {
        const std::vector<std::string> fields = op == Operation::create || op == Operation::update
                                                    ? req_fields
                                                    : std::vector<std::string>{};
        PermissionTable::Decision closest = PermissionTable::Decision::operation_denied;
        bool allowed = false;
        for (auto& [role, coverage] : by_role) {
            bool covers_all = true;
            for (const auto& unit : units) covers_all = covers_all && coverage.covers(unit);
            if (!covers_all) continue;
            const auto d = table_.decide(role, rc.collection, op, fields, state);
            if (d == PermissionTable::Decision::allowed) {
                allowed = true;
                break;
            }
            if (d != PermissionTable::Decision::operation_denied) closest = d;
        }
        if (allowed) continue;
        const std::string roles_text = [&] {
            std::string out;
            for (const auto& [role, coverage] : by_role) out += (out.empty() ? "" : ", ") + role;
            return out.empty() ? std::string("none") : out;
        }();
        if (op == Operation::sign)
            refuse(ocop::errc::perm_sign_denied, what + ": signing needs a role that signs " +
                                                     rc.collection +
                                                     " (your roles here: " + roles_text + ")");
        if (closest == PermissionTable::Decision::state_denied)
            refuse(ocop::errc::perm_state_denied, what + ": your roles may not " +
                                                      std::string(to_string(op)) +
                                                      " it in state '" + state + "'");
        if (closest == PermissionTable::Decision::field_denied) {
            std::string list;
            for (const auto& f : fields) list += (list.empty() ? "" : ", ") + f;
            refuse(ocop::errc::perm_field_denied, what + ": your roles may not write " + list);
        }
        refuse(ocop::errc::perm_operation_denied, what + ": your roles (" + roles_text +
                                                      ") may not " + std::string(to_string(op)) +
                                                      " " + rc.collection + " records");
    }
}

void DevicePermissionRule::set_grants(std::optional<std::vector<Grant>> grants) {
    std::lock_guard lock(mutex_);
    grants_ = std::move(grants);
}

std::optional<std::vector<Grant>> DevicePermissionRule::grants() const {
    std::lock_guard lock(mutex_);
    return grants_;
}

void DevicePermissionRule::check(StoreTxn& txn, const Changeset& cs) const {
    const auto known = grants();
    if (known) checker_.check(txn, cs, *known);
}

RecordVisibility::RecordVisibility(RecordReader read, const std::vector<Grant>& grants,
                                   const std::optional<std::vector<std::string>>& only_units,
                                   const PermissionTable& table)
    : read_(std::move(read)),
      table_(table),
      coverage_(units_of(grants), [this](std::string_view id) { return read_("admin_unit", id); }) {
    if (only_units)
        only_.emplace(std::set<std::string, std::less<>>(only_units->begin(), only_units->end()),
                      [this](std::string_view id) { return read_("admin_unit", id); });
}

RecordVisibility::RecordVisibility(Store& store, const std::vector<Grant>& grants,
                                   const std::optional<std::vector<std::string>>& only_units,
                                   const PermissionTable& table)
    : RecordVisibility([&store](std::string_view collection,
                                std::string_view id) { return store.read(collection, id); },
                       grants, only_units, table) {}

bool RecordVisibility::unit_visible(const std::string& unit) {
    return coverage_.covers(unit) && (!only_ || only_->covers(unit));
}

bool RecordVisibility::visible(std::string_view collection, std::string_view id,
                               const Value* known_unit) {
    if (table_.is_reference(collection)) return !only_;  // a backfill carries unit data only
    std::string key;
    key.reserve(collection.size() + id.size() + 1);
    key.append(collection).append("/").append(id);
    if (const auto it = by_record_.find(key); it != by_record_.end()) return it->second;
    bool ok = false;
    if (known_unit) {
        ok = unit_visible(text_of(*known_unit));
    } else if (const std::optional<Record> record = read_(collection, id)) {
        ok = unit_visible(text_of(record->get("unit")));
    }
    by_record_.emplace(std::move(key), ok);
    return ok;
}

std::vector<std::string> covered_units(Store& store, const std::vector<Grant>& grants) {
    const auto granted = units_of(grants);
    UnitCoverage coverage(granted,
                          [&store](std::string_view id) { return store.read("admin_unit", id); });
    std::vector<std::string> out(granted.begin(), granted.end());
    std::string after;
    constexpr size_t page = 500;
    for (;;) {
        const auto units = store.query("admin_unit", {}, page, after);
        for (const auto& u : units)
            if (!granted.count(u.id) && coverage.covers(u.id)) out.push_back(u.id);
        if (units.size() < page) break;
        after = units.back().id;
    }
    return out;
}

}  // namespace ocop::domain
