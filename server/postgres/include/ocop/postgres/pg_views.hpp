// The province's own view of its data: each collection of the schema as a typed SQL view (one
// column per field, Vietnamese comments from label_vi, current values only, deleted records left
// out) in a schema of its own, and a role that may read those views and nothing else, for
// analysts and BI tools (docs/postgresql.md). Regenerated whenever the schema version changes.
#pragma once

#include <string>

#include "ocop/core/schema.hpp"
#include "ocop/postgres/pg_connection.hpp"

namespace ocop::pg {

struct ViewNames {
    std::string schema;  // where the views are: the data schema's name + "_views"
    std::string reader;  // the read-only role: the data schema's name + "_reader"
};
ViewNames view_names(const std::string& data_schema);

// The CREATE VIEW statement of one collection over `data_schema`.cells.
std::string view_sql(const CollectionDef& collection, const std::string& data_schema,
                     const std::string& view_schema);

// Creates or replaces every view and grants the reader role (created NOLOGIN if missing) SELECT
// on them, unless the views of this schema version already exist. Several processes starting at
// once do it one after the other. Returns what it did, for the log: "" when nothing was needed;
// a role that could not be created (the server's database user lacks CREATEROLE) is said there,
// the views are made all the same.
std::string ensure_views(Connection& c, const Schema& schema, const std::string& data_schema);

}  // namespace ocop::pg
