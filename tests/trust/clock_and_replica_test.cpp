// Two holes a security review found by attacking the server over raw HTTP as a commune officer:
// a crafted base stamp that dragged the province's clock to the end of its range (every later
// answer unusable, for every device, across restarts), and enrolling a device under the server's
// own replica id (its pushes then written as the server).
#include "ocop/core/error_codes.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/server/server_identity.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

namespace {

// One of `unit`'s applicants and a changeset that renames it, claiming to overwrite `base`.
Changeset rename_with_base(Province& p, const std::string& unit, const std::string& replica,
                           uint64_t seq, const Stamp& base, const std::string& name) {
    const auto applicants = p.records_of("applicant", unit);
    REQUIRE_FALSE(applicants.empty());
    Changeset cs;
    cs.replica = replica;
    cs.seq = seq;
    cs.schema_version = builtin_schema().version();
    cs.hlc = Hlc{system_physical_clock()(), 0};
    cs.records.push_back(
        RecordChange{"applicant", applicants.front(), {FieldChange{"name", name, base}}});
    return cs;
}

sync::SyncResponse push_raw(Province& p, const RawDevice& device, const Changeset& cs) {
    sync::SyncRequest req;
    req.replica = cs.replica;
    req.schema_version = builtin_schema().version();
    req.app_version = "trust-tests/1";
    req.hlc = Hlc{system_physical_clock()(), 0};
    req.changesets = {cs};
    const auto reply = server::test::post_json(p.server.port(), "/v1/sync", sync::wire::encode(req),
                                               {{"Authorization", "Bearer " + device.token}});
    INFO("sync answer: " << reply.body);
    REQUIRE(reply.status == 200);
    // Decoding is what a device does with the answer: it fails if the answer's clock is unusable.
    return sync::wire::decode_response(reply.body);
}

// The server's clock as stored with its last push, in wall milliseconds.
int64_t stored_server_clock_ms(Province& p) {
    const auto text = p.server.store().meta(sync::server_hlc_meta_key);
    REQUIRE(text);
    return Hlc::unpack(std::stoull(*text)).wall_ms;
}

}  // namespace

TEST_CASE("a base stamp ahead of the server moves no clock and stops no device", "[clock]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    p.user("can.bo.a", {{"commune_officer", a}});
    p.user("can.bo.b", {{"commune_officer", b}});
    RawDevice attacker(p.url, "can.bo.a", "phone-a", p.server.port());

    const int64_t day = 24LL * 60 * 60 * 1000;
    const int64_t now = system_physical_clock()();
    struct Case {
        const char* what;
        Hlc base;
    };
    const std::vector<Case> cases = {
        {"the top of the clock's range", Hlc{Hlc::max_wall_ms, Hlc::max_logical}},
        {"a year ahead", Hlc{now + 365 * day, 0}},
        {"a day ahead", Hlc{now + day, 0}},
    };
    uint64_t seq = 0;
    for (const auto& c : cases) {
        const std::string name = std::string("Tên mới: ") + c.what;
        const Changeset cs =
            rename_with_base(p, a, "phone-a", ++seq, Stamp{c.base, "phone-a"}, name);
        const auto answer = push_raw(p, attacker, cs);
        INFO(c.what);
        REQUIRE(answer.results.size() == 1);
        // Kept: the rename is an ordinary edit of the officer's own commune.
        CHECK(answer.results[0].outcome == sync::Outcome::applied);
        CHECK(p.server.store().read("applicant", cs.records[0].id)->get("name") == Value(name));
        // The answer's clock, and the one the server stored, stay within the tolerance.
        const int64_t limit = system_physical_clock()() + tuning::max_clock_ahead_ms;
        CHECK(answer.hlc.wall_ms <= limit);
        CHECK(stored_server_clock_ms(p) <= limit);
    }

    // Every other device still syncs: nothing the server answers is refused by a device.
    RawDevice other(p.url, "can.bo.b", "phone-b", p.server.port());
    const auto report = other.sync();
    INFO("last error: " << report.error_code << " " << report.error_message);
    CHECK(report.complete);
    CHECK(report.error_code.empty());
}

TEST_CASE("a server clock dragged far ahead by an old defect is not resumed", "[clock]") {
    TempDir dir("ocop-clock");
    SqliteStore store((dir.path() / "ocop.db").string());
    const int64_t now = system_physical_clock()();
    store.write([&](StoreTxn& txn) {
        txn.set_meta(sync::server_hlc_meta_key,
                     std::to_string(Hlc{Hlc::max_wall_ms, Hlc::max_logical}.packed()));
    });
    const Hlc resumed = server::load_server_hlc(store, now);
    CHECK(resumed.wall_ms <= now + tuning::max_clock_ahead_ms);
    // A clock from which the next stamp can still be sent.
    HlcClock clock([now] { return now; }, tuning::max_clock_ahead_ms, resumed);
    CHECK(clock.now().wall_ms <= Hlc::max_wall_ms);

    // A host clock merely set back by minutes resumes the stored clock, so no stamp repeats.
    const Hlc recent{now + 10 * 60 * 1000, 7};
    store.write([&](StoreTxn& txn) {
        txn.set_meta(sync::server_hlc_meta_key, std::to_string(recent.packed()));
    });
    CHECK(server::load_server_hlc(store, now) == recent);

    // A damaged value is reported as such, not read as zero.
    store.write([&](StoreTxn& txn) { txn.set_meta(sync::server_hlc_meta_key, "12ab"); });
    CHECK(server::test::error_code_of([&] { server::load_server_hlc(store, now); }) ==
          errc::store_corrupt);
}

TEST_CASE("the clock refuses to issue a stamp no wire format can carry", "[clock]") {
    HlcClock clock([] { return int64_t{0}; }, tuning::max_clock_ahead_ms,
                   Hlc{Hlc::max_wall_ms, Hlc::max_logical});
    CHECK(server::test::error_code_of([&] { clock.now(); }) == errc::clock_bad_stamp);
}

TEST_CASE("no device enrols under the server's replica or one that already wrote", "[replica]") {
    Province p(300);
    const auto [a, b] = p.two_communes();
    p.user("can.bo.a", {{"commune_officer", a}});
    const auto login = [&](const std::string& replica) {
        return server::test::post_json(p.server.port(), "/v1/login",
                                       nlohmann::json{{"user", "can.bo.a"},
                                                      {"password", kPassword},
                                                      {"replica", replica},
                                                      {"device_name", "x"},
                                                      {"app_version", "trust-tests/1"}}
                                           .dump());
    };
    // The server id is public (/v1/health), so its replica id is too.
    const auto health = server::test::get(p.server.port(), "/v1/health").json();
    const std::string server_replica = "server-" + health.at("server_id").get<std::string>();
    for (const std::string& replica : {server_replica, std::string("server-other-province")}) {
        const auto reply = login(replica);
        INFO(replica << ": " << reply.body);
        CHECK(reply.status == 403);
        CHECK(reply.error_code() == errc::auth_replica_reserved);
    }

    // A replica whose changesets the server holds but that no enrolled device owns (accounts
    // restored from an older copy, say) is not handed to a newcomer either.
    p.server.store().write([](StoreTxn& txn) { txn.record_applied("ghost-1", 1, "{}"); });
    {
        const auto reply = login("ghost-1");
        INFO(reply.body);
        CHECK(reply.status == 403);
        CHECK(reply.error_code() == errc::auth_replica_reserved);
    }

    // A new replica id is welcome, and its owner may log in with it again.
    CHECK(login("phone-a-new").status == 200);
    CHECK(login("phone-a-new").status == 200);
}
