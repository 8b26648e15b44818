#include "ocop/domain/rules.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>

#include "ocop/core/error.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/domain/certification.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/record_after.hpp"
#include "ocop/domain/scoring.hpp"
#include "ocop/domain/stop_rules.hpp"

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

// Another record as the changeset leaves it: its change in `cs` applied over the stored record,
// or the stored record; nothing when it does not exist or is deleted.
std::optional<FieldValues> record_in(StoreTxn& txn, const Changeset& cs,
                                     std::string_view collection, const std::string& id) {
    const auto stored = txn.read(collection, id);
    std::optional<FieldValues> out;
    if (stored) out = stored->values();
    for (const RecordChange& rc : cs.records)
        if (rc.collection == collection && rc.id == id) out = record_after(stored, rc, cs.stamp());
    if (out && is_true(get(*out, deleted_field))) return std::nullopt;
    return out;
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

        if (fresh || touches(rc, {"status", "revoked_on", "revocation_ground", "revoked_by"}))
            check_revocation(rc, after);
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
    // After the checks of the certificate itself, which name a wrong issuer or date first.
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "certificate") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        if (stored && !touches(rc, {"evaluation", "stars", "issued_by", "rule_set"})) continue;
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (!is_true(get(after, deleted_field))) check_evaluation(txn, cs, rc, after, !stored);
    }
}

// 26/2026 Art. 8.1 (grounds), 8.2 (province revokes 3 and 4 stars, the minister 5 stars).
void CertificateRule::check_revocation(const RecordChange& rc, const FieldValues& after) const {
    constexpr std::string_view rule = "a revocation has a date, a ground and the competent level";
    if (text(after, "status") != "revoked") return;
    if (!date(after, "revoked_on"))
        refuse(ErrorKind::invalid_input, errc::certificate_revocation, rc, "revoked_on",
               "a revoked certificate needs the date of the revocation decision", rule);
    if (get(after, "revocation_ground").is_null())
        refuse(ErrorKind::invalid_input, errc::certificate_revocation, rc, "revocation_ground",
               "a revoked certificate needs its ground (Art. 8.1)", rule);
    const Value& stars_v = get(after, "stars");
    const RuleSet* rs = rule_sets_.find(text(after, "rule_set"));
    const Value& by_v = get(after, "revoked_by");
    if (by_v.is_null() || !rs || !stars_v.is_number_integer()) return;  // older records
    // The level that certifies the stars revokes them (Art. 8.2 mirrors Art. 4.1); for
    // certificates of the district era that level is now the province (districts are gone).
    const auto certifier = rs->certifier(static_cast<int>(stars_v.get<int64_t>()));
    const std::string expected =
        certifier == Level::ministry ? std::string("ministry") : std::string("province");
    if (by_v != Value(expected))
        refuse(ErrorKind::invalid_input, errc::certificate_revocation, rc, "revoked_by",
               std::to_string(stars_v.get<int64_t>()) + "-star certificates are revoked by the " +
                   expected + " (Art. 8.2), not by " + show(by_v),
               rule);
}

// 26/2026 Art. 7.3.e: a product scoring 90 or more goes to the ministry; the province certifies
// 3 and 4 stars on its own evaluation only below that, or on the ministry's result (Art. 7.4.g).
void CertificateRule::check_evaluation(StoreTxn& txn, const Changeset& cs, const RecordChange& rc,
                                       const FieldValues& after, bool fresh) const {
    constexpr std::string_view rule = "a certificate follows its evaluation";
    const std::string ev_id = text(after, "evaluation");
    const RuleSet* rs = rule_sets_.find(text(after, "rule_set"));
    if (ev_id.empty()) {
        if (fresh && rs && rs->rubrics)
            refuse(ErrorKind::invalid_input, errc::certificate_evaluation, rc, "evaluation",
                   "a certificate under " + rs->id + " names the evaluation it rests on", rule);
        return;
    }
    const auto ev = record_in(txn, cs, "evaluation", ev_id);
    if (!ev)
        refuse(ErrorKind::invalid_input, errc::certificate_evaluation, rc, "evaluation",
               "evaluation/" + ev_id + " does not exist", rule);
    const Value& stars = get(after, "stars");
    if (get(*ev, "stars") != stars)
        refuse(ErrorKind::invalid_input, errc::certificate_evaluation, rc, "stars",
               show(stars) + " stars, but evaluation/" + ev_id + " gave " + show(get(*ev, "stars")),
               rule);
    if (text(after, "issued_by") == "province" && text(*ev, "level") == "province" &&
        is_true(get(*ev, "referred_to_ministry")))
        refuse(ErrorKind::invalid_input, errc::certificate_evaluation, rc, "issued_by",
               "evaluation/" + ev_id +
                   " scored 90 or more and was referred to the ministry (Art. 7.3.e); the "
                   "province certifies it only on the ministry's result (Art. 7.4.g)",
               rule);
}

// --- EvaluationRule ----------------------------------------------------------------------------

namespace {

// evaluation.item_points: {item code: points}, each a scored item of the sheet, within its max.
ItemPoints item_points_of(const RecordChange& rc, const Value& v, const Rubric& rubric,
                          std::string_view rule) {
    if (!v.is_object())
        refuse(ErrorKind::invalid_input, errc::evaluation_item_points, rc, "item_points",
               "must be an object of item code to points, not " + show(v), rule);
    ItemPoints out;
    for (const auto& [code, p] : v.items()) {
        const RubricNode* node = rubric.item(code);
        if (!node || !node->scored())
            refuse(ErrorKind::invalid_input, errc::evaluation_item_points, rc, "item_points",
                   "'" + code + "' is not a scored item of " + rubric.code, rule);
        if (!p.is_number() || p.get<double>() < 0 || p.get<double>() > node->max)
            refuse(ErrorKind::invalid_input, errc::evaluation_item_points, rc, "item_points",
                   "item " + code + ": " + p.dump() + " outside 0.." + std::to_string(node->max),
                   rule);
        out[code] = p.get<double>();
    }
    return out;
}

}  // namespace

void EvaluationRule::check(StoreTxn& txn, const Changeset& cs) const {
    constexpr std::string_view rule = "stars follow the average score";
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "evaluation") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        if (stored &&
            !touches(rc, {"stars", "average_score", "disqualified", "rule_set", "rubric",
                          "item_points", "stopped_at", "referred_to_ministry", "level", "status"}))
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
        const bool disqualified = is_true(get(after, "disqualified"));
        const bool closed = text(after, "status") == "closed";
        const Rubric* rubric =
            rs->rubrics ? builtin_rubrics().find(text(after, "rubric")) : nullptr;
        const std::string stopped_at = text(after, "stopped_at");
        const Value& stars_v = get(after, "stars");
        const bool has_stars = stars_v.is_number_integer() && stars_v.get<int64_t>() != 0;

        // Stop rules (Annex II notes, stop_rules/*.json): a stopped assessment gets no stars.
        if (!stopped_at.empty()) {
            if (!rubric || !builtin_stop_rules().find(*rubric, stopped_at))
                refuse(ErrorKind::invalid_input, errc::evaluation_stop_rule, rc, "stopped_at",
                       "'" + stopped_at + "' is no item of " + text(after, "rubric") +
                           " whose note stops the assessment",
                       "stop rules of the scoring sheets");
            if (has_stars)
                refuse(ErrorKind::invalid_input, errc::evaluation_stop_rule, rc, "stars",
                       "the assessment stopped at item " + stopped_at +
                           " (the sheet does not assess further steps), so it gets no stars",
                       "stop rules of the scoring sheets");
        }
        std::optional<ItemPoints> points;
        if (const Value& ip = get(after, "item_points"); !ip.is_null()) {
            if (!rubric)
                refuse(ErrorKind::invalid_input, errc::evaluation_item_points, rc, "item_points",
                       "no scoring sheet '" + text(after, "rubric") + "' under " + rs->id, rule);
            points = item_points_of(rc, ip, *rubric, rule);
            double sum = 0;
            for (const auto& [code, p] : *points) sum += p;
            if (avg && std::abs(sum - *avg) > 0.01)
                refuse(ErrorKind::invalid_input, errc::evaluation_item_points, rc, "item_points",
                       "the items add up to " + std::to_string(sum) + ", not the average " +
                           avg_v.dump(),
                       rule);
        }

        // Routing (26/2026 Art. 7.3.e): a closed provincial evaluation of 90 or more is referred
        // to the ministry; one below is not.
        if (closed && avg && text(after, "level") == "province" && !disqualified &&
            stopped_at.empty()) {
            const bool should = *avg >= rs->ministry_threshold;
            if (is_true(get(after, "referred_to_ministry")) != should)
                refuse(ErrorKind::invalid_input, errc::evaluation_ministry_referral, rc,
                       "referred_to_ministry",
                       should ? "an average of " + avg_v.dump() +
                                    " reaches 90: the province approves it and refers the "
                                    "product to the ministry for 5 stars (Art. 7.3.e)"
                              : "an average of " + avg_v.dump() +
                                    " is below 90: nothing to refer to the ministry",
                       "products of 90 points or more go to the ministry");
        }

        if (!stars_v.is_number_integer()) continue;
        const int64_t stars = stars_v.get<int64_t>();
        if (disqualified) {
            if (stars != 0)
                refuse(ErrorKind::invalid_input, errc::evaluation_stars, rc, "stars",
                       "a disqualified dossier gets no stars, not " + std::to_string(stars), rule);
            continue;
        }
        if (!stopped_at.empty()) continue;  // stars 0, checked above
        if (stars < 1 || stars > 5)
            refuse(ErrorKind::invalid_input, errc::evaluation_stars, rc, "stars",
                   "stars must be 1 to 5, not " + std::to_string(stars), rule);
        if (closed && stars >= 3 && rubric && !points)
            refuse(ErrorKind::invalid_input, errc::evaluation_item_points, rc, "item_points",
                   "a closed evaluation of " + std::to_string(stars) + " stars under " + rs->id +
                       " records the council's per-item average points, so that its star "
                       "minimums can be checked",
                   rule);
        if (points) {
            if (const auto hit = triggered_stop_rules(*rubric, builtin_stop_rules(), *points);
                !hit.empty())
                refuse(ErrorKind::invalid_input, errc::evaluation_stop_rule, rc, "item_points",
                       "item " + hit.front()->item + " of " + rubric->code +
                           " stops the assessment (" + hit.front()->source +
                           "): set stopped_at and no stars",
                       "stop rules of the scoring sheets");
            std::vector<std::string> blocking;
            const int min_level = minimum_level(*rubric, *points, &blocking);
            double total = 0;
            for (const auto& [code, p] : *points) total += p;
            const int band = band_stars(*rs, avg.value_or(total));
            const int expected = std::min(band, min_level);
            if (stars != expected) {
                std::string why = std::to_string(stars) + " stars, but the band gives " +
                                  std::to_string(band) + " and the star minimums allow " +
                                  std::to_string(min_level);
                if (!blocking.empty()) why += " (item " + blocking.front() + " misses its mark)";
                refuse(ErrorKind::invalid_input, errc::evaluation_stars, rc, "stars",
                       why + ": " + std::to_string(expected) + " stars", rule);
            }
            continue;
        }
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

// --- FormsRule ---------------------------------------------------------------------------------

namespace {

// Art. 2.3: associations, operating centres and equivalent organisations apply for tourism only.
bool tourism_only(std::string_view legal_form) {
    return legal_form == "association" || legal_form == "operating_centre" ||
           legal_form == "equivalent_organisation";
}

}  // namespace

void FormsRule::check(StoreTxn& txn, const Changeset& cs) const {
    for (const RecordChange& rc : cs.records) {
        const bool registration = rc.collection == "registration";
        if (!registration && rc.collection != "commune_report") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (is_true(get(after, deleted_field))) continue;

        if (registration) {
            if (stored && !touches(rc, {"applicant", "product"})) continue;
            const auto applicant = record_in(txn, cs, "applicant", text(after, "applicant"));
            const auto product = record_in(txn, cs, "product", text(after, "product"));
            if (!applicant || !product) continue;  // references are checked elsewhere
            const std::string form = text(*applicant, "legal_form");
            if (tourism_only(form) && text(*product, "sector") != "VI")
                refuse(ErrorKind::invalid_input, errc::applicant_type_sector, rc, "applicant",
                       "a '" + form +
                           "' applies only for community tourism, eco-tourism and "
                           "tourist sites (sector VI), not for a product of sector " +
                           show(get(*product, "sector")) + " (Art. 2.3)",
                       "who may apply");
            continue;
        }
        if (stored && !touches(rc, {"samples_sent", "registration"})) continue;
        const Value& samples = get(after, "samples_sent");
        if (!samples.is_number_integer()) continue;
        const auto reg = record_in(txn, cs, "registration", text(after, "registration"));
        const auto product = reg ? record_in(txn, cs, "product", text(*reg, "product"))
                                 : std::optional<FieldValues>();
        if (!product) continue;
        const bool tourism = text(*product, "sector") == "VI";
        const int64_t expected = tourism ? 0 : 5;
        if (samples.get<int64_t>() != expected)
            refuse(ErrorKind::invalid_input, errc::commune_report_samples, rc, "samples_sent",
                   std::string(tourism ? "a tourism product sends no samples"
                                       : "the dossier goes with 05 product samples") +
                       " (Art. 6.2.d), not " + samples.dump(),
                   "samples with the commune's proposal");
    }
}

// --- DomainRules -------------------------------------------------------------------------------

DomainRules::DomainRules() : DomainRules(builtin_rule_sets()) {}

DomainRules::DomainRules(const RuleSetCatalog& rule_sets)
    : certificate_(rule_sets), evaluation_(rule_sets) {}

std::vector<const ChangesetRule*> DomainRules::list() const {
    return {&signed_inspection_, &proposal_, &certificate_, &evaluation_, &admin_unit_, &forms_};
}

void DomainRules::check(StoreTxn& txn, const Changeset& cs) const {
    for (const ChangesetRule* r : list()) r->check(txn, cs);
}

}  // namespace ocop::domain
