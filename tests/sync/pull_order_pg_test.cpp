// One pull order across server processes on PostgreSQL (pg_store.hpp). The hole of every change
// feed numbered by a sequence on an MVCC database: a change numbered 100 in a long transaction
// commits after change 101 of a short one; a device that pulled 101 meanwhile has its cursor past
// 100 and never sees it. These tests provoke exactly that interleaving, first on a naive feed (to
// show the hole is real on this database), then on two PgStore instances on one schema (two
// server processes), with long and short transactions at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "ocop/postgres/pg_store.hpp"
#include "sync_test_support.hpp"
#include "test_backend.hpp"

using namespace ocop;
using namespace ocop::sync::test;
using namespace std::chrono_literals;

namespace {

pg::StoreOptions shared_schema() {
    pg::StoreOptions o;
    o.url = ocop::test::test_pg_url().value();
    o.schema = ocop::test::fresh_pg_schema();
    o.max_connections = 4;
    return o;
}

void put_cell(StoreTxn& txn, const std::string& id, int64_t wall) {
    FieldChange f;
    f.field = "name";
    f.value = "Xã " + id;
    txn.merge_record("admin_unit", id, {f}, Stamp{Hlc{wall, 0}, "dev-a"});
}

// Everything after `cursor`, page by page, as a device pulls.
void pull_all(Store& store, uint64_t& cursor, std::set<std::string>& seen) {
    while (true) {
        const ChangePage page = store.changes_since(cursor, 7, 1 << 20);
        for (const auto& c : page.cells) seen.insert(c.record_id);
        cursor = page.cursor;
        if (!page.more) return;
    }
}

}  // namespace

TEST_CASE("pull order: a naive sequence feed skips a change that commits late",
          "[postgresql][pull-order]") {
    // Not our store: the hazard itself, on this PostgreSQL, so that the test below is known to
    // provoke something real.
    const std::string url = ocop::test::test_pg_url().value();
    const std::string schema = ocop::test::fresh_pg_schema();
    pg::Connection setup(url), a(url), b(url), reader(url);
    setup.exec("CREATE SCHEMA " + schema + "; CREATE TABLE " + schema +
               ".feed(seq bigserial PRIMARY KEY, what text)");
    a.exec("BEGIN; INSERT INTO " + schema + ".feed(what) VALUES('long')");  // numbered 1
    b.exec("INSERT INTO " + schema + ".feed(what) VALUES('short')");        // 2, committed
    const std::string since = "SELECT seq FROM " + schema + ".feed WHERE seq > $1 ORDER BY seq";
    const pg::Result first = reader.query(since, {"0"});
    REQUIRE(first.rows() == 1);
    const std::string cursor(first.text(0, 0));
    CHECK(cursor == "2");
    a.exec("COMMIT");
    CHECK(reader.query(since, {cursor}).rows() == 0);  // 1 is committed, and never pulled
}

TEST_CASE("pull order: a change committed late is never skipped by a cursor past it",
          "[postgresql][pull-order]") {
    const pg::StoreOptions options = shared_schema();
    pg::PgStore process_1(options), process_2(options);  // two server processes, one database

    std::atomic<bool> numbered{false}, short_done{false};
    std::thread long_txn([&] {
        process_1.write([&](StoreTxn& txn) {
            put_cell(txn, uuid_for(100), kT0);
            numbered = true;
            std::this_thread::sleep_for(400ms);  // a long push: rules, a big changeset
        });
    });
    while (!numbered) std::this_thread::sleep_for(1ms);
    std::thread short_txn([&] {
        process_2.write([&](StoreTxn& txn) { put_cell(txn, uuid_for(101), kT0 + 1); });
        short_done = true;
    });

    // A device pulls from the second process while the long transaction is open.
    uint64_t cursor = 0;
    std::set<std::string> seen;
    std::vector<std::set<std::string>> views;
    for (int i = 0; i < 20; ++i) {
        pull_all(process_2, cursor, seen);
        views.push_back(seen);
        std::this_thread::sleep_for(25ms);
    }
    long_txn.join();
    short_txn.join();
    pull_all(process_2, cursor, seen);

    CHECK(short_done);
    CHECK(seen == std::set<std::string>{uuid_for(100), uuid_for(101)});
    for (const auto& v : views) CHECK((!v.contains(uuid_for(101)) || v.contains(uuid_for(100))));
    const auto first = process_2.read("admin_unit", uuid_for(100));
    const auto second = process_2.read("admin_unit", uuid_for(101));
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->fields.at("name").seq < second->fields.at("name").seq);
}

TEST_CASE("pull order: long and short transactions on two processes, pulled concurrently",
          "[postgresql][pull-order]") {
    const pg::StoreOptions options = shared_schema();
    pg::PgStore process_1(options), process_2(options);
    constexpr int kWriters = 4, kWritesEach = 40;

    std::vector<std::thread> writers;
    std::atomic<int> finished{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;  // checked on the test's thread
    for (int w = 0; w < kWriters; ++w)
        writers.emplace_back([&, w] {
            std::mt19937 rng(static_cast<unsigned>(w + 1));
            pg::PgStore& store = w % 2 ? process_2 : process_1;
            for (int i = 0; i < kWritesEach; ++i) {
                const auto id = uuid_for(static_cast<uint64_t>(w * 1000 + i));
                try {
                    store.write([&](StoreTxn& txn) {
                        put_cell(txn, id, kT0 + i);
                        // One in four holds its numbers for a while before it commits.
                        if (rng() % 4 == 0)
                            std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 30));
                    });
                } catch (const std::exception& e) {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(e.what());
                }
            }
            ++finished;
        });

    // Two devices pull throughout, one from each process, never starting over.
    struct Puller {
        pg::PgStore* store = nullptr;
        uint64_t cursor = 0;
        std::set<std::string> seen;
    };
    std::vector<Puller> pullers(2);
    pullers[0].store = &process_1;
    pullers[1].store = &process_2;
    std::vector<std::thread> pulling;
    for (auto& p : pullers)
        pulling.emplace_back([&finished, &p] {
            while (finished < kWriters) pull_all(*p.store, p.cursor, p.seen);
        });
    for (auto& t : writers) t.join();
    for (auto& t : pulling) t.join();

    REQUIRE(failures.empty());
    std::set<std::string> written;
    for (int w = 0; w < kWriters; ++w)
        for (int i = 0; i < kWritesEach; ++i)
            written.insert(uuid_for(static_cast<uint64_t>(w * 1000 + i)));
    for (auto& p : pullers) {
        pull_all(*p.store, p.cursor, p.seen);  // the last commits, then nothing may be missing
        CHECK(p.seen.size() == written.size());
        CHECK(p.seen == written);
        CHECK(p.cursor == process_1.head());
    }
}
