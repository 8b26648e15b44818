// A device's store on a full or failing disk (the fault VFS, fault_vfs.hpp): a local write is
// refused with a transient store.full / store.io error and leaves nothing behind; the records,
// outbox and quarantine written before stay intact and readable, and the next write after the
// disk recovers continues the changeset numbers without a gap. And start-up checks of a store
// file (sqlite::require_intact): a damaged file is refused as store.corrupt, naming the file.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "fault_vfs.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "test_support.hpp"

using ocop::Changeset;
using ocop::FieldValues;
using ocop::LocalReplica;
using ocop::LocalTransaction;
using ocop::SqliteStore;
using ocop::test::FaultVfs;
using ocop::test::uuid_for;
namespace errc = ocop::errc;

using ocop::test::kT0;

namespace {

Changeset put_farm(LocalReplica& replica, uint64_t n) {
    LocalTransaction t;
    t.put("farm", uuid_for(n), FieldValues{{"name", "Trại " + std::to_string(n)}});
    return replica.commit(t);
}

std::vector<uint64_t> outbox_seqs(SqliteStore& store) {
    std::vector<uint64_t> seqs;
    for (const auto& cs : store.outbox(100)) seqs.push_back(cs.seq);
    return seqs;
}

// Everything the device holds before the disk fills: three farms, changesets 2 and 3 waiting in
// the outbox, and changeset 1 refused by the server and kept in quarantine.
void check_device_intact(SqliteStore& store) {
    for (uint64_t n : {1, 2, 3}) {
        const auto farm = store.read("farm", uuid_for(n));
        REQUIRE(farm);
        CHECK(farm->get("name") == ocop::Value("Trại " + std::to_string(n)));
    }
    CHECK_FALSE(store.read("farm", uuid_for(4)));
    CHECK(outbox_seqs(store) == std::vector<uint64_t>{2, 3});
    CHECK(store.outbox_size() == 2);
    const auto quarantined = store.quarantined();
    REQUIRE(quarantined.size() == 1);
    CHECK(quarantined[0].changeset.seq == 1);
    CHECK(quarantined[0].code == "rule.test");
    CHECK(store.meta(ocop::meta_key::changeset_seq) == "3");
}

// Overwrites `count` pages of `file` from page `first` (1-based) with a repeating byte pattern.
void scribble_pages(const std::string& file, int64_t first, int64_t count) {
    constexpr int64_t page = 4096;  // SQLite's default page size, which the stores keep
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    const std::string garbage(static_cast<size_t>(page), '\xA5');
    for (int64_t p = first; p < first + count; ++p) {
        f.seekp((p - 1) * page);
        f.write(garbage.data(), page);
    }
    REQUIRE(f.good());
}

int64_t file_pages(const std::string& file) {
    return static_cast<int64_t>(std::filesystem::file_size(file)) / 4096;
}

}  // namespace

TEST_CASE("a full or failing disk refuses a local write and keeps what is stored",
          "[store][disk]") {
    const auto [fault, code] =
        GENERATE(std::pair{FaultVfs::Fault::disk_full, std::string(errc::store_full)},
                 std::pair{FaultVfs::Fault::io_error, std::string(errc::store_io)});
    ocop::test::TempDir dir;
    const std::string path = dir.file("device.db");
    FaultVfs vfs("ocop-fault-device");
    ocop::test::ManualClock clock(kT0);
    {
        SqliteStore store(vfs.uri(path), ocop::sqlite::Durability::normal, 2);
        LocalReplica replica(store, ocop::test::test_schema(), clock.fn(), "dev-a");
        const Changeset first = put_farm(replica, 1);
        put_farm(replica, 2);
        put_farm(replica, 3);
        store.write([&](ocop::StoreTxn& t) {  // what the sync client does with a refusal
            t.quarantine_put(first, "rule.test", "refused by the server");
            t.outbox_remove_through(1);
        });
        check_device_intact(store);

        vfs.set(fault);
        clock.advance(1000);
        try {
            put_farm(replica, 4);
            FAIL("the write succeeded on a " << code << " disk");
        } catch (const ocop::Error& e) {
            CHECK(e.code() == code);
            CHECK(e.kind() == ocop::ErrorKind::transient);  // retry once the disk recovers
            CHECK_THAT(e.what(), Catch::Contains("nothing was written"));
            if (fault == FaultVfs::Fault::disk_full)
                CHECK_THAT(e.what(), Catch::Contains("disk is full"));
        }
        CHECK(vfs.injected() > 0);
        // Reads need no write: everything stored before is still there, the failed write is not.
        check_device_intact(store);

        // A second attempt on the still-failing disk fails the same way, and changes nothing.
        CHECK(ocop::test::error_code_of([&] { put_farm(replica, 4); }) == code);
        check_device_intact(store);

        vfs.set(FaultVfs::Fault::none);
        const Changeset next = put_farm(replica, 4);
        CHECK(next.seq == 4);  // no gap: the failed commits took no changeset number
        CHECK(outbox_seqs(store) == std::vector<uint64_t>{2, 3, 4});
    }
    // Reopened without the fault VFS: the file is sound and holds exactly what was committed.
    SqliteStore reopened(path);
    CHECK(reopened.integrity_check() == "ok");
    CHECK(outbox_seqs(reopened) == std::vector<uint64_t>{2, 3, 4});
    CHECK(reopened.quarantined().size() == 1);
    for (uint64_t n : {1, 2, 3, 4}) CHECK(reopened.read("farm", uuid_for(n)));
}

TEST_CASE("a store file with garbage in its pages is refused as store.corrupt, naming it",
          "[store][disk]") {
    ocop::test::TempDir dir;
    const std::string path = dir.file("ocop.db");
    {
        SqliteStore store(path);
        ocop::test::ManualClock clock(kT0);
        LocalReplica replica(store, ocop::test::test_schema(), clock.fn(), "dev-a");
        for (uint64_t n = 1; n <= 300; ++n) put_farm(replica, n);
    }  // closed cleanly: checkpointed into ocop.db, no WAL left
    CHECK_NOTHROW(ocop::sqlite::require_intact(path));
    CHECK_NOTHROW(ocop::sqlite::require_intact(dir.file("missing.db")));  // a new file passes
    const int64_t pages = file_pages(path);
    REQUIRE(pages > 8);

    const auto [first, count] =
        GENERATE_COPY(std::pair<int64_t, int64_t>{1, 1},  // the header: not a database
                      std::pair<int64_t, int64_t>{pages / 2, pages / 4});  // table and index pages
    INFO("garbage in pages " << first << ".." << first + count - 1 << " of " << pages);
    const std::string copy = dir.file("copy-" + std::to_string(first) + ".db");
    std::filesystem::copy_file(path, copy);
    scribble_pages(copy, first, count);
    try {
        ocop::sqlite::require_intact(copy);
        FAIL("a damaged file passed the check");
    } catch (const ocop::Error& e) {
        CHECK(e.code() == std::string(errc::store_corrupt));
        CHECK_THAT(e.what(), Catch::Contains(copy));
        CHECK_THAT(e.what(), Catch::Contains("Restore it from the latest backup"));
    }
}
