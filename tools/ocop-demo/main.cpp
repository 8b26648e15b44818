// ocop-demo: writes a demo province into a store file.
//
//   ocop-demo --out FILE.db [--size N] [--seed S] [--today YYYY-MM-DD] [--replica ID]
//             [--batch N] [--outbox]
//
// The data are ordinary changesets of one replica (default "demo-server", no outbox: the
// server's own replica), checked by the OCOP domain rules. The same arguments give the same
// cells: the physical clock is a fixed, ticking demo clock.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/demo_province.hpp"
#include "ocop/domain/rules.hpp"

namespace {

int usage(const char* why) {
    if (why) std::fprintf(stderr, "ocop-demo: %s\n", why);
    std::fprintf(stderr,
                 "usage: ocop-demo --out FILE.db [--size N] [--seed S] [--today YYYY-MM-DD]\n"
                 "                 [--replica ID] [--batch N] [--outbox]\n"
                 "  --size     records to create, administrative units included (default 8000)\n"
                 "  --seed     generator seed (default 1)\n"
                 "  --today    the demo's today (default 2026-11-23)\n"
                 "  --replica  replica id of a new store (default demo-server)\n"
                 "  --batch    new records per changeset (default 200)\n"
                 "  --outbox   keep the changesets in the outbox (a device store)\n");
    return 2;
}

bool parse_u64(std::string_view text, uint64_t& out) {
    if (text.empty()) return false;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out, replica_id = "demo-server";
    bool keep_outbox = false;
    ocop::domain::DemoOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        uint64_t n = 0;
        if (arg == "--out") {
            const char* v = value();
            if (!v) return usage("--out needs a file");
            out = v;
        } else if (arg == "--size") {
            const char* v = value();
            if (!v || !parse_u64(v, n)) return usage("--size needs a number");
            options.size = n;
        } else if (arg == "--seed") {
            const char* v = value();
            if (!v || !parse_u64(v, n)) return usage("--seed needs a number");
            options.seed = n;
        } else if (arg == "--batch") {
            const char* v = value();
            if (!v || !parse_u64(v, n) || n == 0) return usage("--batch needs a positive number");
            options.records_per_changeset = n;
        } else if (arg == "--today") {
            const char* v = value();
            const auto d = v ? ocop::domain::Date::try_parse(v) : std::nullopt;
            if (!d) return usage("--today needs a date YYYY-MM-DD");
            options.today = *d;
        } else if (arg == "--replica") {
            const char* v = value();
            if (!v) return usage("--replica needs an id");
            replica_id = v;
        } else if (arg == "--outbox") {
            keep_outbox = true;
        } else if (arg == "-h" || arg == "--help") {
            return usage(nullptr);
        } else {
            return usage(("unknown argument " + std::string(arg)).c_str());
        }
    }
    if (out.empty()) return usage("--out is required");
    if (out != ":memory:" && std::filesystem::exists(out)) {
        std::fprintf(stderr, "ocop-demo: %s exists; the demo is written into a new store\n",
                     out.c_str());
        return 1;
    }
    try {
        const auto started = std::chrono::steady_clock::now();
        ocop::SqliteStore store(out, ocop::sqlite::Durability::normal);
        const ocop::domain::DomainRules rules;
        // The demo's minutes are signed as options.signer: checked like that user's device.
        const ocop::domain::WriterSigningRule signing(
            rules.signing(), [&](ocop::StoreTxn&) { return ocop::domain::Writer{options.signer}; });
        std::vector<const ocop::ChangesetRule*> checks = rules.list();
        checks.push_back(&signing);
        ocop::LocalReplica replica(store, ocop::builtin_schema(), ocop::domain::demo_clock(),
                                   replica_id, checks, keep_outbox);
        const auto report = ocop::domain::generate_demo_province(replica, options);
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf("%s: %zu records in %zu changesets (%.1f s), seed %llu, today %s\n",
                    out.c_str(), report.records, report.changesets, secs,
                    static_cast<unsigned long long>(options.seed), options.today.iso().c_str());
        for (const auto& [collection, n] : report.per_collection)
            std::printf("  %-22s %zu\n", collection.c_str(), n);
        std::printf("  communes in force %zu, former communes %zu, former districts %zu\n",
                    report.current_communes.size(), report.former_communes.size(),
                    report.former_districts.size());
        std::printf("  evaluations by stars:");
        for (const auto& [stars, n] : report.evaluations_by_stars) {
            if (stars == 0)
                std::printf(" disqualified=%zu", n);
            else
                std::printf(" %d=%zu", stars, n);
        }
        std::printf("\n  certificates by stars:");
        for (const auto& [stars, n] : report.certificates_by_stars)
            std::printf(" %d=%zu", stars, n);
        std::printf("\n  certificates in their re-evaluation window %zu, expired %zu\n",
                    report.certificates_in_reevaluation_window, report.certificates_expired);
        return 0;
    } catch (const ocop::Error& e) {
        std::fprintf(stderr, "ocop-demo: %s (%s)\n", e.what(), e.code().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ocop-demo: %s\n", e.what());
    }
    // Leave no half-written store behind.
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(out + suffix, ec);
    return 1;
}
