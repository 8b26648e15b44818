// Moving a province from the embedded default to PostgreSQL (docs/postgresql.md): every table
// of a stopped server's SQLite data directory (cells and change log, receipts, replicas, server
// id and clock, users, devices with their token hashes, grants, audit trail) copied into an
// empty PostgreSQL schema in one transaction, then verified cell by cell. Sequence numbers,
// stamps, epochs and token hashes are kept, so devices go on syncing with the server on
// PostgreSQL without re-enrolling and without pulling again.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ocop/postgres/pg_store.hpp"

namespace ocop::server {

// Throws Error: store.in_use (a server has the files open), store.not_empty (the schema holds
// data), store.corrupt (a damaged file, or a copied table that differs from its original: the
// check runs before the commit, so nothing is left half-copied), store.io. Returns what was
// copied and verified.
nlohmann::json copy_to_postgresql(const std::string& data_dir, const pg::StoreOptions& target);

}  // namespace ocop::server
