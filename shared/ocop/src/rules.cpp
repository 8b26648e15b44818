#include "ocop/domain/rules.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>

#include "ocop/core/error.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/domain/certification.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/record_after.hpp"
#include "ocop/domain/scoring.hpp"

namespace ocop::domain {

namespace {

std::string where(const RecordChange& rc, std::string_view field) {
    std::string out = rc.collection + "/" + rc.id;
    if (!field.empty()) out += "." + std::string(field);
    return out;
}

[[noreturn]] void refuse(ErrorKind kind, const char* code, const RecordChange& rc,
                         std::string_view field, const std::string& why, std::string_view rule) {
    throw Error(kind, code, where(rc, field) + ": " + why + " (rule: " + std::string(rule) + ")");
}

const Value* field_in(const RecordChange& rc, std::string_view field) {
    const Value* found = nullptr;
    for (const auto& f : rc.fields)
        if (f.field == field) found = &f.value;  // the last write of a field counts
    return found;
}

bool touches(const RecordChange& rc, std::initializer_list<std::string_view> fields) {
    for (const auto& f : rc.fields)
        if (std::find(fields.begin(), fields.end(), f.field) != fields.end()) return true;
    return false;
}

bool is_true(const Value& v) {
    return v.is_boolean() && v.get<bool>();
}

bool deletes(const RecordChange& rc) {
    const Value* d = field_in(rc, deleted_field);
    return d && is_true(*d);
}

// Whether writing `incoming` into `field` changes the stored value (the tombstone compares by
// truth, so writing false over nothing is not a change).
bool changes(const std::optional<Record>& stored, std::string_view field, const Value& incoming) {
    static const Value null_value;
    const Value& current = stored ? stored->get(field) : null_value;
    if (field == deleted_field) return is_true(current) != is_true(incoming);
    return current != incoming;
}

const Value& get(const FieldValues& rec, std::string_view field) {
    static const Value null_value;
    auto it = rec.find(field);
    return it == rec.end() ? null_value : it->second;
}

std::string text(const FieldValues& rec, std::string_view field) {
    const Value& v = get(rec, field);
    return v.is_string() ? v.get<std::string>() : std::string();
}

std::optional<Date> date(const FieldValues& rec, std::string_view field) {
    const Value& v = get(rec, field);
    return v.is_string() ? Date::try_parse(v.get<std::string>()) : std::nullopt;
}

std::string show(const Value& v) {
    return v.is_null() ? "nothing" : v.dump();
}

constexpr std::string_view kSignedRule = "a signed inspection is read-only";

}  // namespace

// --- SignedInspectionRule ----------------------------------------------------------------------

void SignedInspectionRule::check(StoreTxn& txn, const Changeset& cs) const {
    std::map<std::string, bool> signed_cache;
    auto is_signed = [&](const std::string& inspection_id) {
        auto it = signed_cache.find(inspection_id);
        if (it != signed_cache.end()) return it->second;
        const auto r = txn.read("inspection", inspection_id);
        const bool s = r && !r->deleted() && r->get("status") == Value("signed");
        signed_cache.emplace(inspection_id, s);
        return s;
    };

    for (const RecordChange& rc : cs.records) {
        if (rc.collection == "inspection") {
            if (!is_signed(rc.id)) continue;
            const auto stored = txn.read(rc.collection, rc.id);
            for (const auto& f : rc.fields) {
                if (!changes(stored, f.field, f.value)) continue;
                if (f.field == deleted_field)
                    refuse(ErrorKind::conflict, errc::inspection_signed_delete, rc, f.field,
                           "a signed inspection cannot be deleted", kSignedRule);
                if (f.field == "status")
                    refuse(ErrorKind::conflict, errc::inspection_unsign, rc, f.field,
                           "a signed inspection cannot go back to " + show(f.value) +
                               "; record an inspection_amendment instead",
                           kSignedRule);
                refuse(ErrorKind::conflict, errc::inspection_signed, rc, f.field,
                       "the inspection is signed; its fields cannot change (record an "
                       "inspection_amendment instead)",
                       kSignedRule);
            }
            continue;
        }
        const bool is_sample = rc.collection == "sample";
        if (!is_sample && rc.collection != "finding") continue;

        const auto stored = txn.read(rc.collection, rc.id);
        std::string signed_parent;
        if (stored) {
            const Value& p = stored->get("inspection");
            if (p.is_string() && is_signed(p.get<std::string>()))
                signed_parent = p.get<std::string>();
        }
        if (const Value* p = field_in(rc, "inspection");
            signed_parent.empty() && p && p->is_string() && is_signed(p->get<std::string>()))
            signed_parent = p->get<std::string>();
        if (signed_parent.empty()) continue;

        for (const auto& f : rc.fields) {
            if (!changes(stored, f.field, f.value)) continue;
            if (f.field == deleted_field)
                refuse(ErrorKind::conflict, errc::inspection_signed_delete, rc, f.field,
                       "inspection/" + signed_parent + " is signed; its " + rc.collection +
                           "s cannot be deleted",
                       kSignedRule);
            if (is_sample &&
                std::find(sample_lab_result_fields.begin(), sample_lab_result_fields.end(),
                          f.field) != sample_lab_result_fields.end())
                continue;
            refuse(ErrorKind::conflict, errc::inspection_signed, rc, f.field,
                   "inspection/" + signed_parent + " is signed; " +
                       (stored ? "its " + rc.collection + "s cannot change"
                               : "no " + rc.collection + " can be added to it") +
                       (is_sample ? " (only lab results: results, result_status, "
                                    "results_received_on)"
                                  : "") +
                       "; record an inspection_amendment instead",
                   kSignedRule);
        }
    }
}

// --- ProposalRule ------------------------------------------------------------------------------

void ProposalRule::check(StoreTxn& txn, const Changeset& cs) const {
    constexpr std::string_view rule = "a revocation proposal names a certificate and a ground";
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "proposal") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (is_true(get(after, deleted_field)) || text(after, "kind") != "revoke") continue;
        const Value& cert = get(after, "certificate");
        if (!cert.is_string() || cert.get<std::string>().empty())
            refuse(ErrorKind::invalid_input, errc::proposal_revoke_certificate, rc, "certificate",
                   "a proposal of kind 'revoke' must reference the certificate to revoke", rule);
        if (get(after, "revocation_ground").is_null())
            refuse(ErrorKind::invalid_input, errc::proposal_revoke_ground, rc, "revocation_ground",
                   "a proposal of kind 'revoke' must give the ground for revocation (Art. 8)",
                   rule);
        if (!stored || touches(rc, {"certificate", "kind"})) {
            const std::string cert_id = cert.get<std::string>();
            bool exists = false;
            for (const RecordChange& other : cs.records)
                if (other.collection == "certificate" && other.id == cert_id && !deletes(other))
                    exists = true;
            if (!exists) {
                const auto c = txn.read("certificate", cert_id);
                exists = c && !c->deleted();
            }
            if (!exists)
                refuse(ErrorKind::invalid_input, errc::proposal_certificate_unknown, rc,
                       "certificate", "certificate/" + cert_id + " does not exist", rule);
        }
    }
}

// --- CertificateRule ---------------------------------------------------------------------------

void CertificateRule::check(StoreTxn& txn, const Changeset& cs) const {
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "certificate") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (is_true(get(after, deleted_field))) continue;
        const bool fresh = !stored;

        const Value& stars_v = get(after, "stars");
        const bool stars_touched = fresh || touches(rc, {"stars"});
        if (stars_touched && (!stars_v.is_number_integer() || stars_v.get<int64_t>() < 3 ||
                              stars_v.get<int64_t>() > 5))
            refuse(ErrorKind::invalid_input, errc::certificate_stars, rc, "stars",
                   "a certificate is issued for 3 to 5 stars, not " + show(stars_v),
                   "certificates are for 3 to 5 stars");

        const bool dates_touched = fresh || touches(rc, {"issued_on", "expires_on", "rule_set"});
        const bool issuer_touched =
            fresh || touches(rc, {"stars", "issued_by", "issued_on", "rule_set"});
        if (!dates_touched && !issuer_touched) continue;

        const std::string rs_id = text(after, "rule_set");
        const RuleSet* rs = rule_sets_.find(rs_id);
        if (!rs)
            refuse(ErrorKind::invalid_input, errc::rule_set_unknown, rc, "rule_set",
                   "unknown rule set '" + rs_id + "'", "certificates name a known rule set");
        const auto issued = date(after, "issued_on");
        if (!issued) continue;  // the schema refuses a missing or malformed date

        if (dates_touched) {
            if (!rs->in_force_on(*issued))
                refuse(ErrorKind::invalid_input, errc::certificate_rule_set_date, rc, "issued_on",
                       issued->iso() + " is outside the period of rule set " + rs->id + " (" +
                           rs->effective_from.iso() + " to " +
                           (rs->lapses_on ? "before " + rs->lapses_on->iso() : "now") + ")",
                       "a certificate is issued under a rule set in force");
            const Date due = certificate_expiry(*rs, *issued);
            const auto expires = date(after, "expires_on");
            if (!expires || *expires != due)
                refuse(ErrorKind::invalid_input, errc::certificate_expiry, rc, "expires_on",
                       "must be " + due.iso() + " (issued " + issued->iso() + " + " +
                           std::to_string(rs->validity_months) + " months), not " +
                           show(get(after, "expires_on")),
                       "validity is " + std::to_string(rs->validity_months) + " months");
        }
        if (issuer_touched && stars_v.is_number_integer()) {
            const auto level = rs->certifier(static_cast<int>(stars_v.get<int64_t>()));
            const std::string by = text(after, "issued_by");
            if (level && by != to_string(*level))
                refuse(ErrorKind::invalid_input, errc::certificate_issuer, rc, "issued_by",
                       std::to_string(stars_v.get<int64_t>()) +
                           "-star certificates are issued by "
                           "the " +
                           std::string(to_string(*level)) + " under " + rs->id + ", not by '" + by +
                           "'",
                       "who certifies which stars");
        }
    }
}

// --- EvaluationRule ----------------------------------------------------------------------------

void EvaluationRule::check(StoreTxn& txn, const Changeset& cs) const {
    constexpr std::string_view rule = "stars follow the average score";
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "evaluation") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        if (stored && !touches(rc, {"stars", "average_score", "disqualified", "rule_set"}))
            continue;
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (is_true(get(after, deleted_field))) continue;

        const std::string rs_id = text(after, "rule_set");
        const RuleSet* rs = rule_sets_.find(rs_id);
        if (!rs)
            refuse(ErrorKind::invalid_input, errc::rule_set_unknown, rc, "rule_set",
                   "unknown rule set '" + rs_id + "'", "evaluations name a known rule set");
        const Value& avg_v = get(after, "average_score");
        std::optional<double> avg;
        if (avg_v.is_number()) {
            avg = avg_v.get<double>();
            if (!(*avg >= 0 && *avg <= rs->max_total))
                refuse(ErrorKind::invalid_input, errc::evaluation_score_range, rc, "average_score",
                       "average " + avg_v.dump() + " outside 0.." + std::to_string(rs->max_total),
                       rule);
        }
        const Value& stars_v = get(after, "stars");
        if (!stars_v.is_number_integer()) continue;
        const int64_t stars = stars_v.get<int64_t>();
        if (is_true(get(after, "disqualified"))) {
            if (stars != 0)
                refuse(ErrorKind::invalid_input, errc::evaluation_stars, rc, "stars",
                       "a disqualified dossier gets no stars, not " + std::to_string(stars), rule);
            continue;
        }
        if (stars < 1 || stars > 5)
            refuse(ErrorKind::invalid_input, errc::evaluation_stars, rc, "stars",
                   "stars must be 1 to 5, not " + std::to_string(stars), rule);
        if (avg) {
            const int band = band_stars(*rs, *avg);
            const int lowest = std::min(band, 2);
            if (stars > band || stars < lowest)
                refuse(ErrorKind::invalid_input, errc::evaluation_stars, rc, "stars",
                       std::to_string(stars) + " stars do not follow an average of " +
                           avg_v.dump() + " (band " + std::to_string(band) + " stars under " +
                           rs->id + "; star minimums can lower it to no less than " +
                           std::to_string(lowest) + ")",
                       rule);
        }
    }
}

// --- AdminUnitRule -----------------------------------------------------------------------------

void AdminUnitRule::check(StoreTxn& txn, const Changeset& cs) const {
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "admin_unit") continue;
        if (!touches(rc, {"valid_from", "valid_to", "successor"})) continue;
        const auto stored = txn.read(rc.collection, rc.id);
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (is_true(get(after, deleted_field))) continue;
        if (text(after, "successor") == rc.id)
            refuse(ErrorKind::invalid_input, errc::unit_successor_self, rc, "successor",
                   "a unit cannot be its own successor", "unit history");
        const auto from = date(after, "valid_from");
        const auto to = date(after, "valid_to");
        if (from && to && *to < *from)
            refuse(ErrorKind::invalid_input, errc::unit_dates, rc, "valid_to",
                   "ends on " + to->iso() + ", before it starts on " + from->iso(), "unit history");
    }
}

// --- DomainRules -------------------------------------------------------------------------------

DomainRules::DomainRules() : DomainRules(builtin_rule_sets()) {}

DomainRules::DomainRules(const RuleSetCatalog& rule_sets)
    : certificate_(rule_sets), evaluation_(rule_sets) {}

std::vector<const ChangesetRule*> DomainRules::list() const {
    return {&signed_inspection_, &proposal_, &certificate_, &evaluation_, &admin_unit_};
}

void DomainRules::check(StoreTxn& txn, const Changeset& cs) const {
    for (const ChangesetRule* r : list()) r->check(txn, cs);
}

}  // namespace ocop::domain
