// A demo province for trials, demos and benchmarks: seeded, deterministic, realistic data with
// Vietnamese names. One province with communes after the 2025 merger (the old districts and
// communes kept as history through plan_unit_merge / plan_unit_end), applicants and products
// across the 26 product sets and every star level, registrations, self-assessments, commune
// reports, council sheets and evaluations under the rule set in force at the time, certificates
// (valid, in their re-evaluation window, expired, superseded, revoked), and past inspections
// with findings, samples (lab results written after signing), amendments and proposals.
//
// Only the 26/2026 scoring sheets are in the data: council sheets and self-assessments use them for
// evaluations under 148/2023 onwards (same A40/B25/C35 parts); evaluations under 1048/2019
// (A35/B25/C40) carry an average and stars but no sheets.
//
// Everything is written through the given LocalReplica, so the data are ordinary stamped
// changesets (and pass the replica's rules, e.g. DomainRules). For the same seed, options,
// replica id, starting store and physical clock, the cells written are identical: record ids come
// from UuidV7Generator(seed) at the replica's physical time, and no std distributions are used.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ocop/core/hlc.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/domain/date.hpp"

namespace ocop::domain {

struct DemoOptions {
    uint64_t seed = 1;
    // Records to create in total, administrative units included (about 50 of them; fewer is
    // refused with ocop.demo_invalid). 8,000 gives about 300 applicants and 500 products.
    size_t size = 8000;
    Date today = Date::from_days(20'780);  // 2026-11-23: certificate states are relative to it
    size_t records_per_changeset = 200;    // new records per changeset (a "sync batch")
    // The account the minutes are signed by (SigningRule: signed_by is the signing user's
    // account name): `demo` of ocop-server --demo (server::demo_user), which holds every role
    // on the province. The team lead's own name stays in the inspection's team.
    std::string signer = "demo";
};

struct DemoReport {
    size_t records = 0;     // records created (= size)
    size_t changesets = 0;  // changesets committed
    std::map<std::string, size_t> per_collection;
    std::string province_id;
    std::vector<std::string> current_communes;  // communes in force on `today`
    std::vector<std::string> former_communes;   // communes merged on 2025-07-01
    std::vector<std::string> former_districts;  // districts ended on 2025-07-01
    std::map<int, size_t> certificates_by_stars;
    std::map<int, size_t> evaluations_by_stars;      // 0 = disqualified
    size_t certificates_in_reevaluation_window = 0;  // on `today`
    size_t certificates_expired = 0;                 // on `today`
};

// Writes a demo province into the replica's store. Throws ocop.demo_invalid for a size below the
// number of administrative units, or any error the replica's commit raises.
DemoReport generate_demo_province(LocalReplica& replica, const DemoOptions& options);

// A deterministic physical clock for demo replicas: starts at `start_ms` and moves `step_ms`
// forward on every reading.
PhysicalClock demo_clock(int64_t start_ms = 1'795'392'000'000, int64_t step_ms = 1);

}  // namespace ocop::domain
