// Benchmark of the shared core on 1,000,000 field changes of realistic inspection data:
// changeset encode/decode rate, bytes per change on the wire (raw and gzip), and the store's
// apply rate against raw SQLite upserts of the same cells in the same transactions.
// Usage: ocop-core-bench [field_changes]   (default 1000000)

#include <cstdlib>
#include <iostream>

#include "bench_util.hpp"
#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/sync/gzip.hpp"
#include "raw_upsert.hpp"
#include "realistic_data.hpp"

using namespace ocop;

namespace {

constexpr size_t kChangesetsPerTxn = 500;  // one push request's worth

std::vector<Changeset> make_changesets(size_t field_changes) {
    bench::InspectionGenerator gen(2026);
    const std::vector<std::string> replicas = {gen.new_id(1), gen.new_id(2), gen.new_id(3),
                                               gen.new_id(4)};
    std::vector<Changeset> out;
    std::vector<std::pair<std::string, Stamp>> written;  // records to update later, with stamps
    int64_t ms = 1780000000000;
    std::vector<uint64_t> seqs(replicas.size(), 0);
    size_t changes = 0;
    while (changes < field_changes) {
        const size_t r = gen.rng()() % replicas.size();
        Changeset cs;
        cs.replica = replicas[r];
        cs.seq = ++seqs[r];
        cs.schema_version = 1;
        cs.hlc = Hlc{ms += 1 + static_cast<int64_t>(gen.rng()() % 50), 0};
        RecordChange rec{"inspection", {}, gen.inspection_fields()};
        // One in five saves edits an earlier record: its fields carry the base they replace.
        if (!written.empty() && gen.rng()() % 5 == 0) {
            const auto& [id, base] = written[gen.rng()() % written.size()];
            rec.id = id;
            for (auto& f : rec.fields) f.base = base;
        } else {
            rec.id = gen.new_id(ms);
            written.emplace_back(rec.id, cs.stamp());
        }
        changes += rec.fields.size();
        cs.records.push_back(std::move(rec));
        out.push_back(std::move(cs));
    }
    return out;
}

double raw_upsert_rate(const std::vector<Changeset>& changesets, size_t changes,
                       const std::string& path) {
    bench::RawUpsert raw(path);
    bench::Stopwatch sw;
    for (size_t i = 0; i < changesets.size(); i += kChangesetsPerTxn) {
        raw.begin();
        for (size_t j = i; j < std::min(i + kChangesetsPerTxn, changesets.size()); ++j)
            for (const auto& rec : changesets[j].records)
                for (const auto& f : rec.fields)
                    raw.put(rec.collection, rec.id, f.field, f.value.dump());
        raw.commit();
    }
    const double rate = static_cast<double>(changes) / sw.seconds();
    return rate;
}

}  // namespace

int main(int argc, char** argv) {
    const size_t target = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
    if (target == 0) {
        std::cerr << "ocop-core-bench: the number of field changes must be positive\n";
        return 2;
    }
    const auto dir = bench::fresh_temp_dir("ocop-core-bench");
    const auto changesets = make_changesets(target);
    size_t changes = 0;
    for (const auto& cs : changesets) changes += cs.change_count();
    std::printf("ocop core benchmark: %zu field changes in %zu changesets (10 fields each)\n",
                changes, changesets.size());

    bench::Stopwatch enc;
    std::vector<std::string> encoded;
    encoded.reserve(changesets.size());
    size_t raw_bytes = 0;
    for (const auto& cs : changesets) raw_bytes += encoded.emplace_back(codec::encode(cs)).size();
    const double encode_s = enc.seconds();

    // On the wire changesets travel in batches (one push request); compress each batch.
    size_t gzip_bytes = 0;
    for (size_t i = 0; i < encoded.size(); i += kChangesetsPerTxn) {
        std::string batch = "[";
        for (size_t j = i; j < std::min(i + kChangesetsPerTxn, encoded.size()); ++j)
            batch += (j > i ? "," : "") + encoded[j];
        gzip_bytes += sync::gzip_compress(batch + "]").size();
    }

    bench::Stopwatch dec;
    size_t decoded_changes = 0;
    for (const auto& text : encoded) decoded_changes += codec::decode(text).change_count();
    const double decode_s = dec.seconds();
    if (decoded_changes != changes) {
        std::cerr << "ocop-core-bench: decode lost changes\n";
        return 1;
    }

    double apply_rate = 0;
    {
        SqliteStore store((dir / "store.db").string(), sqlite::Durability::full);
        bench::Stopwatch sw;
        for (size_t i = 0; i < changesets.size(); i += kChangesetsPerTxn)
            store.write([&](StoreTxn& t) {
                for (size_t j = i; j < std::min(i + kChangesetsPerTxn, changesets.size()); ++j)
                    apply_changeset(t, changesets[j]);
            });
        apply_rate = static_cast<double>(changes) / sw.seconds();
        if (store.integrity_check() != "ok") {
            std::cerr << "ocop-core-bench: integrity check failed\n";
            return 1;
        }
    }
    const double raw_rate = raw_upsert_rate(changesets, changes, (dir / "raw.db").string());

    const double n = static_cast<double>(changes);
    bench::figure("changeset encode", n / encode_s, "changes/s");
    bench::figure("changeset decode", n / decode_s, "changes/s");
    bench::figure("wire bytes per change, raw JSON", static_cast<double>(raw_bytes) / n, "B");
    bench::figure("wire bytes per change, gzip (500 per batch)",
                  static_cast<double>(gzip_bytes) / n, "B");
    bench::figure("store apply (merge rule, WAL, sync=FULL)", apply_rate, "changes/s");
    bench::figure("raw SQLite upsert (same batches)", raw_rate, "changes/s");
    std::printf("  %-44s %14.2f (target >= 0.33)\n", "store apply / raw upsert",
                apply_rate / raw_rate);
    bench::figure("peak RSS", bench::peak_rss_mib(), "MiB");
    std::filesystem::remove_all(dir);
    return 0;
}
