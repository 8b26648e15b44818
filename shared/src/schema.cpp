#include "ocop/core/schema.hpp"

#include <array>
#include <set>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/text.hpp"
#include "ocop/core/uuid.hpp"

namespace ocop {

namespace {

constexpr std::array<std::pair<FieldType, std::string_view>, 10> kTypeNames{{
    {FieldType::text, "text"},
    {FieldType::integer, "integer"},
    {FieldType::real, "real"},
    {FieldType::boolean, "bool"},
    {FieldType::date, "date"},
    {FieldType::datetime, "datetime"},
    {FieldType::json, "json"},
    {FieldType::reference, "reference"},
    {FieldType::blob, "blob"},
    {FieldType::enumeration, "enum"},
}};

[[noreturn]] void invalid_schema(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::schema_invalid, "schema: " + what);
}

[[noreturn]] void invalid_value(const char* code, const CollectionDef& c, std::string_view field,
                                const std::string& rule) {
    throw Error(ErrorKind::invalid_input, code, c.name + "." + std::string(field) + ": " + rule);
}

bool is_digits(std::string_view t, size_t pos, size_t n) {
    if (pos + n > t.size()) return false;
    for (size_t i = pos; i < pos + n; ++i)
        if (t[i] < '0' || t[i] > '9') return false;
    return true;
}

int number_at(std::string_view t, size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (t[i] - '0');
    return v;
}

bool valid_ymd(std::string_view t) {
    if (t.size() < 10 || !is_digits(t, 0, 4) || t[4] != '-' || !is_digits(t, 5, 2) || t[7] != '-' ||
        !is_digits(t, 8, 2))
        return false;
    const int y = number_at(t, 0, 4), m = number_at(t, 5, 2), d = number_at(t, 8, 2);
    if (m < 1 || m > 12 || d < 1) return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int max_day = (m == 2 && leap) ? 29 : days[m - 1];
    return d <= max_day;
}

FieldDef parse_field(const nlohmann::json& f, const std::string& coll) {
    if (!f.is_object()) invalid_schema("a field of " + coll + " is not an object");
    FieldDef def;
    def.name = f.value("name", "");
    if (!is_identifier(def.name)) invalid_schema(coll + ": bad field name '" + def.name + "'");
    const auto type = field_type_from_string(f.value("type", ""));
    if (!type)
        invalid_schema(coll + "." + def.name + ": unknown type '" + f.value("type", "") + "'");
    def.type = *type;
    def.label_vi = f.value("label_vi", "");
    def.required = f.value("required", false);
    if (f.contains("max_length")) def.max_length = f.at("max_length").get<size_t>();
    if (def.type == FieldType::reference) {
        def.ref_collection = f.value("ref", "");
        if (def.ref_collection.empty())
            invalid_schema(coll + "." + def.name + ": a reference needs 'ref'");
    }
    if (def.type == FieldType::enumeration) {
        if (!f.contains("options") || !f["options"].is_array() || f["options"].empty())
            invalid_schema(coll + "." + def.name + ": an enum needs 'options'");
        std::set<std::string> seen;
        for (const auto& o : f["options"]) {
            EnumOption opt{o.value("value", ""), o.value("label_vi", "")};
            if (opt.value.empty() || !seen.insert(opt.value).second)
                invalid_schema(coll + "." + def.name + ": empty or repeated enum value");
            def.options.push_back(std::move(opt));
        }
    }
    return def;
}

}  // namespace

std::string_view to_string(FieldType type) noexcept {
    for (const auto& [t, name] : kTypeNames)
        if (t == type) return name;
    return "text";
}

std::optional<FieldType> field_type_from_string(std::string_view name) noexcept {
    for (const auto& [t, n] : kTypeNames)
        if (n == name) return t;
    return std::nullopt;
}

const FieldDef* CollectionDef::field(std::string_view n) const noexcept {
    for (const auto& f : fields)
        if (f.name == n) return &f;
    return nullptr;
}

Schema Schema::from_json(const nlohmann::json& doc) {
    try {
        if (!doc.is_object()) invalid_schema("document is not an object");
        Schema s;
        s.version_ = doc.at("version").get<int>();
        if (s.version_ < 1) invalid_schema("version must be >= 1");
        for (const auto& c : doc.at("collections")) {
            CollectionDef coll;
            coll.name = c.value("name", "");
            if (!is_identifier(coll.name))
                invalid_schema("bad collection name '" + coll.name + "'");
            coll.label_vi = c.value("label_vi", "");
            std::set<std::string> names;
            for (const auto& f : c.at("fields")) {
                FieldDef def = parse_field(f, coll.name);
                if (!names.insert(def.name).second)
                    invalid_schema(coll.name + ": field '" + def.name + "' defined twice");
                coll.fields.push_back(std::move(def));
            }
            const std::string name = coll.name;
            if (!s.collections_.emplace(name, std::move(coll)).second)
                invalid_schema("collection '" + name + "' defined twice");
        }
        for (const auto& [name, coll] : s.collections_)
            for (const auto& f : coll.fields)
                if (f.type == FieldType::reference && !s.collection(f.ref_collection))
                    invalid_schema(name + "." + f.name + ": reference to unknown collection '" +
                                   f.ref_collection + "'");
        return s;
    } catch (const nlohmann::json::exception& e) {
        invalid_schema(e.what());
    }
}

const CollectionDef* Schema::collection(std::string_view name) const noexcept {
    const auto it = collections_.find(name);
    return it == collections_.end() ? nullptr : &it->second;
}

const CollectionDef& Schema::require_collection(std::string_view name) const {
    if (const auto* c = collection(name)) return *c;
    throw Error(ErrorKind::invalid_input, errc::schema_unknown_collection,
                "unknown collection '" + std::string(name) + "'");
}

void Schema::validate_value(const CollectionDef& coll, std::string_view name,
                            const Value& v) const {
    if (name == deleted_field) {
        if (!v.is_boolean()) invalid_value(errc::value_type_mismatch, coll, name, "must be a bool");
        return;
    }
    const FieldDef* f = coll.field(name);
    if (!f) invalid_value(errc::schema_unknown_field, coll, name, "no such field in the schema");
    if (v.is_null()) return;

    auto expect = [&](bool ok, const char* what) {
        if (!ok)
            invalid_value(errc::value_type_mismatch, coll, name, std::string("must be ") + what);
    };
    auto check_length = [&](size_t n) {
        if (f->max_length && n > *f->max_length)
            invalid_value(errc::value_too_long, coll, name,
                          "longer than " + std::to_string(*f->max_length) + " bytes");
    };
    switch (f->type) {
        case FieldType::text:
            expect(v.is_string(), "text");
            if (!is_valid_utf8(v.get_ref<const std::string&>()))
                invalid_value(errc::value_bad_format, coll, name, "is not valid UTF-8 text");
            // Replicas commit NFC only (LocalReplica normalises); a changeset holding another
            // form was not made by one, and rewriting it here would leave its sender's copy
            // different from everyone else's.
            if (!text::is_nfc(v.get_ref<const std::string&>()))
                invalid_value(errc::value_not_nfc, coll, name,
                              "text is not in Unicode NFC form (normalise before sending)");
            check_length(v.get_ref<const std::string&>().size());
            break;
        case FieldType::integer:
            expect(v.is_number_integer(), "an integer");
            break;
        case FieldType::real:
            expect(v.is_number(), "a number");
            break;
        case FieldType::boolean:
            expect(v.is_boolean(), "true or false");
            break;
        case FieldType::date:
            expect(v.is_string(), "a date text");
            if (!is_iso_date(v.get_ref<const std::string&>()))
                invalid_value(errc::value_bad_format, coll, name, "must be a date YYYY-MM-DD");
            break;
        case FieldType::datetime:
            expect(v.is_string(), "a date-time text");
            if (!is_iso_datetime(v.get_ref<const std::string&>()))
                invalid_value(
                    errc::value_bad_format, coll, name,
                    "must be an ISO 8601 date-time with offset, e.g. 2026-05-22T08:30:00Z");
            break;
        case FieldType::json:
            try {
                check_length(v.dump().size());
            } catch (const nlohmann::json::type_error&) {
                invalid_value(errc::value_bad_format, coll, name,
                              "holds text that is not valid UTF-8");
            }
            break;
        case FieldType::reference:
            expect(v.is_string(), "a record id");
            if (!is_uuid(v.get_ref<const std::string&>()))
                invalid_value(errc::value_bad_format, coll, name,
                              "must be the id (UUID) of a " + f->ref_collection + " record");
            break;
        case FieldType::blob:
            expect(v.is_string(), "a blob reference");
            if (!is_blob_ref(v.get_ref<const std::string&>()))
                invalid_value(errc::value_bad_format, coll, name,
                              "must be sha256: followed by 64 lowercase hex digits");
            break;
        case FieldType::enumeration: {
            expect(v.is_string(), "one of the listed values");
            const auto& s = v.get_ref<const std::string&>();
            bool found = false;
            for (const auto& o : f->options) found = found || o.value == s;
            if (!found) {
                std::string allowed;
                for (const auto& o : f->options) allowed += (allowed.empty() ? "" : ", ") + o.value;
                invalid_value(errc::value_not_in_enum, coll, name,
                              "'" + s + "' is not one of: " + allowed);
            }
            break;
        }
    }
}

void Schema::validate_record(const CollectionDef& coll,
                             const std::map<std::string, Value, std::less<>>& fields) const {
    const auto del = fields.find(deleted_field);
    if (del != fields.end() && del->second.is_boolean() && del->second.get<bool>()) return;
    for (const auto& f : coll.fields) {
        if (!f.required) continue;
        const auto it = fields.find(f.name);
        if (it == fields.end() || it->second.is_null())
            invalid_value(errc::value_required_missing, coll, f.name, "is required");
    }
}

bool is_iso_date(std::string_view t) noexcept {
    return t.size() == 10 && valid_ymd(t);
}

bool is_iso_datetime(std::string_view t) noexcept {
    if (t.size() < 20 || !valid_ymd(t) || t[10] != 'T') return false;
    if (!is_digits(t, 11, 2) || t[13] != ':' || !is_digits(t, 14, 2) || t[16] != ':' ||
        !is_digits(t, 17, 2))
        return false;
    if (number_at(t, 11, 2) > 23 || number_at(t, 14, 2) > 59 || number_at(t, 17, 2) > 60)
        return false;
    size_t pos = 19;
    if (pos < t.size() && t[pos] == '.') {
        ++pos;
        const size_t start = pos;
        while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
        if (pos == start || pos - start > 9) return false;
    }
    if (pos < t.size() && t[pos] == 'Z') return pos + 1 == t.size();
    if (pos + 6 == t.size() && (t[pos] == '+' || t[pos] == '-') && is_digits(t, pos + 1, 2) &&
        t[pos + 3] == ':' && is_digits(t, pos + 4, 2))
        return number_at(t, pos + 1, 2) <= 23 && number_at(t, pos + 4, 2) <= 59;
    return false;
}

bool is_valid_utf8(std::string_view t) noexcept {
    size_t i = 0;
    while (i < t.size()) {
        const auto c = static_cast<unsigned char>(t[i]);
        size_t n = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t k = 1; k <= n; ++k) {
            if (i + k >= t.size()) return false;
            const auto cc = static_cast<unsigned char>(t[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += n + 1;
    }
    return true;
}

bool is_blob_ref(std::string_view t) noexcept {
    constexpr std::string_view prefix = "sha256:";
    if (t.size() != prefix.size() + 64 || t.substr(0, prefix.size()) != prefix) return false;
    for (char c : t.substr(prefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool is_identifier(std::string_view t) noexcept {
    if (t.empty() || t.size() > 64 || t[0] < 'a' || t[0] > 'z') return false;
    for (char c : t)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

}  // namespace ocop
