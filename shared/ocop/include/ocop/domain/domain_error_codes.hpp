// Error codes of the OCOP domain (shared/ocop). Like the core's codes (ocop/core/error_codes.hpp)
// they are part of the public contract: a device shows them, the server returns them in a refused
// changeset's outcome. Never rename one; add new ones here.
#pragma once

namespace ocop::domain::errc {

// Signed inspections (SignedInspectionRule)
// An edit of a signed inspection, or of a finding/sample of a signed inspection (lab-result
// fields of samples excepted), or a new finding/sample attached to a signed inspection.
inline constexpr const char* inspection_signed = "ocop.inspection_signed";
// A signed inspection set back to draft.
inline constexpr const char* inspection_unsign = "ocop.inspection_unsign";
// Deleting a signed inspection or a finding/sample of one.
inline constexpr const char* inspection_signed_delete = "ocop.inspection_signed_delete";

// Signing an inspection (SigningRule): who signs and when.
// The writer has no account: a device not enrolled yet cannot sign.
inline constexpr const char* inspection_signer_unknown = "ocop.inspection_signer_unknown";
// Signed without signed_by.
inline constexpr const char* inspection_signer_missing = "ocop.inspection_signer_missing";
// signed_by is not the account name of the user sending the changeset.
inline constexpr const char* inspection_signer_mismatch = "ocop.inspection_signer_mismatch";
// Signed without signed_at (or with a value that is not a datetime).
inline constexpr const char* inspection_signed_at_missing = "ocop.inspection_signed_at_missing";
// signed_at after the changeset's time plus the clock tolerance, or before started_at.
inline constexpr const char* inspection_signed_at_range = "ocop.inspection_signed_at_range";
// Signed without producer_signature, once SigningPolicy::require_producer_signature is on.
inline constexpr const char* inspection_producer_signature_missing =
    "ocop.inspection_producer_signature_missing";

// Post-inspection proposals (ProposalRule)
inline constexpr const char* proposal_revoke_certificate = "ocop.proposal_revoke_certificate";
inline constexpr const char* proposal_revoke_ground = "ocop.proposal_revoke_ground";
inline constexpr const char* proposal_certificate_unknown = "ocop.proposal_certificate_unknown";

// Certificates (CertificateRule)
inline constexpr const char* certificate_stars = "ocop.certificate_stars";
inline constexpr const char* certificate_expiry = "ocop.certificate_expiry";
inline constexpr const char* certificate_issuer = "ocop.certificate_issuer";
inline constexpr const char* certificate_rule_set_date = "ocop.certificate_rule_set_date";

// Evaluations (EvaluationRule)
inline constexpr const char* evaluation_stars = "ocop.evaluation_stars";
inline constexpr const char* evaluation_score_range = "ocop.evaluation_score_range";

// Administrative units (AdminUnitRule, merge operations)
inline constexpr const char* unit_dates = "ocop.unit_dates";
inline constexpr const char* unit_successor_self = "ocop.unit_successor_self";
inline constexpr const char* unit_merge_invalid = "ocop.unit_merge_invalid";
inline constexpr const char* unit_already_merged = "ocop.unit_already_merged";
inline constexpr const char* unit_exists = "ocop.unit_exists";
inline constexpr const char* unit_no_successor = "ocop.unit_no_successor";
inline constexpr const char* unit_successor_cycle = "ocop.unit_successor_cycle";

// The permission table (permissions/permissions.json) is malformed.
inline constexpr const char* permissions_invalid = "ocop.permissions_invalid";

// Rule sets and scoring sheets (data and the functions using them)
inline constexpr const char* rule_set_invalid = "ocop.rule_set_invalid";
inline constexpr const char* rule_set_unknown = "ocop.rule_set_unknown";
inline constexpr const char* rule_set_none_in_force = "ocop.rule_set_none_in_force";
inline constexpr const char* rule_set_incomplete = "ocop.rule_set_incomplete";
inline constexpr const char* rubric_invalid = "ocop.rubric_invalid";
inline constexpr const char* rubric_unknown = "ocop.rubric_unknown";
inline constexpr const char* score_invalid = "ocop.score_invalid";
inline constexpr const char* score_out_of_range = "ocop.score_out_of_range";
inline constexpr const char* council_empty = "ocop.council_empty";
inline constexpr const char* date_invalid = "ocop.date_invalid";

// The working calendar (calendar/vn_public_holidays.json)
// The calendar data are malformed.
inline constexpr const char* calendar_invalid = "ocop.calendar_invalid";
// A working-day count reaches a year whose public holidays are not in the data.
inline constexpr const char* calendar_year_missing = "ocop.calendar_year_missing";

// Decision 26/2026 procedures (rules of rules.hpp and forms_rule.hpp)
inline constexpr const char* evaluation_ministry_referral = "ocop.evaluation_ministry_referral";
inline constexpr const char* evaluation_item_points = "ocop.evaluation_item_points";
inline constexpr const char* evaluation_stop_rule = "ocop.evaluation_stop_rule";
inline constexpr const char* certificate_evaluation = "ocop.certificate_evaluation";
inline constexpr const char* certificate_revocation = "ocop.certificate_revocation";
inline constexpr const char* applicant_type_sector = "ocop.applicant_type_sector";
inline constexpr const char* commune_report_samples = "ocop.commune_report_samples";

// Demo data generator
inline constexpr const char* demo_invalid = "ocop.demo_invalid";

}  // namespace ocop::domain::errc
