// The C ABI's conflicts (choose a value, enter one, reopen) and refused changesets (discard, or
// fix and resubmit).
#include "c_api_handle.hpp"
#include "ocop/sdk/json_views.hpp"

using nlohmann::json;
using namespace ocop::sdk::c_api;

extern "C" {

char* ocop_db_conflicts_json(ocop_db* db, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {}, [&] {
        json out = json::array();
        for (const auto& r : db->db->conflicts()) out.push_back(ocop::sdk::json_view::record(r));
        return hand_out(out.dump(), out_len);
    });
}

uint64_t ocop_db_resolve_conflict_by_index(ocop_db* db, const char* conflict_id, uint32_t index,
                                           ocop_error** err) {
    return on_handle(db, err, uint64_t{0}, {conflict_id},
                     [&] { return db->db->resolve_conflict_by_index(conflict_id, index); });
}

uint64_t ocop_db_resolve_conflict_by_writer(ocop_db* db, const char* conflict_id, const char* user,
                                            ocop_error** err) {
    return on_handle(db, err, uint64_t{0}, {conflict_id, user},
                     [&] { return db->db->resolve_conflict_by_writer(conflict_id, user); });
}

uint64_t ocop_db_resolve_conflict_with_json(ocop_db* db, const char* conflict_id,
                                            const char* value_json, ocop_error** err) {
    return on_handle(db, err, uint64_t{0}, {conflict_id, value_json}, [&] {
        return db->db->resolve_conflict(conflict_id, json::parse(value_json));
    });
}

uint64_t ocop_db_reopen_conflict(ocop_db* db, const char* conflict_id, ocop_error** err) {
    return on_handle(db, err, uint64_t{0}, {conflict_id},
                     [&] { return db->db->reopen_conflict(conflict_id); });
}

char* ocop_db_refused_json(ocop_db* db, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {}, [&] {
        return hand_out(ocop::sdk::json_view::refused(db->db->refused()).dump(), out_len);
    });
}

bool ocop_db_discard_refused(ocop_db* db, uint64_t seq, ocop_error** err) {
    return on_handle(db, err, false, {}, [&] {
        db->db->discard_refused(seq);
        return true;
    });
}

uint64_t ocop_db_resubmit_refused(ocop_db* db, uint64_t seq, const char* fixes_json,
                                  ocop_error** err) {
    return on_handle(db, err, uint64_t{0}, {}, [&] {
        std::map<std::string, ocop::FieldValues> fixes;
        if (fixes_json) {
            const json parsed = json::parse(fixes_json);
            if (!parsed.is_object())
                throw ocop::Error(ocop::ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                                  "fixes must be a JSON object: {\"<record id>\":{fields}}");
            for (const auto& [id, fields] : parsed.items())
                fixes.emplace(id, fields_of(fields, "fixes[id]"));
        }
        return db->db->resubmit_refused(seq, fixes);
    });
}

}  // extern "C"
