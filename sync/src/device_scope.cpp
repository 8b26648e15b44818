#include "ocop/sync/device_scope.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sync {

using nlohmann::json;

std::string grants_to_json(const std::vector<Grant>& grants) {
    json out = json::array();
    for (const auto& g : grants) out.push_back({{"role", g.role}, {"unit", g.unit}});
    return out.dump();
}

std::vector<Grant> grants_from_json(std::string_view text) {
    std::vector<Grant> out;
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_array())
        throw Error(ErrorKind::internal, errc::store_corrupt, "stored grants are not a JSON array");
    for (const auto& g : doc)
        out.push_back(Grant{g.value("role", std::string()), g.value("unit", std::string())});
    return out;
}

std::optional<std::vector<Grant>> DeviceScope::grants() const {
    const auto text = store_.meta(meta_key::grants);
    if (!text || text->empty()) return std::nullopt;
    return grants_from_json(*text);
}

std::optional<Backfill> DeviceScope::backfill() const {
    const auto text = store_.meta(meta_key::backfill);
    if (!text || text->empty()) return std::nullopt;
    const json doc = json::parse(*text, nullptr, false);
    if (!doc.is_object())
        throw Error(ErrorKind::internal, errc::store_corrupt, "stored backfill is not an object");
    return Backfill{doc.value("units", std::vector<std::string>{}),
                    doc.value("cursor", uint64_t{0}), doc.value("upto", uint64_t{0})};
}

size_t DeviceScope::adopt(const std::vector<Grant>& grants, uint64_t pull_cursor) {
    const auto before = this->grants();
    if (before && *before == grants) return 0;
    if (!policy_)
        throw Error(ErrorKind::internal, errc::sync_no_scope_policy,
                    "the server scopes this device by its user's grants, but the sync client was "
                    "given no scope policy (SyncOptions::scope) to tell what they cover");

    // What the new grants cover, read before the write transaction (the store's reads and
    // writes share one connection).
    const std::vector<std::string> keep = policy_->covered_units(store_, grants);

    // Units gained: granted now, not covered by the old grants. Before any grant was known the
    // main pull has brought everything visible so far, unless it had already moved on (a device
    // that synced with a server that did not scope yet).
    std::vector<std::string> gained;
    if (before || pull_cursor > 0) {
        std::set<std::string> old_keep;
        if (before)
            for (auto& u : policy_->covered_units(store_, *before)) old_keep.insert(std::move(u));
        for (const auto& g : grants)
            if (!old_keep.count(g.unit) &&
                std::find(gained.begin(), gained.end(), g.unit) == gained.end())
                gained.push_back(g.unit);
    }
    auto plan = backfill();
    if (!gained.empty() && pull_cursor > 0) {
        if (plan) {  // a backfill in progress restarts with the new units added
            for (auto& u : plan->units)
                if (std::find(gained.begin(), gained.end(), u) == gained.end()) gained.push_back(u);
        }
        plan = Backfill{gained, 0, pull_cursor};
    }

    size_t evicted = 0;
    store_.write([&](StoreTxn& txn) {
        evicted = policy_->evict(txn, keep);
        txn.set_meta(meta_key::grants, grants_to_json(grants));
        if (plan)
            txn.set_meta(
                meta_key::backfill,
                json{{"units", plan->units}, {"cursor", plan->cursor}, {"upto", plan->upto}}
                    .dump());
    });
    return evicted;
}

void DeviceScope::advance_backfill(StoreTxn& txn, const Backfill& backfill, uint64_t cursor,
                                   bool more) {
    if (!more || cursor >= backfill.upto) {
        txn.set_meta(meta_key::backfill, "");
        return;
    }
    txn.set_meta(
        meta_key::backfill,
        json{{"units", backfill.units}, {"cursor", cursor}, {"upto", backfill.upto}}.dump());
}

void DeviceScope::reset(StoreTxn& txn) {
    txn.set_meta(meta_key::grants, "");
    txn.set_meta(meta_key::backfill, "");
}

}  // namespace ocop::sync
