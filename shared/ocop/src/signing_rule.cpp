#include "ocop/domain/signing_rule.hpp"

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

int digits(std::string_view t, size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (t[i] - '0');
    return v;
}

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

bool is_signed(const FieldValues& rec) {
    const auto del = rec.find(deleted_field);
    if (del != rec.end() && del->second.is_boolean() && del->second.get<bool>()) return false;
    return text(rec, "status") == "signed";
}

}  // namespace

std::optional<int64_t> datetime_unix_ms(std::string_view t) noexcept {
    if (!is_iso_datetime(t)) return std::nullopt;
    const auto day = Date::try_parse(t.substr(0, 10));
    if (!day) return std::nullopt;
    int64_t ms = day->days() * 86'400'000 +
                 (digits(t, 11, 2) * 3600 + digits(t, 14, 2) * 60 + digits(t, 17, 2)) * 1000LL;
    size_t pos = 19;
    if (t[pos] == '.') {
        int64_t frac = 0, scale = 1000;
        for (++pos; pos < t.size() && t[pos] >= '0' && t[pos] <= '9'; ++pos) {
            if (scale > 1) frac = frac * 10 + (t[pos] - '0');
            scale = scale > 1 ? scale / 10 : 1;
        }
        while (scale > 1) frac *= 10, scale /= 10;
        ms += frac;
    }
    if (t[pos] != 'Z') {
        const int64_t offset_min = digits(t, pos + 1, 2) * 60 + digits(t, pos + 4, 2);
        ms += (t[pos] == '+' ? -1 : 1) * offset_min * 60'000;
    }
    return ms;
}

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
        const auto at = datetime_unix_ms(text(after, "signed_at"));
        if (!at)
            refuse(errc::inspection_signed_at_missing, rc, "signed_at",
                   "signing needs signed_at, the time of signature");
        const int64_t latest = cs.hlc.wall_ms + policy_.clock_tolerance_ms;
        if (*at > latest)
            refuse(errc::inspection_signed_at_range, rc, "signed_at",
                   text(after, "signed_at") + " is later than the changeset's time (allowing " +
                       std::to_string(policy_.clock_tolerance_ms / 60'000) +
                       " minutes of clock difference)");
        if (const auto started = datetime_unix_ms(text(after, "started_at"));
            started && *at < *started)
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
