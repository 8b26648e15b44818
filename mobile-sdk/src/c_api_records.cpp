// The C ABI's device store: open and close, transactions, reads, search, the schema, signing
// and unit merges.
#include "c_api_handle.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/sdk/json_views.hpp"

using nlohmann::json;
using namespace ocop::sdk::c_api;

namespace {

std::string optional_text(const json& j, const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

}  // namespace

extern "C" {

ocop_db* ocop_db_open(const char* path, ocop_error** err) {
    if (!path) {
        fail(err, OCOP_ERR_INVALID_INPUT, ocop::errc::sdk_bad_argument, "path is NULL");
        return nullptr;
    }
    return guarded(err, static_cast<ocop_db*>(nullptr), [&] {
        auto handle = std::make_unique<ocop_db>();
        handle->db = ocop::sdk::Database::open(path);
        return handle.release();
    });
}

bool ocop_db_close(ocop_db* db, ocop_error** err) {
    if (!db) return true;
    if (db->open_jobs.load() > 0) {
        fail(err, OCOP_ERR_CONFLICT, ocop::errc::sdk_handle_busy,
             "a sync job of this handle has not been freed (ocop_sync_job_free); the handle stays "
             "open");
        return false;
    }
    delete db;
    return true;
}

const char* ocop_db_replica_id(ocop_db* db, size_t* out_len) {
    if (!db) {
        if (out_len) *out_len = 0;
        return "";
    }
    const std::string& id = db->db->replica_id();
    if (out_len) *out_len = id.size();
    return id.c_str();
}

char* ocop_db_write_json(ocop_db* db, const char* transaction_json, size_t* out_len,
                         ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {transaction_json}, [&] {
        const json t = json::parse(transaction_json);
        if (!t.is_object())
            throw ocop::Error(ocop::ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                              "a transaction is a JSON object with \"put\" and \"remove\"");
        json ids = json::array();
        const uint64_t seq = db->db->write([&](ocop::sdk::Transaction& txn) {
            for (const auto& p : t.value("put", json::array())) {
                const auto collection = p.at("collection").get<std::string>();
                const auto fields = fields_of(p.at("fields"), "put[].fields");
                if (p.contains("id")) {
                    const auto id = p.at("id").get<std::string>();
                    txn.put(collection, id, fields);
                    ids.push_back(id);
                } else {
                    ids.push_back(txn.create(collection, fields));
                }
            }
            for (const auto& r : t.value("remove", json::array()))
                txn.remove(r.at("collection").get<std::string>(), r.at("id").get<std::string>());
        });
        return hand_out(json{{"seq", seq}, {"ids", ids}}.dump(), out_len);
    });
}

char* ocop_db_get_json(ocop_db* db, const char* collection, const char* id, size_t* out_len,
                       ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {collection, id}, [&] {
        const auto rec = db->db->get(collection, id);
        if (!rec)
            throw ocop::Error(ocop::ErrorKind::not_found, ocop::errc::record_not_found,
                              std::string(collection) + "/" + id + " does not exist");
        return hand_out(ocop::sdk::json_view::record(*rec).dump(), out_len);
    });
}

char* ocop_db_list_json(ocop_db* db, const char* collection, const char* filters_json,
                        uint32_t limit, const char* after_id, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {collection}, [&] {
        std::vector<ocop::FieldFilter> filters;
        if (filters_json) {
            const json parsed = json::parse(filters_json);  // must outlive the loop below
            for (const auto& [k, v] : fields_of(parsed, "filters")) filters.push_back({k, v});
        }
        const auto page = db->db->list_page(collection, filters, limit, after_id ? after_id : "");
        json records = json::array();
        for (const auto& r : page.records) records.push_back(ocop::sdk::json_view::record(r));
        return hand_out(
            json{{"records", records}, {"more", page.more}, {"next_after_id", page.next_after_id}}
                .dump(),
            out_len);
    });
}

char* ocop_db_search_json(ocop_db* db, const char* collection, const char* query, const char* field,
                          uint32_t limit, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {collection, query}, [&] {
        json out = json::array();
        for (const auto& r : db->db->search(collection, query, limit, field ? field : ""))
            out.push_back(ocop::sdk::json_view::record(r));
        return hand_out(out.dump(), out_len);
    });
}

char* ocop_db_schema_json(ocop_db* db, size_t* out_len, ocop_error** err) {
    // The schema document the core compiled in is the one the device validates against; its
    // labels (label_vi) are what a form shows.
    return on_handle(db, err, static_cast<char*>(nullptr), {},
                     [&] { return hand_out(std::string(ocop::builtin_schema_json()), out_len); });
}

uint64_t ocop_db_sign_inspection(ocop_db* db, const char* inspection_id, ocop_error** err) {
    return on_handle(db, err, uint64_t{0}, {inspection_id},
                     [&] { return db->db->sign_inspection(inspection_id); });
}

char* ocop_db_merge_units_json(ocop_db* db, const char* merge_json, size_t* out_len,
                               ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {merge_json}, [&] {
        const json j = json::parse(merge_json);
        ocop::domain::UnitMerge merge;
        merge.old_units = j.at("old_units").get<std::vector<std::string>>();
        merge.new_unit_id = optional_text(j, "new_unit_id");
        merge.code = j.at("code").get<std::string>();
        merge.name = j.at("name").get<std::string>();
        merge.effective = ocop::domain::Date::parse(j.at("effective").get<std::string>());
        if (const std::string parent = optional_text(j, "parent"); !parent.empty())
            merge.parent = parent;
        merge.decision_ref = optional_text(j, "decision_ref");
        const std::string unit_id = db->db->merge_units(std::move(merge));
        return hand_out(json{{"unit_id", unit_id}}.dump(), out_len);
    });
}

}  // extern "C"
