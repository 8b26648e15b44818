#include "ocop/domain/signing_rule.hpp"

#include "ocop/core/civil_time.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/record_after.hpp"

namespace ocop::domain {

namespace {

constexpr std::string_view kRule =
    "minutes are signed by the signing user's account, with the time";

[[noreturn]] void refuse(const char* code, const RecordChange& rc, std::string_view field,
                         const std::string& why) {
    throw Error(ErrorKind::invalid_input, code,
                rc.collection + "/" + rc.id + "." + std::string(field) + ": " + why +
                    " (rule: " + std::string(kRule) + ")");
}

std::string text(const FieldValues& rec, std::string_view field) {
    const auto it = rec.find(field);
    return it != rec.end() && it->second.is_string() ? it->second.get<std::string>()
                                                     : std::string();
}

std::optional<int64_t> unix_ms_of(const std::string& iso) {
    const auto t = parse_iso_datetime(iso);
    return t ? std::optional<int64_t>(t->unix_ms()) : std::nullopt;
}

bool is_signed(const FieldValues& rec) {
    const auto del = rec.find(deleted_field);
    if (del != rec.end() && del->second.is_boolean() && del->second.get<bool>()) return false;
    return text(rec, "status") == "signed";
}

}  // namespace

void SigningRule::check(StoreTxn& txn, const Changeset& cs, const Writer& writer) const {
    for (const RecordChange& rc : cs.records) {
        if (rc.collection != "inspection") continue;
        const auto stored = txn.read(rc.collection, rc.id);
        if (stored && is_signed(stored->values())) continue;  // SignedInspectionRule's business
        const FieldValues after = record_after(stored, rc, cs.stamp());
        if (!is_signed(after)) continue;

        if (writer.user.empty())
            refuse(errc::inspection_signer_unknown, rc, "signed_by",
                   "this device is not enrolled: log in to the server before signing minutes");
        const std::string by = text(after, "signed_by");
        if (by.empty())
            refuse(
                errc::inspection_signer_missing, rc, "signed_by",
                "signing needs signed_by, the signing user's account name ('" + writer.user + "')");
        if (by != writer.user)
            refuse(errc::inspection_signer_mismatch, rc, "signed_by",
                   "'" + by +
                       "' is not the account signing; minutes are signed by the user who "
                       "sends them ('" +
                       writer.user + "')");
        const auto at = unix_ms_of(text(after, "signed_at"));
        if (!at)
            refuse(errc::inspection_signed_at_missing, rc, "signed_at",
                   "signing needs signed_at, the time of signature");
        const int64_t latest = cs.hlc.wall_ms + policy_.clock_tolerance_ms;
        if (*at > latest)
            refuse(errc::inspection_signed_at_range, rc, "signed_at",
                   text(after, "signed_at") + " is later than the changeset's time (allowing " +
                       std::to_string(policy_.clock_tolerance_ms / 60'000) +
                       " minutes of clock difference)");
        if (const auto started = unix_ms_of(text(after, "started_at")); started && *at < *started)
            refuse(errc::inspection_signed_at_range, rc, "signed_at",
                   text(after, "signed_at") + " is before the inspection started (" +
                       text(after, "started_at") + ")");
        if (policy_.require_producer_signature && text(after, "producer_signature").empty())
            refuse(errc::inspection_producer_signature_missing, rc, "producer_signature",
                   "signing needs the producer's signature");
    }
}

void WriterSigningRule::check(StoreTxn& txn, const Changeset& cs) const {
    rule_.check(txn, cs, writer_(txn));
}

}  // namespace ocop::domain
