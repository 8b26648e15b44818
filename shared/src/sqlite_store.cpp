#include "ocop/core/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <queue>
#include <set>
#include <unordered_map>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/merge.hpp"
#include "ocop/core/store_paging.hpp"

namespace ocop {

namespace {

// Format 2: cells.scope and its index (SqliteStore::index_scopes); a format-1 file gains the
// column when opened (empty: no scope index until one is asked for).
constexpr int kStoreFormat = 2;

// The scope of a row whose record has none (no scope cell, or a reference collection's).
constexpr std::string_view kNoScope = "-";
// The meta key of the scope index a file keeps (index_scopes), as JSON.
constexpr std::string_view kScopeIndexKey = "scope_index";

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replicas(number INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- The row id is the cell's sequence number: a pull ("cells after seq N") reads the table in
-- order without an index, and an applied change moves its row to the end.
CREATE TABLE IF NOT EXISTS cells(
    seq INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    replica INTEGER NOT NULL REFERENCES replicas(number),
    scope TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS cells_by_key ON cells(collection, record_id, field);
-- Only references are indexed by value (a quoted UUID is 38 bytes of JSON): they are what
-- queries follow (the findings of an inspection, the records of a unit). Indexing every value
-- tripled the cost of applying changes; other filters scan the collection.
CREATE INDEX IF NOT EXISTS cells_by_reference ON cells(collection, field, value)
    WHERE length(value) = 38;
-- Blob references ("sha256:<hex>" quoted: 73 bytes) likewise: the server finds the records that
-- hold a blob before it lets a device move it (docs/attachments.md).
CREATE INDEX IF NOT EXISTS cells_by_blob ON cells(collection, field, value)
    WHERE length(value) = 73;
CREATE TABLE IF NOT EXISTS applied_changesets(
    replica TEXT NOT NULL,
    seq INTEGER NOT NULL,
    receipt TEXT NOT NULL,
    PRIMARY KEY(replica, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
-- Changesets the server acknowledged, kept for a retention window to be sent again to a server
-- restored from a backup (docs/storage.md).
CREATE TABLE IF NOT EXISTS retained(
    seq INTEGER PRIMARY KEY, body TEXT NOT NULL, acked_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine(
    seq INTEGER PRIMARY KEY, body TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL);
)sql";

// After an older file gained cells.scope (SqliteStore's constructor).
constexpr const char* kIndexSql = R"sql(
-- A row's record scope (index_scopes) with its sequence number: a pull scoped to a few units
-- reads their ranges only. Rows without a scope (a device's store) are not in it and cost
-- nothing.
CREATE INDEX IF NOT EXISTS cells_by_scope ON cells(scope, seq) WHERE scope IS NOT NULL;
)sql";

Value parse_stored(std::string_view text) {
    try {
        return Value::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    std::string("stored value is not JSON: ") + e.what());
    }
}

}  // namespace

struct SqliteStore::Statements {
    explicit Statements(sqlite::Db& db)
        : begin(db.prepare("BEGIN IMMEDIATE")),
          commit(db.prepare("COMMIT")),
          rollback(db.prepare("ROLLBACK")),
          savepoint(db.prepare("SAVEPOINT work")),
          rollback_to(db.prepare("ROLLBACK TO work")),
          release(db.prepare("RELEASE work")),
          max_seq(db.prepare("SELECT IFNULL(MAX(seq), 0) FROM cells")),
          cell(db.prepare(
              "SELECT value, hlc, replica, seq FROM cells WHERE collection=?1 AND record_id=?2 "
              "AND field=?3")),
          cell_stamp(db.prepare(
              "SELECT hlc, replica FROM cells WHERE collection=?1 AND record_id=?2 AND field=?3")),
          upsert(db.prepare(
              "INSERT INTO cells(collection, record_id, field, value, hlc, replica, seq, scope) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(collection, record_id, field) "
              "DO UPDATE SET seq=excluded.seq, value=excluded.value, hlc=excluded.hlc, "
              "replica=excluded.replica, scope=excluded.scope")),
          rescope(db.prepare("UPDATE cells SET scope=?3 WHERE collection=?1 AND record_id=?2 AND "
                             "scope IS NOT ?3")),
          record_stamps(db.prepare(
              "SELECT field, hlc, replica FROM cells WHERE collection=?1 AND record_id=?2")),
          record(db.prepare(
              "SELECT field, value, hlc, replica, seq FROM cells WHERE collection=?1 AND "
              "record_id=?2")),
          ids_after(db.prepare(
              "SELECT DISTINCT record_id FROM cells WHERE collection=?1 AND record_id>?2 ORDER BY "
              "record_id LIMIT ?3")),
          ids_by_value(db.prepare(
              "SELECT record_id FROM cells WHERE collection=?1 AND field=?2 AND value=?3 AND "
              "record_id>?4 ORDER BY record_id LIMIT ?5")),
          ids_by_reference(db.prepare(
              "SELECT record_id FROM cells WHERE collection=?1 AND field=?2 AND value=?3 AND "
              "length(value)=38 AND record_id>?4 ORDER BY record_id LIMIT ?5")),
          ids_by_blob(db.prepare(
              "SELECT record_id FROM cells WHERE collection=?1 AND field=?2 AND value=?3 AND "
              "length(value)=73 AND record_id>?4 ORDER BY record_id LIMIT ?5")),
          since(db.prepare(
              "SELECT collection, record_id, field, value, hlc, replica, seq FROM cells WHERE "
              "seq>?1 ORDER BY seq LIMIT ?2")),
          since_upto(db.prepare(
              "SELECT collection, record_id, field, value, hlc, replica, seq FROM cells WHERE "
              "seq>?1 AND seq<=?2 ORDER BY seq")),
          cell_value(db.prepare(
              "SELECT value FROM cells WHERE collection=?1 AND record_id=?2 AND field=?3")),
          replica_insert(db.prepare("INSERT INTO replicas(name) VALUES(?1) RETURNING number")),
          replica_all(db.prepare("SELECT number, name FROM replicas")),
          last_applied(
              db.prepare("SELECT IFNULL(MAX(seq), 0) FROM applied_changesets WHERE replica=?1")),
          receipt(db.prepare("SELECT receipt FROM applied_changesets WHERE replica=?1 AND seq=?2")),
          record_applied(db.prepare(
              "INSERT INTO applied_changesets(replica, seq, receipt) VALUES(?1, ?2, ?3)")),
          outbox_put(db.prepare("INSERT INTO outbox(seq, body) VALUES(?1, ?2)")),
          outbox_remove(db.prepare("DELETE FROM outbox WHERE seq<=?1")),
          outbox_list(db.prepare("SELECT body FROM outbox ORDER BY seq LIMIT ?1")),
          outbox_count(db.prepare("SELECT COUNT(*) FROM outbox")),
          retain(db.prepare("INSERT OR REPLACE INTO retained(seq, body, acked_ms) SELECT seq, "
                            "body, ?2 FROM outbox WHERE seq<=?1")),
          retained_put(db.prepare(
              "INSERT OR REPLACE INTO retained(seq, body, acked_ms) VALUES(?1, ?2, ?3)")),
          retained_prune(db.prepare("DELETE FROM retained WHERE acked_ms<?1")),
          requeue(db.prepare(
              "INSERT OR REPLACE INTO outbox(seq, body) SELECT seq, body FROM retained WHERE "
              "seq>?1")),
          unretain(db.prepare("DELETE FROM retained WHERE seq>?1")),
          outbox_first(db.prepare("SELECT IFNULL(MIN(seq), 0) FROM outbox")),
          retained_count(db.prepare("SELECT COUNT(*) FROM retained")),
          quarantine_put(db.prepare(
              "INSERT OR REPLACE INTO quarantine(seq, body, code, message) VALUES(?1,?2,?3,?4)")),
          quarantine_remove(db.prepare("DELETE FROM quarantine WHERE seq=?1")),
          quarantine_list(db.prepare("SELECT body, code, message FROM quarantine ORDER BY seq")),
          delete_cell(db.prepare(
              "DELETE FROM cells WHERE collection=?1 AND record_id=?2 AND field=?3 AND hlc=?4 "
              "AND replica=?5")),
          replace_cell(db.prepare(
              "UPDATE cells SET value=?6, hlc=?7, replica=?8, seq=?9 WHERE collection=?1 AND "
              "record_id=?2 AND field=?3 AND hlc=?4 AND replica=?5")),
          restamp(db.prepare(
              "UPDATE cells SET hlc=?6, replica=?7 WHERE collection=?1 AND record_id=?2 AND "
              "field=?3 AND hlc=?4 AND replica=?5")),
          meta_get(db.prepare("SELECT value FROM meta WHERE key=?1")),
          meta_set(db.prepare(
              "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET "
              "value=excluded.value")) {}

    sqlite::Stmt begin, commit, rollback, savepoint, rollback_to, release, max_seq, cell,
        cell_stamp, upsert, rescope, record_stamps, record, ids_after, ids_by_value,
        ids_by_reference, ids_by_blob, since, since_upto, cell_value, replica_insert, replica_all,
        last_applied, receipt, record_applied, outbox_put, outbox_remove, outbox_list, outbox_count,
        retain, retained_put, retained_prune, requeue, unretain, outbox_first, retained_count,
        quarantine_put, quarantine_remove, quarantine_list, delete_cell, replace_cell, restamp,
        meta_get, meta_set;
    // One per scope a pull reads at once (SqliteStore::changes_in_scopes), prepared when
    // first needed.
    std::vector<sqlite::Stmt> since_in_scope;
};

// Resets a statement when a scope ends, also when a step throws.
class Resetting {
  public:
    explicit Resetting(sqlite::Stmt& s) : s_(s) {}
    ~Resetting() { s_.reset(); }
    sqlite::Stmt* operator->() { return &s_; }
    sqlite::Stmt& operator*() { return s_; }

  private:
    sqlite::Stmt& s_;
};

// A connection that only reads, with its own statements.
struct SqliteStore::Reader {
    Reader(const std::string& path, sqlite::Durability durability, int cache_mib)
        : db(path, durability, cache_mib), st(db) {
        // Pages read in place from the mapped file instead of copied in by pread: a pull scans
        // the change log, and the page cache of one connection holds little of it.
        db.exec("PRAGMA mmap_size=" + std::to_string(kReaderMmapBytes));
    }
    static constexpr int64_t kReaderMmapBytes = int64_t{1} << 30;
    std::mutex mutex;
    sqlite::Db db;
    Statements st;
};

template <class Fn>
auto SqliteStore::reading(Fn&& fn) {
    if (readers_.empty()) {
        std::lock_guard lock(mutex_);
        return fn(db_, *st_);
    }
    const size_t n = readers_.size();
    const size_t first = next_reader_.fetch_add(1, std::memory_order_relaxed) % n;
    for (size_t i = 0; i < n; ++i) {
        Reader& r = *readers_[(first + i) % n];
        std::unique_lock lock(r.mutex, std::try_to_lock);
        if (lock.owns_lock()) return fn(r.db, r.st);
    }
    Reader& r = *readers_[first];
    std::lock_guard lock(r.mutex);
    return fn(r.db, r.st);
}

class SqliteStore::Txn final : public StoreTxn {
  public:
    Txn(SqliteStore& store, uint64_t max_seq) : s_(store), next_seq_(max_seq + 1) {}

    std::optional<CellValue> cell(std::string_view collection, std::string_view id,
                                  std::string_view field) override {
        Resetting q(s_.st_->cell);
        q->bind(1, collection).bind(2, id).bind(3, field);
        if (!q->step()) return std::nullopt;
        return CellValue{
            parse_stored(q->text(0)),
            Stamp{Hlc::unpack(static_cast<uint64_t>(q->int64(1))), s_.replica_name(q->int64(2))},
            static_cast<uint64_t>(q->int64(3))};
    }

    std::optional<Record> read(std::string_view collection, std::string_view id) override {
        return s_.read_locked(*s_.st_, collection, id);
    }

    bool merge(std::string_view collection, std::string_view id, std::string_view field,
               const Value& value, const Stamp& stamp) override {
        std::optional<Stamp> current;
        {
            Resetting q(s_.st_->cell_stamp);
            q->bind(1, collection).bind(2, id).bind(3, field);
            if (q->step())
                current = Stamp{Hlc::unpack(static_cast<uint64_t>(q->int64(0))),
                                s_.replica_name(q->int64(1))};
        }
        if (!merge::incoming_wins(stamp, current)) return false;
        const bool moves = is_scope_cell(collection, field);
        const std::optional<std::string> scope =
            moves ? std::optional(value.dump()) : scope_of(collection, id);
        upsert(collection, id, field, value, stamp, scope);
        if (moves) rescope(collection, id, *scope);
        return true;
    }

    std::vector<std::pair<std::string, Stamp>> stamps(std::string_view collection,
                                                      std::string_view id) override {
        std::vector<std::pair<std::string, Stamp>> out;
        Resetting q(s_.st_->record_stamps);
        q->bind(1, collection).bind(2, id);
        while (q->step())
            out.emplace_back(std::string(q->text(0)),
                             Stamp{Hlc::unpack(static_cast<uint64_t>(q->int64(1))),
                                   s_.replica_name(q->int64(2))});
        return out;
    }

    bool restore_cell(std::string_view collection, std::string_view id, std::string_view field,
                      const Stamp& refused, const std::optional<CellValue>& server) override {
        const auto refused_hlc = static_cast<int64_t>(refused.hlc.packed());
        const int64_t refused_replica = s_.replica_number(refused.replica);
        if (!server) {
            // A deleted top row lowers MAX(seq), so the next write may reuse its number. Only
            // devices restore cells, and a device's sequence numbers never leave the device.
            Resetting q(s_.st_->delete_cell);
            q->bind(1, collection).bind(2, id).bind(3, field).bind(4, refused_hlc);
            q->bind(5, refused_replica);
            q->run();
        } else {
            Resetting q(s_.st_->replace_cell);
            q->bind(1, collection).bind(2, id).bind(3, field).bind(4, refused_hlc);
            q->bind(5, refused_replica).bind(6, server->value.dump());
            q->bind(7, static_cast<int64_t>(server->stamp.hlc.packed()));
            q->bind(8, s_.replica_number(server->stamp.replica));
            q->bind(9, static_cast<int64_t>(next_seq_++));
            q->run();
        }
        const bool restored = sqlite3_changes(s_.db_.handle()) > 0;
        if (restored && is_scope_cell(collection, field))
            rescope(collection, id, *scope_of(collection, id));
        return restored;
    }

    size_t merge_record(std::string_view collection, std::string_view id,
                        const std::vector<FieldChange>& fields, const Stamp& stamp) override {
        const std::vector<std::pair<std::string, Stamp>> current = stamps(collection, id);
        std::vector<const FieldChange*> winning;
        for (const auto& f : fields) {
            std::optional<Stamp> cur;
            for (const auto& [name, st] : current)
                if (name == f.field) cur = st;
            if (merge::incoming_wins(stamp, cur)) winning.push_back(&f);
        }
        if (winning.empty()) return 0;
        // One scope for every row written: the record's new one if its scope cell is among
        // them, else its current one (looked up only if the record has a scope cell at all).
        std::optional<std::string> scope;
        bool moves = false;
        for (const FieldChange* f : winning)
            if (is_scope_cell(collection, f->field)) {
                scope = f->value.dump();
                moves = true;
            }
        if (!moves && !s_.scope_field_.empty()) {
            bool has_scope_cell = false;
            for (const auto& [name, st] : current) has_scope_cell |= name == s_.scope_field_;
            scope =
                has_scope_cell ? scope_of(collection, id) : std::optional<std::string>(kNoScope);
        }
        for (const FieldChange* f : winning)
            upsert(collection, id, f->field, f->value, stamp, scope);
        if (moves && !current.empty()) rescope(collection, id, *scope);  // its other rows
        return winning.size();
    }

    uint64_t last_applied(const std::string& replica) override {
        Resetting q(s_.st_->last_applied);
        q->bind(1, replica);
        q->step();
        return static_cast<uint64_t>(q->int64(0));
    }

    std::optional<std::string> receipt(const std::string& replica, uint64_t seq) override {
        Resetting q(s_.st_->receipt);
        q->bind(1, replica).bind(2, static_cast<int64_t>(seq));
        if (!q->step()) return std::nullopt;
        return std::string(q->text(0));
    }

    void record_applied(const std::string& replica, uint64_t seq,
                        const std::string& receipt) override {
        Resetting q(s_.st_->record_applied);
        q->bind(1, replica).bind(2, static_cast<int64_t>(seq)).bind(3, receipt);
        q->run();
    }

    void outbox_put(const Changeset& cs) override {
        Resetting q(s_.st_->outbox_put);
        q->bind(1, static_cast<int64_t>(cs.seq)).bind(2, codec::encode(cs));
        q->run();
    }

    void outbox_remove_through(uint64_t seq) override {
        Resetting q(s_.st_->outbox_remove);
        q->bind(1, static_cast<int64_t>(seq));
        q->run();
    }

    void outbox_ack_through(uint64_t seq, int64_t acked_ms) override {
        {
            Resetting q(s_.st_->retain);
            q->bind(1, static_cast<int64_t>(seq)).bind(2, acked_ms);
            q->run();
        }
        outbox_remove_through(seq);
    }

    void retained_put(const Changeset& cs, int64_t acked_ms) override {
        Resetting q(s_.st_->retained_put);
        q->bind(1, static_cast<int64_t>(cs.seq)).bind(2, codec::encode(cs)).bind(3, acked_ms);
        q->run();
    }

    void retained_prune(int64_t before_ms) override {
        Resetting q(s_.st_->retained_prune);
        q->bind(1, before_ms);
        q->run();
    }

    uint64_t outbox_requeue_retained_after(uint64_t seq) override {
        for (sqlite::Stmt* st : {&s_.st_->requeue, &s_.st_->unretain}) {
            Resetting q(*st);
            q->bind(1, static_cast<int64_t>(seq));
            q->run();
        }
        Resetting q(s_.st_->outbox_first);
        q->step();
        return static_cast<uint64_t>(q->int64(0));
    }

    void quarantine_put(const Changeset& cs, std::string_view code,
                        std::string_view message) override {
        Resetting q(s_.st_->quarantine_put);
        q->bind(1, static_cast<int64_t>(cs.seq)).bind(2, codec::encode(cs)).bind(3, code);
        q->bind(4, message);
        q->run();
    }

    void quarantine_remove(uint64_t seq) override {
        Resetting q(s_.st_->quarantine_remove);
        q->bind(1, static_cast<int64_t>(seq));
        q->run();
    }

    bool restamp(std::string_view collection, std::string_view id, std::string_view field,
                 const Stamp& from, const Stamp& to) override {
        Resetting q(s_.st_->restamp);
        q->bind(1, collection).bind(2, id).bind(3, field);
        q->bind(4, static_cast<int64_t>(from.hlc.packed()))
            .bind(5, s_.replica_number(from.replica));
        q->bind(6, static_cast<int64_t>(to.hlc.packed())).bind(7, s_.replica_number(to.replica));
        q->run();
        return sqlite3_changes(s_.db_.handle()) > 0;
    }

    std::optional<std::string> meta(std::string_view key) override {
        return s_.meta_locked(*s_.st_, key);
    }

    void set_meta(std::string_view key, std::string_view value) override {
        Resetting q(s_.st_->meta_set);
        q->bind(1, key).bind(2, value);
        q->run();
    }

    size_t purge_records_not_in(std::string_view collection, std::string_view field,
                                const std::vector<std::string>& keep) override {
        // Values are stored as JSON text, so the kept strings are compared in their quoted form.
        auto count = s_.db_.prepare(
            "SELECT COUNT(*) FROM cells WHERE collection = ?1 AND field = ?2 AND value NOT IN "
            "(SELECT json_quote(value) FROM json_each(?3))");
        const std::string keep_json = nlohmann::json(keep).dump();
        count.bind(1, collection).bind(2, field).bind(3, keep_json);
        count.step();
        const auto removed = static_cast<size_t>(count.int64(0));
        if (removed == 0) return 0;
        s_.db_
            .prepare(
                "DELETE FROM cells WHERE collection = ?1 AND record_id IN (SELECT record_id "
                "FROM cells WHERE collection = ?1 AND field = ?2 AND value NOT IN (SELECT "
                "json_quote(value) FROM json_each(?3)))")
            .bind(1, collection)
            .bind(2, field)
            .bind(3, keep_json)
            .run();
        return removed;
    }

    std::exception_ptr in_savepoint(const std::function<void(StoreTxn&)>& fn) override {
        const size_t replicas_before = s_.replicas_added_in_txn_.size();
        s_.st_->savepoint.run();
        try {
            fn(*this);
        } catch (...) {
            std::exception_ptr failed = std::current_exception();
            // Some errors (a full disk, an I/O error) make SQLite roll back the whole
            // transaction, savepoints included: nothing of this transaction can commit then.
            if (sqlite3_get_autocommit(s_.db_.handle())) std::rethrow_exception(failed);
            // Undone with the savepoint's writes: numbers of replicas first seen inside it, or
            // the next new replica would get the same number under another name.
            s_.forget_replicas_added_after(replicas_before);
            s_.st_->rollback_to.run();
            s_.st_->release.run();
            return failed;
        }
        s_.st_->release.run();
        return nullptr;
    }

  private:
    void upsert(std::string_view collection, std::string_view id, std::string_view field,
                const Value& value, const Stamp& stamp, const std::optional<std::string>& scope) {
        Resetting u(s_.st_->upsert);
        u->bind(1, collection).bind(2, id).bind(3, field).bind(4, value.dump());
        u->bind(5, static_cast<int64_t>(stamp.hlc.packed()));
        u->bind(6, s_.replica_number(stamp.replica));
        u->bind(7, static_cast<int64_t>(next_seq_++));
        if (scope)
            u->bind(8, *scope);
        else
            u->bind_null(8);
        u->run();
    }

    // Whether writing `field` can change its record's scope (index_scopes).
    bool is_scope_cell(std::string_view collection, std::string_view field) const {
        return !s_.scope_field_.empty() && field == s_.scope_field_ &&
               !s_.scope_references_.count(collection);
    }

    // The scope the record's rows carry now: its scope cell's JSON text, or kNoScope; nullopt
    // (NULL: not indexed) in a store without a scope index.
    std::optional<std::string> scope_of(std::string_view collection, std::string_view id) {
        if (s_.scope_field_.empty()) return std::nullopt;
        if (s_.scope_references_.count(collection)) return std::string(kNoScope);
        Resetting q(s_.st_->cell_value);
        q->bind(1, collection).bind(2, id).bind(3, s_.scope_field_);
        return q->step() ? std::string(q->text(0)) : std::string(kNoScope);
    }

    // Gives every row of the record `scope` (its scope cell changed).
    void rescope(std::string_view collection, std::string_view id, const std::string& scope) {
        Resetting q(s_.st_->rescope);
        q->bind(1, collection).bind(2, id).bind(3, scope);
        q->run();
    }

    SqliteStore& s_;
    uint64_t next_seq_;
};

SqliteStore::SqliteStore(const std::string& path, sqlite::Durability durability, int cache_mib,
                         size_t readers)
    : db_(path, durability, cache_mib) {
    db_.exec(kSchemaSql);
    migrate(path);
    db_.exec(kIndexSql);
    st_ = std::make_unique<Statements>(db_);
    path_ = path;
    adopt_scope_index();
    Resetting all(st_->replica_all);
    while (all->step()) {
        const int64_t number = all->int64(0);
        std::string name(all->text(1));
        replica_numbers_.emplace(name, number);
        replica_names_.emplace(number, std::move(name));
    }
    // After the schema exists: a reader prepares every statement at once. Each has a cache of
    // its own, so they share the writer's budget.
    const bool in_memory =
        path.empty() || path == ":memory:" || path.find("mode=memory") != std::string::npos;
    if (!in_memory)
        for (size_t i = 0; i < readers; ++i)
            readers_.push_back(std::make_unique<Reader>(
                path, durability, std::max(1, cache_mib / static_cast<int>(readers + 1))));
}

SqliteStore::~SqliteStore() = default;

// Refuses a newer file before anything in it changes; gives a format-1 file its scope column
// (NULL: rows without a scope, as a store without a scope index keeps them) in one transaction
// with its new format number.
void SqliteStore::migrate(const std::string& path) {
    std::optional<std::string> format;
    {
        auto q = db_.prepare("SELECT value FROM meta WHERE key='store_format'");
        if (q.step()) format = std::string(q.text(0));
    }
    const std::string current = std::to_string(kStoreFormat);
    if (format == current) return;
    if (format && *format != "1")
        throw Error(
            ErrorKind::internal, errc::store_corrupt,
            path + " has store format " + *format + "; this build reads formats 1 to " + current);
    db_.exec("BEGIN IMMEDIATE");
    try {
        bool has_scope = false;
        auto columns = db_.prepare("PRAGMA table_info(cells)");
        while (columns.step()) has_scope |= columns.text(1) == "scope";
        columns.reset();
        if (!has_scope) db_.exec("ALTER TABLE cells ADD COLUMN scope TEXT");
        db_.exec("INSERT INTO meta(key, value) VALUES('store_format', '" + current +
                 "') ON CONFLICT(key) DO UPDATE SET value=excluded.value");
        db_.exec("COMMIT");
    } catch (...) {
        db_.exec("ROLLBACK");
        throw;
    }
}

// Takes the file's scope index as this store's: at open, and in every write transaction, since
// another process (the server) may have chosen one after this store opened the file.
void SqliteStore::adopt_scope_index() {
    const std::string chosen = meta_locked(*st_, kScopeIndexKey).value_or("");
    if (chosen == scope_index_json_) return;
    std::string field;
    std::set<std::string, std::less<>> references;
    if (!chosen.empty()) try {
            const auto j = nlohmann::json::parse(chosen);
            field = j.at("field").get<std::string>();
            for (const auto& c : j.at("reference_collections"))
                references.insert(c.get<std::string>());
        } catch (const nlohmann::json::exception& e) {
            throw Error(ErrorKind::internal, errc::store_corrupt,
                        path_ + ": its scope index is not one (" + e.what() + ")");
        }
    std::unique_lock maps(replicas_mutex_);
    scope_field_ = std::move(field);
    scope_references_ = std::move(references);
    scope_index_json_ = chosen;
}

bool SqliteStore::index_scopes(const ScopeIndex& index) {
    const std::set<std::string, std::less<>> references(index.reference_collections.begin(),
                                                        index.reference_collections.end());
    const std::string chosen =
        nlohmann::json{{"field", index.field},
                       {"reference_collections",
                        std::vector<std::string>(references.begin(), references.end())}}
            .dump();
    std::lock_guard lock(mutex_);
    if (meta_locked(*st_, kScopeIndexKey) == chosen) return false;
    st_->begin.run();
    try {
        auto all = db_.prepare(
            "UPDATE cells SET scope=IFNULL((SELECT c.value FROM cells AS c WHERE "
            "c.collection=cells.collection AND c.record_id=cells.record_id AND c.field=?1), ?2)");
        all.bind(1, index.field).bind(2, kNoScope);
        all.run();
        auto reference = db_.prepare("UPDATE cells SET scope=?2 WHERE collection=?1");
        for (const auto& c : references) {
            reference.bind(1, c).bind(2, kNoScope);
            reference.run();
            reference.reset();
        }
        Resetting q(st_->meta_set);
        q->bind(1, kScopeIndexKey).bind(2, chosen);
        q->run();
        st_->commit.run();
    } catch (...) {
        st_->rollback.run();
        throw;
    }
    adopt_scope_index();
    return true;
}

std::optional<std::string> SqliteStore::meta_locked(Statements& st, std::string_view key) {
    Resetting q(st.meta_get);
    q->bind(1, key);
    if (!q->step()) return std::nullopt;
    return std::string(q->text(0));
}

std::string SqliteStore::replica_name(int64_t number) {
    std::shared_lock lock(replicas_mutex_);
    const auto it = replica_names_.find(number);
    if (it == replica_names_.end())
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    "cell names unknown replica number " + std::to_string(number));
    return it->second;
}

int64_t SqliteStore::replica_number(const std::string& name) {
    if (const auto it = replica_numbers_.find(name); it != replica_numbers_.end())
        return it->second;
    Resetting q(st_->replica_insert);
    q->bind(1, name);
    q->step();
    const int64_t number = q->int64(0);
    std::unique_lock lock(replicas_mutex_);
    replica_numbers_.emplace(name, number);
    replica_names_.emplace(number, name);
    replicas_added_in_txn_.push_back(name);
    return number;
}

void SqliteStore::forget_replicas_added_after(size_t kept) {
    std::unique_lock lock(replicas_mutex_);
    while (replicas_added_in_txn_.size() > kept) {
        const std::string& name = replicas_added_in_txn_.back();
        replica_names_.erase(replica_numbers_.at(name));
        replica_numbers_.erase(name);
        replicas_added_in_txn_.pop_back();
    }
}

void SqliteStore::write(const std::function<void(StoreTxn&)>& fn) {
    std::lock_guard lock(mutex_);
    replicas_added_in_txn_.clear();
    st_->begin.run();
    try {
        uint64_t max_seq = 0;
        {
            Resetting q(st_->max_seq);
            q->step();
            max_seq = static_cast<uint64_t>(q->int64(0));
        }
        adopt_scope_index();
        Txn txn(*this, max_seq);
        fn(txn);
        st_->commit.run();
    } catch (...) {
        // The rollback undoes the replicas rows too; forget them so numbers are not reused
        // for different names.
        forget_replicas_added_after(0);
        try {
            st_->rollback.run();
        } catch (...) {
            // The original error is the one worth reporting.
        }
        throw;
    }
}

std::optional<Record> SqliteStore::read_locked(Statements& st, std::string_view collection,
                                               std::string_view id) {
    Resetting q(st.record);
    q->bind(1, collection).bind(2, id);
    Record rec;
    while (q->step()) {
        rec.fields.emplace(std::string(q->text(0)),
                           CellValue{parse_stored(q->text(1)),
                                     Stamp{Hlc::unpack(static_cast<uint64_t>(q->int64(2))),
                                           replica_name(q->int64(3))},
                                     static_cast<uint64_t>(q->int64(4))});
    }
    if (rec.fields.empty()) return std::nullopt;
    rec.collection = std::string(collection);
    rec.id = std::string(id);
    return rec;
}

std::optional<Record> SqliteStore::read(std::string_view collection, std::string_view id) {
    return reading([&](sqlite::Db&, Statements& st) { return read_locked(st, collection, id); });
}

std::vector<Record> SqliteStore::query(std::string_view collection,
                                       const std::vector<FieldFilter>& filters, size_t limit,
                                       std::string_view after_id) {
    return reading([&](sqlite::Db& db, Statements& st) {
        // Candidates and records are read by several statements: one read transaction makes
        // them one snapshot (on a reader a write may commit in between otherwise).
        const bool own_txn = !readers_.empty();
        if (own_txn) db.exec("BEGIN");
        try {
            const CandidateIndex index = candidate_index(filters);
            const std::string value =
                filters.empty() ? std::string() : filters.front().equals.dump();
            sqlite::Stmt& by = index == CandidateIndex::record_ids  ? st.ids_after
                               : index == CandidateIndex::reference ? st.ids_by_reference
                               : index == CandidateIndex::blob      ? st.ids_by_blob
                                                                    : st.ids_by_value;
            const auto candidates = [&](const std::string& after, size_t batch) {
                std::vector<std::string> ids;
                Resetting q(by);
                if (index == CandidateIndex::record_ids) {
                    q->bind(1, collection).bind(2, after).bind(3, static_cast<int64_t>(batch));
                } else {
                    q->bind(1, collection).bind(2, filters.front().field).bind(3, value);
                    q->bind(4, after).bind(5, static_cast<int64_t>(batch));
                }
                while (q->step()) ids.emplace_back(q->text(0));
                return ids;
            };
            auto found = query_by_candidates(
                filters, limit, after_id, candidates,
                [&](const std::string& id) { return read_locked(st, collection, id); });
            if (own_txn) db.exec("COMMIT");
            return found;
        } catch (...) {
            if (own_txn) try {
                    db.exec("ROLLBACK");
                } catch (...) {
                    // The original error is the one worth reporting.
                }
            throw;
        }
    });
}

// The row's weight against a page's byte budget: the value's JSON text and the names that locate
// it (ChangePageFiller::fits).
size_t SqliteStore::row_bytes(sqlite::Stmt& row) {
    return row.text(3).size() + row.text(0).size() + row.text(1).size() + row.text(2).size();
}

Cell SqliteStore::cell_of_row(sqlite::Stmt& row) {
    return Cell{std::string(row.text(0)), std::string(row.text(1)), std::string(row.text(2)),
                CellValue{parse_stored(row.text(3)),
                          Stamp{Hlc::unpack(static_cast<uint64_t>(row.int64(4))),
                                replica_name(row.int64(5))},
                          static_cast<uint64_t>(row.int64(6))}};
}

ChangePage SqliteStore::changes_since(uint64_t cursor, size_t max_cells, size_t max_bytes) {
    return reading([&](sqlite::Db&, Statements& st) {
        ChangePageFiller page(cursor, max_cells, max_bytes);
        Resetting q(st.since);
        q->bind(1, static_cast<int64_t>(cursor)).bind(2, static_cast<int64_t>(page.rows_to_read()));
        while (q->step() && page.fits(row_bytes(*q))) page.add(cell_of_row(*q));
        return page.take();
    });
}

// A selector in the terms rows are stored in: replica numbers, packed clocks, JSON text.
struct SqliteStore::StoredSelector {
    explicit StoredSelector(const ChangeSelector& s) : selector(s) {}
    const ChangeSelector& selector;
    int64_t own = -1;  // the replica whose cells above skip_above are left out; -1: none
    int64_t skip_above = 0;
    std::set<std::string, std::less<>> collections;
    std::set<std::string, std::less<>> values;  // as stored: JSON text

    bool skipped(sqlite::Stmt& row) const {
        return row.int64(5) == own && row.int64(4) > skip_above;
    }
};

// One page of a selector's scan: the rows it reads in sequence order, kept or not, against the
// page's limits and the selector's bound on rows read.
class SqliteStore::SelectedScan {
  public:
    SelectedScan(SqliteStore& store, uint64_t cursor, uint64_t upto, size_t max_cells,
                 size_t max_bytes, size_t max_scanned)
        : store_(store),
          page_(cursor, max_cells, max_bytes),
          upto_(upto),
          max_scanned_(max_scanned),
          last_scanned_(cursor) {}

    // Reads `row` (its cell built only if kept). False: the page is done before it.
    bool offer(sqlite::Stmt& row, bool kept) {
        if (scanned_ == max_scanned_ || (kept && !page_.fits(row_bytes(row)))) {
            ended_ = false;
            return false;
        }
        ++scanned_;
        if (kept) page_.add(store_.cell_of_row(row));
        last_scanned_ = static_cast<uint64_t>(row.int64(6));
        return true;
    }

    // Ended (every row up to `upto` read), or stopped by the page's limits (the filler's cursor
    // and `more`), or by the bound on rows read.
    ChangePage finish() {
        ChangePage out = page_.take();
        out.scanned = scanned_;
        if (ended_) {
            out.cursor = upto_;
            out.more = false;
        } else if (!out.more) {
            // Stopped by the scan bound: past every row read, none of them kept after the last
            // cell returned.
            out.cursor = last_scanned_;
            out.more = true;
        }
        return out;
    }

  private:
    SqliteStore& store_;
    ChangePageFiller page_;
    uint64_t upto_;
    size_t max_scanned_;
    size_t scanned_ = 0;
    uint64_t last_scanned_;
    bool ended_ = true;
};

ChangePage SqliteStore::selected_changes_since(uint64_t cursor, uint64_t upto, size_t max_cells,
                                               size_t max_bytes, const ChangeSelector& selector) {
    // Each write transaction takes the numbers above the head it found and commits them at
    // once, so every row at or below a head once read is committed, and a page that ends
    // before its limits has seen all of them.
    if (upto <= cursor) return ChangePage{{}, cursor, false, 0};
    StoredSelector sel{selector};
    sel.skip_above = static_cast<int64_t>(selector.skip_above.packed());
    sel.collections.insert(selector.collections.begin(), selector.collections.end());
    for (const auto& v : selector.values) sel.values.insert(nlohmann::json(v).dump());
    bool indexed = false;
    {
        std::shared_lock lock(replicas_mutex_);
        if (!selector.skip_replica.empty())
            if (const auto it = replica_numbers_.find(selector.skip_replica);
                it != replica_numbers_.end())
                sel.own = it->second;
        // Read by scope when the file's index is this selector's: the same field, and the
        // reference collections taken whole (their rows carry no scope, whatever unit a record
        // of them may name); and when the scopes are few enough to merge (a province-wide
        // grant reads nearly every row anyway).
        indexed = !scope_field_.empty() && selector.field == scope_field_ &&
                  sel.collections == scope_references_ && sel.values.size() < kMaxScopesMerged;
    }
    return indexed ? changes_in_scopes(cursor, upto, max_cells, max_bytes, sel)
                   : changes_judged(cursor, upto, max_cells, max_bytes, sel);
}

// Every row since the cursor, each record's scope looked up once; only the cells kept are
// copied and parsed.
ChangePage SqliteStore::changes_judged(uint64_t cursor, uint64_t upto, size_t max_cells,
                                       size_t max_bytes, const StoredSelector& sel) {
    return reading([&](sqlite::Db&, Statements& st) {
        std::unordered_map<std::string, bool> record_kept;
        std::string key;
        const auto kept = [&](std::string_view collection, std::string_view id) {
            if (sel.collections.count(collection)) return true;
            key.assign(collection).append(1, '\0').append(id);
            if (const auto it = record_kept.find(key); it != record_kept.end()) return it->second;
            Resetting q(st.cell_value);
            q->bind(1, collection).bind(2, id).bind(3, sel.selector.field);
            const bool in = q->step() && sel.values.count(q->text(0)) != 0;
            record_kept.emplace(key, in);
            return in;
        };
        SelectedScan scan(*this, cursor, upto, max_cells, max_bytes, sel.selector.max_scanned);
        Resetting q(st.since_upto);
        q->bind(1, static_cast<int64_t>(cursor)).bind(2, static_cast<int64_t>(upto));
        while (q->step() && scan.offer(*q, !sel.skipped(*q) && kept(q->text(0), q->text(1)))) {
        }
        return scan.finish();
    });
}

// The rows of the selector's scopes only, one range of cells_by_scope per scope, merged in
// sequence order; the rows of records without a scope are read for the reference collections.
ChangePage SqliteStore::changes_in_scopes(uint64_t cursor, uint64_t upto, size_t max_cells,
                                          size_t max_bytes, const StoredSelector& sel) {
    std::vector<std::string_view> scopes(sel.values.begin(), sel.values.end());
    if (!sel.collections.empty()) scopes.push_back(kNoScope);
    return reading([&](sqlite::Db& db, Statements& st) {
        while (st.since_in_scope.size() < scopes.size())
            st.since_in_scope.push_back(db.prepare(
                "SELECT collection, record_id, field, value, hlc, replica, seq FROM cells WHERE "
                "scope=?1 AND seq>?2 AND seq<=?3 ORDER BY seq"));
        struct ResetAll {
            std::vector<sqlite::Stmt>& stmts;
            ~ResetAll() {
                for (auto& s : stmts) s.reset();
            }
        } reset_all{st.since_in_scope};
        // The next row of each scope, smallest sequence number first.
        using Head = std::pair<int64_t, size_t>;
        std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
        for (size_t i = 0; i < scopes.size(); ++i) {
            sqlite::Stmt& q = st.since_in_scope[i];
            q.bind(1, scopes[i]).bind(2, static_cast<int64_t>(cursor));
            q.bind(3, static_cast<int64_t>(upto));
            if (q.step()) heads.emplace(q.int64(6), i);
        }
        SelectedScan scan(*this, cursor, upto, max_cells, max_bytes, sel.selector.max_scanned);
        while (!heads.empty()) {
            const size_t i = heads.top().second;
            sqlite::Stmt& q = st.since_in_scope[i];
            // A scope's rows are kept whole; rows without a scope only of reference collections.
            const bool kept =
                !sel.skipped(q) && (scopes[i] != kNoScope || sel.collections.count(q.text(0)));
            if (!scan.offer(q, kept)) break;
            heads.pop();
            if (q.step()) heads.emplace(q.int64(6), i);
        }
        return scan.finish();
    });
}

namespace {

// The one integer a single-row aggregate statement answers.
uint64_t single_count(sqlite::Stmt& st) {
    Resetting q(st);
    q->step();
    return static_cast<uint64_t>(q->int64(0));
}

}  // namespace

uint64_t SqliteStore::head() {
    return reading([&](sqlite::Db&, Statements& st) { return single_count(st.max_seq); });
}

std::vector<Changeset> SqliteStore::outbox(size_t limit) {
    return reading([&](sqlite::Db&, Statements& st) {
        std::vector<Changeset> out;
        Resetting q(st.outbox_list);
        q->bind(1, static_cast<int64_t>(limit));
        while (q->step()) out.push_back(codec::decode(q->text(0)));
        return out;
    });
}

std::vector<QuarantinedChangeset> SqliteStore::quarantined() {
    return reading([&](sqlite::Db&, Statements& st) {
        std::vector<QuarantinedChangeset> out;
        Resetting q(st.quarantine_list);
        while (q->step())
            out.push_back(
                {codec::decode(q->text(0)), std::string(q->text(1)), std::string(q->text(2))});
        return out;
    });
}

size_t SqliteStore::outbox_size() {
    return reading([&](sqlite::Db&, Statements& st) {
        return static_cast<size_t>(single_count(st.outbox_count));
    });
}

size_t SqliteStore::retained_size() {
    return reading([&](sqlite::Db&, Statements& st) {
        return static_cast<size_t>(single_count(st.retained_count));
    });
}

uint64_t SqliteStore::last_applied(const std::string& replica) {
    return reading([&](sqlite::Db&, Statements& st) {
        st.last_applied.bind(1, replica);
        return single_count(st.last_applied);
    });
}

std::optional<std::string> SqliteStore::meta(std::string_view key) {
    return reading([&](sqlite::Db&, Statements& st) { return meta_locked(st, key); });
}

std::string SqliteStore::integrity_check() {
    std::lock_guard lock(mutex_);
    auto q = db_.prepare("PRAGMA integrity_check");
    std::string out;
    while (q.step()) out += std::string(q.text(0)) + (out.empty() ? "" : "\n");
    return out;
}

void SqliteStore::backup_to(const std::string& path) {
    std::lock_guard lock(mutex_);
    sqlite::Db copy(path, sqlite::Durability::full, 2);
    sqlite3_backup* b = sqlite3_backup_init(copy.handle(), "main", db_.handle(), "main");
    if (!b) sqlite::throw_sqlite(copy.handle(), sqlite3_errcode(copy.handle()), "backup " + path);
    // One step: the copy is one read transaction of the source, so it is consistent, and in WAL
    // mode it does not hold writers up.
    const int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) sqlite::throw_sqlite(copy.handle(), rc, "backup " + path);
    copy.exec("PRAGMA journal_mode=DELETE");
}

}  // namespace ocop
