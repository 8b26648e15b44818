// The PostgreSQL implementation of Store, for a province whose server runs several processes on
// one database (docs/postgresql.md). The same layout as the SQLite store (one row per field, its
// value as JSON text, its stamp, its sequence number), in a schema of its own.
//
// One pull order across processes: every write transaction first takes one transaction-level
// advisory lock of the store, numbers its cells after the committed head, and commits before the
// next writer may number anything. Changes therefore become visible in the order of their
// numbers, and a device whose cursor passed 101 can never miss a 100 that committed later (the
// hole of sequence-numbered change feeds on MVCC databases). The same lock makes the merge rule's
// read-then-write safe under READ COMMITTED and the exactly-once bookkeeping race-free across
// processes. Readers (pulls, queries) never wait for it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ocop/core/store.hpp"
#include "ocop/postgres/pg_pool.hpp"

namespace ocop::pg {

// The layout this build writes; a database of a newer one is refused (store.layout_too_new).
inline constexpr int store_layout = 1;

struct StoreOptions {
    std::string url;              // libpq URL or key=value string
    std::string schema = "ocop";  // tables live here; created if missing
    size_t max_connections = 8;
};

// The search_path setup every connection of a store runs.
std::string search_path_sql(const std::string& schema);

class PgStore final : public Store {
  public:
    explicit PgStore(StoreOptions options);
    ~PgStore() override;

    void write(const std::function<void(StoreTxn&)>& fn) override;
    std::optional<Record> read(std::string_view collection, std::string_view id) override;
    std::vector<Record> query(std::string_view collection, const std::vector<FieldFilter>& filters,
                              size_t limit, std::string_view after_id) override;
    ChangePage changes_since(uint64_t cursor, size_t max_cells, size_t max_bytes) override;
    uint64_t head() override;
    std::vector<Changeset> outbox(size_t limit) override;
    size_t outbox_size() override;
    size_t retained_size() override;
    uint64_t last_applied(const std::string& replica) override;
    std::vector<QuarantinedChangeset> quarantined() override;
    std::optional<std::string> meta(std::string_view key) override;

    const StoreOptions& options() const noexcept { return options_; }
    Pool& pool() noexcept { return pool_; }

    class Txn;  // the StoreTxn implementation, in pg_store.cpp

  private:
    friend class Txn;
    std::optional<Record> read_on(Connection& c, std::string_view collection, std::string_view id);
    const std::string& replica_name(Connection& c, int64_t number);
    int64_t replica_number(Connection& c, const std::string& name);  // inserts unknown ones
    void forget_replicas_added_after(size_t kept);

    const StoreOptions options_;
    Pool pool_;
    int64_t lock_key_ = 0;  // the advisory lock of this store's schema
    // Replica names by number: rows of `replicas` never change once committed, so a cache is
    // safe across processes; a number another process added is looked up on first sight.
    std::mutex replicas_mutex_;
    std::unordered_map<std::string, int64_t> replica_numbers_;
    std::unordered_map<int64_t, std::string> replica_names_;
    std::vector<std::string> replicas_added_in_txn_;  // by the writer holding write_mutex_
    std::mutex write_mutex_;                          // one write transaction per process at a time
};

}  // namespace ocop::pg
