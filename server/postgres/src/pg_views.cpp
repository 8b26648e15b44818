#include "ocop/postgres/pg_views.hpp"

#include "ocop/core/error.hpp"
#include "ocop/postgres/pg_transaction.hpp"

namespace ocop::pg {

namespace {

// A field's current value, typed. Values are stored as JSON text; `#>> '{}'` takes a scalar out
// of its JSON (and a JSON null to SQL NULL). Values were validated on the way in, so every cast
// holds (dates are YYYY-MM-DD, date-times ISO 8601 with an offset).
std::string typed_column(const FieldDef& f) {
    const std::string raw = "max(value) FILTER (WHERE field = " + quote_literal(f.name) + ")";
    const std::string scalar = "((" + raw + ")::jsonb #>> '{}')";
    switch (f.type) {
        case FieldType::integer:
            return scalar + "::bigint";
        case FieldType::real:
            return scalar + "::double precision";
        case FieldType::boolean:
            return scalar + "::boolean";
        case FieldType::date:
            return scalar + "::date";
        case FieldType::datetime:
            return scalar + "::timestamptz";
        case FieldType::json:
            return "(" + raw + ")::jsonb";
        default:
            return scalar;
    }
}

}  // namespace

ViewNames view_names(const std::string& data_schema) {
    return {data_schema + "_views", data_schema + "_reader"};
}

std::string view_sql(const CollectionDef& collection, const std::string& data_schema,
                     const std::string& view_schema) {
    std::string sql = "CREATE VIEW " + quote_ident(view_schema) + "." +
                      quote_ident(collection.name) + " AS SELECT record_id AS id";
    for (const auto& f : collection.fields)
        sql += ", " + typed_column(f) + " AS " + quote_ident(f.name);
    sql += " FROM " + quote_ident(data_schema) +
           ".cells WHERE collection = " + quote_literal(collection.name) +
           " GROUP BY record_id HAVING NOT coalesce(bool_or(field = '_deleted' AND value = "
           "'true'), false)";
    return sql;
}

std::string ensure_views(Connection& c, const Schema& schema, const std::string& data_schema) {
    const ViewNames names = view_names(data_schema);
    const std::string wanted = "schema " + std::to_string(schema.version()) + ", views 1";
    const std::string meta = quote_ident(data_schema) + ".meta";
    {
        Transaction txn(c);
        c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                {"ocop.views:" + data_schema});
        const Result have = c.query("SELECT value FROM " + meta + " WHERE key = 'views'");
        if (have.rows() == 1 && have.text(0, 0) == wanted) return "";
        c.exec("DROP SCHEMA IF EXISTS " + quote_ident(names.schema) + " CASCADE");
        c.exec("CREATE SCHEMA " + quote_ident(names.schema));
        c.exec("COMMENT ON SCHEMA " + quote_ident(names.schema) + " IS " +
               quote_literal("Dữ liệu OCOP của tỉnh: mỗi tập hợp một view, giá trị hiện hành, "
                             "không gồm bản ghi đã xoá"));
        for (const auto& [name, coll] : schema.collections()) {
            const std::string view = quote_ident(names.schema) + "." + quote_ident(name);
            c.exec(view_sql(coll, data_schema, names.schema));
            if (!coll.label_vi.empty())
                c.exec("COMMENT ON VIEW " + view + " IS " + quote_literal(coll.label_vi));
            c.exec("COMMENT ON COLUMN " + view + ".id IS 'Mã bản ghi (UUID)'");
            for (const auto& f : coll.fields)
                if (!f.label_vi.empty())
                    c.exec("COMMENT ON COLUMN " + view + "." + quote_ident(f.name) + " IS " +
                           quote_literal(f.label_vi));
        }
        c.query("INSERT INTO " + meta +
                    "(key, value) VALUES('views', $1) ON CONFLICT(key) DO UPDATE SET "
                    "value = excluded.value",
                {wanted});
        txn.commit();
    }
    std::string said = "views of " + wanted + " created in schema " + names.schema;
    // The role in a transaction of its own: a database user without CREATEROLE still gets views.
    try {
        Transaction txn(c);
        if (c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", {names.reader}).rows() == 0)
            c.exec("CREATE ROLE " + quote_ident(names.reader) + " NOLOGIN");
        c.exec("GRANT USAGE ON SCHEMA " + quote_ident(names.schema) + " TO " +
               quote_ident(names.reader));
        c.exec("GRANT SELECT ON ALL TABLES IN SCHEMA " + quote_ident(names.schema) + " TO " +
               quote_ident(names.reader));
        txn.commit();
        said += "; role " + names.reader + " may read them";
    } catch (const Error& e) {
        said += "; the read-only role " + names.reader + " could not be set up (" + e.what() +
                "): create it and grant it SELECT on the views by hand";
    }
    return said;
}

}  // namespace ocop::pg
