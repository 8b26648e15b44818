// Scoped sync through the loopback: a device pulls only what its user's grants cover, receives a
// gained unit's older records in a backfill (not everything again), evicts a lost unit's records,
// and every change it pushes is checked against its grants. Rotated tokens reach the caller.
#include <set>

#include <nlohmann/json.hpp>

#include "ocop/core/error_codes.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/sync/device_scope.hpp"
#include "ocop/sync/wire.hpp"
#include "sync_test_support.hpp"

using namespace ocop;
using namespace ocop::sync;
using namespace ocop::sync::test;

namespace {

// A server that scopes pulls and checks permissions, holding a province with communes A and B.
struct ScopedServer {
    ManualClock clock{kT0};
    std::unique_ptr<Store> owned_store = ocop::test::make_server_store();
    Store& store = *owned_store;
    HlcClock hlc{clock.fn(), ocop::tuning::max_clock_ahead_ms};
    domain::PermissionChecker permissions;
    RulesGuard guard{builtin_schema(), {}, &permissions};
    // The server's own writes (reference data, the seeded records) bypass the guard.
    LocalReplica writer{store, builtin_schema(), clock.fn(), "server-admin"};
    SyncService service{store,
                        hlc,
                        guard,
                        "server-1",
                        builtin_schema().version(),
                        nullptr,
                        &domain::builtin_scope_policy()};
    std::string province = uuid_for(1);
    std::string a = uuid_for(2);
    std::string b = uuid_for(3);
    uint64_t next = 100;

    ScopedServer() {
        LocalTransaction t;
        t.put("admin_unit", province,
              {{"code", "89"},
               {"name", "Tỉnh An Giang"},
               {"level", "province"},
               {"valid_from", "2025-07-01"}});
        t.put("admin_unit", a, unit_fields("30001", "Xã Mỹ Hòa Hưng"));
        t.put("admin_unit", a, {{"parent", province}});
        t.put("admin_unit", b, unit_fields("30002", "Xã Bình Đức"));
        t.put("admin_unit", b, {{"parent", province}});
        writer.commit(t);
    }

    // `n` applicants in `unit`; returns their ids.
    std::vector<std::string> applicants(const std::string& unit, int n) {
        std::vector<std::string> ids;
        LocalTransaction t;
        for (int i = 0; i < n; ++i) {
            ids.push_back(uuid_for(next++));
            t.put("applicant", ids.back(),
                  {{"name", "HTX số " + std::to_string(next)},
                   {"legal_form", "cooperative"},
                   {"unit", unit}});
        }
        clock.advance(1);
        writer.commit(t);
        return ids;
    }
};

std::set<std::string> ids_in(Store& store, const std::string& collection) {
    std::set<std::string> out;
    for (const auto& r : store.query(collection, {}, 100000)) out.insert(r.id);
    return out;
}

// Every record id that crossed the wire in a pull page, as the device decoded it.
std::set<std::string> pulled_ids(const LoopbackTransport& t) {
    std::set<std::string> out;
    for (const auto* ex : t.delivered())
        if (ex->response && ex->response->pull)
            for (const auto& c : ex->response->pull->cells) out.insert(c.record_id);
    return out;
}

// A field device whose user holds `grants` on the server.
struct Phone {
    Phone(ScopedServer& server, const std::string& replica_id, std::vector<Grant> grants)
        : raw(kT0),
          store(":memory:"),
          replica(store, builtin_schema(), raw.fn(), replica_id),
          transport(server.service, Principal{"officer-" + replica_id, "device-" + replica_id,
                                              replica_id, std::move(grants)}) {}

    ManualClock raw;
    SqliteStore store;
    LocalReplica replica;
    LoopbackTransport transport;

    SyncReport sync(SyncOptions options = {}) {
        options.sleep = [](std::chrono::milliseconds) {};
        options.scope = &domain::builtin_scope_policy();
        SyncClient client(replica, transport, "token", options, nullptr, raw.fn());
        return client.run();
    }
};

}  // namespace

TEST_CASE("a device pulls its units' records and all reference data, nothing of other units",
          "[scope]") {
    ScopedServer server;
    const auto in_a = server.applicants(server.a, 5);
    const auto in_b = server.applicants(server.b, 7);
    Phone phone(server, "phone-a", {{"commune_officer", server.a}});
    SyncOptions small_pages;
    small_pages.page_cells = 4;  // many pages, so skipping B's cells is exercised across pages
    const SyncReport report = phone.sync(small_pages);
    REQUIRE(report.complete);
    CHECK(ids_in(phone.store, "applicant") == std::set<std::string>(in_a.begin(), in_a.end()));
    CHECK(ids_in(phone.store, "admin_unit") ==
          std::set<std::string>{server.province, server.a, server.b});
    // Over the wire: no cell of B's records was ever sent.
    const auto sent = pulled_ids(phone.transport);
    for (const auto& id : in_b) CHECK_FALSE(sent.count(id));
    for (const auto& id : in_a) CHECK(sent.count(id));
    // The device knows its grants, as the server reported them.
    const auto grants = DeviceScope(phone.store).grants();
    REQUIRE(grants);
    CHECK(*grants == std::vector<Grant>{{"commune_officer", server.a}});
}

TEST_CASE("a client given no scope policy fails a scoped sync clearly and keeps no grants",
          "[scope]") {
    ScopedServer server;
    server.applicants(server.a, 2);
    Phone phone(server, "phone-a", {{"commune_officer", server.a}});
    SyncOptions options;  // no options.scope: the client cannot tell what the grants cover
    options.sleep = [](std::chrono::milliseconds) {};
    SyncClient client(phone.replica, phone.transport, "token", options, nullptr, phone.raw.fn());
    const SyncReport report = client.run();
    CHECK_FALSE(report.complete);
    CHECK(report.error_code == errc::sync_no_scope_policy);
    CHECK_FALSE(DeviceScope(phone.store).grants());
    // Given the policy, the same device syncs.
    CHECK(phone.sync().complete);
    CHECK(DeviceScope(phone.store).grants());
}

TEST_CASE("a gained unit arrives in a backfill; a lost unit's records leave the device",
          "[scope]") {
    ScopedServer server;
    const auto in_a = server.applicants(server.a, 6);
    const auto in_b = server.applicants(server.b, 9);
    Phone phone(server, "phone-a", {{"commune_officer", server.a}});
    REQUIRE(phone.sync().complete);
    REQUIRE(ids_in(phone.store, "applicant").size() == 6);

    // The officer now also covers B: B's older records come in a backfill of B only.
    phone.transport.principal().grants.push_back({"commune_officer", server.b});
    const size_t posts_before = phone.transport.log().size();
    const SyncReport grown = phone.sync();
    REQUIRE(grown.complete);
    std::set<std::string> all(in_a.begin(), in_a.end());
    all.insert(in_b.begin(), in_b.end());
    CHECK(ids_in(phone.store, "applicant") == all);
    std::set<std::string> pulled_after;
    bool backfill_seen = false;
    for (size_t i = posts_before; i < phone.transport.log().size(); ++i) {
        const auto& ex = phone.transport.log()[i];
        if (ex.request && ex.request->pull && ex.request->pull->only_units) {
            backfill_seen = true;
            CHECK(*ex.request->pull->only_units == std::vector<std::string>{server.b});
        }
        if (ex.response && ex.response->pull)
            for (const auto& c : ex.response->pull->cells) pulled_after.insert(c.record_id);
    }
    CHECK(backfill_seen);
    // Not a full re-sync: nothing of A (or the units) was sent again.
    for (const auto& id : in_a) CHECK_FALSE(pulled_after.count(id));
    CHECK_FALSE(pulled_after.count(server.a));
    CHECK_FALSE(DeviceScope(phone.store).backfill());

    // New records of both units arrive through the main pull.
    const auto later_b = server.applicants(server.b, 2);
    REQUIRE(phone.sync().complete);
    CHECK(ids_in(phone.store, "applicant").count(later_b.front()));

    // A is taken away: its records leave the device at the next sync, B's stay.
    phone.transport.principal().grants = {{"commune_officer", server.b}};
    const SyncReport shrunk = phone.sync();
    REQUIRE(shrunk.complete);
    CHECK(shrunk.progress.evicted == 6);
    for (const auto& id : in_a) CHECK_FALSE(phone.store.read("applicant", id));
    CHECK(ids_in(phone.store, "applicant").size() == 11);
    CHECK(ids_in(phone.store, "admin_unit").size() == 3);  // reference data stays
}

TEST_CASE("a push outside the user's grants is refused whole and kept on the device", "[scope]") {
    ScopedServer server;
    server.applicants(server.b, 1);
    Phone phone(server, "phone-a", {{"inspector", server.a}});
    REQUIRE(phone.sync().complete);
    // The test device has no local permission rule, as if its app were tampered with.
    const std::string mine = uuid_for(900);
    const std::string foreign = uuid_for(901);
    LocalTransaction t;
    t.put("finding", mine,
          {{"inspection", uuid_for(902)},
           {"severity", "minor"},
           {"description", "Nhãn mờ"},
           {"unit", server.a}});
    t.put("applicant", foreign,
          {{"name", "HTX giả"}, {"legal_form", "cooperative"}, {"unit", server.b}});
    const uint64_t seq = phone.replica.commit(t).seq;
    const SyncReport report = phone.sync();
    REQUIRE(report.refusals.size() == 1);
    CHECK(report.refusals[0].seq == seq);
    CHECK(report.refusals[0].code == errc::perm_unit_not_covered);
    // Nothing of the changeset reached the server, not even the allowed finding.
    CHECK_FALSE(server.store.read("finding", mine));
    CHECK_FALSE(server.store.read("applicant", foreign));
    // The device keeps the refused work for a person to decide, and shows none of it as stored.
    REQUIRE(phone.store.quarantined().size() == 1);
    CHECK_FALSE(phone.store.read("applicant", foreign));
}

TEST_CASE("a rotated token is handed to the caller before the answer is applied", "[scope]") {
    ScopedServer server;
    Phone phone(server, "phone-a", {{"inspector", server.a}});
    // Wraps the loopback and adds what the HTTP route adds when a token is due for rotation.
    struct Rotating final : Transport {
        LoopbackTransport& inner;
        std::vector<std::string> tokens_seen;
        explicit Rotating(LoopbackTransport& t) : inner(t) {}
        HttpReply post(const std::string& path, const std::string& body,
                       const std::string& token) override {
            tokens_seen.push_back(token);
            HttpReply reply = inner.post(path, body, token);
            auto doc = nlohmann::json::parse(reply.body);
            doc["new_token"] = "token-" + std::to_string(tokens_seen.size());
            reply.body = doc.dump();
            return reply;
        }
    } rotating(phone.transport);
    std::vector<std::string> kept;
    SyncOptions options;
    options.sleep = [](std::chrono::milliseconds) {};
    options.page_cells = 1;  // several exchanges in one run
    options.on_new_token = [&](const std::string& t) { kept.push_back(t); };
    options.scope = &domain::builtin_scope_policy();
    SyncClient client(phone.replica, rotating, "token-0", options, nullptr, phone.raw.fn());
    REQUIRE(client.run().complete);
    REQUIRE(rotating.tokens_seen.size() >= 3);
    // Each request used the token the previous answer handed out.
    for (size_t i = 0; i < rotating.tokens_seen.size(); ++i)
        CHECK(rotating.tokens_seen[i] == "token-" + std::to_string(i));
    CHECK(kept.size() == rotating.tokens_seen.size());
}

TEST_CASE("no echo: a device's own record evicted with a lost unit comes back with the unit",
          "[scope][echo]") {
    ScopedServer server;
    Phone phone(server, "phone-a", {{"commune_officer", server.a}});
    REQUIRE(phone.sync().complete);

    // Others register cooperatives in commune A; then the officer registers one and only sends
    // it (a quick "send my work"): the pull cursor stays before all of them.
    server.applicants(server.a, 3);
    const std::string mine = uuid_for(900);
    LocalTransaction t;
    t.put("applicant", mine,
          {{"name", "HTX của tôi"}, {"legal_form", "cooperative"}, {"unit", server.a}});
    phone.replica.commit(t);
    SyncOptions send_only;
    send_only.pull = false;
    const SyncReport sent = phone.sync(send_only);
    REQUIRE(sent.complete);
    REQUIRE(sent.progress.pushed == 1);

    // Commune A is taken away (the device evicts its records), then given back.
    phone.transport.principal().grants = {{"commune_officer", server.b}};
    REQUIRE(phone.sync(send_only).complete);
    REQUIRE_FALSE(phone.store.read("applicant", mine).has_value());
    CHECK(phone.store.meta(ocop::sync::meta_key::echo) == std::optional<std::string>("1"));
    phone.transport.principal().grants = {{"commune_officer", server.a}};
    const size_t posts = phone.transport.posts();
    SyncOptions small_pages;
    small_pages.page_cells = 4;  // the backfill ends before the officer's record
    REQUIRE(phone.sync(small_pages).complete);

    // Its own record lay beyond the backfill (after the main cursor): the main pull asked for
    // the device's own cells until it reached the head, so the record is back.
    const auto back = phone.store.read("applicant", mine);
    REQUIRE(back.has_value());
    CHECK(back->get("name") == "HTX của tôi");
    bool asked_echo = false;
    for (size_t i = posts; i < phone.transport.posts(); ++i)
        asked_echo = asked_echo || phone.transport.log()[i].request->pull->echo;
    CHECK(asked_echo);
    CHECK(phone.store.meta(ocop::sync::meta_key::echo).value_or("") == "");

    // Caught up: its next writes stay on the server again.
    LocalTransaction edit;
    edit.put("applicant", mine, {{"name", "HTX của tôi (đổi tên)"}});
    phone.replica.commit(edit);
    const size_t before_edit = phone.transport.posts();
    REQUIRE(phone.sync().complete);
    for (size_t i = before_edit; i < phone.transport.posts(); ++i) {
        CHECK_FALSE(phone.transport.log()[i].request->pull->echo);
        CHECK(phone.transport.log()[i].response->pull->cells.empty());
    }
}
