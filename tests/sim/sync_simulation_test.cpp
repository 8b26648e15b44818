// Deterministic simulation of devices, network and server (issue 6, "Nothing lost"); the world is
// described in sim_world.hpp. Checked after every random run (World::check_invariants, sync):
//   1. All replicas identical: every device's cells (value AND stamp, every collection, conflict
//      records included) equal the server's.
//   2. Nothing acknowledged is lost: every field change of every changeset the server applied
//      (from its receipts, whether or not the device heard the answer) is the current value, or
//      is listed in its field's conflict record, or was overwritten by a writer that had seen it
//      (the rule, derived from ConflictRecorder::detect, is spelt out in sim_world.cpp); no cell
//      goes backwards; no current value comes from nowhere; no two writes share a stamp.
//   3. No refused change disappears: every changeset the server refused is in its device's
//      quarantine, unchanged (unless the test discarded it), and no cell keeps its stamp.
//   4. Honest status: a run reports `complete` only if its last exchange was answered, the outbox
//      is empty and the pull cursor equals the server's head at that moment; `pending` is the
//      outbox size; an incomplete run names its error.
// Every run takes a seed and replays exactly:
//
//   OCOP_SIM_SEED=<n>        run only seed n (and print its summary)
//   OCOP_SIM_SEEDS=<count>   how many seeds (default 200: seeds 1..200)
//   OCOP_SIM_FIRST_SEED=<n>  first seed of the range (default 1)
//   OCOP_SIM_STEPS=<steps>   random steps per seed (default 60): a longer soak is one flag away
//   OCOP_SIM_TRACE=1         print every operation, exchange and fault as it happens
//   OCOP_SIM_MAX_FAILURES=<n> stop after n failing seeds (default 5)
//
// e.g.  OCOP_SIM_SEED=17 OCOP_SIM_TRACE=1 build/release/tests/sim/ocop_sim_tests "[random]"
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include "ocop/core/tuning.hpp"
#include "ocop/sync/conflict_recorder.hpp"
#include "sim_world.hpp"

using ocop::Record;
using ocop::Value;
using ocop::sim::kDay;
using ocop::sim::kHour;
using ocop::sim::kMinute;
using ocop::sim::kSecond;
using ocop::sim::Stats;
using ocop::sim::World;

namespace {

std::optional<uint64_t> env_number(const char* name) {
    const char* text = std::getenv(name);
    if (!text || !*text) return std::nullopt;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0') FAIL(name << " must be a number, not '" << text << "'");
    return v;
}

struct Settings {
    uint64_t first = 1;
    uint64_t count = 200;
    int steps = 60;
    bool single = false;
    bool trace = false;
    uint64_t max_failures = 5;
};

Settings settings() {
    Settings s;
    if (auto v = env_number("OCOP_SIM_FIRST_SEED")) s.first = *v;
    if (auto v = env_number("OCOP_SIM_SEEDS")) s.count = *v;
    if (auto v = env_number("OCOP_SIM_STEPS")) s.steps = static_cast<int>(*v);
    if (auto v = env_number("OCOP_SIM_SEED")) {
        s.first = *v;
        s.count = 1;
        s.single = true;
    }
    s.trace = env_number("OCOP_SIM_TRACE").value_or(0) != 0;
    if (auto v = env_number("OCOP_SIM_MAX_FAILURES")) s.max_failures = *v;
    return s;
}

std::string joined(const std::vector<std::string>& lines, size_t max) {
    std::string out;
    for (size_t i = 0; i < lines.size() && i < max; ++i) out += "  - " + lines[i] + "\n";
    if (lines.size() > max) out += "  ... and " + std::to_string(lines.size() - max) + " more\n";
    return out;
}

}  // namespace

TEST_CASE("sim: random edits under faults and skewed clocks converge and lose nothing",
          "[sim][random]") {
    const Settings s = settings();
    Stats total;
    uint64_t failed = 0;
    const auto started = std::chrono::steady_clock::now();
    for (uint64_t seed = s.first; seed < s.first + s.count; ++seed) {
        std::unique_ptr<World> world;
        std::vector<std::string> problems;
        try {
            world = ocop::sim::run_random_simulation(seed, s.steps, s.trace);
            problems = world->violations;
            total += world->stats;
        } catch (const std::exception& e) {
            problems.push_back(std::string("the simulation threw: ") + e.what());
        }
        if (problems.empty()) continue;
        ++failed;
        INFO("seed " << seed << " (" << s.steps << " steps) broke " << problems.size()
                     << " invariant check(s). Replay only this seed with:\n  OCOP_SIM_SEED=" << seed
                     << " OCOP_SIM_STEPS=" << s.steps
                     << " OCOP_SIM_TRACE=1 ocop_sim_tests \"[random]\"\n"
                     << joined(problems, 12));
        CAPTURE(seed);
        CHECK(problems.empty());
        if (failed >= s.max_failures) break;  // enough to go on; keep the log readable
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("simulation: %llu seed(s) from %llu, %d steps each, %.1f s; %s\n",
                static_cast<unsigned long long>(s.count), static_cast<unsigned long long>(s.first),
                s.steps, seconds, total.summary().c_str());

    // The simulation must exercise what it claims to check.
    if (s.count >= 50 && s.steps >= 40 && failed == 0) {
        CHECK(total.dropped_requests > 0);
        CHECK(total.delayed_requests > 0);
        CHECK(total.stale_deliveries > 0);
        CHECK(total.dropped_answers > 0);
        CHECK(total.duplicated_requests > 0);
        CHECK(total.duplicate_results > 0);
        CHECK(total.partitioned_posts > 0);
        CHECK(total.restamped > 0);
        CHECK(total.refused > 0);
        CHECK(total.discards > 0);
        CHECK(total.conflict_records > 0);
        CHECK(total.kept_by_conflict > 0);
        CHECK(total.deletes > 0);
        CHECK(total.clock_jumps > 0);
    }
}

// Issue 6 item 5: a device away for a year while others edit and delete. It loses none of its
// edits, is not reset (its cursor continues and it pulls only what changed since), and brings
// back no record deleted meanwhile. Deletion is a field (`_deleted`, merged like any other), so
// an offline edit of another field of a deleted record is kept in the tombstoned record but does
// not undelete it; an offline deletion wins over edits of other fields made meanwhile.
TEST_CASE("sim: a device away for a year loses nothing and resurrects nothing", "[sim][absence]") {
    World w(2026,
            {{"device-a", 0, 0}, {"device-b", 3 * kSecond, 500}, {"device-c", -2 * kSecond, 0}},
            std::getenv("OCOP_SIM_TRACE") != nullptr);
    constexpr size_t A = 0, B = 1, C = 2;
    for (int i = 0; i < 12; ++i) {
        REQUIRE(w.create(A));
        w.advance(40 * kSecond);
    }
    for (int i = 0; i < 8; ++i) {
        REQUIRE(w.create(B));
        w.advance(40 * kSecond);
    }
    REQUIRE(w.converge());
    REQUIRE(w.violations.empty());
    const std::vector<std::string> ids = w.record_ids;

    // device-c leaves for the field; what it has seen so far.
    const uint64_t cursor_before = w.device(C).cursor();
    REQUIRE(cursor_before > 0);
    REQUIRE(cursor_before == w.server().store.head());
    w.device(C).partitioned = true;

    // Offline, over its first hour away.
    const int64_t left_at = w.now();
    w.advance(kHour);
    REQUIRE(w.edit_fields(C, ids[0], {{"conclusion", "Đạt (ghi ngoài thực địa)"}}));
    REQUIRE(w.edit_fields(C, ids[1], {{"conclusion", "Cần bổ sung ảnh"}, {"gps_lon", 105.5}}));
    REQUIRE(w.edit_fields(C, ids[2], {{"gps_lat", 21.5}}));
    REQUIRE(w.edit_fields(C, ids[3], {{"site_name", "Chợ phiên Bắc Hà"}}));
    REQUIRE(w.remove_record(C, ids[4]));
    REQUIRE(w.edit_fields(C, ids[6], {{"status", "signed"}}));
    REQUIRE(w.create(C));
    const std::string created_offline = w.record_ids.back();
    const size_t c_changesets = w.device(C).committed.size();

    // The year: every month the others edit, and sometimes delete, and sync.
    for (int month = 0; month < 12; ++month) {
        w.advance(30 * kDay);
        REQUIRE(w.edit_fields(A, ids[8 + static_cast<size_t>(month) % 12],
                              {{"conclusion", "Tháng " + std::to_string(month + 1)}}));
        if (month == 2) {
            REQUIRE(w.remove_record(B, ids[0]));
            REQUIRE(w.remove_record(B, ids[1]));
        }
        if (month == 4) REQUIRE(w.edit_fields(A, ids[3], {{"site_name", "Chợ Bắc Hà (điểm mới)"}}));
        if (month == 5) REQUIRE(w.edit_fields(B, ids[4], {{"conclusion", "Không đạt"}}));
        if (month == 6) REQUIRE(w.edit_fields(B, ids[6], {{"gps_lon", 104.25}}));
        if (month == 7) REQUIRE(w.remove_record(B, ids[7]));
        REQUIRE(w.sync(A, 3).complete);
        REQUIRE(w.sync(B, 3).complete);
    }
    w.advance(left_at + 365 * kDay - w.now());  // exactly a year after it left
    REQUIRE(w.now() == left_at + 365 * kDay);

    // device-c comes back.
    const size_t server_cells = ocop::sim::snapshot(w.server().store).size();
    w.device(C).partitioned = false;
    const ocop::sync::SyncReport back = w.sync(C, 3);
    INFO(back.error_code << ": " << back.error_message);
    REQUIRE(back.complete);
    CHECK(back.refusals.empty());
    CHECK(back.progress.pushed == c_changesets);
    // Not reset: the cursor continued from where it was, and the device pulled exactly the
    // cells that changed on the server since, not everything again, and not its own pushes
    // (no echo, unless the server re-stamped them: docs/sync-protocol.md).
    const ocop::Hlc restamp_floor = ocop::Hlc::unpack(
        std::stoull(w.server().store.meta("restamp_floor/device-c").value_or("0")));
    size_t changed = 0;
    for (const auto& c :
         w.server().store.changes_since(cursor_before, 1u << 30, size_t{1} << 40).cells)
        if (c.current.stamp.replica != "device-c" || c.current.stamp.hlc <= restamp_floor)
            ++changed;
    CHECK(back.progress.pulled_cells == changed);
    CHECK(changed < server_cells);
    CHECK(w.device(C).cursor() == w.server().store.head());
    CHECK(w.device(C).store.meta(ocop::sync::meta_key::server_id).value_or("") ==
          ocop::sim::kServerId);
    CHECK(w.device(C).replica.id() == "device-c");

    REQUIRE(w.converge());
    w.check_invariants();
    INFO("violations:\n" << joined(w.violations, 20));
    CHECK(w.violations.empty());

    // Every replica, server included, tells the same story.
    std::vector<ocop::Store*> replicas = {&w.server().store};
    for (size_t d = 0; d < w.device_count(); ++d) replicas.push_back(&w.device(d).store);
    const auto conflict_values = [&](ocop::Store& s, const std::string& id, const char* field) {
        const auto rec = s.read(ocop::sync::conflict_collection,
                                ocop::sync::ConflictRecorder::conflict_id("inspection", id, field));
        std::vector<Value> out;
        if (rec && rec->get("values").is_array())
            for (const auto& e : rec->get("values")) out.push_back(e.value("value", Value()));
        return out;
    };
    for (ocop::Store* s : replicas) {
        auto rec = [&](const std::string& id) {
            auto r = s->read("inspection", id);
            REQUIRE(r.has_value());
            return *r;
        };
        // Deleted by device-b while device-c edited other fields: still deleted, and device-c's
        // edits kept in the tombstoned record.
        CHECK(rec(ids[0]).deleted());
        CHECK(rec(ids[0]).get("conclusion") == "Đạt (ghi ngoài thực địa)");
        CHECK(rec(ids[1]).deleted());
        CHECK(rec(ids[1]).get("conclusion") == "Cần bổ sung ảnh");
        CHECK(rec(ids[1]).get("gps_lon") == 105.5);
        // A field nobody else touched: device-c's value, a year late.
        CHECK(rec(ids[2]).get("gps_lat") == 21.5);
        // The same field edited on both sides: the later write is current, both are in the
        // field's conflict record.
        CHECK(rec(ids[3]).get("site_name") == "Chợ Bắc Hà (điểm mới)");
        const auto competing = conflict_values(*s, ids[3], "site_name");
        CHECK(std::count(competing.begin(), competing.end(), Value("Chợ phiên Bắc Hà")) == 1);
        CHECK(std::count(competing.begin(), competing.end(), Value("Chợ Bắc Hà (điểm mới)")) == 1);
        // Deleted offline while device-b edited another field: deleted, device-b's edit kept.
        CHECK(rec(ids[4]).deleted());
        CHECK(rec(ids[4]).get("conclusion") == "Không đạt");
        // Different fields of one record on both sides: both kept, no conflict.
        CHECK(rec(ids[6]).get("status") == "signed");
        CHECK(rec(ids[6]).get("gps_lon") == 104.25);
        CHECK(conflict_values(*s, ids[6], "status").empty());
        CHECK(conflict_values(*s, ids[6], "gps_lon").empty());
        // Deleted during the year, untouched by device-c: device-c does not bring it back.
        CHECK(rec(ids[7]).deleted());
        CHECK_FALSE(rec(created_offline).deleted());
        // Queries see exactly the live records.
        std::set<std::string> live;
        for (const Record& r : s->query("inspection", {}, 1000)) live.insert(r.id);
        for (size_t i : {0, 1, 4, 7}) CHECK_FALSE(live.count(ids[i]));
        CHECK(live.count(created_offline));
        CHECK(live.size() == ids.size() - 4 + 1);
    }
    CHECK(w.device(C).store.quarantined().empty());
}

namespace {

// Every replica's value of one field of one record ("<none>" if absent).
std::vector<std::string> values_everywhere(World& w, const std::string& id, const char* field) {
    std::vector<std::string> out;
    auto value_in = [&](ocop::Store& s) {
        const auto rec = s.read("inspection", id);
        return rec && rec->fields.count(field) ? rec->get(field).dump() : std::string("<none>");
    };
    out.push_back("server: " + value_in(w.server().store));
    for (size_t d = 0; d < w.device_count(); ++d)
        out.push_back(w.device(d).id + ": " + value_in(w.device(d).store));
    return out;
}

// The stamp of one field on one device.
ocop::Stamp stamp_on(World& w, size_t d, const std::string& id, const char* field) {
    const auto rec = w.device(d).store.read("inspection", id);
    REQUIRE(rec.has_value());
    REQUIRE(rec->fields.count(field));
    return rec->fields.at(field).stamp;
}

// The stamp of the newest changeset in a device's outbox.
ocop::Stamp last_outbox_stamp(World& w, size_t d) {
    const auto outbox = w.device(d).store.outbox(1000);
    REQUIRE_FALSE(outbox.empty());
    return outbox.back().stamp();
}

// An officer on `editor` reads a value it has just pulled and corrects it; the correction must be
// shown at once, stamped after the value it replaces, and reach every replica.
void check_correction_survives(World& w, size_t editor, const std::string& id) {
    const ocop::Stamp seen = stamp_on(w, editor, id, "site_name");
    w.advance(30 * kSecond);
    REQUIRE(w.edit_fields(editor, id, {{"site_name", "Làng nghề mây tre đan Phú Vinh"}}));
    const ocop::Stamp written = last_outbox_stamp(w, editor);
    INFO("seen " << ocop::sim::describe(seen) << ", written " << ocop::sim::describe(written));
    // The HLC promise: a write is stamped after everything its writer had seen.
    CHECK(seen < written);
    // The officer sees the correction (the device's own merge rule did not discard it).
    CHECK(w.device(editor).store.read("inspection", id)->get("site_name") ==
          "Làng nghề mây tre đan Phú Vinh");

    REQUIRE(w.converge());
    w.check_invariants();
    INFO("violations:\n" << joined(w.violations, 20));
    CHECK(w.violations.empty());
    const auto values = values_everywhere(w, id, "site_name");
    INFO("site_name everywhere:\n" << joined(values, 10));
    CHECK(std::all_of(values.begin(), values.end(), [](const std::string& v) {
        return v.find("Phú Vinh") != std::string::npos;
    }));
}

}  // namespace

// The device learns its clock offset from the midpoint of each exchange; with a slow downlink the
// estimate is off by half the extra delay, but time moves by the whole delay, so the corrected
// clock is never behind the server's time of answer and the device always adopts the server's
// HLC -- even when another device runs just inside the 5-minute tolerance.
TEST_CASE("sim: a slow downlink does not stop a device from stamping after what it pulled",
          "[sim][clock]") {
    World w(99, {{"device-x", ocop::tuning::max_clock_ahead_ms - 100, 0}, {"device-y", 0, 0}},
            std::getenv("OCOP_SIM_TRACE") != nullptr);
    constexpr size_t X = 0, Y = 1;
    REQUIRE(w.create(X));  // stamped 4 min 59.9 s ahead, adopted as it is
    const std::string id = w.record_ids.back();
    REQUIRE(w.sync(X, 3).complete);
    w.weather.slow_answer = 1.0;
    w.weather.slow_answer_ms = 6000;
    REQUIRE(w.sync(Y, 3).complete);  // device-y pulls the record
    w.weather = ocop::sim::Weather::calm();
    check_correction_survives(w, Y, id);
}

// BUG (found by the random simulation): a device's HLC adopts the server's clock only through
// HlcClock::observe(resp.hlc), which refuses a clock more than 5 minutes ahead of the device's
// own (offset-corrected) clock -- and SyncClient ignores the refusal. The device's corrected clock
// follows the server's PHYSICAL time, while the server's HLC, and the stamps it stores, may run
// ahead of it: by up to 5 minutes legitimately (it adopts stamps of devices up to 5 minutes fast),
// and by more once the server's clock steps back (an NTP step, a VM restored). LocalReplica then
// stamps an edit below the value it replaces: the device's own merge rule discards the edit at
// once (the officer's save silently does nothing), and the server, seeing base == current stamp,
// records no conflict and keeps the older value. The edit is reported as pushed and is lost.
TEST_CASE("sim: an edit made after a pull survives the server's clock stepping back",
          "[sim][clock][bug]") {
    World w(7, {{"device-x", 4 * kMinute, 0}, {"device-y", 0, 0}},
            std::getenv("OCOP_SIM_TRACE") != nullptr);
    constexpr size_t X = 0, Y = 1;
    // device-x, 4 minutes fast (inside the tolerance) and not yet corrected by a sync, records an
    // inspection: stamped 4 minutes ahead, adopted as it is, and the server's HLC follows it.
    REQUIRE(w.create(X));
    const std::string id = w.record_ids.back();
    REQUIRE(w.sync(X, 3).complete);
    w.set_server_skew(-2 * kMinute);  // the server's clock steps back 2 minutes
    w.advance(kSecond);
    REQUIRE(w.sync(Y, 3).complete);  // device-y pulls the inspection
    check_correction_survives(w, Y, id);
}

// BUG, the same one triggered from the device side: the phone's clock steps back an hour (a wrong
// network time, a time-zone mix-up, the officer fiddling with the settings) while an answer is on
// its way. The offset learnt from that exchange absorbs half the step, so the corrected clock is
// ~30 minutes behind, observe() refuses the server's clock, and the officer's next correction of
// a value written by a device running a few minutes fast is stamped below that value. Without the
// step, device-y adopts the server's clock and all is well.
TEST_CASE("sim: an edit made after a pull survives the device's clock stepping back mid-sync",
          "[sim][clock][bug]") {
    World w(8, {{"device-x", 4 * kMinute, 0}, {"device-y", 0, 0}},
            std::getenv("OCOP_SIM_TRACE") != nullptr);
    constexpr size_t X = 0, Y = 1;
    REQUIRE(w.create(X));  // stamped ~4 minutes ahead, inside the tolerance
    const std::string id = w.record_ids.back();
    REQUIRE(w.sync(X, 3).complete);
    w.advance(kSecond);
    w.device(Y).options.page_cells = 0;  // one page: the exchange with the step is the last one
    w.device(Y).options.page_bytes = 0;
    w.device(Y).jump_in_next_exchange = -kHour;  // steps back while the answer travels
    REQUIRE(w.sync(Y, 3).complete);              // device-y pulls the inspection
    check_correction_survives(w, Y, id);
}

// BUG (found by the random simulation, "two writes share the stamp"): when SyncService restamps a
// changeset whose clock ran too far ahead, it gives it Stamp{server HLC, device replica}. The
// server's HLC and the device's count the logical part independently; once both stand on the
// same wall time (the server adopted the device's clock earlier, then its own physical clock
// stepped back so that the device's stamps are now too far ahead), the server hands out stamps
// the device has already used for its own changesets. The merge rule takes equal stamps for the
// same write delivered again, and restore_cell / restamp find cells by stamp.
TEST_CASE("sim: a restamped changeset never gets a stamp its device already used",
          "[sim][clock][bug]") {
    World w(9, {{"device-d", 4 * kMinute + 50 * kSecond, 0}},
            std::getenv("OCOP_SIM_TRACE") != nullptr);
    constexpr size_t D = 0;
    w.device(D).options.max_changesets_per_request = 500;
    REQUIRE(w.create(D));  // stamped 4 min 50 s ahead, inside the tolerance: the server adopts it
    REQUIRE(w.sync(D, 3).complete);
    w.set_server_skew(-2 * kMinute);  // then the server's own clock steps back
    w.advance(kSecond);
    for (int i = 0; i < 4; ++i) REQUIRE(w.create(D));
    REQUIRE(w.sync(D, 3).complete);  // all now too far ahead: restamped, in one request
    REQUIRE(w.converge());
    w.check_invariants();
    INFO("violations:\n" << joined(w.violations, 20));
    CHECK(w.violations.empty());
}
