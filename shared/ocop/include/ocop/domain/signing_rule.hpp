// Who signs an inspection's minutes, and when. A change that moves an inspection to
// status=signed (or creates it signed) must leave the record with
//   signed_by = the account name of the user sending the changeset (not free text: the person
//               answerable for the minutes is the one whose account signed them),
//   signed_at = a valid datetime, not later than the changeset's own time plus the clock
//               tolerance (tuning::max_clock_ahead_ms), and not before the inspection's
//               started_at (a signature cannot precede the visit it closes),
//   producer_signature, once SigningPolicy::require_producer_signature is on (it is off until
//               attachments travel with sync: the field is a blob reference that no device can
//               deliver yet).
// The rule needs the writer's identity, which a plain ChangesetRule does not have: the server
// passes its Principal's user (sync::RulesGuard), the device its enrolled user
// (WriterSigningRule). A writer with no user (a device not enrolled yet) cannot sign.
// The server's own replica (conflict records, the demo seed) runs no rules at all, so it is not
// checked here: what it writes is decided by the server, not sent by a user.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ocop/core/changeset_rule.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::domain {

// The user a changeset is written by: an account name, empty when unknown.
struct Writer {
    std::string user;
};

struct SigningPolicy {
    // Turn on once attachments (blobs) sync: then signing also needs producer_signature.
    bool require_producer_signature = false;
    // How far signed_at may lie after the changeset's time (the device clocks' tolerance).
    int64_t clock_tolerance_ms = tuning::max_clock_ahead_ms;
};

// Refuses, for each inspection the changeset signs:
//   ocop.inspection_signer_unknown     the writer has no account (device not enrolled)
//   ocop.inspection_signer_missing     no signed_by
//   ocop.inspection_signer_mismatch    signed_by is not the writer's account name
//   ocop.inspection_signed_at_missing  no signed_at (or not a datetime)
//   ocop.inspection_signed_at_range    signed_at after the changeset's time + tolerance, or
//                                      before started_at
//   ocop.inspection_producer_signature_missing  (only with require_producer_signature)
// Also the sync engine's PrincipalRule: the server's RulesGuard hands it the sender's account.
class SigningRule final : public sync::PrincipalRule {
  public:
    explicit SigningRule(SigningPolicy policy = {}) : policy_(policy) {}
    void check(StoreTxn& txn, const Changeset& cs, const Writer& writer) const;
    void check_sender(StoreTxn& txn, const Changeset& cs,
                      const sync::Principal& who) const override {
        check(txn, cs, Writer{who.user});
    }
    const SigningPolicy& policy() const noexcept { return policy_; }

  private:
    SigningPolicy policy_;
};

// SigningRule as a ChangesetRule for a replica whose writer is known only at commit time (the
// device: its enrolled user, read from the same transaction).
class WriterSigningRule final : public ChangesetRule {
  public:
    using WriterOf = std::function<Writer(StoreTxn&)>;
    WriterSigningRule(const SigningRule& rule, WriterOf writer)
        : rule_(rule), writer_(std::move(writer)) {}
    void check(StoreTxn& txn, const Changeset& cs) const override;

  private:
    const SigningRule& rule_;
    WriterOf writer_;
};

}  // namespace ocop::domain
