// The OCOP domain rules every changeset must satisfy, on the device (LocalReplica's `rules`) and
// on the server (the sync guard). They run before the changeset is applied and see the store as
// it is (StoreTxn::read): "the inspection is signed" means the stored inspection has
// status=signed, so a changeset that signs a draft (and edits it at the same time) passes, and
// any later edit is refused. Each refusal is an ocop::Error with a stable code from
// domain_error_codes.hpp and a message naming the collection, record, field and rule.
//
//   ocop::domain::DomainRules rules;                       // owns the rule objects
//   ocop::LocalReplica replica(store, ocop::builtin_schema(), clock, id, rules.list());
//   // server guard: for (const auto* r : rules.list()) r->check(txn, cs);
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "ocop/core/changeset_rule.hpp"
#include "ocop/domain/rule_sets.hpp"
#include "ocop/domain/signing_rule.hpp"

namespace ocop::domain {

// The sample fields a lab fills in after the minutes are signed: still writable on a signed
// inspection's samples.
inline constexpr std::array<std::string_view, 3> sample_lab_result_fields{
    "results", "result_status", "results_received_on"};

// A signed inspection (minutes) is read-only, and so are its findings and samples, except the
// lab-result fields of samples; corrections go into a separate inspection_amendment record.
// Refuses: changing a field of a signed inspection (ocop.inspection_signed); setting it back to
// draft (ocop.inspection_unsign); deleting it or one of its findings/samples
// (ocop.inspection_signed_delete); changing a finding/sample of a signed inspection other than
// lab results, attaching a new one to it, or moving one into it (ocop.inspection_signed).
// Writing a value equal to the stored one is not a change.
class SignedInspectionRule final : public ChangesetRule {
  public:
    void check(StoreTxn& txn, const Changeset& cs) const override;
};

// A revocation proposal (proposal.kind = revoke) names the certificate and the ground (Art. 8):
// ocop.proposal_revoke_certificate, ocop.proposal_revoke_ground; the certificate must exist
// (stored or created by the same changeset): ocop.proposal_certificate_unknown.
class ProposalRule final : public ChangesetRule {
  public:
    void check(StoreTxn& txn, const Changeset& cs) const override;
};

// Certificates: stars 3..5 (ocop.certificate_stars); expires_on = issued_on + the rule set's
// validity, 36 months (ocop.certificate_expiry); rule_set known (ocop.rule_set_unknown) and in
// force on issued_on (ocop.certificate_rule_set_date); issued_by the level that certifies those
// stars under it (ocop.certificate_issuer). Checked on creation and when an edit touches the
// fields involved, so an old certificate can still be marked expired or revoked.
//
// Decision 26/2026 procedures: a revoked certificate has revoked_on and revocation_ground, and
// revoked_by, when given, is the level that certifies its stars (Art. 8.2; the province for
// district-era certificates) (ocop.certificate_revocation). A certificate names its evaluation
// (required when created under a rule set with scoring sheets, i.e. 26/2026): it must exist and
// give the same stars, and the province does not certify on its own evaluation once that was
// referred to the ministry (Art. 7.3.e) (ocop.certificate_evaluation).
class CertificateRule final : public ChangesetRule {
  public:
    explicit CertificateRule(const RuleSetCatalog& rule_sets) : rule_sets_(rule_sets) {}
    void check(StoreTxn& txn, const Changeset& cs) const override;

  private:
    void check_revocation(const RecordChange& rc, const FieldValues& after) const;
    void check_evaluation(StoreTxn& txn, const Changeset& cs, const RecordChange& rc,
                          const FieldValues& after, bool fresh) const;
    const RuleSetCatalog& rule_sets_;
};

// Evaluations: average_score within 0..100 (ocop.evaluation_score_range); rule_set known;
// a disqualified dossier has no stars; stars 1..5 and, where the average is present, consistent
// with it: at most the band's stars and at least min(band, 2), since the star minimums can only
// lower a result to 2 stars (ocop.evaluation_stars).
// With item_points (the council's per-item averages; required once closed with 3 stars or more
// under a rule set with scoring sheets): scored items of the sheet within their maxima, adding up
// to the average (ocop.evaluation_item_points), and stars exactly min(band, minimum_level) (the
// star-minimum marks) (ocop.evaluation_stars). Stop rules (stop_rules.hpp): stopped_at names a
// stop item of the sheet and the evaluation has no stars; points that trigger a stop rule need
// stopped_at (ocop.evaluation_stop_rule). Routing (Art. 7.3.e): a closed provincial evaluation
// has referred_to_ministry exactly when its average reaches ministry_threshold (90)
// (ocop.evaluation_ministry_referral).
class EvaluationRule final : public ChangesetRule {
  public:
    explicit EvaluationRule(const RuleSetCatalog& rule_sets) : rule_sets_(rule_sets) {}
    void check(StoreTxn& txn, const Changeset& cs) const override;

  private:
    const RuleSetCatalog& rule_sets_;
};

// Administrative units: valid_to not before valid_from (ocop.unit_dates); a unit is not its own
// successor (ocop.unit_successor_self).
class AdminUnitRule final : public ChangesetRule {
  public:
    void check(StoreTxn& txn, const Changeset& cs) const override;
};

// The forms of Annex III as 26/2026 prints them: a registration by an association, operating
// centre or equivalent organisation is for a tourism product (sector VI) (Art. 2.3:
// ocop.applicant_type_sector); a commune report (Form 03) sends 5 samples, none for tourism
// (Art. 6.2.d: ocop.commune_report_samples). Checked when the records they read are known.
class FormsRule final : public ChangesetRule {
  public:
    void check(StoreTxn& txn, const Changeset& cs) const override;
};

// Owns one instance of every domain rule. The device passes list() to LocalReplica, the server
// runs the same list in its sync guard. Not copyable or movable: list() points into it.
class DomainRules {
  public:
    DomainRules();                                          // with builtin_rule_sets()
    explicit DomainRules(const RuleSetCatalog& rule_sets);  // must outlive this object
    DomainRules(const DomainRules&) = delete;
    DomainRules& operator=(const DomainRules&) = delete;

    std::vector<const ChangesetRule*> list() const;
    // Runs every rule in list() order; throws the first refusal.
    void check(StoreTxn& txn, const Changeset& cs) const;
    // Not in list(): it needs the changeset's writer (sync::RulesGuard passes the Principal's
    // user, the device a WriterSigningRule with its enrolled user).
    const SigningRule& signing() const noexcept { return signing_; }

  private:
    SignedInspectionRule signed_inspection_;
    ProposalRule proposal_;
    CertificateRule certificate_;
    EvaluationRule evaluation_;
    AdminUnitRule admin_unit_;
    FormsRule forms_;
    SigningRule signing_;
};

}  // namespace ocop::domain
