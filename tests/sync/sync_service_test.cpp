// The server half called directly with crafted requests: exactly-once application with stored
// receipts, a gap in a device's sequence, refusals that consume their number without blocking,
// request-level refusals, the clock tolerance, and pull pages.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/tuning.hpp"
#include "sync_test_support.hpp"

using ocop::Changeset;
using ocop::FieldChange;
using ocop::FieldValues;
using ocop::Hlc;
using ocop::RecordChange;
using ocop::Stamp;
using ocop::sync::ChangesetResult;
using ocop::sync::Outcome;
using ocop::sync::Principal;
using ocop::sync::PullRequest;
using ocop::sync::SyncRequest;
using ocop::sync::SyncResponse;
using ocop::sync::test::cell_of;
using ocop::sync::test::describe;
using ocop::sync::test::error_code_of;
using ocop::sync::test::kT0;
using ocop::sync::test::Server;
using ocop::sync::test::snapshot;
using ocop::sync::test::unit_fields;
using ocop::sync::test::uuid_for;
namespace errc = ocop::errc;

namespace {

const Principal kWho{"officer-x", "phone-x", "dev-x"};

// A changeset of replica `replica` writing `fields` into admin_unit record `id`, crafted by hand
// (not by a LocalReplica) so that its sequence number and stamp are whatever the test needs.
Changeset crafted(const std::string& replica, uint64_t seq, Hlc hlc, const std::string& id,
                  const FieldValues& fields, const std::string& collection = "admin_unit") {
    Changeset cs;
    cs.replica = replica;
    cs.seq = seq;
    cs.schema_version = 1;
    cs.hlc = hlc;
    RecordChange rc{collection, id, {}};
    for (const auto& [name, value] : fields) rc.fields.push_back(FieldChange{name, value, {}});
    cs.records.push_back(std::move(rc));
    return cs;
}

SyncRequest request(std::vector<Changeset> changesets, const std::string& replica = "dev-x") {
    SyncRequest req;
    req.replica = replica;
    req.schema_version = 1;
    req.app_version = "test";
    req.hlc = changesets.empty() ? Hlc{kT0, 0} : changesets.back().hlc;
    req.changesets = std::move(changesets);
    return req;
}

std::vector<uint64_t> result_seqs(const SyncResponse& resp) {
    std::vector<uint64_t> out;
    for (const auto& r : resp.results) out.push_back(r.seq);
    return out;
}

}  // namespace

TEST_CASE("sync service: a push is applied once, a retry is answered from its receipt",
          "[service]") {
    Server s;
    const std::string u1 = uuid_for(1), u2 = uuid_for(2), u3 = uuid_for(3);
    FieldValues bad = unit_fields("X3", "Three");
    bad["level"] = "hamlet";  // not an option of admin_unit.level
    const SyncRequest req =
        request({crafted("dev-x", 1, Hlc{kT0 - 100, 0}, u1, unit_fields("X1", "One")),
                 crafted("dev-x", 2, Hlc{kT0 - 50, 0}, u2, unit_fields("X2", "Two")),
                 crafted("dev-x", 3, Hlc{kT0 - 20, 0}, u3, bad)});

    const SyncResponse first = s.service.handle(req, kWho);
    REQUIRE(result_seqs(first) == std::vector<uint64_t>{1, 2, 3});
    CHECK(first.server_id == "server-1");
    CHECK_FALSE(first.expected_seq.has_value());
    for (size_t i = 0; i < 2; ++i) {
        CHECK(first.results[i].outcome == Outcome::applied);
        CHECK_FALSE(first.results[i].duplicate);
        CHECK(first.results[i].applied == 4);
        CHECK(first.results[i].superseded == 0);
        CHECK_FALSE(first.results[i].restamped.has_value());
    }
    CHECK(first.results[2].outcome == Outcome::refused);
    CHECK(first.results[2].code == errc::value_not_in_enum);
    // The server's version of each refused field, for the device to undo its write: none yet.
    CHECK(first.results[2].server_values.size() == 4);
    for (const auto& sv : first.results[2].server_values) CHECK_FALSE(sv.current.has_value());
    CHECK(cell_of(s.store, u1, "name")->stamp == Stamp{Hlc{kT0 - 100, 0}, "dev-x"});
    CHECK_FALSE(s.store.read("admin_unit", u3).has_value());
    CHECK(s.last_applied("dev-x") == 3);

    const auto snap = snapshot(s.store);
    const uint64_t head = s.store.head();
    CHECK(snap.size() == 8);

    // Meanwhile another replica overwrites one field with a greater stamp.
    const SyncResponse other = s.service.handle(
        request({crafted("dev-y", 1, Hlc{kT0, 0}, u1, {{"name", "One (Y)"}})}, "dev-y"),
        Principal{"officer-y", "phone-y", "dev-y"});
    REQUIRE(other.results.size() == 1);
    const auto snap_other = snapshot(s.store);
    const uint64_t head_other = s.store.head();

    const SyncResponse retry = s.service.handle(req, kWho);
    REQUIRE(result_seqs(retry) == std::vector<uint64_t>{1, 2, 3});
    for (size_t i = 0; i < 3; ++i) {
        INFO("changeset " << retry.results[i].seq);
        CHECK(retry.results[i].duplicate);
        CHECK(retry.results[i].outcome == first.results[i].outcome);
        CHECK(retry.results[i].applied == first.results[i].applied);
        CHECK(retry.results[i].superseded == first.results[i].superseded);
        CHECK(retry.results[i].code == first.results[i].code);
        CHECK(retry.results[i].message == first.results[i].message);
        CHECK(retry.results[i].server_values.size() == first.results[i].server_values.size());
    }
    CHECK(s.store.head() == head_other);
    CHECK(snapshot(s.store) == snap_other);
    CHECK(cell_of(s.store, u1, "name")->value == "One (Y)");
    CHECK(s.last_applied("dev-x") == 3);
    CHECK(head_other > head);
}

TEST_CASE("sync service: a gap in a device's sequence stops the push at the gap", "[service]") {
    Server s;
    const std::string u1 = uuid_for(1), u2 = uuid_for(2), u4 = uuid_for(4), u5 = uuid_for(5);
    const SyncResponse resp =
        s.service.handle(request({crafted("dev-x", 1, Hlc{kT0, 1}, u1, unit_fields("X1", "One")),
                                  crafted("dev-x", 2, Hlc{kT0, 2}, u2, unit_fields("X2", "Two")),
                                  crafted("dev-x", 4, Hlc{kT0, 4}, u4, unit_fields("X4", "Four")),
                                  crafted("dev-x", 5, Hlc{kT0, 5}, u5, unit_fields("X5", "Five"))}),
                         kWho);
    CHECK(result_seqs(resp) == std::vector<uint64_t>{1, 2});
    CHECK(resp.expected_seq == std::optional<uint64_t>(3));
    CHECK(s.store.read("admin_unit", u1).has_value());
    CHECK(s.store.read("admin_unit", u2).has_value());
    CHECK_FALSE(s.store.read("admin_unit", u4).has_value());
    CHECK_FALSE(s.store.read("admin_unit", u5).has_value());
    CHECK(s.last_applied("dev-x") == 2);

    SECTION("the first changeset already skips: nothing is applied") {
        const auto before = snapshot(s.store);
        const SyncResponse r = s.service.handle(
            request({crafted("dev-x", 4, Hlc{kT0, 4}, u4, unit_fields("X4", "Four"))}), kWho);
        CHECK(r.results.empty());
        CHECK(r.expected_seq == std::optional<uint64_t>(3));
        CHECK(snapshot(s.store) == before);
        CHECK(s.last_applied("dev-x") == 2);
    }
    SECTION("sending from the expected number continues") {
        const std::string u3 = uuid_for(3);
        const SyncResponse r = s.service.handle(
            request({crafted("dev-x", 3, Hlc{kT0, 3}, u3, unit_fields("X3", "Three")),
                     crafted("dev-x", 4, Hlc{kT0, 4}, u4, unit_fields("X4", "Four"))}),
            kWho);
        CHECK(result_seqs(r) == std::vector<uint64_t>{3, 4});
        CHECK_FALSE(r.expected_seq.has_value());
        CHECK(s.store.read("admin_unit", u4).has_value());
        CHECK(s.last_applied("dev-x") == 4);
    }
    SECTION("another replica's numbering is independent") {
        const SyncResponse r = s.service.handle(
            request({crafted("dev-y", 2, Hlc{kT0, 9}, u4, unit_fields("Y4", "Four"))}, "dev-y"),
            Principal{"officer-y", "phone-y", "dev-y"});
        CHECK(r.results.empty());
        CHECK(r.expected_seq == std::optional<uint64_t>(1));
    }
}

TEST_CASE("sync service: refusals consume their number and never block the changesets after them",
          "[service]") {
    Server s;
    FieldValues bad_date = unit_fields("X3", "Three");
    bad_date["valid_from"] = "2025-02-30";
    const SyncResponse resp = s.service.handle(
        request({crafted("dev-x", 1, Hlc{kT0, 1}, uuid_for(1), unit_fields("X1", "One")),
                 crafted("dev-x", 2, Hlc{kT0, 2}, uuid_for(2), {{"name", "x"}}, "no_such_thing"),
                 crafted("dev-x", 3, Hlc{kT0, 3}, uuid_for(3), bad_date),
                 crafted("dev-x", 4, Hlc{kT0, 4}, uuid_for(4), {{"colour", "red"}}),
                 crafted("dev-x", 5, Hlc{kT0, 5}, uuid_for(5), unit_fields("X5", "Five"))}),
        kWho);
    REQUIRE(result_seqs(resp) == std::vector<uint64_t>{1, 2, 3, 4, 5});
    CHECK(resp.results[0].outcome == Outcome::applied);
    CHECK(resp.results[1].outcome == Outcome::refused);
    CHECK(resp.results[1].code == errc::schema_unknown_collection);
    CHECK(resp.results[2].outcome == Outcome::refused);
    CHECK(resp.results[2].code == errc::value_bad_format);
    CHECK(resp.results[2].message.find("valid_from") != std::string::npos);
    CHECK(resp.results[3].outcome == Outcome::refused);
    CHECK(resp.results[3].code == errc::schema_unknown_field);
    CHECK(resp.results[4].outcome == Outcome::applied);
    CHECK(resp.results[4].applied == 4);
    CHECK(s.store.read("admin_unit", uuid_for(1)).has_value());
    CHECK_FALSE(s.store.read("no_such_thing", uuid_for(2)).has_value());
    CHECK_FALSE(s.store.read("admin_unit", uuid_for(3)).has_value());
    CHECK_FALSE(s.store.read("admin_unit", uuid_for(4)).has_value());
    CHECK(s.store.read("admin_unit", uuid_for(5)).has_value());
    CHECK(s.last_applied("dev-x") == 5);
}

TEST_CASE("sync service: request-level refusals change nothing", "[service]") {
    Server s;
    const auto cs = crafted("dev-x", 1, Hlc{kT0, 1}, uuid_for(1), unit_fields("X1", "One"));
    auto handle_code = [&](const SyncRequest& req, const Principal& who) {
        return error_code_of([&] { s.service.handle(req, who); });
    };
    // The request names another replica than the device's token.
    CHECK(handle_code(request({cs}), Principal{"officer-z", "phone-z", "dev-z"}) ==
          errc::sync_replica_mismatch);
    // A changeset written by another replica, smuggled into this device's push.
    CHECK(
        handle_code(request({crafted("dev-y", 1, Hlc{kT0, 1}, uuid_for(2), unit_fields("Y", "Y"))}),
                    kWho) == errc::changeset_wrong_replica);
    // An app built with a newer schema than the server's.
    SyncRequest newer = request({cs});
    newer.schema_version = ocop::builtin_schema().version() + 1;
    CHECK(handle_code(newer, kWho) == errc::schema_version_unsupported);

    CHECK(snapshot(s.store).empty());
    CHECK(s.last_applied("dev-x") == 0);
    CHECK(s.last_applied("dev-y") == 0);
}

TEST_CASE("sync service: a stamp beyond the clock tolerance is restamped, one within it kept",
          "[service][clock]") {
    Server s;
    const int64_t tolerance = ocop::tuning::max_clock_ahead_ms;
    const std::string u1 = uuid_for(1), u2 = uuid_for(2);
    const Hlc within{kT0 + tolerance, 0};
    const Hlc beyond{kT0 + tolerance + 1, 0};

    const SyncResponse resp =
        s.service.handle(request({crafted("dev-x", 1, within, u1, unit_fields("X1", "One")),
                                  crafted("dev-x", 2, beyond, u2, unit_fields("X2", "Two"))}),
                         kWho);
    REQUIRE(resp.results.size() == 2);
    CHECK_FALSE(resp.results[0].restamped.has_value());
    CHECK(cell_of(s.store, u1, "code")->stamp == Stamp{within, "dev-x"});

    REQUIRE(resp.results[1].restamped.has_value());
    const Hlc restamped = *resp.results[1].restamped;
    CHECK(restamped < beyond);
    // A server stamp: at least the server's physical time, after every stamp it has accepted.
    CHECK(restamped.wall_ms >= kT0);
    CHECK(restamped > within);
    for (const auto& [field, value] : unit_fields("X2", "Two")) {
        INFO(field);
        CHECK(cell_of(s.store, u2, field)->stamp == Stamp{restamped, "dev-x"});
        CHECK(cell_of(s.store, u2, field)->value == value);
    }
    // The answer's clock follows every accepted stamp, and the server's time is its own.
    CHECK(resp.hlc > restamped);
    CHECK(resp.server_time_ms == kT0);
    CHECK(s.hlc.last().wall_ms <= kT0 + tolerance);

    SECTION("a request clock beyond the tolerance is not adopted either") {
        SyncRequest ahead = request({});
        ahead.hlc = Hlc{kT0 + 24LL * 3600 * 1000, 0};
        const SyncResponse r = s.service.handle(ahead, kWho);
        CHECK(r.hlc.wall_ms <= kT0 + tolerance);
    }
}

TEST_CASE("sync service: pull pages are bounded, ordered, and reach the head", "[service][pull]") {
    Server s;
    std::vector<Changeset> changesets;
    for (uint64_t i = 1; i <= 5; ++i)
        changesets.push_back(crafted("dev-x", i, Hlc{kT0, static_cast<uint32_t>(i)}, uuid_for(i),
                                     unit_fields("X" + std::to_string(i), "Unit")));
    s.service.handle(request(changesets), kWho);
    const auto server_cells = snapshot(s.store);
    REQUIRE(server_cells.size() == 20);

    auto pull = [&](uint64_t cursor, size_t cells, size_t bytes) {
        SyncRequest req = request({});
        req.pull = PullRequest{cursor, cells, bytes};
        const SyncResponse resp = s.service.handle(req, kWho);
        REQUIRE(resp.pull.has_value());
        return *resp.pull;
    };

    for (const auto& [cells, bytes] : std::vector<std::pair<size_t, size_t>>{
             {7, 0}, {1, 0}, {0, 1}, {0, 0}, {1'000'000'000, 1'000'000'000}}) {
        INFO("max_cells " << cells << ", max_bytes " << bytes);
        std::set<std::tuple<std::string, std::string, std::string>> seen;
        uint64_t cursor = 0;
        size_t pages = 0;
        for (;;) {
            const auto page = pull(cursor, cells, bytes);
            ++pages;
            REQUIRE(pages <= 100);
            if (cells) CHECK(page.cells.size() <= cells);
            CHECK(page.head >= page.cursor);
            for (const auto& c : page.cells) {
                CHECK(seen.insert({c.collection, c.record_id, c.field}).second);
                const auto it = server_cells.find({c.collection, c.record_id, c.field});
                REQUIRE(it != server_cells.end());
                CHECK(it->second.value == c.current.value.dump());
                CHECK(it->second.stamp == c.current.stamp);
            }
            if (!page.more) {
                CHECK(page.cursor == page.head);
                break;
            }
            CHECK(!page.cells.empty());
            CHECK(page.cursor > cursor);
            cursor = page.cursor;
        }
        CHECK(seen.size() == server_cells.size());
        if (cells == 7) CHECK(pages == 3);
    }
}
