// Group commit of concurrent pushes (commit_batcher.hpp): pushes of several devices at once are
// all acknowledged and all durable; pushes queued behind a commit share the next one, where a
// refused changeset is refused alone and a push that fails is undone alone; a failed commit
// fails every push of its batch with a retryable error and loses nothing acknowledged before.
// Batches of a known shape are built by holding the store's writes at a gate until the
// followers are queued (CommitBatcher::waiting), never by sleeping.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ocop/core/error_codes.hpp"
#include "sync_test_support.hpp"

using ocop::ChangePage;
using ocop::Changeset;
using ocop::Error;
using ocop::ErrorKind;
using ocop::FieldChange;
using ocop::FieldFilter;
using ocop::FieldValues;
using ocop::Hlc;
using ocop::QuarantinedChangeset;
using ocop::Record;
using ocop::RecordChange;
using ocop::SqliteStore;
using ocop::Store;
using ocop::StoreTxn;
using ocop::sync::Outcome;
using ocop::sync::Principal;
using ocop::sync::SyncRequest;
using ocop::sync::SyncResponse;
using ocop::sync::SyncService;
using ocop::sync::test::cell_of;
using ocop::sync::test::error_code_of;
using ocop::sync::test::kT0;
using ocop::sync::test::ManualClock;
using ocop::sync::test::unit_fields;
using ocop::sync::test::uuid_for;
namespace errc = ocop::errc;

namespace {

// A SqliteStore whose writes can be held at a gate (so that pushes queue behind the one in
// flight) and whose n-th write can be made to fail at its end, as a failed commit would: the
// transaction rolls back and nothing of it is written.
class GatedStore final : public Store {
  public:
    explicit GatedStore(const std::string& path) : inner(path) {}

    void hold() {
        std::lock_guard lock(mutex_);
        held_ = true;
    }
    void release() {
        std::lock_guard lock(mutex_);
        held_ = false;
        changed_.notify_all();
    }
    void fail_write(size_t number) { fail_write_ = number; }
    size_t writes_started() {
        std::lock_guard lock(mutex_);
        return writes_;
    }

    void write(const std::function<void(StoreTxn&)>& fn) override {
        size_t number = 0;
        {
            std::unique_lock lock(mutex_);
            number = ++writes_;
            changed_.wait(lock, [&] { return !held_; });
        }
        inner.write([&](StoreTxn& t) {
            fn(t);
            if (number == fail_write_)
                throw Error(ErrorKind::transient, errc::store_io,
                            "injected: the disk could not be written");
        });
    }
    std::optional<Record> read(std::string_view c, std::string_view id) override {
        return inner.read(c, id);
    }
    std::vector<Record> query(std::string_view c, const std::vector<FieldFilter>& f, size_t limit,
                              std::string_view after) override {
        return inner.query(c, f, limit, after);
    }
    ChangePage changes_since(uint64_t cursor, size_t cells, size_t bytes) override {
        return inner.changes_since(cursor, cells, bytes);
    }
    uint64_t head() override { return inner.head(); }
    std::vector<Changeset> outbox(size_t limit) override { return inner.outbox(limit); }
    size_t outbox_size() override { return inner.outbox_size(); }
    size_t retained_size() override { return inner.retained_size(); }
    uint64_t last_applied(const std::string& r) override { return inner.last_applied(r); }
    std::vector<QuarantinedChangeset> quarantined() override { return inner.quarantined(); }
    std::optional<std::string> meta(std::string_view key) override { return inner.meta(key); }

    SqliteStore inner;

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool held_ = false;
    size_t writes_ = 0;
    std::atomic<size_t> fail_write_{0};
};

// The schema check, plus a failure that is not a refusal: a changeset naming a unit "boom"
// throws an internal error, as a bug or a broken store would, which aborts its whole push.
class BoomGuard final : public ocop::sync::ChangesetGuard {
  public:
    void check(StoreTxn& txn, const Changeset& cs, const Principal& who) override {
        for (const auto& rec : cs.records)
            for (const auto& f : rec.fields)
                if (f.field == "name" && f.value == "boom")
                    throw Error(ErrorKind::internal, errc::store_corrupt, "injected failure");
        schema_.check(txn, cs, who);
    }

  private:
    ocop::sync::SchemaGuard schema_{ocop::builtin_schema()};
};

struct GroupServer {
    explicit GroupServer(const std::string& path)
        : store(path),
          hlc(clock.fn(), ocop::tuning::max_clock_ahead_ms),
          service(store, hlc, guard, "server-1", ocop::builtin_schema().version()) {}

    ManualClock clock{kT0};
    GatedStore store;
    ocop::HlcClock hlc;
    BoomGuard guard;
    SyncService service;
};

Changeset unit_changeset(const std::string& replica, uint64_t seq, uint64_t record,
                         const FieldValues& fields) {
    Changeset cs;
    cs.replica = replica;
    cs.seq = seq;
    cs.schema_version = 1;
    cs.hlc = Hlc{kT0, static_cast<uint32_t>(seq)};
    RecordChange rc{"admin_unit", uuid_for(record), {}};
    for (const auto& [name, value] : fields) rc.fields.push_back(FieldChange{name, value, {}});
    cs.records.push_back(std::move(rc));
    return cs;
}

SyncRequest push_of(const std::string& replica, std::vector<Changeset> changesets) {
    SyncRequest req;
    req.replica = replica;
    req.schema_version = 1;
    req.app_version = "test";
    req.hlc = changesets.back().hlc;
    req.changesets = std::move(changesets);
    return req;
}

Principal who(const std::string& replica) {
    return Principal{"officer-" + replica, "phone-" + replica, replica};
}

// Waits (without a time limit that could fail a slow run) until `ready` holds.
template <class Pred>
void wait_for(Pred ready) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (!ready() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(ready());
}

// One push on its own thread, its answer or its error code kept.
struct Pusher {
    SyncResponse resp;
    std::string error = "<no error>";
    std::thread thread;

    void start(SyncService& service, SyncRequest req) {
        thread = std::thread([this, &service, req = std::move(req)] {
            error = error_code_of([&] { resp = service.handle(req, who(req.replica)); });
        });
    }
};

std::filesystem::path temp_store(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("ocop-group-commit-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("group commit: concurrent pushes from several threads are all acknowledged and durable",
          "[service][group-commit]") {
    const auto dir = temp_store("concurrent");
    const std::string path = (dir / "server.db").string();
    constexpr int kDevices = 4, kPushes = 25, kPerPush = 4;
    {
        GroupServer s(path);
        std::vector<std::thread> threads;
        std::vector<std::string> failures(kDevices);
        for (int d = 0; d < kDevices; ++d)
            threads.emplace_back([&, d] {
                const std::string replica = "dev-" + std::to_string(d);
                uint64_t seq = 0;
                for (int p = 0; p < kPushes && failures[d].empty(); ++p) {
                    std::vector<Changeset> batch;
                    for (int k = 0; k < kPerPush; ++k) {
                        ++seq;
                        const uint64_t record = static_cast<uint64_t>(d) * 1000 + seq;
                        batch.push_back(unit_changeset(
                            replica, seq, record,
                            unit_fields("U" + std::to_string(record), "Unit " + replica)));
                    }
                    const SyncResponse r = s.service.handle(push_of(replica, batch), who(replica));
                    if (r.results.size() != kPerPush) failures[d] = "results missing";
                    for (const auto& res : r.results)
                        if (res.outcome != Outcome::applied || res.duplicate)
                            failures[d] = "changeset " + std::to_string(res.seq) + " not applied";
                }
            });
        for (auto& t : threads) t.join();
        for (const auto& f : failures) CHECK(f.empty());
        // Never more transactions than pushes (one per push when nothing overlapped).
        CHECK(s.service.push_commits().batches() <= size_t{kDevices * kPushes});
    }
    // Reopened from the file: everything acknowledged is there.
    SqliteStore reopened(path);
    for (int d = 0; d < kDevices; ++d) {
        const std::string replica = "dev-" + std::to_string(d);
        CHECK(reopened.last_applied(replica) == uint64_t{kPushes * kPerPush});
        for (uint64_t seq = 1; seq <= kPushes * kPerPush; ++seq) {
            const auto cell =
                cell_of(reopened, uuid_for(static_cast<uint64_t>(d) * 1000 + seq), "name");
            REQUIRE(cell);
            CHECK(cell->value == "Unit " + replica);
            CHECK(cell->stamp.replica == replica);
        }
    }
    CHECK(reopened.integrity_check() == "ok");
    std::filesystem::remove_all(dir);
}

TEST_CASE("group commit: pushes queued behind a commit share the next one, and fail alone",
          "[service][group-commit]") {
    const auto dir = temp_store("shared");
    GroupServer s((dir / "server.db").string());
    const size_t writes_before = s.store.writes_started();  // the epoch, at start
    s.store.hold();
    Pusher first;
    first.start(s.service,
                push_of("dev-a", {unit_changeset("dev-a", 1, 1, unit_fields("A1", "A"))}));
    // Its commit is in flight (held at the gate).
    wait_for([&] { return s.store.writes_started() == writes_before + 1; });

    FieldValues bad_date = unit_fields("B2", "B");
    bad_date["valid_from"] = "2025-02-30";
    std::vector<Pusher> queued(3);
    // A new device whose push fails after its first changeset was applied (the savepoint must
    // undo the changes and forget the replica number it took).
    queued[0].start(s.service,
                    push_of("dev-boom", {unit_changeset("dev-boom", 1, 10, unit_fields("X1", "X")),
                                         unit_changeset("dev-boom", 2, 11, {{"name", "boom"}})}));
    wait_for([&] { return s.service.push_commits().waiting() == 1; });
    // A push with one refused changeset between two good ones.
    queued[1].start(s.service,
                    push_of("dev-b", {unit_changeset("dev-b", 1, 20, unit_fields("B1", "B")),
                                      unit_changeset("dev-b", 2, 21, bad_date),
                                      unit_changeset("dev-b", 3, 22, unit_fields("B3", "B"))}));
    wait_for([&] { return s.service.push_commits().waiting() == 2; });
    // Another new device, numbered after the failed one's rolled-back number.
    queued[2].start(s.service,
                    push_of("dev-c", {unit_changeset("dev-c", 1, 30, unit_fields("C1", "C"))}));
    wait_for([&] { return s.service.push_commits().waiting() == 3; });
    s.store.release();
    first.thread.join();
    for (auto& p : queued) p.thread.join();

    CHECK(s.service.push_commits().batches() == 2);  // the three queued pushes shared one
    CHECK(first.error == "<no error>");
    CHECK(queued[0].error == errc::store_corrupt);
    CHECK(queued[1].error == "<no error>");
    CHECK(queued[2].error == "<no error>");

    // The failed push left nothing: no cells, no outcome, its numbers still to come.
    CHECK_FALSE(s.store.read("admin_unit", uuid_for(10)).has_value());
    CHECK(s.store.last_applied("dev-boom") == 0);

    // The refusal is dev-b's second changeset's outcome only.
    REQUIRE(queued[1].resp.results.size() == 3);
    CHECK(queued[1].resp.results[0].outcome == Outcome::applied);
    CHECK(queued[1].resp.results[1].outcome == Outcome::refused);
    CHECK(queued[1].resp.results[1].code == errc::value_bad_format);
    CHECK(queued[1].resp.results[2].outcome == Outcome::applied);
    CHECK(s.store.last_applied("dev-b") == 3);
    CHECK_FALSE(s.store.read("admin_unit", uuid_for(21)).has_value());

    // Every applied cell names its own writer (a reused replica number would name dev-boom).
    for (const auto& [record, replica] : std::vector<std::pair<uint64_t, std::string>>{
             {1, "dev-a"}, {20, "dev-b"}, {22, "dev-b"}, {30, "dev-c"}}) {
        const auto cell = cell_of(s.store, uuid_for(record), "name");
        REQUIRE(cell);
        CHECK(cell->stamp.replica == replica);
    }
    // And the same after a reopen (the numbers stored, not only those in memory).
    {
        SqliteStore reopened((dir / "server.db").string());
        const auto cell = cell_of(reopened, uuid_for(30), "name");
        REQUIRE(cell);
        CHECK(cell->stamp.replica == "dev-c");
    }

    // The failed device retries without its bad changeset and is applied from number 1.
    const SyncResponse retry = s.service.handle(
        push_of("dev-boom", {unit_changeset("dev-boom", 1, 10, unit_fields("X1", "X"))}),
        who("dev-boom"));
    REQUIRE(retry.results.size() == 1);
    CHECK(retry.results[0].outcome == Outcome::applied);
    CHECK(cell_of(s.store, uuid_for(10), "name")->stamp.replica == "dev-boom");
    std::filesystem::remove_all(dir);
}

TEST_CASE("group commit: a failed commit fails its whole batch retryably and keeps what was acked",
          "[service][group-commit]") {
    const auto dir = temp_store("failed");
    GroupServer s((dir / "server.db").string());
    const size_t writes_before = s.store.writes_started();  // the epoch, at start
    s.store.fail_write(writes_before + 2);                  // the queued pushes' commit
    s.store.hold();
    Pusher first;
    first.start(s.service,
                push_of("dev-a", {unit_changeset("dev-a", 1, 1, unit_fields("A1", "A"))}));
    wait_for([&] { return s.store.writes_started() == writes_before + 1; });
    std::vector<Pusher> queued(3);
    for (size_t i = 0; i < queued.size(); ++i) {
        const std::string replica = i == 0 ? "dev-a" : "dev-" + std::to_string(i);
        const uint64_t seq = i == 0 ? 2 : 1;
        queued[i].start(
            s.service,
            push_of(replica, {unit_changeset(replica, seq, 100 + i,
                                             unit_fields("Q" + std::to_string(i), "Q"))}));
        wait_for([&] { return s.service.push_commits().waiting() == i + 1; });
    }
    s.store.release();
    first.thread.join();
    for (auto& p : queued) p.thread.join();

    // The first push was acknowledged before the failure and stays.
    CHECK(first.error == "<no error>");
    REQUIRE(first.resp.results.size() == 1);
    CHECK(first.resp.results[0].outcome == Outcome::applied);
    CHECK(s.store.last_applied("dev-a") == 1);
    CHECK(cell_of(s.store, uuid_for(1), "name").has_value());
    // Every push of the failed batch gets the store's error, which devices retry (transient,
    // HTTP 503), and nothing of it was written.
    for (size_t i = 0; i < queued.size(); ++i) {
        CHECK(queued[i].error == errc::store_io);
        CHECK_FALSE(s.store.read("admin_unit", uuid_for(100 + i)).has_value());
    }
    CHECK(s.store.last_applied("dev-1") == 0);
    CHECK(s.store.last_applied("dev-2") == 0);

    // Retried, each is applied once.
    for (size_t i = 0; i < queued.size(); ++i) {
        const std::string replica = i == 0 ? "dev-a" : "dev-" + std::to_string(i);
        const uint64_t seq = i == 0 ? 2 : 1;
        const SyncResponse r = s.service.handle(
            push_of(replica, {unit_changeset(replica, seq, 100 + i,
                                             unit_fields("Q" + std::to_string(i), "Q"))}),
            who(replica));
        REQUIRE(r.results.size() == 1);
        CHECK(r.results[0].outcome == Outcome::applied);
        CHECK_FALSE(r.results[0].duplicate);
    }
    CHECK(s.store.last_applied("dev-a") == 2);
    std::filesystem::remove_all(dir);
}
