#include "ocop/sync/wire.hpp"

#include <algorithm>
#include <map>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/tuning.hpp"

namespace ocop::sync::wire {

using nlohmann::json;

namespace {

[[noreturn]] void malformed(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::sync_malformed, "sync message: " + what);
}

json hlc_json(const Hlc& h) {
    return json::array({h.wall_ms, h.logical});
}

Hlc hlc_from(const json& j, const char* where) {
    if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() ||
        !j[1].is_number_unsigned() || j[0].get<uint64_t>() >= (uint64_t{1} << 47) ||
        j[1].get<uint64_t>() > Hlc::max_logical)
        malformed(std::string(where) + " must be [wall_ms, logical]");
    return Hlc{j[0].get<int64_t>(), j[1].get<uint32_t>()};
}

const json& member(const json& obj, const char* key, const char* where) {
    const auto it = obj.find(key);
    if (it == obj.end()) malformed(std::string(where) + " lacks '" + key + "'");
    return *it;
}

uint64_t unsigned_member(const json& obj, const char* key, const char* where) {
    const json& v = member(obj, key, where);
    if (!v.is_number_unsigned()) malformed(std::string(where) + "." + key + " must be >= 0");
    return v.get<uint64_t>();
}

std::string string_member(const json& obj, const char* key, const char* where, size_t max_len) {
    const json& v = member(obj, key, where);
    if (!v.is_string() || v.get_ref<const std::string&>().size() > max_len)
        malformed(std::string(where) + "." + key + " must be a text of at most " +
                  std::to_string(max_len) + " bytes");
    return v.get<std::string>();
}

json document(std::string_view text) {
    json doc = codec::parse_limited(text, tuning::max_inflated_body_bytes, errc::sync_malformed,
                                    errc::sync_too_large);
    if (!doc.is_object()) malformed("not a JSON object");
    const auto v = doc.find("v");
    if (v == doc.end() || !v->is_number_integer()) malformed("missing protocol version 'v'");
    if (v->get<int64_t>() != protocol_version)
        throw Error(ErrorKind::invalid_input, errc::sync_version_unsupported,
                    "protocol version " + v->dump() + " is not supported (this build speaks " +
                        std::to_string(protocol_version) + ")");
    return doc;
}

// Cells of a pull page, grouped by record: consecutive cells of one record share a record entry
// and, where equal, one stamp; replicas are named through a per-page table.
json encode_page(const PullPage& page) {
    std::map<std::string, size_t> replica_index;
    json replicas = json::array();
    auto stamp_json = [&](const Stamp& s) {
        const auto [it, added] = replica_index.emplace(s.replica, replicas.size());
        if (added) replicas.push_back(s.replica);
        return json::array({s.hlc.wall_ms, s.hlc.logical, it->second});
    };
    json records = json::array();
    for (size_t i = 0; i < page.cells.size();) {
        size_t j = i;
        while (j < page.cells.size() && page.cells[j].collection == page.cells[i].collection &&
               page.cells[j].record_id == page.cells[i].record_id)
            ++j;
        const Stamp& record_stamp = page.cells[i].current.stamp;
        json fields = json::object();
        json field_stamps = json::object();
        for (size_t k = i; k < j; ++k) {
            const Cell& c = page.cells[k];
            fields[c.field] = c.current.value;
            if (c.current.stamp != record_stamp)
                field_stamps[c.field] = stamp_json(c.current.stamp);
        }
        json rec = {{"c", page.cells[i].collection},
                    {"id", page.cells[i].record_id},
                    {"s", stamp_json(record_stamp)},
                    {"f", std::move(fields)}};
        if (!field_stamps.empty()) rec["fs"] = std::move(field_stamps);
        records.push_back(std::move(rec));
        i = j;
    }
    return {{"cursor", page.cursor},
            {"more", page.more},
            {"head", page.head},
            {"replicas", std::move(replicas)},
            {"records", std::move(records)}};
}

PullPage decode_page(const json& j) {
    if (!j.is_object()) malformed("pull must be an object");
    PullPage page;
    page.cursor = unsigned_member(j, "cursor", "pull");
    page.head = unsigned_member(j, "head", "pull");
    const json& more = member(j, "more", "pull");
    if (!more.is_boolean()) malformed("pull.more must be a bool");
    page.more = more.get<bool>();
    std::vector<std::string> replicas;
    for (const auto& r : member(j, "replicas", "pull")) {
        if (!r.is_string()) malformed("pull.replicas must hold texts");
        replicas.push_back(r.get<std::string>());
    }
    auto stamp_from = [&](const json& s) {
        if (!s.is_array() || s.size() != 3 || !s[2].is_number_unsigned() ||
            s[2].get<uint64_t>() >= replicas.size())
            malformed("a pull stamp is [wall_ms, logical, replica_index]");
        return Stamp{hlc_from(json::array({s[0], s[1]}), "pull stamp"),
                     replicas[s[2].get<size_t>()]};
    };
    const json& records = member(j, "records", "pull");
    if (!records.is_array()) malformed("pull.records must be an array");
    for (const auto& r : records) {
        if (!r.is_object()) malformed("a pull record must be an object");
        const std::string collection = string_member(r, "c", "pull record", 64);
        const std::string id = string_member(r, "id", "pull record", 64);
        const Stamp record_stamp = stamp_from(member(r, "s", "pull record"));
        const json& fields = member(r, "f", "pull record");
        if (!fields.is_object()) malformed("pull record f must be an object");
        const auto fs = r.find("fs");
        for (const auto& [name, value] : fields.items()) {
            Stamp stamp = record_stamp;
            if (fs != r.end() && fs->contains(name)) stamp = stamp_from((*fs)[name]);
            page.cells.push_back(Cell{collection, id, name, CellValue{value, std::move(stamp), 0}});
        }
    }
    return page;
}

json encode_result(const ChangesetResult& r) {
    json j = {{"seq", r.seq}, {"ok", r.outcome == Outcome::applied}};
    if (r.duplicate) j["dup"] = true;
    if (r.outcome == Outcome::applied) {
        j["applied"] = r.applied;
        j["superseded"] = r.superseded;
        if (r.restamped) j["restamped"] = hlc_json(*r.restamped);
    } else {
        j["code"] = r.code;
        j["message"] = r.message;
        json server = json::array();
        for (const auto& c : r.server_values) {
            json current = nullptr;
            if (c.current)
                current = json::array({c.current->value, c.current->stamp.hlc.wall_ms,
                                       c.current->stamp.hlc.logical, c.current->stamp.replica});
            server.push_back(json::array({c.collection, c.record_id, c.field, std::move(current)}));
        }
        if (!server.empty()) j["server"] = std::move(server);
    }
    return j;
}

ChangesetResult decode_result(const json& j) {
    if (!j.is_object()) malformed("a result must be an object");
    ChangesetResult r;
    r.seq = unsigned_member(j, "seq", "result");
    const json& ok = member(j, "ok", "result");
    if (!ok.is_boolean()) malformed("result.ok must be a bool");
    r.outcome = ok.get<bool>() ? Outcome::applied : Outcome::refused;
    if (const auto dup = j.find("dup"); dup != j.end()) {
        if (!dup->is_boolean()) malformed("result.dup must be a bool");
        r.duplicate = dup->get<bool>();
    }
    if (r.outcome == Outcome::applied) {
        r.applied = unsigned_member(j, "applied", "result");
        r.superseded = unsigned_member(j, "superseded", "result");
        if (const auto it = j.find("restamped"); it != j.end())
            r.restamped = hlc_from(*it, "result.restamped");
    } else {
        r.code = string_member(j, "code", "result", 100);
        r.message = string_member(j, "message", "result", 4000);
        if (const auto it = j.find("server"); it != j.end()) {
            if (!it->is_array()) malformed("result.server must be an array");
            for (const auto& c : *it) {
                if (!c.is_array() || c.size() != 4 || !c[0].is_string() || !c[1].is_string() ||
                    !c[2].is_string())
                    malformed("result.server holds [collection, id, field, current]");
                ServerCell cell{c[0].get<std::string>(), c[1].get<std::string>(),
                                c[2].get<std::string>(), std::nullopt};
                if (!c[3].is_null()) {
                    if (!c[3].is_array() || c[3].size() != 4)
                        malformed("result.server current is [value, wall_ms, logical, replica]");
                    try {
                        cell.current = CellValue{
                            c[3][0],
                            codec::stamp_from_json(json::array({c[3][1], c[3][2], c[3][3]})), 0};
                    } catch (const Error& e) {
                        malformed(std::string("result.server: ") + e.what());
                    }
                }
                r.server_values.push_back(std::move(cell));
            }
        }
    }
    return r;
}

}  // namespace

std::string encode(const SyncRequest& req) {
    json changesets = json::array();
    for (const auto& cs : req.changesets) changesets.push_back(codec::to_json(cs));
    json doc = {{"v", protocol_version},        {"replica", req.replica},
                {"schema", req.schema_version}, {"app", req.app_version},
                {"hlc", hlc_json(req.hlc)},     {"changesets", std::move(changesets)}};
    if (req.pull) {
        doc["pull"] = {{"cursor", req.pull->cursor},
                       {"max_cells", req.pull->max_cells},
                       {"max_bytes", req.pull->max_bytes}};
        if (req.pull->only_units) doc["pull"]["units"] = *req.pull->only_units;
        if (!req.pull->echo) doc["pull"]["echo"] = false;
    }
    if (!req.epoch.empty()) doc["epoch"] = req.epoch;
    if (req.acked) doc["acked"] = req.acked;
    if (req.skip_to) doc["skip_to"] = *req.skip_to;
    return doc.dump();
}

SyncRequest decode_request(std::string_view text) {
    const json doc = document(text);
    SyncRequest req;
    req.replica = string_member(doc, "replica", "request", 64);
    const json& schema = member(doc, "schema", "request");
    if (!schema.is_number_unsigned() || schema.get<uint64_t>() == 0 ||
        schema.get<uint64_t>() > 1000000)
        malformed("request.schema must be a positive schema version");
    req.schema_version = schema.get<int>();
    if (doc.contains("app")) req.app_version = string_member(doc, "app", "request", 100);
    req.hlc = hlc_from(member(doc, "hlc", "request"), "request.hlc");
    const json& changesets = member(doc, "changesets", "request");
    if (!changesets.is_array()) malformed("request.changesets must be an array");
    if (changesets.size() > tuning::max_changesets_per_request)
        throw Error(ErrorKind::too_large, errc::sync_too_large,
                    "a request carries at most " +
                        std::to_string(tuning::max_changesets_per_request) + " changesets");
    for (const auto& cs : changesets) req.changesets.push_back(codec::from_json(cs));
    if (const auto p = doc.find("pull"); p != doc.end()) {
        if (!p->is_object()) malformed("request.pull must be an object");
        PullRequest pull;
        pull.cursor = unsigned_member(*p, "cursor", "pull");
        pull.max_cells = p->contains("max_cells") ? unsigned_member(*p, "max_cells", "pull") : 0;
        pull.max_bytes = p->contains("max_bytes") ? unsigned_member(*p, "max_bytes", "pull") : 0;
        if (const auto u = p->find("units"); u != p->end()) {
            if (!u->is_array() || u->size() > tuning::max_units_per_pull)
                malformed("pull.units must be an array of at most " +
                          std::to_string(tuning::max_units_per_pull) + " unit ids");
            std::vector<std::string> units;
            for (const auto& unit : *u) {
                if (!unit.is_string() || unit.get_ref<const std::string&>().size() > 64)
                    malformed("pull.units must hold unit ids");
                units.push_back(unit.get<std::string>());
            }
            pull.only_units = std::move(units);
        }
        if (const auto e = p->find("echo"); e != p->end()) {
            if (!e->is_boolean()) malformed("pull.echo must be a bool");
            pull.echo = e->get<bool>();
        }
        req.pull = pull;
    }
    if (doc.contains("epoch")) req.epoch = string_member(doc, "epoch", "request", 64);
    if (doc.contains("acked")) req.acked = unsigned_member(doc, "acked", "request");
    if (doc.contains("skip_to")) req.skip_to = unsigned_member(doc, "skip_to", "request");
    return req;
}

std::string encode(const SyncResponse& resp) {
    json results = json::array();
    for (const auto& r : resp.results) results.push_back(encode_result(r));
    json doc = {{"v", protocol_version},
                {"server_id", resp.server_id},
                {"hlc", hlc_json(resp.hlc)},
                {"time", resp.server_time_ms},
                {"results", std::move(results)}};
    if (resp.expected_seq) doc["expected_seq"] = *resp.expected_seq;
    if (!resp.epoch.empty()) doc["epoch"] = resp.epoch;
    if (resp.last_applied) doc["last_applied"] = *resp.last_applied;
    if (resp.pull) doc["pull"] = encode_page(*resp.pull);
    if (resp.grants) {
        json grants = json::array();
        for (const auto& g : *resp.grants) grants.push_back({{"role", g.role}, {"unit", g.unit}});
        doc["grants"] = std::move(grants);
    }
    if (resp.new_token) doc["new_token"] = *resp.new_token;
    return doc.dump();
}

SyncResponse decode_response(std::string_view text) {
    const json doc = document(text);
    SyncResponse resp;
    resp.server_id = string_member(doc, "server_id", "response", 64);
    resp.hlc = hlc_from(member(doc, "hlc", "response"), "response.hlc");
    const json& time = member(doc, "time", "response");
    if (!time.is_number_integer()) malformed("response.time must be an integer");
    resp.server_time_ms = time.get<int64_t>();
    const json& results = member(doc, "results", "response");
    if (!results.is_array()) malformed("response.results must be an array");
    for (const auto& r : results) resp.results.push_back(decode_result(r));
    if (doc.contains("expected_seq"))
        resp.expected_seq = unsigned_member(doc, "expected_seq", "response");
    if (doc.contains("epoch")) resp.epoch = string_member(doc, "epoch", "response", 64);
    if (doc.contains("last_applied"))
        resp.last_applied = unsigned_member(doc, "last_applied", "response");
    if (const auto p = doc.find("pull"); p != doc.end()) resp.pull = decode_page(*p);
    if (const auto g = doc.find("grants"); g != doc.end()) {
        if (!g->is_array()) malformed("response.grants must be an array");
        std::vector<Grant> grants;
        for (const auto& item : *g) {
            if (!item.is_object()) malformed("a grant must be an object");
            grants.push_back(Grant{string_member(item, "role", "grant", 64),
                                   string_member(item, "unit", "grant", 64)});
        }
        resp.grants = std::move(grants);
    }
    if (doc.contains("new_token"))
        resp.new_token = string_member(doc, "new_token", "response", 512);
    return resp;
}

std::string encode(const ChangesetResult& result) {
    return encode_result(result).dump();
}

ChangesetResult decode_result(std::string_view text) {
    return decode_result(codec::parse_limited(text, tuning::max_inflated_body_bytes,
                                              errc::sync_malformed, errc::sync_too_large));
}

std::string error_body(std::string_view code, std::string_view message) {
    // A message may quote the offending request bytes (a JSON parse error does): invalid UTF-8
    // becomes U+FFFD so that the error is still answered, as valid JSON.
    return json{{"error", {{"code", code}, {"message", message}}}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ocop::sync::wire
