#include "ocop/core/changeset_codec.hpp"

#include <map>
#include <set>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/core/uuid.hpp"

namespace ocop::codec {

using nlohmann::json;

namespace {

[[noreturn]] void malformed(const std::string& where) {
    throw Error(ErrorKind::invalid_input, errc::changeset_malformed, "changeset: " + where);
}

// Nesting depth of JSON text, counted without parsing, so a hostile document is refused before
// the parser and the destructor walk it.
int json_depth(std::string_view text) {
    int depth = 0, max_depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[')
            max_depth = std::max(max_depth, ++depth);
        else if (c == '}' || c == ']')
            --depth;
    }
    return max_depth;
}

bool valid_replica_id(const std::string& r) {
    if (r.empty() || r.size() > 64) return false;
    for (char c : r)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

// A non-negative integer, whether nlohmann holds it as signed (as we write int64 fields) or
// unsigned (as it parses positive numbers from text).
bool is_non_negative_integer(const json& j) {
    return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
}

Hlc hlc_from_json(const json& j, const std::string& where) {
    if (!j.is_array() || j.size() != 2 || !is_non_negative_integer(j[0]) ||
        !is_non_negative_integer(j[1]))
        malformed(where + ": a timestamp is [wall_ms, logical] with two non-negative integers");
    const auto wall = j[0].get<uint64_t>();
    const auto logical = j[1].get<uint64_t>();
    if (wall >= (uint64_t{1} << 47) || logical > Hlc::max_logical)
        malformed(where + ": timestamp out of range");
    return Hlc{static_cast<int64_t>(wall), static_cast<uint32_t>(logical)};
}

json hlc_to_json(const Hlc& h) {
    return json::array({h.wall_ms, h.logical});
}

// Replica table of one changeset: replica ids used by base stamps, in first-use order.
class ReplicaTable {
  public:
    size_t index(const std::string& replica) {
        const auto [it, added] = index_.emplace(replica, names_.size());
        if (added) names_.push_back(replica);
        return it->second;
    }
    const std::vector<std::string>& names() const { return names_; }

  private:
    std::map<std::string, size_t> index_;
    std::vector<std::string> names_;
};

json base_to_json(const std::optional<Stamp>& base, ReplicaTable& table) {
    if (!base) return nullptr;
    return json::array({base->hlc.wall_ms, base->hlc.logical, table.index(base->replica)});
}

std::optional<Stamp> base_from_json(const json& j, const std::vector<std::string>& replicas,
                                    const std::string& where) {
    if (j.is_null()) return std::nullopt;
    if (!j.is_array() || j.size() != 3 || !is_non_negative_integer(j[2]))
        malformed(where + ": a base stamp is [wall_ms, logical, replica_index] or null");
    const auto idx = j[2].get<uint64_t>();
    if (idx >= replicas.size()) malformed(where + ": replica index out of range");
    return Stamp{hlc_from_json(json::array({j[0], j[1]}), where), replicas[idx]};
}

void check_value_size(const json& v, const std::string& where) {
    size_t size = 0;
    if (v.is_string())
        size = v.get_ref<const std::string&>().size();
    else if (v.is_structured())
        size = v.dump().size();
    if (size > tuning::max_value_bytes)
        throw Error(ErrorKind::too_large, errc::changeset_too_large,
                    "changeset: " + where + " is larger than " +
                        std::to_string(tuning::max_value_bytes) + " bytes");
}

}  // namespace

json parse_limited(std::string_view text, size_t max_bytes, const char* error_code,
                   const char* too_large_code) {
    if (text.size() > max_bytes)
        throw Error(ErrorKind::too_large, too_large_code,
                    "document of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                        std::to_string(max_bytes));
    if (json_depth(text) > tuning::max_json_depth)
        throw Error(ErrorKind::invalid_input, error_code,
                    "document nested deeper than " + std::to_string(tuning::max_json_depth));
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        // parse_error, but also out_of_range for numbers beyond a double (1e400).
        throw Error(ErrorKind::invalid_input, error_code,
                    std::string("not valid JSON: ") + e.what());
    }
}

json stamp_to_json(const Stamp& s) {
    return json::array({s.hlc.wall_ms, s.hlc.logical, s.replica});
}

Stamp stamp_from_json(const json& j) {
    if (!j.is_array() || j.size() != 3 || !j[2].is_string())
        throw Error(ErrorKind::invalid_input, errc::clock_bad_stamp,
                    "a stamp is [wall_ms, logical, replica]");
    const auto& replica = j[2].get_ref<const std::string&>();
    if (!valid_replica_id(replica))
        throw Error(ErrorKind::invalid_input, errc::clock_bad_stamp, "bad replica id in stamp");
    try {
        return Stamp{hlc_from_json(json::array({j[0], j[1]}), "stamp"), replica};
    } catch (const Error& e) {
        throw Error(ErrorKind::invalid_input, errc::clock_bad_stamp, e.what());
    }
}

json to_json(const Changeset& cs) {
    ReplicaTable table;
    json records = json::array();
    for (const auto& r : cs.records) {
        json fields = json::object();
        json field_bases = json::object();
        // The record's base is its first field's; only fields that differ are listed in "fb".
        const std::optional<Stamp>& record_base =
            r.fields.empty() ? std::optional<Stamp>{} : r.fields.front().base;
        for (const auto& f : r.fields) {
            fields[f.field] = f.value;
            if (f.base != record_base) field_bases[f.field] = base_to_json(f.base, table);
        }
        json rec = {{"c", r.collection}, {"id", r.id}};
        if (record_base) rec["b"] = base_to_json(record_base, table);
        rec["f"] = std::move(fields);
        if (!field_bases.empty()) rec["fb"] = std::move(field_bases);
        records.push_back(std::move(rec));
    }
    json doc = {{"v", changeset_format_version},
                {"replica", cs.replica},
                {"seq", cs.seq},
                {"schema", cs.schema_version},
                {"hlc", hlc_to_json(cs.hlc)}};
    if (!table.names().empty()) doc["replicas"] = table.names();
    doc["records"] = std::move(records);
    return doc;
}

std::string encode(const Changeset& cs) {
    return to_json(cs).dump();
}

Changeset from_json(const json& doc) {
    if (!doc.is_object()) malformed("the document is not a JSON object");
    const auto v = doc.find("v");
    if (v == doc.end() || !v->is_number_integer()) malformed("missing format version 'v'");
    if (v->get<int64_t>() != changeset_format_version)
        throw Error(ErrorKind::invalid_input, errc::changeset_version_unsupported,
                    "changeset format version " + v->dump() +
                        " is not supported (this build reads " +
                        std::to_string(changeset_format_version) + ")");

    Changeset cs;
    const auto replica = doc.find("replica");
    if (replica == doc.end() || !replica->is_string() ||
        !valid_replica_id(replica->get_ref<const std::string&>()))
        malformed("'replica' must be an id of 1-64 characters [a-z0-9_-]");
    cs.replica = replica->get<std::string>();

    const auto seq = doc.find("seq");
    if (seq == doc.end() || !is_non_negative_integer(*seq) || seq->get<uint64_t>() == 0)
        malformed("'seq' must be a positive integer");
    cs.seq = seq->get<uint64_t>();

    const auto schema = doc.find("schema");
    if (schema == doc.end() || !is_non_negative_integer(*schema) || schema->get<uint64_t>() == 0 ||
        schema->get<uint64_t>() > 1000000)
        malformed("'schema' must be a positive schema version");
    cs.schema_version = schema->get<int>();

    const auto hlc = doc.find("hlc");
    if (hlc == doc.end()) malformed("missing 'hlc'");
    cs.hlc = hlc_from_json(*hlc, "hlc");

    std::vector<std::string> replicas;
    if (const auto t = doc.find("replicas"); t != doc.end()) {
        if (!t->is_array()) malformed("'replicas' must be an array of replica ids");
        for (const auto& r : *t) {
            if (!r.is_string() || !valid_replica_id(r.get_ref<const std::string&>()))
                malformed("'replicas' holds a bad replica id");
            replicas.push_back(r.get<std::string>());
        }
    }

    const auto records = doc.find("records");
    if (records == doc.end() || !records->is_array()) malformed("'records' must be an array");
    if (records->empty())
        throw Error(ErrorKind::invalid_input, errc::changeset_empty, "changeset has no changes");
    if (records->size() > tuning::max_records_per_changeset)
        throw Error(ErrorKind::too_large, errc::changeset_too_large,
                    "changeset has more than " + std::to_string(tuning::max_records_per_changeset) +
                        " records");

    std::set<std::pair<std::string, std::string>> seen;
    cs.records.reserve(records->size());
    for (size_t i = 0; i < records->size(); ++i) {
        const json& r = (*records)[i];
        const std::string where = "records[" + std::to_string(i) + "]";
        if (!r.is_object()) malformed(where + " is not an object");
        RecordChange rc;
        const auto c = r.find("c");
        if (c == r.end() || !c->is_string() || !is_identifier(c->get_ref<const std::string&>()))
            malformed(where + ".c must be a collection name");
        rc.collection = c->get<std::string>();
        const auto id = r.find("id");
        if (id == r.end() || !id->is_string() || !is_uuid(id->get_ref<const std::string&>()))
            malformed(where + ".id must be a lowercase UUID");
        rc.id = id->get<std::string>();
        if (!seen.emplace(rc.collection, rc.id).second)
            malformed(where + " repeats record " + rc.collection + "/" + rc.id);

        std::optional<Stamp> record_base;
        if (const auto b = r.find("b"); b != r.end())
            record_base = base_from_json(*b, replicas, where + ".b");

        const auto f = r.find("f");
        if (f == r.end() || !f->is_object() || f->empty())
            malformed(where + ".f must be a non-empty object of field values");
        if (f->size() > tuning::max_fields_per_record)
            throw Error(ErrorKind::too_large, errc::changeset_too_large,
                        where + " has more than " + std::to_string(tuning::max_fields_per_record) +
                            " fields");
        const json* fb = nullptr;
        if (const auto it = r.find("fb"); it != r.end()) {
            if (!it->is_object()) malformed(where + ".fb must be an object");
            fb = &*it;
            for (const auto& [name, _] : fb->items())
                if (!f->contains(name))
                    malformed(where + ".fb names field '" + name + "' not in f");
        }
        rc.fields.reserve(f->size());
        for (const auto& [name, value] : f->items()) {
            if (!is_identifier(name) && name != deleted_field)
                malformed(where + ".f has a bad field name '" + name + "'");
            check_value_size(value, where + ".f." + name);
            FieldChange fc{name, value, record_base};
            if (fb) {
                if (const auto it = fb->find(name); it != fb->end())
                    fc.base = base_from_json(*it, replicas, where + ".fb." + name);
            }
            rc.fields.push_back(std::move(fc));
        }
        cs.records.push_back(std::move(rc));
    }
    return cs;
}

Changeset decode(std::string_view text) {
    return from_json(parse_limited(text, tuning::max_changeset_bytes, errc::changeset_malformed,
                                   errc::changeset_too_large));
}

}  // namespace ocop::codec
