// The client loop against the server half through the loopback transport: convergence of
// devices that edited offline, exactly-once push through lost requests and lost answers, retry
// limits, paging, clock skew, refusals and quarantine, cancellation, and a replaced server.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/tuning.hpp"
#include "sync_test_support.hpp"

using ocop::Changeset;
using ocop::FieldValues;
using ocop::Hlc;
using ocop::Schema;
using ocop::Stamp;
using ocop::sync::ChangesetResult;
using ocop::sync::Outcome;
using ocop::sync::Principal;
using ocop::sync::SyncOptions;
using ocop::sync::SyncProgress;
using ocop::sync::SyncReport;
using ocop::sync::test::cell_of;
using ocop::sync::test::CellKey;
using ocop::sync::test::describe;
using ocop::sync::test::Device;
using ocop::sync::test::Fault;
using ocop::sync::test::kDayMs;
using ocop::sync::test::kT0;
using ocop::sync::test::lenient_schema;
using ocop::sync::test::LoggedExchange;
using ocop::sync::test::LoopbackTransport;
using ocop::sync::test::report_text;
using ocop::sync::test::Server;
using ocop::sync::test::snapshot;
using ocop::sync::test::unit_fields;
using ocop::sync::test::uuid_for;
using ocop::sync::test::write_units;
namespace errc = ocop::errc;
namespace sync_meta = ocop::sync::meta_key;

namespace {

// The result the server gave for changeset `seq` in a logged exchange, if any.
const ChangesetResult* result_for(const LoggedExchange& ex, uint64_t seq) {
    if (!ex.response) return nullptr;
    for (const auto& r : ex.response->results)
        if (r.seq == seq) return &r;
    return nullptr;
}

#define REQUIRE_COMPLETE(report)         \
    do {                                 \
        const SyncReport& r_ = (report); \
        INFO(report_text(r_));           \
        REQUIRE(r_.complete);            \
    } while (false)

}  // namespace

TEST_CASE("sync client: two devices that edited offline converge, value and stamp", "[client]") {
    Server s;
    Device a(s, "dev-a");
    Device b(s, "dev-b");
    const std::string u = uuid_for(1), v = uuid_for(2);
    a.put(u, unit_fields("U1", "Xã Một"));
    a.put(v, unit_fields("V1", "Xã Hai"));
    REQUIRE_COMPLETE(a.sync());
    REQUIRE_COMPLETE(b.sync());
    REQUIRE(snapshot(b.store) == snapshot(s.store));

    // Offline: different fields of u, the same field of u (B's edit is the later one), and v
    // deleted on A while B edits it.
    s.clock.advance(30'000);
    a.raw.advance(10'000);
    b.raw.advance(20'000);
    a.put(u, {{"name", "Xã Một (A)"}, {"decision_ref", "QĐ-A"}});
    b.put(u, {{"code", "U1-B"}, {"decision_ref", "QĐ-B"}});
    a.remove(v);
    b.put(v, {{"name", "Xã Hai (B)"}});

    std::vector<Device*> order;
    SECTION("A syncs first") {
        order = {&a, &b, &a, &b};
    }
    SECTION("B syncs first") {
        order = {&b, &a, &b, &a};
    }
    for (Device* d : order) REQUIRE_COMPLETE(d->sync());

    const auto server = snapshot(s.store);
    INFO("server:\n"
         << describe(server) << "A:\n"
         << describe(snapshot(a.store)) << "B:\n"
         << describe(snapshot(b.store)));
    CHECK(snapshot(a.store) == server);
    CHECK(snapshot(b.store) == server);
    CHECK(a.store.outbox_size() == 0);
    CHECK(b.store.outbox_size() == 0);

    CHECK(cell_of(s.store, u, "name")->value == "Xã Một (A)");
    CHECK(cell_of(s.store, u, "name")->stamp.replica == "dev-a");
    CHECK(cell_of(s.store, u, "code")->value == "U1-B");
    CHECK(cell_of(s.store, u, "code")->stamp.replica == "dev-b");
    CHECK(cell_of(s.store, u, "decision_ref")->value == "QĐ-B");
    CHECK(cell_of(s.store, u, "decision_ref")->stamp.replica == "dev-b");
    CHECK(cell_of(s.store, u, "level")->value == "commune");
    CHECK(cell_of(s.store, v, "_deleted")->value == true);
    CHECK(cell_of(s.store, v, "name")->value == "Xã Hai (B)");

    // A third device that never synced pulls the result whole, every field with its own stamp.
    Device c(s, "dev-c");
    REQUIRE_COMPLETE(c.sync());
    CHECK(snapshot(c.store) == server);
}

TEST_CASE("sync client: an answer lost after the server applied the push: the retry is a duplicate",
          "[client][faults]") {
    Server s;
    Device a(s, "dev-a");
    const Changeset cs1 = a.put(uuid_for(1), unit_fields("U1", "Một"));
    const Changeset cs2 = a.put(uuid_for(2), unit_fields("U2", "Hai"));

    ocop::sync::test::Snapshot applied_state;
    uint64_t applied_head = 0;
    a.transport.after_server = [&](const auto&, const auto&) {
        if (applied_head == 0) {
            applied_state = snapshot(s.store);
            applied_head = s.store.head();
        }
    };
    a.transport.inject(Fault{Fault::drop_answer});
    const SyncReport report = a.sync();
    INFO(report_text(report));

    CHECK(report.complete);
    CHECK(a.store.outbox_size() == 0);
    CHECK(report.progress.pending == 0);
    REQUIRE(a.transport.posts() == 2);
    CHECK(a.transport.server_calls() == 2);
    CHECK(a.sleeps.size() == 1);

    const LoggedExchange& lost = a.transport.log()[0];
    const LoggedExchange& retry = a.transport.log()[1];
    CHECK(lost.fault == Fault::drop_answer);
    CHECK(lost.server_handled);
    REQUIRE(retry.request.has_value());
    CHECK(retry.request->changesets.size() == 2);  // the client resent both
    for (const Changeset* cs : {&cs1, &cs2}) {
        INFO("changeset " << cs->seq);
        const ChangesetResult* original = result_for(lost, cs->seq);
        const ChangesetResult* again = result_for(retry, cs->seq);
        REQUIRE(original);
        REQUIRE(again);
        CHECK_FALSE(original->duplicate);
        CHECK(again->duplicate);
        CHECK(again->outcome == Outcome::applied);
        CHECK(again->outcome == original->outcome);
        CHECK(again->applied == original->applied);
        CHECK(again->superseded == original->superseded);
        CHECK(original->applied == 4);
    }
    CHECK(s.store.head() == applied_head);
    CHECK(snapshot(s.store) == applied_state);
    CHECK(snapshot(a.store) == snapshot(s.store));
    CHECK(s.last_applied("dev-a") == 2);
}

TEST_CASE("sync client: a request lost before the server is retried and applied once",
          "[client][faults]") {
    Server s;
    Device a(s, "dev-a");
    const Changeset cs1 = a.put(uuid_for(1), unit_fields("U1", "Một"));
    a.transport.inject(Fault{Fault::drop_request}, 2);
    const SyncReport report = a.sync();
    INFO(report_text(report));

    CHECK(report.complete);
    CHECK(report.error_code.empty());
    CHECK(a.transport.posts() == 3);
    CHECK(a.transport.server_calls() == 1);
    CHECK(a.sleeps.size() == 2);
    for (const auto& d : a.sleeps) CHECK(d.count() > 0);
    const auto delivered = a.transport.delivered();
    REQUIRE(delivered.size() == 1);
    const ChangesetResult* r = result_for(*delivered[0], cs1.seq);
    REQUIRE(r);
    CHECK_FALSE(r->duplicate);
    CHECK(r->applied == 4);
    CHECK(a.store.outbox_size() == 0);
    CHECK(snapshot(a.store) == snapshot(s.store));
    CHECK(cell_of(s.store, uuid_for(1), "code")->stamp == cs1.stamp());
}

TEST_CASE("sync client: transient failures beyond max_attempts end the run with the outbox intact",
          "[client][faults]") {
    Server s;
    Device a(s, "dev-a");
    a.put(uuid_for(1), unit_fields("U1", "Một"));
    a.put(uuid_for(2), unit_fields("U2", "Hai"));

    SyncOptions options;
    options.max_attempts = 3;
    SECTION("requests lost") {
        a.transport.inject(Fault{Fault::drop_request}, 10);
    }
    SECTION("server busy (HTTP 503)") {
        a.transport.inject(Fault{Fault::http_status, 503}, 10);
    }

    const SyncReport report = a.sync(options);
    INFO(report_text(report));
    CHECK_FALSE(report.complete);
    CHECK(report.error_transient);
    CHECK_FALSE(report.error_code.empty());
    CHECK(report.progress.pending == 2);
    CHECK(a.outbox_seqs() == std::vector<uint64_t>{1, 2});
    CHECK(a.transport.posts() == 3);
    CHECK(a.transport.server_calls() == 0);
    CHECK(a.sleeps.size() == 2);  // between the attempts, not after the last
    // Backoff grows between attempts (jitter only adds).
    if (a.sleeps.size() == 2) CHECK(a.sleeps[1] >= 2 * options.initial_backoff);
    CHECK_FALSE(a.store.meta(sync_meta::last_error).value_or("").empty());
    CHECK(snapshot(s.store).empty());

    // The network comes back: the next run delivers everything.
    a.transport.clear_faults();
    REQUIRE_COMPLETE(a.sync(options));
    CHECK(a.store.outbox_size() == 0);
    CHECK(s.last_applied("dev-a") == 2);
    CHECK(a.store.meta(sync_meta::last_error).value_or("<none>").empty());
}

TEST_CASE("sync client: a failed last exchange is never complete, the next run resumes",
          "[client]") {
    Server s;
    Device b(s, "dev-b");
    write_units(b, 1, 10);  // 40 cells
    REQUIRE_COMPLETE(b.sync());
    const size_t total = snapshot(s.store).size();

    Device a(s, "dev-a");
    SyncOptions options;
    options.page_cells = 7;

    SECTION("an internal server error on the second page") {
        a.transport.inject(Fault{Fault::pass});
        a.transport.inject(Fault{Fault::http_status, 500});
        const SyncReport report = a.sync(options);
        INFO(report_text(report));
        CHECK_FALSE(report.complete);
        CHECK(report.error_code == errc::sync_server_error);
        CHECK_FALSE(report.error_transient);
        CHECK(a.transport.posts() == 2);  // not retried
        CHECK(a.sleeps.empty());

        // The first page was checkpointed: the next run continues after it. (A copy: the log
        // grows and moves with the next run.)
        const LoggedExchange first = a.transport.log()[0];
        REQUIRE(first.response.has_value());
        REQUIRE(first.response->pull.has_value());
        const size_t first_page = first.response->pull->cells.size();
        CHECK(a.store.meta(sync_meta::pull_cursor) ==
              std::optional<std::string>(std::to_string(first.response->pull->cursor)));
        const SyncReport again = a.sync(options);
        REQUIRE_COMPLETE(again);
        CHECK(again.progress.pulled_cells == total - first_page);
        CHECK(snapshot(a.store) == snapshot(s.store));
    }
    SECTION("a transport whose device the server does not know under that replica") {
        LoopbackTransport wrong(s.service, Principal{"officer-z", "phone-z", "dev-z"});
        a.put(uuid_for(100), unit_fields("A", "A"));
        ocop::sync::SyncOptions o;
        o.sleep = [](std::chrono::milliseconds) { FAIL("a forbidden request is not retried"); };
        ocop::sync::SyncClient client(a.replica, wrong, "token", o, &a.offset, a.raw.fn());
        const SyncReport report = client.run();
        INFO(report_text(report));
        CHECK_FALSE(report.complete);
        CHECK(report.error_code == errc::sync_replica_mismatch);
        CHECK_FALSE(report.error_transient);
        CHECK(wrong.posts() == 1);
        CHECK(a.store.outbox_size() == 1);
    }
}

TEST_CASE("sync client: an answer it cannot understand ends the run with a report, not a crash",
          "[client][faults]") {
    Server s;
    Device a(s, "dev-a");
    const Changeset cs = a.put(uuid_for(1), unit_fields("U1", "Một"));

    using nlohmann::json;
    std::function<std::string(const std::string&)> rewrite;
    SECTION("not JSON") {
        rewrite = [](const std::string&) { return std::string("<html>502 Bad Gateway</html>"); };
    }
    SECTION("a result whose dup flag is not a bool") {
        rewrite = [](const std::string& text) {
            json doc = json::parse(text);
            doc["results"][0]["dup"] = "yes";
            return doc.dump();
        };
    }
    SECTION("a pull page without its cursor") {
        rewrite = [](const std::string& text) {
            json doc = json::parse(text);
            doc["pull"].erase("cursor");
            return doc.dump();
        };
    }

    a.transport.inject(Fault{Fault::rewrite_answer, 200, rewrite});
    SyncReport report;
    const std::string thrown = ocop::sync::test::error_code_of([&] { report = a.sync(); });
    REQUIRE(thrown == "<no error>");  // run() reports; it does not throw
    INFO(report_text(report));
    CHECK_FALSE(report.complete);
    CHECK(report.error_code == errc::sync_server_error);
    CHECK_FALSE(report.error_transient);
    CHECK(a.outbox_seqs() == std::vector<uint64_t>{cs.seq});  // not acknowledged

    // The server did apply it: the next run gets the stored outcome and completes.
    REQUIRE_COMPLETE(a.sync());
    CHECK(a.store.outbox_size() == 0);
    const ChangesetResult* r = result_for(a.transport.log().back(), cs.seq);
    REQUIRE(r);
    CHECK(r->duplicate);
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("sync client: a pull larger than a page arrives completely, each cell once",
          "[client][pull]") {
    Server s;
    Device b(s, "dev-b");
    write_units(b, 1, 12);  // 48 cells
    for (int k = 1; k <= 5; ++k) {
        b.raw.advance(1000);
        b.put(uuid_for(1), {{"name", "Tên " + std::to_string(k)}});
    }
    REQUIRE_COMPLETE(b.sync());

    Device a(s, "dev-a");
    SyncOptions options;
    options.page_cells = 7;

    auto pulled_since = [&](size_t first_post, const SyncReport& report) {
        std::map<CellKey, int> seen;
        size_t cells = 0;
        uint64_t cursor = 0;
        const auto& log = a.transport.log();
        for (size_t i = first_post; i < log.size(); ++i) {
            INFO("exchange " << i);
            REQUIRE(log[i].status == 200);
            const auto& page = log[i].response->pull;
            REQUIRE(page.has_value());
            REQUIRE(log[i].request->pull.has_value());
            if (i > first_post) CHECK(log[i].request->pull->cursor == cursor);  // resumes there
            CHECK(page->cells.size() <= 7);
            CHECK(page->cursor >= log[i].request->pull->cursor);
            if (!page->cells.empty()) CHECK(page->cursor > log[i].request->pull->cursor);
            CHECK(page->more == (i + 1 < log.size()));
            cursor = page->cursor;
            cells += page->cells.size();
            for (const auto& c : page->cells) ++seen[{c.collection, c.record_id, c.field}];
        }
        CHECK(report.progress.pulled_cells == cells);
        CHECK(report.progress.cursor == cursor);
        for (const auto& [key, n] : seen) {
            INFO(std::get<1>(key) << "." << std::get<2>(key));
            CHECK(n == 1);
        }
        return seen;
    };

    std::vector<SyncProgress> progress;
    const SyncReport first = a.sync(options, [&](const SyncProgress& p) { progress.push_back(p); });
    REQUIRE_COMPLETE(first);
    const auto seen = pulled_since(0, first);
    CHECK(seen.size() == 48);  // 12 units x 4 fields; the 5 renames of one field travel once
    CHECK(a.transport.posts() >= 7);
    CHECK(cell_of(a.store, uuid_for(1), "name")->value == "Tên 5");
    CHECK(snapshot(a.store) == snapshot(s.store));
    REQUIRE(progress.size() == a.transport.posts());
    for (size_t i = 1; i < progress.size(); ++i) {
        CHECK(progress[i].requests == progress[i - 1].requests + 1);
        CHECK(progress[i].cursor > progress[i - 1].cursor);
        CHECK(progress[i].pulled_cells > progress[i - 1].pulled_cells);
    }

    // Repeated edits since the cursor: one field renamed four times, another edited once.
    for (int k = 6; k <= 9; ++k) {
        b.raw.advance(1000);
        b.put(uuid_for(1), {{"name", "Tên " + std::to_string(k)}});
    }
    b.put(uuid_for(2), {{"code", "U2-mới"}});
    REQUIRE_COMPLETE(b.sync());
    const size_t before = a.transport.posts();
    const SyncReport second = a.sync(options);
    REQUIRE_COMPLETE(second);
    const auto seen2 = pulled_since(before, second);
    CHECK(seen2.size() == 2);
    CHECK(seen2.count({"admin_unit", uuid_for(1), "name"}) == 1);
    CHECK(seen2.count({"admin_unit", uuid_for(2), "code"}) == 1);
    CHECK(cell_of(a.store, uuid_for(1), "name")->value == "Tên 9");
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("sync client: values larger than the page byte limit travel one page each",
          "[client][pull]") {
    Server s;
    Device b(s, "dev-b");
    const std::string unit = uuid_for(1);
    b.put(unit, unit_fields("U1", "Xã"));
    for (int i = 0; i < 4; ++i)
        b.put(uuid_for(10 + i),
              {{"kind", "production_facility"},
               {"site_name", "Cơ sở " + std::to_string(i)},
               {"started_at", "2025-06-15T08:30:00+07:00"},
               {"status", "draft"},
               {"unit", unit},
               {"conclusion", std::string(3000, static_cast<char>('a' + i))}},
              "inspection");
    REQUIRE_COMPLETE(b.sync());

    Device a(s, "dev-a");
    SyncOptions options;
    options.page_bytes = 1;  // below the server's minimum page: raised, never an empty page
    REQUIRE_COMPLETE(a.sync(options));
    CHECK(snapshot(a.store) == snapshot(s.store));
    CHECK(a.transport.posts() >= 4);
    for (const auto& ex : a.transport.log()) {
        REQUIRE(ex.response.has_value());
        REQUIRE(ex.response->pull.has_value());
        size_t large = 0;
        for (const auto& c : ex.response->pull->cells)
            large += c.current.value.dump().size() > 1024;
        CHECK(large <= 1);
        if (ex.response->pull->more) CHECK_FALSE(ex.response->pull->cells.empty());
    }
}

TEST_CASE("sync client: pushes go in batches, in order", "[client]") {
    Server s;
    Device a(s, "dev-a");
    write_units(a, 1, 5);
    SyncOptions options;
    options.max_changesets_per_request = 2;
    REQUIRE_COMPLETE(a.sync(options));
    std::vector<uint64_t> sent;
    for (const auto& ex : a.transport.log()) {
        REQUIRE(ex.request.has_value());
        CHECK(ex.request->changesets.size() <= 2);
        for (const auto& cs : ex.request->changesets) sent.push_back(cs.seq);
    }
    CHECK(sent == std::vector<uint64_t>{1, 2, 3, 4, 5});
    CHECK(s.last_applied("dev-a") == 5);
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("sync client: a record whose fields have different stamps arrives with each stamp",
          "[client][pull]") {
    Server s;
    Device a(s, "dev-a");
    Device b(s, "dev-b");
    const std::string u = uuid_for(1);
    a.put(u, unit_fields("U1", "Một"));
    REQUIRE_COMPLETE(a.sync());
    REQUIRE_COMPLETE(b.sync());
    // Two later writes of single fields: the server now holds one record whose adjacent cells
    // carry three different stamps.
    b.raw.advance(1000);
    const Changeset rename = b.put(u, {{"name", "Một (B)"}});
    REQUIRE_COMPLETE(b.sync());
    a.raw.advance(2000);
    REQUIRE_COMPLETE(a.sync());
    const Changeset recode = a.put(u, {{"code", "U1-A"}});
    REQUIRE_COMPLETE(a.sync());

    Device c(s, "dev-c");
    REQUIRE_COMPLETE(c.sync());
    CHECK(cell_of(c.store, u, "name")->stamp == rename.stamp());
    CHECK(cell_of(c.store, u, "code")->stamp == recode.stamp());
    CHECK(cell_of(c.store, u, "level")->stamp.replica == "dev-a");
    CHECK(cell_of(c.store, u, "level")->stamp < rename.stamp());
    CHECK(snapshot(c.store) == snapshot(s.store));
}

TEST_CASE("sync client: a push-only run sends everything and pulls nothing", "[client]") {
    Server s;
    Device b(s, "dev-b");
    write_units(b, 1, 2);
    REQUIRE_COMPLETE(b.sync());

    Device a(s, "dev-a");
    write_units(a, 10, 3);
    SyncOptions options;
    options.pull = false;
    options.max_changesets_per_request = 2;
    const SyncReport report = a.sync(options);
    REQUIRE_COMPLETE(report);
    CHECK(a.store.outbox_size() == 0);
    CHECK(s.last_applied("dev-a") == 3);
    CHECK(report.progress.pulled_cells == 0);
    CHECK(a.transport.posts() == 2);
    for (const auto& ex : a.transport.log()) {
        REQUIRE(ex.request.has_value());
        CHECK_FALSE(ex.request->pull.has_value());
    }
    CHECK_FALSE(a.store.read("admin_unit", uuid_for(1)).has_value());  // B's, not pulled
    // The bytes that crossed, as the transport counted them.
    size_t sent = 0, received = 0;
    for (const auto& ex : a.transport.log()) {
        sent += ex.wire_sent;
        received += ex.wire_received;
    }
    CHECK(report.progress.bytes_sent == sent);
    CHECK(report.progress.bytes_received == received);
    CHECK(sent > 0);
}

TEST_CASE(
    "sync client: an edit made after pulling a value supersedes it, whatever its writer's clock",
    "[client][clock]") {
    Server s;
    Device b(s, "dev-b", kT0 + 4 * 60'000);  // 4 minutes ahead: within the tolerance
    Device a(s, "dev-a", kT0);
    const std::string u = uuid_for(1);
    b.put(u, unit_fields("U1", "Tên B"));
    REQUIRE_COMPLETE(b.sync());

    s.clock.advance(1000);
    a.raw.advance(1000);
    REQUIRE_COMPLETE(a.sync());
    REQUIRE(cell_of(a.store, u, "name")->value == "Tên B");
    const Stamp seen = cell_of(a.store, u, "name")->stamp;

    a.raw.advance(1000);
    const Changeset edit = a.put(u, {{"name", "Tên A"}});  // a considered overwrite
    CHECK(edit.stamp() > seen);
    CHECK(cell_of(a.store, u, "name")->value == "Tên A");
    REQUIRE_COMPLETE(a.sync());
    REQUIRE_COMPLETE(b.sync());
    CHECK(cell_of(s.store, u, "name")->value == "Tên A");
    CHECK(snapshot(a.store) == snapshot(s.store));
    CHECK(snapshot(b.store) == snapshot(s.store));
}

TEST_CASE("sync client: a device clock a day ahead is restamped and cannot win later conflicts",
          "[client][clock]") {
    Server s;                            // clock at kT0
    Device a(s, "dev-a", kT0 + kDayMs);  // the phone's clock runs a day ahead
    Device b(s, "dev-b", kT0);
    const std::string u = uuid_for(1);
    const FieldValues fields = unit_fields("A1", "Ấp Một");
    const Changeset offline = a.put(u, fields);
    REQUIRE(offline.hlc.wall_ms >= kT0 + kDayMs);  // stamped with the wrong clock

    REQUIRE_COMPLETE(a.sync());
    const auto delivered = a.transport.delivered();
    REQUIRE(delivered.size() == 1);
    const ChangesetResult* r = result_for(*delivered[0], offline.seq);
    REQUIRE(r);
    REQUIRE(r->restamped.has_value());
    CHECK(r->restamped->wall_ms >= kT0);
    CHECK(r->restamped->wall_ms <= kT0 + ocop::tuning::max_clock_ahead_ms);
    const Stamp server_stamp{*r->restamped, "dev-a"};
    for (const auto& [field, value] : fields) {
        INFO(field);
        CHECK(cell_of(s.store, u, field)->stamp == server_stamp);
        CHECK(cell_of(a.store, u, field)->stamp == server_stamp);
        CHECK(cell_of(a.store, u, field)->value == value);
    }
    CHECK(s.hlc.last().wall_ms < kT0 + kDayMs);  // the server's clock was not dragged along

    // A minute later another officer renames the unit: the later edit wins everywhere.
    s.clock.advance(60'000);
    a.raw.advance(60'000);
    b.raw.advance(60'000);
    REQUIRE_COMPLETE(b.sync());
    b.put(u, {{"name", "Ấp Một (B)"}});
    REQUIRE_COMPLETE(b.sync());
    REQUIRE_COMPLETE(a.sync());
    REQUIRE_COMPLETE(b.sync());

    CHECK(cell_of(s.store, u, "name")->value == "Ấp Một (B)");
    CHECK(cell_of(a.store, u, "name")->value == "Ấp Một (B)");
    const auto server = snapshot(s.store);
    INFO("server:\n" << describe(server) << "A:\n" << describe(snapshot(a.store)));
    CHECK(snapshot(a.store) == server);
    CHECK(snapshot(b.store) == server);
}

TEST_CASE("sync client: a restamped changeset whose answer was lost is restamped from the receipt",
          "[client][clock][faults]") {
    Server s;
    Device a(s, "dev-a", kT0 + kDayMs);
    const std::string u = uuid_for(1);
    const FieldValues fields = unit_fields("A1", "Một");
    const Changeset cs = a.put(u, fields);
    a.transport.inject(Fault{Fault::drop_answer});
    REQUIRE_COMPLETE(a.sync());
    REQUIRE(a.transport.posts() == 2);
    const ChangesetResult* lost = result_for(a.transport.log()[0], cs.seq);
    const ChangesetResult* again = result_for(a.transport.log()[1], cs.seq);
    REQUIRE(lost);
    REQUIRE(again);
    REQUIRE(lost->restamped.has_value());
    CHECK(again->duplicate);
    CHECK(again->restamped == lost->restamped);
    for (const auto& [field, value] : fields) {
        INFO(field);
        CHECK(cell_of(a.store, u, field)->stamp == Stamp{*lost->restamped, "dev-a"});
    }
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("sync client: the device learns its clock offset from every exchange and keeps it",
          "[client][clock]") {
    Server s;
    Device a(s, "dev-a", kT0 + kDayMs);  // a day ahead
    a.put(uuid_for(1), unit_fields("A1", "Một"));
    REQUIRE_COMPLETE(a.sync());
    // Server time minus the middle of the exchange on the raw clock: exact here, since the
    // hand-moved clocks stand still during the exchange.
    CHECK(a.offset.get() == -kDayMs);
    CHECK(a.store.meta(sync_meta::clock_offset) ==
          std::optional<std::string>(std::to_string(-kDayMs)));

    // The phone's clock is then set an hour behind the server: the next exchange relearns.
    a.raw.advance(-kDayMs - 3'600'000);
    REQUIRE_COMPLETE(a.sync());
    CHECK(a.offset.get() == 3'600'000);
    CHECK(a.store.meta(sync_meta::clock_offset) ==
          std::optional<std::string>(std::to_string(3'600'000)));
}

TEST_CASE("sync client: the clock offset learnt from the server brings later stamps to server time",
          "[client][clock]") {
    Server s;
    Device a(s, "dev-a", kT0 + kDayMs);
    const int64_t tolerance = ocop::tuning::max_clock_ahead_ms;

    SECTION("the device edited before it first talked to the server") {
        a.put(uuid_for(1), unit_fields("A1", "Một"));
        REQUIRE_COMPLETE(a.sync());
    }
    SECTION("the device talked to the server before its first edit") {
        REQUIRE_COMPLETE(a.sync());
    }
    REQUIRE(a.offset.get() == -kDayMs);  // learnt (see the test above)

    s.clock.advance(60'000);
    a.raw.advance(60'000);
    const Changeset later = a.put(uuid_for(2), unit_fields("A2", "Hai"));
    INFO("server time " << s.clock.get() << ", later edit stamped " << later.hlc.wall_ms << " ("
                        << (later.hlc.wall_ms - s.clock.get()) / 1000 << " s ahead)");
    CHECK(later.hlc.wall_ms <= s.clock.get() + tolerance);
    CHECK(later.hlc.wall_ms >= s.clock.get() - tolerance);

    REQUIRE_COMPLETE(a.sync());
    const LoggedExchange& last = a.transport.log().back();
    const ChangesetResult* r = result_for(last, later.seq);
    REQUIRE(r);
    CHECK_FALSE(r->restamped.has_value());
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("sync client: a refused changeset is quarantined and does not block the push",
          "[client][quarantine]") {
    Server s;
    Device a(s, "dev-a", kT0, lenient_schema());
    const Changeset cs1 = a.put(uuid_for(1), unit_fields("A1", "Một"));
    FieldValues hamlet = unit_fields("A2", "Thôn Hai");
    hamlet["level"] = "hamlet";  // valid for the device's schema, not for the server's
    const Changeset cs2 = a.put(uuid_for(2), hamlet);
    const Changeset cs3 = a.put(uuid_for(3), unit_fields("A3", "Ba"));

    const SyncReport report = a.sync();
    INFO(report_text(report));
    CHECK(report.complete);
    REQUIRE(a.transport.server_calls() >= 1);
    REQUIRE(a.transport.log()[0].request.has_value());
    CHECK(a.transport.log()[0].request->changesets.size() == 3);  // one push carried all three

    REQUIRE(report.refusals.size() == 1);
    CHECK(report.refusals[0].seq == cs2.seq);
    CHECK(report.refusals[0].code == errc::value_not_in_enum);
    CHECK(report.refusals[0].message.find("level") != std::string::npos);
    CHECK(report.progress.refused == 1);
    CHECK(report.progress.pushed == 2);

    const auto quarantined = a.store.quarantined();
    REQUIRE(quarantined.size() == 1);
    CHECK(quarantined[0].changeset.seq == cs2.seq);
    CHECK(quarantined[0].code == errc::value_not_in_enum);
    CHECK_FALSE(quarantined[0].message.empty());
    REQUIRE(quarantined[0].changeset.records.size() == 1);
    CHECK(quarantined[0].changeset.records[0].id == uuid_for(2));
    CHECK(a.store.outbox_size() == 0);

    CHECK(s.store.read("admin_unit", uuid_for(1)).has_value());
    CHECK_FALSE(s.store.read("admin_unit", uuid_for(2)).has_value());
    CHECK(s.store.read("admin_unit", uuid_for(3)).has_value());
    CHECK(cell_of(s.store, uuid_for(3), "code")->stamp == cs3.stamp());
    CHECK(s.last_applied("dev-a") == cs3.seq);

    // The refused write is undone on the device: it holds what the server holds.
    CHECK_FALSE(a.store.read("admin_unit", uuid_for(2)).has_value());
    CHECK(snapshot(a.store) == snapshot(s.store));

    // A refused edit of an existing record puts back the server's value and stamp; the valid
    // edit pushed with it is applied.
    const auto level_before = cell_of(s.store, uuid_for(1), "level");
    REQUIRE(level_before.has_value());
    const Changeset cs4 = a.put(uuid_for(1), {{"level", "hamlet"}});
    const Changeset cs5 = a.put(uuid_for(3), {{"name", "Ba (mới)"}});
    REQUIRE(cell_of(a.store, uuid_for(1), "level")->value == "hamlet");
    const SyncReport second = a.sync();
    INFO(report_text(second));
    CHECK(second.complete);
    REQUIRE(second.refusals.size() == 1);
    CHECK(second.refusals[0].seq == cs4.seq);
    CHECK(cell_of(a.store, uuid_for(1), "level")->value == level_before->value);
    CHECK(cell_of(a.store, uuid_for(1), "level")->stamp == level_before->stamp);
    CHECK(cell_of(s.store, uuid_for(3), "name")->value == "Ba (mới)");
    CHECK(cell_of(s.store, uuid_for(3), "name")->stamp == cs5.stamp());
    CHECK(a.store.quarantined().size() == 2);
    CHECK(snapshot(a.store) == snapshot(s.store));

    // Later work syncs normally; the quarantined changesets stay until a person acts.
    const Changeset cs6 = a.put(uuid_for(4), unit_fields("A4", "Bốn"));
    REQUIRE_COMPLETE(a.sync());
    CHECK(s.store.read("admin_unit", uuid_for(4)).has_value());
    CHECK(a.store.quarantined().size() == 2);
    CHECK(s.last_applied("dev-a") == cs6.seq);
    (void)cs1;
}

TEST_CASE("sync client: cancellation ends the run, never complete, resumable", "[client]") {
    Server s;
    Device b(s, "dev-b");
    write_units(b, 1, 10);  // 40 cells
    REQUIRE_COMPLETE(b.sync());
    const size_t total = snapshot(s.store).size();

    Device a(s, "dev-a");
    SyncOptions options;
    options.page_cells = 7;
    std::atomic<bool> cancel{false};

    SECTION("cancelled after the first page") {
        const SyncReport report = a.sync(
            options, [&](const SyncProgress&) { cancel = true; }, &cancel);
        INFO(report_text(report));
        CHECK_FALSE(report.complete);
        CHECK(report.error_code == errc::sync_cancelled);
        CHECK_FALSE(report.error_transient);
        REQUIRE(a.transport.posts() == 1);
        // A copy: the log grows (and moves) with the next run.
        const auto page = a.transport.log()[0].response->pull;
        REQUIRE(page.has_value());
        REQUIRE(page->more);
        CHECK(a.store.meta(sync_meta::pull_cursor) ==
              std::optional<std::string>(std::to_string(page->cursor)));

        cancel = false;
        const SyncReport again = a.sync(options, {}, &cancel);
        REQUIRE_COMPLETE(again);
        CHECK(again.progress.pulled_cells == total - page->cells.size());
        CHECK(snapshot(a.store) == snapshot(s.store));
    }
    SECTION("cancelled before it started") {
        cancel = true;
        a.put(uuid_for(100), unit_fields("A", "A"));
        const SyncReport report = a.sync(options, {}, &cancel);
        CHECK_FALSE(report.complete);
        CHECK(report.error_code == errc::sync_cancelled);
        CHECK(a.transport.posts() == 0);
        CHECK(report.progress.pending == 1);
    }
}

TEST_CASE("sync client: a new server database makes the device pull from cursor 0", "[client]") {
    Server s1("server-1");
    Device b(s1, "dev-b");
    write_units(b, 1, 3);  // 12 cells
    REQUIRE_COMPLETE(b.sync());

    Device a(s1, "dev-a");
    REQUIRE_COMPLETE(a.sync());
    const uint64_t old_cursor = pull_cursor(a);
    CHECK(a.store.meta(sync_meta::server_id) == std::optional<std::string>("server-1"));

    Server s2("server-2");
    Device c(s2, "dev-c");
    write_units(c, 50, 1);  // 4 cells, so a pull from the old cursor would find nothing
    REQUIRE_COMPLETE(c.sync());
    REQUIRE(old_cursor > s2.store.head());

    a.transport.set_service(s2.service);
    const size_t before = a.transport.posts();

    SECTION("nothing pending: the device pulls the new server from the start") {
        const SyncReport report = a.sync();
        REQUIRE_COMPLETE(report);
        const auto& log = a.transport.log();
        REQUIRE(log.size() >= before + 2);
        CHECK(log[before].request->pull->cursor == old_cursor);
        CHECK(log[before + 1].request->pull->cursor == 0);
        CHECK(a.store.meta(sync_meta::server_id) == std::optional<std::string>("server-2"));
        const auto mine = snapshot(a.store);
        for (const auto& [key, state] : snapshot(s2.store)) {
            INFO(std::get<1>(key) << "." << std::get<2>(key));
            REQUIRE(mine.count(key) == 1);
            CHECK(mine.at(key) == state);
        }
        // What the device held from the old server is kept, not dropped.
        for (const auto& [key, state] : snapshot(s1.store)) CHECK(mine.count(key) == 1);
    }
    SECTION("a changeset pending for the new server: a gap the device reports") {
        a.transport.set_service(s1.service);
        a.put(uuid_for(200), unit_fields("A", "A"));
        REQUIRE_COMPLETE(a.sync());  // seq 1 on server-1
        a.transport.set_service(s2.service);
        a.put(uuid_for(201), unit_fields("B", "B"));  // seq 2, but server-2 expects 1
        const SyncReport report = a.sync();
        INFO(report_text(report));
        CHECK_FALSE(report.complete);
        CHECK(report.error_code == errc::changeset_gap);
        CHECK_FALSE(report.error_transient);
        CHECK(a.outbox_seqs() == std::vector<uint64_t>{2});
        CHECK_FALSE(s2.store.read("admin_unit", uuid_for(201)).has_value());
    }
}
