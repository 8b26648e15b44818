// Pull pages sized in bytes, and pages fetched ahead while the last one is applied (issue #18,
// item 1): a fresh device needs at most one request per 10,000 changes; a page is checkpointed
// only once applied, whatever happens to the one fetched ahead.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "../../bench/realistic_data.hpp"
#include "sync_test_support.hpp"

using namespace ocop;
using namespace ocop::sync;
using namespace ocop::sync::test;
namespace sync_meta = ocop::sync::meta_key;

namespace {

// `records` inspections of the benchmark's realistic data written on the server by another
// replica, 500 to a changeset.
void seed_inspections(Server& s, int records) {
    LocalReplica writer(s.store, builtin_schema(), s.clock.fn(), "seed-device", {},
                        /*keep_outbox=*/false);
    bench::InspectionGenerator gen(2026);
    for (int done = 0; done < records;) {
        LocalTransaction t;
        for (int i = 0; i < 500 && done < records; ++i, ++done) {
            FieldValues fields;
            for (const auto& f : gen.inspection_fields()) fields[f.field] = f.value;
            t.put("inspection", gen.new_id(kT0 + done), fields);
        }
        writer.commit(t);
    }
}

// What a cell weighs against a page's byte budget (the store's measure).
size_t weight(const Cell& c) {
    return c.current.value.dump().size() + c.collection.size() + c.record_id.size() +
           c.field.size();
}

}  // namespace

TEST_CASE("pull pages: a fresh device pulls 50,000 changes in at most 5 requests",
          "[client][pages]") {
    Server s;
    seed_inspections(s, 5000);
    REQUIRE(snapshot(s.store).size() == 50000);

    Device a(s, "dev-a");
    const SyncReport report = a.sync();  // the default options: the default byte budget
    INFO(report.error_code << ": " << report.error_message);
    REQUIRE(report.complete);
    CHECK(report.progress.pulled_cells == 50000);
    CHECK(a.transport.posts() <= 5);
    CHECK(report.progress.requests == a.transport.posts());
    CHECK(snapshot(a.store) == snapshot(s.store));
    for (const auto& e : a.transport.log()) {
        REQUIRE(e.request->pull.has_value());
        CHECK(e.request->pull->max_bytes == ocop::sync::tuning::default_page_bytes);
    }
}

TEST_CASE("pull pages: the server fills a page up to the byte budget the device asks for",
          "[client][pages]") {
    Server s;
    seed_inspections(s, 1000);  // 10,000 cells, ~0.8 MB by the page measure
    Device a(s, "dev-a");
    SyncOptions options;
    options.page_bytes = 64 * 1024;
    const SyncReport report = a.sync(options);
    REQUIRE(report.complete);
    CHECK(snapshot(a.store) == snapshot(s.store));
    const auto& log = a.transport.log();
    REQUIRE(log.size() > 5);
    size_t largest = 0;
    for (const auto& e : log)
        for (const auto& c : e.response->pull->cells) largest = std::max(largest, weight(c));
    for (size_t i = 0; i < log.size(); ++i) {
        INFO("page " << i);
        REQUIRE(log[i].response->pull.has_value());
        size_t bytes = 0;
        for (const auto& c : log[i].response->pull->cells) bytes += weight(c);
        CHECK(bytes <= options.page_bytes);
        // Filled: no further cell would have fitted.
        if (log[i].response->pull->more) CHECK(bytes + largest > options.page_bytes);
    }
}

TEST_CASE("pull pages: the next page is fetched while the last one is applied",
          "[client][pages][overlap]") {
    Server s;
    Device b(s, "dev-b");
    REQUIRE(b.sync().complete);
    Device a(s, "dev-a");
    REQUIRE(a.sync().complete);  // a knows the server: its next pull can run ahead
    for (int i = 0; i < 10; ++i)
        b.put(uuid_for(100 + i), unit_fields("U" + std::to_string(i), "Xã"));
    REQUIRE(b.sync().complete);  // 40 cells

    // The server side counts the requests it handled (on the transport's thread); after each
    // applied page the device waits until the next request reached the server, which only
    // happens if it was sent before the page was applied. The wait ends in any case.
    std::mutex m;
    std::condition_variable cv;
    size_t handled = 0;
    a.transport.after_server = [&](const SyncRequest&, const SyncResponse&) {
        std::lock_guard lock(m);
        ++handled;
        cv.notify_all();
    };
    const size_t before = a.transport.posts();
    SyncOptions options;
    options.page_cells = 8;  // 5 pages
    size_t pages = 0;
    size_t ran_ahead = 0;
    const SyncReport report = a.sync(options, [&](const SyncProgress& p) {
        ++pages;
        if (p.cursor == 0 || p.cursor >= s.store.head()) return;  // the last page: none ahead
        std::unique_lock lock(m);
        if (cv.wait_for(lock, std::chrono::seconds(20), [&] { return handled > pages; }))
            ++ran_ahead;
    });
    REQUIRE(report.complete);
    CHECK(a.transport.posts() - before == 5);
    CHECK(pages == 5);
    CHECK(ran_ahead == 4);
    CHECK(snapshot(a.store) == snapshot(s.store));

    // The same with a transport that may not overlap: strictly one after another.
    Device c(s, "dev-c");
    REQUIRE(c.sync(options).complete);
    c.transport.overlap = false;
    c.put(uuid_for(1), unit_fields("C", "C"));
    REQUIRE(c.sync(options).complete);
    CHECK(snapshot(c.store) == snapshot(s.store));
}

TEST_CASE("pull pages: an error while a page is fetched ahead keeps the checkpoint right",
          "[client][pages][overlap][faults]") {
    Server s;
    Device a(s, "dev-a");
    REQUIRE(a.sync().complete);  // a knows the server: its pulls can run ahead
    Device b(s, "dev-b");
    for (int i = 0; i < 10; ++i)
        b.put(uuid_for(100 + i), unit_fields("U" + std::to_string(i), "Xã"));
    REQUIRE(b.sync().complete);  // 40 cells: 5 pages of 8 for a
    const size_t before = a.transport.posts();
    SyncOptions options;
    options.page_cells = 8;

    SECTION("an answer lost: retried from the last applied page") {
        a.transport.inject(Fault{Fault::pass}, 3);
        a.transport.inject(Fault{Fault::drop_answer});
        const SyncReport report = a.sync(options);
        REQUIRE(report.complete);
        CHECK(report.progress.failed_attempts == 1);
        const auto& log = a.transport.log();
        REQUIRE(log.size() - before == 6);  // 5 pages and the lost one
        CHECK(log[before + 3].fault == Fault::drop_answer);
        // The retry asks from the cursor of the third page: the last one applied.
        CHECK(log[before + 4].request->pull->cursor == log[before + 2].response->pull->cursor);
        CHECK(snapshot(a.store) == snapshot(s.store));
    }
    SECTION("an answer not understood: the run fails at the last applied page, and resumes") {
        a.transport.inject(Fault{Fault::pass}, 3);
        a.transport.inject(Fault{Fault::rewrite_answer, 200,
                                 [](const std::string&) { return std::string("{\"v\":1}"); }});
        const SyncReport report = a.sync(options);
        CHECK_FALSE(report.complete);
        CHECK(report.error_code == errc::sync_server_error);
        const auto& log = a.transport.log();
        REQUIRE(log.size() - before == 4);
        const uint64_t applied = log[before + 2].response->pull->cursor;
        CHECK(pull_cursor(a) == applied);
        size_t cells = 0;
        for (size_t i = before; i < before + 3; ++i) cells += log[i].response->pull->cells.size();
        CHECK(snapshot(a.store).size() == cells);

        const SyncReport again = a.sync(options);
        REQUIRE(again.complete);
        CHECK(a.transport.log()[before + 4].request->pull->cursor == applied);
        CHECK(snapshot(a.store) == snapshot(s.store));
    }
    SECTION("cancelled: the page fetched ahead is not applied") {
        std::atomic<bool> cancel{false};
        size_t pages = 0;
        const SyncReport report = a.sync(
            options, [&](const SyncProgress&) { cancel = ++pages == 2; }, &cancel);
        CHECK(report.error_code == errc::sync_cancelled);
        const auto& log = a.transport.log();
        REQUIRE(log.size() - before == 3);  // the third was on its way when the second was applied
        CHECK(pull_cursor(a) == log[before + 1].response->pull->cursor);
        CHECK(pull_cursor(a) < log[before + 2].response->pull->cursor);
        size_t cells = 0;
        for (size_t i = before; i < before + 2; ++i) cells += log[i].response->pull->cells.size();
        CHECK(snapshot(a.store).size() == cells);

        cancel = false;
        REQUIRE(a.sync(options, {}, &cancel).complete);
        CHECK(a.transport.log()[before + 3].request->pull->cursor ==
              log[before + 1].response->pull->cursor);
        CHECK(snapshot(a.store) == snapshot(s.store));
    }
}
