// A server restored from a backup (docs/guarantees.md §12): the server detects it from a device's
// acknowledged changeset or pull cursor, devices re-send what they retained and pull again, and
// every replica ends with everything any device had acknowledged, once.
#include <filesystem>

#include "sync_test_support.hpp"

using namespace ocop;
using namespace ocop::sync;
using namespace ocop::sync::test;

namespace {

// A server database file, backed up, and restored by copying the backup over a new file.
struct Files {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("ocop-restore-test-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    Files() { std::filesystem::create_directories(dir); }
    ~Files() { std::filesystem::remove_all(dir); }
    std::string live() const { return (dir / "ocop.db").string(); }
    std::string backup() const { return (dir / "backup.db").string(); }
    std::string restored() const {
        const auto to = dir / "restored.db";
        ocop::test::copy_server_store(backup(), to.string());
        return to.string();
    }
};

uint64_t meta_u64(Store& store, const char* key) {
    return std::stoull(store.meta(key).value_or("0"));
}

}  // namespace

TEST_CASE("restore: a cursor beyond the restored head is never answered as at the head",
          "[restore]") {
    Files files;
    Server s1("server-1", kT0, files.live());
    Device a(s1, "dev-a"), b(s1, "dev-b");
    write_units(a, 1, 3);
    REQUIRE(a.sync().complete);
    REQUIRE(b.sync().complete);
    ocop::test::backup_server_store(s1.store, files.backup());
    write_units(a, 10, 3);
    REQUIRE(a.sync().complete);
    REQUIRE(b.sync().complete);  // b only pulls: its cursor is now beyond the backup's head

    Server s2("server-1", kT0, files.restored());
    a.transport.set_service(s2.service);
    b.transport.set_service(s2.service);
    SyncRequest req;
    req.replica = "dev-b";
    req.schema_version = builtin_schema().version();
    req.epoch = b.store.meta(sync::meta_key::epoch).value_or("");
    req.pull = PullRequest{meta_u64(b.store, sync::meta_key::pull_cursor)};
    REQUIRE(req.pull->cursor > s2.store.head());
    REQUIRE(req.epoch == s2.service.epoch());  // a copy: the server was not told
    const SyncResponse resp =
        s2.service.handle(req, Principal{"officer-dev-b", "phone-dev-b", "dev-b"});
    CHECK(resp.epoch != req.epoch);  // detected: a new epoch
    REQUIRE(resp.pull.has_value());
    CHECK(resp.pull->more);
    CHECK(resp.pull->cursor == 0);
    CHECK(resp.pull->head == s2.store.head());
    CHECK(resp.last_applied == std::optional<uint64_t>(0));

    // Another device writes after the restore; a re-sends; b gets everything.
    Device c(s2, "dev-c");
    write_units(c, 20, 2);
    REQUIRE(c.sync().complete);
    const SyncReport ra = a.sync();
    INFO(report_text(ra));
    REQUIRE(ra.complete);
    CHECK(ra.progress.resent == 3);
    const SyncReport rb = b.sync();
    INFO(report_text(rb));
    REQUIRE(rb.complete);
    CHECK(s2.last_applied("dev-a") == 6);
    for (Device* d : {&a, &b}) {
        INFO(describe(snapshot(d->store)));
        CHECK(snapshot(d->store) == snapshot(s2.store));
    }
    CHECK(snapshot(s2.store).size() == 8 * 4);
}

TEST_CASE(
    "restore: a device's acknowledged changeset beyond last_applied starts a new epoch; "
    "its quarantine survives",
    "[restore]") {
    Files files;
    Server s1("server-1", kT0, files.live());
    Device a(s1, "dev-a", kT0, lenient_schema());
    write_units(a, 1, 2);
    FieldValues hamlet = unit_fields("H", "Thôn");
    hamlet["level"] = "hamlet";  // refused by the server: quarantined
    a.put(uuid_for(3), hamlet);
    REQUIRE(a.sync().complete);
    ocop::test::backup_server_store(s1.store, files.backup());
    write_units(a, 10, 2);
    hamlet["code"] = "H2";
    a.put(uuid_for(12), hamlet);  // refused after the backup
    REQUIRE(a.sync().complete);
    REQUIRE(a.store.quarantined().size() == 2);
    REQUIRE(meta_u64(a.store, sync::meta_key::acked) == 6);
    CHECK(a.store.retained_size() == 6);

    Server s2("server-1", kT0, files.restored());
    REQUIRE(s2.last_applied("dev-a") == 3);
    SyncRequest req;
    req.replica = "dev-a";
    req.schema_version = builtin_schema().version();
    req.epoch = a.store.meta(sync::meta_key::epoch).value_or("");
    req.acked = 6;  // no pull, nothing pending: only the acknowledged number tells
    const SyncResponse resp =
        s2.service.handle(req, Principal{"officer-dev-a", "phone-dev-a", "dev-a"});
    CHECK(resp.epoch != req.epoch);
    CHECK(resp.last_applied == std::optional<uint64_t>(3));
    const std::string new_epoch = resp.epoch;

    a.transport.set_service(s2.service);
    a.put(uuid_for(30), unit_fields("N", "Mới"));  // written after the restore
    SyncOptions upload_only;
    upload_only.pull = false;
    REQUIRE(a.sync(upload_only).complete);  // everything re-sent, nothing pulled yet:
    CHECK(a.store.meta(sync::meta_key::repull) == std::optional<std::string>("1"));  // not synced
    const SyncReport r = a.sync();
    INFO(report_text(r));
    REQUIRE(r.complete);
    CHECK(a.store.meta(sync::meta_key::repull) == std::optional<std::string>(""));
    CHECK(a.store.meta(sync::meta_key::epoch) == std::optional<std::string>(new_epoch));
    CHECK(s2.last_applied("dev-a") == 7);
    CHECK(a.store.quarantined().size() == 2);  // kept, as before the restore
    CHECK(a.store.outbox_size() == 0);
    CHECK(snapshot(a.store) == snapshot(s2.store));
    CHECK(s2.store.read("admin_unit", uuid_for(11)).has_value());
    CHECK_FALSE(s2.store.read("admin_unit", uuid_for(12)).has_value());
}

TEST_CASE("restore: changesets older than the retention window are skipped, not wedged",
          "[restore]") {
    Files files;
    Server s1("server-1", kT0, files.live());
    Device a(s1, "dev-a");
    write_units(a, 1, 2);
    REQUIRE(a.sync().complete);
    ocop::test::backup_server_store(s1.store, files.backup());
    write_units(a, 10, 2);
    SyncOptions forget;
    forget.acked_retention = std::chrono::milliseconds(-1);  // prunes everything acknowledged
    REQUIRE(a.sync(forget).complete);
    CHECK(a.store.retained_size() == 0);

    Server s2("server-1", kT0, files.restored());
    a.transport.set_service(s2.service);
    a.put(uuid_for(30), unit_fields("N", "Mới"));  // seq 5; the server expects 3
    const SyncReport r = a.sync();
    INFO(report_text(r));
    REQUIRE(r.complete);
    CHECK(s2.last_applied("dev-a") == 5);
    CHECK(s2.store.read("admin_unit", uuid_for(30)).has_value());
    // The lost numbers are named as such on the server.
    std::optional<std::string> receipt;
    s2.store.write([&](StoreTxn& t) { receipt = t.receipt("dev-a", 4); });
    REQUIRE(receipt.has_value());
    CHECK(receipt->find(errc::sync_lost_in_restore) != std::string::npos);
}
