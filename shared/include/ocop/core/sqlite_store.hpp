// The SQLite implementation of Store, used on devices and by the server's embedded default.
// Layout (docs/storage.md): one row per field ("cell") with its value as JSON text, its stamp as
// (packed HLC, replica number) and the local sequence number that makes pulls incremental.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/store.hpp"

namespace ocop {

class SqliteStore final : public Store {
  public:
    // Opens or creates the database file (":memory:" for a private in-memory store).
    // `readers`: connections kept for reads beside the one that writes, so that reads (a
    // server's pulls) run while a write transaction waits for its fsync, and on both cores.
    // WAL gives each read a committed snapshot. 0 (a device's default): one connection serves
    // reads and writes in turn. An in-memory store has no readers (its data is per connection).
    explicit SqliteStore(const std::string& path,
                         sqlite::Durability durability = sqlite::Durability::full,
                         int cache_mib = 64, size_t readers = 0);
    ~SqliteStore() override;

    void write(const std::function<void(StoreTxn&)>& fn) override;
    std::optional<Record> read(std::string_view collection, std::string_view id) override;
    std::vector<Record> query(std::string_view collection, const std::vector<FieldFilter>& filters,
                              size_t limit, std::string_view after_id) override;
    ChangePage changes_since(uint64_t cursor, size_t max_cells, size_t max_bytes) override;
    ChangePage selected_changes_since(uint64_t cursor, uint64_t upto, size_t max_cells,
                                      size_t max_bytes, const ChangeSelector& selector) override;
    uint64_t head() override;
    std::vector<Changeset> outbox(size_t limit) override;
    size_t outbox_size() override;
    size_t retained_size() override;
    uint64_t last_applied(const std::string& replica) override;
    std::vector<QuarantinedChangeset> quarantined() override;
    std::optional<std::string> meta(std::string_view key) override;

    // Keeps every row of the change log tagged with its record's scope (ScopeIndex), indexed
    // with its sequence number, so that selected_changes_since reads the rows of the scopes a
    // selector names (one range per scope, merged in order) instead of every row since the
    // cursor. The choice is kept in the file: every later open of it (ocop-admin, a restored
    // backup) maintains the scopes as it writes. A choice other than the file's recomputes
    // every row's scope in one transaction; returns whether it did. Before the store is shared.
    bool index_scopes(const ScopeIndex& index);

    // PRAGMA integrity_check: "ok" or SQLite's report.
    std::string integrity_check();
    // A consistent copy of the whole store in a new file at `path` (SQLite's online backup), in
    // rollback-journal mode so that the file stands alone. Writers may go on meanwhile.
    void backup_to(const std::string& path);

    class Txn;  // the StoreTxn implementation, in sqlite_store.cpp

  private:
    friend class Txn;
    struct Statements;
    struct Reader;
    struct StoredSelector;
    class SelectedScan;

    // Scopes a selector may name for its pull to be read by scope (beyond, every row is read).
    static constexpr size_t kMaxScopesMerged = 64;

    void migrate(const std::string& path);
    void adopt_scope_index();
    // The two ways selected_changes_since reads: every row since the cursor, judged; or the
    // rows of the selector's scopes only (index_scopes).
    ChangePage changes_judged(uint64_t cursor, uint64_t upto, size_t max_cells, size_t max_bytes,
                              const StoredSelector& sel);
    ChangePage changes_in_scopes(uint64_t cursor, uint64_t upto, size_t max_cells, size_t max_bytes,
                                 const StoredSelector& sel);

    // Runs fn(db, statements) on a connection free for reading: a reader if there are any (one
    // not in use, else waits for one), else the writer's, under its mutex.
    template <class Fn>
    auto reading(Fn&& fn);

    std::optional<Record> read_locked(Statements& st, std::string_view collection,
                                      std::string_view id);
    std::optional<std::string> meta_locked(Statements& st, std::string_view key);
    std::string replica_name(int64_t number);
    // Of a change-log row (collection, record_id, field, value, hlc, replica, seq): its weight
    // against a page's byte budget, and the cell it holds.
    static size_t row_bytes(sqlite::Stmt& row);
    Cell cell_of_row(sqlite::Stmt& row);
    int64_t replica_number(const std::string& name);  // inserts unknown replicas
    // Forgets the replicas first numbered in this transaction after the first `kept` of them
    // (their rows were rolled back).
    void forget_replicas_added_after(size_t kept);

    std::mutex mutex_;  // the writing connection; the store serialises its writers
    sqlite::Db db_;
    std::unique_ptr<Statements> st_;
    std::vector<std::unique_ptr<Reader>> readers_;
    std::atomic<size_t> next_reader_{0};
    // Written by the writer only (under mutex_ too); readers map replica numbers with it, and
    // read the scope index with it.
    mutable std::shared_mutex replicas_mutex_;
    // The file's scope index (index_scopes) as its meta row says, and read from it; an empty
    // field: none.
    std::string path_;
    std::string scope_index_json_;
    std::string scope_field_;
    std::set<std::string, std::less<>> scope_references_;
    std::unordered_map<std::string, int64_t> replica_numbers_;
    std::unordered_map<int64_t, std::string> replica_names_;
    std::vector<std::string> replicas_added_in_txn_;
};

}  // namespace ocop
