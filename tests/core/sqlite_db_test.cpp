// The thin SQLite layer: statements kept for reuse come back reset, with no bindings and no read
// left open, and two of the same text at once are two statements; temporary data stays in memory.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include "ocop/core/sqlite_db.hpp"
#include "test_support.hpp"

using ocop::sqlite::Db;
using ocop::sqlite::Durability;

namespace {

// Statements of the connection that are stepping (hold a read or write open), counted by SQLite.
int busy_statements(const Db& db) {
    int busy = 0;
    for (sqlite3_stmt* st = sqlite3_next_stmt(db.handle(), nullptr); st;
         st = sqlite3_next_stmt(db.handle(), st))
        busy += sqlite3_stmt_busy(st) ? 1 : 0;
    return busy;
}

int statements(const Db& db) {
    int n = 0;
    for (sqlite3_stmt* st = sqlite3_next_stmt(db.handle(), nullptr); st;
         st = sqlite3_next_stmt(db.handle(), st))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("a reused statement comes back reset, unbound, and is one statement per text at a time",
          "[sqlite]") {
    ocop::test::TempDir dir;
    Db db(dir.file("t.db"), Durability::full);
    Db other(dir.file("t.db"), Durability::full);
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
    db.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const char* select = "SELECT v FROM t WHERE k >= ?1 ORDER BY k";
    const int before = statements(db);
    {
        auto st = db.reuse(select);
        REQUIRE(st.bind(1, int64_t{2}).step());
        CHECK(st.text(0) == "b");
        CHECK(busy_statements(db) == 1);
        // Left mid-read: given back, it must not keep the read (and its snapshot) open.
    }
    CHECK(busy_statements(db) == 0);
    CHECK(statements(db) == before + 1);  // kept, not finalized

    other.exec("INSERT INTO t VALUES (0, 'z')");
    {
        auto st = db.reuse(select);
        CHECK(statements(db) == before + 1);  // the kept one, not a new one
        // Bindings were cleared: ?1 is NULL, and k >= NULL matches nothing.
        CHECK_FALSE(st.step());
        st.reset();
        REQUIRE(st.bind(1, int64_t{0}).step());
        CHECK(st.text(0) == "z");  // a fresh read sees the other connection's write

        // The same text while the first is in use: a second statement, each with its own cursor.
        auto nested = db.reuse(select);
        CHECK(statements(db) == before + 2);
        REQUIRE(nested.bind(1, int64_t{3}).step());
        CHECK(nested.text(0) == "c");
        REQUIRE(st.step());
        CHECK(st.text(0) == "a");
    }
    CHECK(statements(db) == before + 2);
    CHECK(busy_statements(db) == 0);

    // Moved, a reused statement is still given back once, by whoever holds it last.
    {
        auto a = db.reuse(select);
        auto b = std::move(a);
        REQUIRE(b.bind(1, int64_t{1}).step());
        CHECK(b.text(0) == "a");
    }
    CHECK(statements(db) == before + 2);
    CHECK(busy_statements(db) == 0);
}

TEST_CASE("a connection keeps temporary data in memory", "[sqlite]") {
    ocop::test::TempDir dir;
    Db db(dir.file("t.db"), Durability::full);
    auto st = db.prepare("PRAGMA temp_store");
    REQUIRE(st.step());
    CHECK(st.int64(0) == 2);  // MEMORY
}
