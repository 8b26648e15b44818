#include "ocop/postgres/pg_store.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/merge.hpp"
#include "ocop/core/store_paging.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/postgres/pg_layout.hpp"
#include "ocop/postgres/pg_text_array.hpp"
#include "ocop/postgres/pg_transaction.hpp"

namespace ocop::pg {

namespace {

// COLLATE "C": ids and values compare byte by byte, as in SQLite, whatever the database's locale,
// so "records after id X" pages the same on both backends.
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS meta(key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS replicas(number bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS cells(
    collection text COLLATE "C" NOT NULL,
    record_id text COLLATE "C" NOT NULL,
    field text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    hlc bigint NOT NULL,
    replica bigint NOT NULL REFERENCES replicas(number),
    seq bigint NOT NULL,
    PRIMARY KEY(collection, record_id, field));
-- A pull reads "cells after seq N" in order; an applied change moves its row's number to the end.
CREATE UNIQUE INDEX IF NOT EXISTS cells_by_seq ON cells(seq);
-- As in SQLite, only references (a quoted UUID, 38 bytes of JSON) are indexed by value.
CREATE INDEX IF NOT EXISTS cells_by_reference ON cells(collection, field, value)
    WHERE length(value) = 38;
-- Blob references ("sha256:<hex>" quoted: 73 bytes) likewise: which records hold a blob.
CREATE INDEX IF NOT EXISTS cells_by_blob ON cells(collection, field, value)
    WHERE length(value) = 73;
CREATE TABLE IF NOT EXISTS applied_changesets(
    replica text COLLATE "C" NOT NULL, seq bigint NOT NULL, receipt text NOT NULL,
    PRIMARY KEY(replica, seq));
CREATE TABLE IF NOT EXISTS outbox(seq bigint PRIMARY KEY, body text NOT NULL);
CREATE TABLE IF NOT EXISTS retained(seq bigint PRIMARY KEY, body text NOT NULL,
    acked_ms bigint NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine(seq bigint PRIMARY KEY, body text NOT NULL,
    code text NOT NULL, message text NOT NULL);
)sql";

const Statement kLock{"lock", "SELECT pg_advisory_xact_lock($1::bigint)"};
const Statement kMaxSeq{"max_seq", "SELECT COALESCE(MAX(seq), 0) FROM cells"};
const Statement kRecord{"record",
                        "SELECT field, value, hlc, replica, seq FROM cells WHERE collection=$1 AND "
                        "record_id=$2"};
// Every cell of many records (collection, record id), in one statement.
const Statement kRecords{
    "records",
    "SELECT c.collection, c.record_id, c.field, c.value, c.hlc, c.replica, c.seq FROM cells c JOIN "
    "unnest($1::text[], $2::text[]) AS k(collection, record_id) ON c.collection = k.collection "
    "COLLATE \"C\" AND c.record_id = k.record_id COLLATE \"C\""};
// The cells a transaction won in the merge, any number of records, in one statement. A cell
// appears once: of two writes to it in one batch, only the later is sent.
const Statement kUpsertCells{
    "upsert_cells",
    "INSERT INTO cells(collection, record_id, field, value, hlc, replica, seq) SELECT * FROM "
    "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], "
    "$7::bigint[]) ON CONFLICT(collection, record_id, field) DO UPDATE SET value=excluded.value, "
    "hlc=excluded.hlc, replica=excluded.replica, seq=excluded.seq"};
const Statement kIdsAfter{"ids_after",
                          "SELECT DISTINCT record_id FROM cells WHERE collection=$1 AND "
                          "record_id>$2 ORDER BY record_id LIMIT $3"};
const Statement kIdsByValue{"ids_by_value",
                            "SELECT record_id FROM cells WHERE collection=$1 AND field=$2 AND "
                            "value=$3 AND record_id>$4 ORDER BY record_id LIMIT $5"};
const Statement kIdsByReference{"ids_by_reference",
                                "SELECT record_id FROM cells WHERE collection=$1 AND field=$2 AND "
                                "value=$3 AND length(value)=38 AND record_id>$4 ORDER BY "
                                "record_id LIMIT $5"};
const Statement kIdsByBlob{"ids_by_blob",
                           "SELECT record_id FROM cells WHERE collection=$1 AND field=$2 AND "
                           "value=$3 AND length(value)=73 AND record_id>$4 ORDER BY record_id "
                           "LIMIT $5"};
const Statement kSince{"since",
                       "SELECT collection, record_id, field, value, hlc, replica, seq FROM cells "
                       "WHERE seq>$1 ORDER BY seq LIMIT $2"};
const Statement kReplicaByName{"replica_by_name", "SELECT number FROM replicas WHERE name=$1"};
const Statement kReplicaByNumber{"replica_by_number", "SELECT name FROM replicas WHERE number=$1"};
const Statement kReplicaInsert{"replica_insert",
                               "INSERT INTO replicas(name) VALUES($1) RETURNING number"};
const Statement kLastApplied{"last_applied",
                             "SELECT COALESCE(MAX(seq), 0) FROM applied_changesets WHERE "
                             "replica=$1"};
const Statement kReceipt{"receipt",
                         "SELECT receipt FROM applied_changesets WHERE replica=$1 AND seq=$2"};
const Statement kRecordApplied{
    "record_applied", "INSERT INTO applied_changesets(replica, seq, receipt) VALUES($1, $2, $3)"};
const Statement kOutboxPut{"outbox_put", "INSERT INTO outbox(seq, body) VALUES($1, $2)"};
const Statement kOutboxRemove{"outbox_remove", "DELETE FROM outbox WHERE seq<=$1"};
const Statement kOutboxList{"outbox_list", "SELECT body FROM outbox ORDER BY seq LIMIT $1"};
const Statement kOutboxCount{"outbox_count", "SELECT COUNT(*) FROM outbox"};
const Statement kOutboxFirst{"outbox_first", "SELECT COALESCE(MIN(seq), 0) FROM outbox"};
const Statement kRetain{"retain",
                        "INSERT INTO retained(seq, body, acked_ms) SELECT seq, body, $2 FROM "
                        "outbox WHERE seq<=$1 ON CONFLICT(seq) DO UPDATE SET body=excluded.body, "
                        "acked_ms=excluded.acked_ms"};
const Statement kRetainedPut{"retained_put",
                             "INSERT INTO retained(seq, body, acked_ms) VALUES($1, $2, $3) ON "
                             "CONFLICT(seq) DO UPDATE SET body=excluded.body, "
                             "acked_ms=excluded.acked_ms"};
const Statement kRetainedPrune{"retained_prune", "DELETE FROM retained WHERE acked_ms<$1"};
const Statement kRequeue{"requeue",
                         "INSERT INTO outbox(seq, body) SELECT seq, body FROM retained WHERE "
                         "seq>$1 ON CONFLICT(seq) DO UPDATE SET body=excluded.body"};
const Statement kUnretain{"unretain", "DELETE FROM retained WHERE seq>$1"};
const Statement kRetainedCount{"retained_count", "SELECT COUNT(*) FROM retained"};
const Statement kQuarantinePut{"quarantine_put",
                               "INSERT INTO quarantine(seq, body, code, message) VALUES($1, $2, "
                               "$3, $4) ON CONFLICT(seq) DO UPDATE SET body=excluded.body, "
                               "code=excluded.code, message=excluded.message"};
const Statement kQuarantineRemove{"quarantine_remove", "DELETE FROM quarantine WHERE seq=$1"};
const Statement kQuarantineList{"quarantine_list",
                                "SELECT body, code, message FROM quarantine ORDER BY seq"};
const Statement kDeleteCell{"delete_cell",
                            "DELETE FROM cells WHERE collection=$1 AND record_id=$2 AND field=$3 "
                            "AND hlc=$4 AND replica=$5"};
const Statement kReplaceCell{"replace_cell",
                             "UPDATE cells SET value=$6, hlc=$7, replica=$8, seq=$9 WHERE "
                             "collection=$1 AND record_id=$2 AND field=$3 AND hlc=$4 AND "
                             "replica=$5"};
const Statement kRestamp{"restamp",
                         "UPDATE cells SET hlc=$6, replica=$7 WHERE collection=$1 AND "
                         "record_id=$2 AND field=$3 AND hlc=$4 AND replica=$5"};
const Statement kMetaGet{"meta_get", "SELECT value FROM meta WHERE key=$1"};
const Statement kMetaSet{"meta_set",
                         "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE "
                         "SET value=excluded.value"};
const Statement kPurgeCount{"purge_count",
                            "SELECT COUNT(*) FROM cells WHERE collection=$1 AND field=$2 AND "
                            "value <> ALL($3::text[])"};
const Statement kPurge{"purge",
                       "DELETE FROM cells WHERE collection=$1 AND record_id IN (SELECT record_id "
                       "FROM cells WHERE collection=$1 AND field=$2 AND value <> ALL($3::text[]))"};

Value parse_stored(std::string_view text) {
    try {
        return Value::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    std::string("stored value is not JSON: ") + e.what());
    }
}

std::string num(int64_t n) {
    return std::to_string(n);
}
std::string num(uint64_t n) {
    return std::to_string(n);
}
std::string packed(const Stamp& s) {
    return num(static_cast<int64_t>(s.hlc.packed()));
}
Hlc unpacked(const Result& r, int row, int col) {
    return Hlc::unpack(static_cast<uint64_t>(r.i64(row, col)));
}

}  // namespace

std::string search_path_sql(const std::string& schema) {
    return "SET search_path = " + quote_ident(schema);
}

class PgStore::Txn final : public StoreTxn {
  public:
    Txn(PgStore& store, Connection& c, uint64_t max_seq)
        : s_(store), c_(c), next_seq_(max_seq + 1) {}

    std::optional<CellValue> cell(std::string_view collection, std::string_view id,
                                  std::string_view field) override {
        const auto& rec = cached(collection, id);
        if (!rec) return std::nullopt;
        const auto it = rec->fields.find(field);
        if (it == rec->fields.end()) return std::nullopt;
        return it->second;
    }

    std::optional<Record> read(std::string_view collection, std::string_view id) override {
        return cached(collection, id);
    }

    bool merge(std::string_view collection, std::string_view id, std::string_view field,
               const Value& value, const Stamp& stamp) override {
        FieldChange change;
        change.field = std::string(field);
        change.value = value;
        return merge_record(collection, id, {change}, stamp) == 1;
    }

    size_t merge_record(std::string_view collection, std::string_view id,
                        const std::vector<FieldChange>& fields, const Stamp& stamp) override {
        auto& rec = cached(collection, id);
        size_t won = 0;
        for (const auto& f : fields) {
            std::optional<Stamp> cur;
            if (rec)
                if (const auto it = rec->fields.find(f.field); it != rec->fields.end())
                    cur = it->second.stamp;
            if (!merge::incoming_wins(stamp, cur)) continue;
            if (!rec) rec = Record{std::string(collection), std::string(id), {}};
            const uint64_t seq = next_seq_++;
            pending_.push_back({std::string(collection), std::string(id), f.field, f.value.dump(),
                                packed(stamp), num(s_.replica_number(c_, stamp.replica)),
                                num(seq)});
            rec->fields[f.field] = CellValue{f.value, stamp, seq};
            ++won;
        }
        if (pending_.size() >= kMaxPendingCells) send_pending();
        return won;
    }

    void prefetch(
        const std::vector<std::pair<std::string_view, std::string_view>>& records) override {
        bound_cache();
        std::vector<std::string> collections, ids;
        std::unordered_set<std::string> asked;
        const auto read_batch = [&] {
            if (ids.empty()) return;
            const Result r = c_.run(kRecords, {text_array(collections), text_array(ids)});
            for (size_t i = 0; i < ids.size(); ++i)
                records_.emplace(key(collections[i], ids[i]), std::nullopt);
            for (int i = 0; i < r.rows(); ++i) {
                auto& rec = records_[key(r.text(i, 0), r.text(i, 1))];
                if (!rec) rec = Record{std::string(r.text(i, 0)), std::string(r.text(i, 1)), {}};
                rec->fields.emplace(
                    std::string(r.text(i, 2)),
                    CellValue{parse_stored(r.text(i, 3)),
                              Stamp{unpacked(r, i, 4), s_.replica_name(c_, r.i64(i, 5))},
                              r.u64(i, 6)});
            }
            collections.clear();
            ids.clear();
        };
        for (const auto& [collection, id] : records) {
            std::string k = key(collection, id);
            if (records_.count(k) || !asked.insert(std::move(k)).second) continue;
            collections.emplace_back(collection);
            ids.emplace_back(id);
            if (ids.size() == kPrefetchBatch) read_batch();
        }
        read_batch();
    }

    std::vector<std::pair<std::string, Stamp>> stamps(std::string_view collection,
                                                      std::string_view id) override {
        std::vector<std::pair<std::string, Stamp>> out;
        if (const auto& rec = cached(collection, id))
            for (const auto& [name, cell] : rec->fields) out.emplace_back(name, cell.stamp);
        return out;
    }

    bool restore_cell(std::string_view collection, std::string_view id, std::string_view field,
                      const Stamp& refused, const std::optional<CellValue>& server) override {
        send_pending();
        forget(collection, id);
        std::vector<Param> p{std::string(collection), std::string(id), std::string(field),
                             packed(refused), num(s_.replica_number(c_, refused.replica))};
        if (!server) return c_.run(kDeleteCell, p).affected() > 0;
        p.push_back(server->value.dump());
        p.push_back(packed(server->stamp));
        p.push_back(num(s_.replica_number(c_, server->stamp.replica)));
        p.push_back(num(next_seq_++));
        return c_.run(kReplaceCell, p).affected() > 0;
    }

    uint64_t last_applied(const std::string& replica) override {
        return c_.run(kLastApplied, {replica}).u64(0, 0);
    }

    std::optional<std::string> receipt(const std::string& replica, uint64_t seq) override {
        const Result r = c_.run(kReceipt, {replica, num(seq)});
        if (r.rows() == 0) return std::nullopt;
        return std::string(r.text(0, 0));
    }

    void record_applied(const std::string& replica, uint64_t seq,
                        const std::string& receipt) override {
        c_.run(kRecordApplied, {replica, num(seq), receipt});
    }

    void outbox_put(const Changeset& cs) override {
        c_.run(kOutboxPut, {num(cs.seq), codec::encode(cs)});
    }
    void outbox_remove_through(uint64_t seq) override { c_.run(kOutboxRemove, {num(seq)}); }
    void outbox_ack_through(uint64_t seq, int64_t acked_ms) override {
        c_.run(kRetain, {num(seq), num(acked_ms)});
        outbox_remove_through(seq);
    }
    void retained_put(const Changeset& cs, int64_t acked_ms) override {
        c_.run(kRetainedPut, {num(cs.seq), codec::encode(cs), num(acked_ms)});
    }
    void retained_prune(int64_t before_ms) override { c_.run(kRetainedPrune, {num(before_ms)}); }
    uint64_t outbox_requeue_retained_after(uint64_t seq) override {
        c_.run(kRequeue, {num(seq)});
        c_.run(kUnretain, {num(seq)});
        return c_.run(kOutboxFirst).u64(0, 0);
    }

    void quarantine_put(const Changeset& cs, std::string_view code,
                        std::string_view message) override {
        c_.run(kQuarantinePut,
               {num(cs.seq), codec::encode(cs), std::string(code), std::string(message)});
    }
    void quarantine_remove(uint64_t seq) override { c_.run(kQuarantineRemove, {num(seq)}); }

    bool restamp(std::string_view collection, std::string_view id, std::string_view field,
                 const Stamp& from, const Stamp& to) override {
        send_pending();
        forget(collection, id);
        return c_.run(kRestamp, {std::string(collection), std::string(id), std::string(field),
                                 packed(from), num(s_.replica_number(c_, from.replica)), packed(to),
                                 num(s_.replica_number(c_, to.replica))})
                   .affected() > 0;
    }

    std::optional<std::string> meta(std::string_view key) override {
        const Result r = c_.run(kMetaGet, {std::string(key)});
        if (r.rows() == 0) return std::nullopt;
        return std::string(r.text(0, 0));
    }

    void set_meta(std::string_view key, std::string_view value) override {
        c_.run(kMetaSet, {std::string(key), std::string(value)});
    }

    size_t purge_records_not_in(std::string_view collection, std::string_view field,
                                const std::vector<std::string>& keep) override {
        // Values are stored as JSON text, so the kept strings are compared in their quoted form.
        std::vector<std::string> quoted;
        for (const auto& k : keep) quoted.push_back(nlohmann::json(k).dump());
        const std::vector<Param> p{std::string(collection), std::string(field), text_array(quoted)};
        send_pending();
        records_.clear();
        const auto removed = static_cast<size_t>(c_.run(kPurgeCount, p).u64(0, 0));
        if (removed > 0) c_.run(kPurge, p);
        return removed;
    }

    std::exception_ptr in_savepoint(const std::function<void(StoreTxn&)>& fn) override {
        const size_t replicas_before = s_.replicas_added_in_txn_.size();
        send_pending();  // what came before the savepoint stays, whatever happens inside it
        c_.exec("SAVEPOINT work");
        try {
            fn(*this);
            send_pending();  // a failure of the cells' statement undoes this savepoint only
        } catch (...) {
            std::exception_ptr failed = std::current_exception();
            pending_.clear();
            records_.clear();  // some may hold writes rolled back now
            // A lost connection ends the whole transaction: nothing of it can commit.
            if (c_.broken()) std::rethrow_exception(failed);
            s_.forget_replicas_added_after(replicas_before);
            c_.exec("ROLLBACK TO SAVEPOINT work; RELEASE SAVEPOINT work");
            return failed;
        }
        c_.exec("RELEASE SAVEPOINT work");
        return nullptr;
    }

    // Before the commit: the cells not yet sent.
    void send_pending() {
        if (pending_.empty()) return;
        std::vector<std::string> cols[7];
        std::unordered_set<std::string> sent;
        // The last write of a cell is the one that stands (it was merged against the earlier).
        for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
            if (!sent.insert(key(it->collection, it->id) + '\0' + it->field).second) continue;
            cols[0].push_back(std::move(it->collection));
            cols[1].push_back(std::move(it->id));
            cols[2].push_back(std::move(it->field));
            cols[3].push_back(std::move(it->value));
            cols[4].push_back(std::move(it->hlc));
            cols[5].push_back(std::move(it->replica));
            cols[6].push_back(std::move(it->seq));
        }
        pending_.clear();
        std::vector<Param> params;
        for (const auto& col : cols) params.emplace_back(text_array(col));
        c_.run(kUpsertCells, params);
    }

  private:
    // A won cell not yet sent: the values of one row of kUpsertCells, as text.
    struct PendingCell {
        std::string collection, id, field, value, hlc, replica, seq;
    };
    // Enough to make a round trip per batch cheap, few enough to keep a big push's memory small.
    static constexpr size_t kMaxPendingCells = 5000;
    static constexpr size_t kPrefetchBatch = 1000;
    static constexpr size_t kMaxCachedRecords = 50'000;

    static std::string key(std::string_view collection, std::string_view id) {
        std::string k(collection);
        k += '\0';
        k += id;
        return k;
    }

    // The record as it stands in this transaction, read from the database once. The push reads
    // each record several times (domain rules, permissions, conflict detection, the merge), a
    // round trip each without this. It stays true: while this transaction holds the store's
    // advisory lock no other writer changes cells, and its own merges are applied to the copy.
    // Every record with a pending cell is here, so a record read from the database has none.
    std::optional<Record>& cached(std::string_view collection, std::string_view id) {
        std::string k = key(collection, id);
        if (const auto it = records_.find(k); it != records_.end()) return it->second;
        bound_cache();
        return records_.emplace(std::move(k), s_.read_on(c_, collection, id)).first->second;
    }
    // A transaction as big as a whole demo province must not keep all of it in memory: past the
    // bound the cells are sent and the copies dropped (they are read again if needed).
    void bound_cache() {
        if (records_.size() < kMaxCachedRecords) return;
        send_pending();
        records_.clear();
    }
    void forget(std::string_view collection, std::string_view id) {
        records_.erase(key(collection, id));
    }

    PgStore& s_;
    Connection& c_;
    uint64_t next_seq_;
    std::unordered_map<std::string, std::optional<Record>> records_;
    std::vector<PendingCell> pending_;
};

PgStore::PgStore(StoreOptions options)
    : options_(std::move(options)),
      pool_(options_.url, options_.max_connections, search_path_sql(options_.schema)),
      lock_key_(advisory_lock_key("ocop.store:" + options_.schema)) {
    auto c = pool_.acquire();
    // Under the layout lock every store of the schema shares: processes starting together on an
    // empty database create it once; a newer layout is refused (store.layout_too_new).
    ensure_layout(*c, options_.schema, Layout{"store_layout", store_layout, kSchemaSql, "store"});
}

PgStore::~PgStore() = default;

const std::string& PgStore::replica_name(Connection& c, int64_t number) {
    {
        std::lock_guard lock(replicas_mutex_);
        if (const auto it = replica_names_.find(number); it != replica_names_.end())
            return it->second;
    }
    const Result r = c.run(kReplicaByNumber, {num(number)});
    if (r.rows() == 0)
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    "cell names unknown replica number " + std::to_string(number));
    std::lock_guard lock(replicas_mutex_);
    replica_numbers_.emplace(std::string(r.text(0, 0)), number);
    return replica_names_.emplace(number, std::string(r.text(0, 0))).first->second;
}

int64_t PgStore::replica_number(Connection& c, const std::string& name) {
    {
        std::lock_guard lock(replicas_mutex_);
        if (const auto it = replica_numbers_.find(name); it != replica_numbers_.end())
            return it->second;
    }
    // Another process may have numbered it; if not, this writer (holding the store's lock) does.
    bool added = false;
    Result r = c.run(kReplicaByName, {name});
    if (r.rows() == 0) {
        r = c.run(kReplicaInsert, {name});
        added = true;
    }
    const int64_t number = r.i64(0, 0);
    std::lock_guard lock(replicas_mutex_);
    replica_numbers_.emplace(name, number);
    replica_names_.emplace(number, name);
    if (added) replicas_added_in_txn_.push_back(name);
    return number;
}

void PgStore::forget_replicas_added_after(size_t kept) {
    std::lock_guard lock(replicas_mutex_);
    while (replicas_added_in_txn_.size() > kept) {
        const std::string& name = replicas_added_in_txn_.back();
        replica_names_.erase(replica_numbers_.at(name));
        replica_numbers_.erase(name);
        replicas_added_in_txn_.pop_back();
    }
}

void PgStore::write(const std::function<void(StoreTxn&)>& fn) {
    std::lock_guard writer(write_mutex_);
    auto c = pool_.acquire();
    replicas_added_in_txn_.clear();
    try {
        Transaction transaction(*c);
        c->run(kLock, {num(lock_key_)});
        Txn txn(*this, *c, c->run(kMaxSeq).u64(0, 0));
        fn(txn);
        txn.send_pending();
        transaction.commit();
    } catch (...) {
        // Rolled back: forget the replica numbers its rows gave, or they would be reused.
        forget_replicas_added_after(0);
        throw;
    }
    replicas_added_in_txn_.clear();
}

std::optional<Record> PgStore::read_on(Connection& c, std::string_view collection,
                                       std::string_view id) {
    const Result r = c.run(kRecord, {std::string(collection), std::string(id)});
    if (r.rows() == 0) return std::nullopt;
    Record rec;
    rec.collection = std::string(collection);
    rec.id = std::string(id);
    for (int i = 0; i < r.rows(); ++i)
        rec.fields.emplace(
            std::string(r.text(i, 0)),
            CellValue{parse_stored(r.text(i, 1)),
                      Stamp{unpacked(r, i, 2), replica_name(c, r.i64(i, 3))}, r.u64(i, 4)});
    return rec;
}

std::optional<Record> PgStore::read(std::string_view collection, std::string_view id) {
    auto c = pool_.acquire();
    return read_on(*c, collection, id);
}

std::vector<Record> PgStore::query(std::string_view collection,
                                   const std::vector<FieldFilter>& filters, size_t limit,
                                   std::string_view after_id) {
    auto c = pool_.acquire();
    const CandidateIndex index = candidate_index(filters);
    const std::string value = filters.empty() ? std::string() : filters.front().equals.dump();
    const Statement& by = index == CandidateIndex::record_ids  ? kIdsAfter
                          : index == CandidateIndex::reference ? kIdsByReference
                          : index == CandidateIndex::blob      ? kIdsByBlob
                                                               : kIdsByValue;
    const auto candidates = [&](const std::string& after, size_t batch) {
        const Result r = index == CandidateIndex::record_ids
                             ? c->run(by, {std::string(collection), after, num(uint64_t{batch})})
                             : c->run(by, {std::string(collection), filters.front().field, value,
                                           after, num(uint64_t{batch})});
        std::vector<std::string> ids;
        for (int i = 0; i < r.rows(); ++i) ids.emplace_back(r.text(i, 0));
        return ids;
    };
    return query_by_candidates(filters, limit, after_id, candidates,
                               [&](const std::string& id) { return read_on(*c, collection, id); });
}

ChangePage PgStore::changes_since(uint64_t cursor, size_t max_cells, size_t max_bytes) {
    auto c = pool_.acquire();
    ChangePageFiller page(cursor, max_cells, max_bytes);
    const Result r = c->run(kSince, {num(cursor), num(page.rows_to_read())});
    for (int i = 0; i < r.rows(); ++i) {
        const std::string_view value = r.text(i, 3);
        if (!page.fits(value.size() + r.text(i, 0).size() + r.text(i, 1).size() +
                       r.text(i, 2).size()))
            break;
        page.add(
            Cell{std::string(r.text(i, 0)), std::string(r.text(i, 1)), std::string(r.text(i, 2)),
                 CellValue{parse_stored(value),
                           Stamp{unpacked(r, i, 4), replica_name(*c, r.i64(i, 5))}, r.u64(i, 6)}});
    }
    return page.take();
}

uint64_t PgStore::head() {
    auto c = pool_.acquire();
    return c->run(kMaxSeq).u64(0, 0);
}

std::vector<Changeset> PgStore::outbox(size_t limit) {
    auto c = pool_.acquire();
    const Result r = c->run(kOutboxList, {num(static_cast<uint64_t>(limit))});
    std::vector<Changeset> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(codec::decode(r.text(i, 0)));
    return out;
}

size_t PgStore::outbox_size() {
    auto c = pool_.acquire();
    return static_cast<size_t>(c->run(kOutboxCount).u64(0, 0));
}

size_t PgStore::retained_size() {
    auto c = pool_.acquire();
    return static_cast<size_t>(c->run(kRetainedCount).u64(0, 0));
}

uint64_t PgStore::last_applied(const std::string& replica) {
    auto c = pool_.acquire();
    return c->run(kLastApplied, {replica}).u64(0, 0);
}

std::vector<QuarantinedChangeset> PgStore::quarantined() {
    auto c = pool_.acquire();
    const Result r = c->run(kQuarantineList);
    std::vector<QuarantinedChangeset> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(
            {codec::decode(r.text(i, 0)), std::string(r.text(i, 1)), std::string(r.text(i, 2))});
    return out;
}

std::optional<std::string> PgStore::meta(std::string_view key) {
    auto c = pool_.acquire();
    const Result r = c->run(kMetaGet, {std::string(key)});
    if (r.rows() == 0) return std::nullopt;
    return std::string(r.text(0, 0));
}

}  // namespace ocop::pg
