#include "ocop/server/dashboard/desk_lists.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/text.hpp"
#include "ocop/domain/certification.hpp"
#include "ocop/server/audit_log.hpp"
#include "ocop/sync/conflict_recorder.hpp"

namespace ocop::server::desk {

namespace {

constexpr size_t all_rows = std::numeric_limits<size_t>::max();

std::string text_of(const Value& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "có" : "không";
    return v.dump();
}

std::string txt(const Record& r, std::string_view field) {
    return text_of(r.get(field));
}

std::optional<double> number_of(const Value& v) {
    if (v.is_number()) return v.get<double>();
    return std::nullopt;
}

DeskCell num_or_blank(const Value& v) {
    const auto n = number_of(v);
    return n ? DeskCell::num(*n) : DeskCell::str("");
}

DeskCell date_or_blank(const Value& v) {
    return v.is_string() ? DeskCell::date(v.get<std::string>()) : DeskCell::str("");
}

// The state of a certificate on `today`: revoked and superseded as recorded; expired once its
// last day passed; in the re-evaluation window from 180 days before expiry (the window opens
// then: certification.hpp).
std::string certificate_state(const Record& c, domain::Date today) {
    const std::string status = txt(c, "status");
    if (status == "revoked" || status == "superseded") return status;
    const auto expires = domain::Date::try_parse(txt(c, "expires_on"));
    if (status == "expired" || (expires && domain::is_expired(*expires, today))) return "expired";
    if (expires && domain::expiring_within(*expires, today, 180)) return "window";
    return "valid";
}

const std::vector<std::pair<std::string, std::string>>& certificate_states() {
    static const std::vector<std::pair<std::string, std::string>> states = {
        {"window", "Trong thời hạn đánh giá lại"},
        {"expired", "Hết hiệu lực"},
        {"revoked", "Đã thu hồi"},
        {"valid", "Còn hiệu lực"},
        {"superseded", "Đã được thay thế"}};
    return states;
}

std::string label_of(const std::vector<std::pair<std::string, std::string>>& options,
                     std::string_view value) {
    for (const auto& [v, l] : options)
        if (v == value) return l;
    return std::string(value);
}

// The stars a product holds today: its best certificate still in force.
std::map<std::string, int, std::less<>> stars_by_product(DeskData& data, domain::Date today) {
    std::map<std::string, int, std::less<>> out;
    for (const auto& c : data.records("certificate")) {
        const std::string state = certificate_state(c, today);
        if (state != "valid" && state != "window") continue;
        const auto stars = number_of(c.get("stars"));
        if (!stars) continue;
        int& best = out[txt(c, "product")];
        best = std::max(best, static_cast<int>(*stars));
    }
    return out;
}

// The rows of a list before its filters: each with its record's unit, for the commune filter.
struct Row {
    std::vector<DeskCell> cells;
    std::vector<DeskLink> links;
    std::string id;
    std::string unit;
    std::map<std::string, std::string, std::less<>> keys;  // filter name -> the row's value
};

struct Built {
    std::string title;
    std::vector<std::string> headers;
    std::vector<Row> rows;
};

Built products(DeskData& data, domain::Date today) {
    Built b{"Sản phẩm OCOP",
            {"Mã sản phẩm", "Tên sản phẩm", "Bộ sản phẩm", "Chủ thể", "Xã/phường", "Hạng sao"},
            {}};
    const auto stars = stars_by_product(data, today);
    for (const auto& p : data.records("product")) {
        const auto it = stars.find(p.id);
        const int s = it == stars.end() ? 0 : it->second;
        Row r;
        r.id = p.id;
        r.unit = txt(p, "unit");
        r.cells = {DeskCell::str(txt(p, "product_code")),
                   DeskCell::str(txt(p, "name")),
                   DeskCell::str(txt(p, "product_set")),
                   DeskCell::str(data.name_of("applicant", txt(p, "applicant"))),
                   DeskCell::str(data.unit_name(r.unit)),
                   s > 0 ? DeskCell::num(s) : DeskCell::str("")};
        r.keys = {{"stars", std::to_string(s)}, {"product_set", txt(p, "product_set")}};
        b.rows.push_back(std::move(r));
    }
    return b;
}

Built certificates(DeskData& data, domain::Date today) {
    Built b{"Giấy chứng nhận OCOP",
            {"Số giấy chứng nhận", "Sản phẩm", "Hạng sao", "Ngày cấp", "Ngày hết hạn", "Tình trạng",
             "Xã/phường"},
            {}};
    for (const auto& c : data.records("certificate")) {
        const std::string state = certificate_state(c, today);
        Row r;
        r.id = c.id;
        r.unit = txt(c, "unit");
        r.cells = {DeskCell::str(txt(c, "number")),
                   DeskCell::str(data.name_of("product", txt(c, "product"))),
                   num_or_blank(c.get("stars")),
                   date_or_blank(c.get("issued_on")),
                   date_or_blank(c.get("expires_on")),
                   DeskCell::str(label_of(certificate_states(), state)),
                   DeskCell::str(data.unit_name(r.unit))};
        r.keys = {{"state", state}, {"stars", text_of(c.get("stars"))}};
        b.rows.push_back(std::move(r));
    }
    return b;
}

Built evaluations(DeskData& data) {
    Built b{"Kết quả đánh giá, phân hạng",
            {"Sản phẩm", "Vòng", "Cấp đánh giá", "Điểm trung bình", "Hạng sao", "Trạng thái",
             "Xã/phường"},
            {}};
    for (const auto& e : data.records("evaluation")) {
        Row r;
        r.id = e.id;
        r.unit = txt(e, "unit");
        r.cells = {DeskCell::str(data.name_of("product", txt(e, "product"))),
                   DeskCell::str(txt(e, "round")),
                   DeskCell::str(shown("evaluation", "level", e.get("level"))),
                   num_or_blank(e.get("average_score")),
                   num_or_blank(e.get("stars")),
                   DeskCell::str(shown("evaluation", "status", e.get("status"))),
                   DeskCell::str(data.unit_name(r.unit))};
        r.keys = {{"round", txt(e, "round")}};
        r.links = {{"Phiếu chấm điểm (PDF)", "/desk/pdf/scores?id=" + e.id}};
        if (e.get("registration").is_string())
            r.links.push_back(
                {"Phiếu đánh giá cấp xã (PDF)", "/desk/pdf/form03?id=" + txt(e, "registration")});
        b.rows.push_back(std::move(r));
    }
    return b;
}

Built inspections(DeskData& data) {
    Built b{"Kiểm tra, giám sát",
            {"Địa điểm", "Loại kiểm tra", "Bắt đầu", "Trạng thái", "Phát hiện", "Mẫu",
             "Mẫu không đạt", "Vĩ độ", "Kinh độ", "Xã/phường"},
            {}};
    std::map<std::string, int, std::less<>> findings, samples, failed;
    for (const auto& f : data.records("finding")) ++findings[txt(f, "inspection")];
    for (const auto& s : data.records("sample")) {
        ++samples[txt(s, "inspection")];
        if (txt(s, "result_status") == "fail") ++failed[txt(s, "inspection")];
    }
    const auto count = [](const auto& m, const std::string& id) {
        const auto it = m.find(id);
        return it == m.end() ? 0 : it->second;
    };
    for (const auto& i : data.records("inspection")) {
        Row r;
        r.id = i.id;
        r.unit = txt(i, "unit");
        const int bad = count(failed, i.id);
        r.cells = {DeskCell::str(txt(i, "site_name")),
                   DeskCell::str(shown("inspection", "kind", i.get("kind"))),
                   DeskCell::str(txt(i, "started_at")),
                   DeskCell::str(shown("inspection", "status", i.get("status"))),
                   DeskCell::num(count(findings, i.id)),
                   DeskCell::num(count(samples, i.id)),
                   DeskCell::num(bad),
                   num_or_blank(i.get("gps_lat")),
                   num_or_blank(i.get("gps_lon")),
                   DeskCell::str(data.unit_name(r.unit))};
        r.keys = {{"kind", txt(i, "kind")}, {"failed", bad > 0 ? "1" : "0"}};
        r.links = {{"Chi tiết", "/desk/inspection?id=" + i.id},
                   {"Biên bản (PDF)", "/desk/pdf/minutes?id=" + i.id}};
        b.rows.push_back(std::move(r));
    }
    return b;
}

Built conflicts(DeskData& data) {
    Built b{"Xung đột dữ liệu đang mở",
            {"Bản ghi", "Trường", "Các giá trị", "Phát hiện lúc", "Xã/phường"},
            {}};
    for (const auto& c : data.records("conflict")) {
        if (txt(c, "status") != "open") continue;
        const std::string collection = txt(c, "record_collection");
        std::string values;
        const Value& listed = c.get("values");
        if (listed.is_array())
            for (size_t i = 0; i < listed.size(); ++i)
                values += (i ? "; " : "") + std::to_string(i + 1) + ". " +
                          text_of(listed[i].value("value", Value())) + " (" +
                          text_of(listed[i].value("user", Value())) + ")";
        const auto* coll = builtin_schema().collection(collection);
        const auto* field = coll ? coll->field(txt(c, "field")) : nullptr;
        Row r;
        r.id = c.id;
        r.unit = txt(c, "unit");
        r.cells = {DeskCell::str((coll ? coll->label_vi : collection) + ": " +
                                 data.name_of(collection, txt(c, "record_id"))),
                   DeskCell::str(field ? field->label_vi : txt(c, "field")), DeskCell::str(values),
                   DeskCell::str(txt(c, "detected_at")), DeskCell::str(data.unit_name(r.unit))};
        b.rows.push_back(std::move(r));
    }
    return b;
}

std::string local_time(int64_t unix_ms) {
    return sync::iso_utc(unix_ms);
}

// Refusals are the trail's (audit.db), which knows users, not units: a province-wide viewer sees
// every refusal, anyone else those of their own devices.
Built refused(DeskData& data) {
    Built b{"Thay đổi bị từ chối",
            {"Thời điểm", "Người dùng", "Thiết bị", "Số thay đổi", "Mã lỗi", "Lý do"},
            {}};
    AuditQuery q;
    q.outcome = "refused";
    q.limit = 5000;
    if (!data.viewer().province_wide) q.user = data.viewer().who.user;
    for (const auto& e : data.ctx().server.audit.query(q)) {
        Row r;
        r.id = std::to_string(e.id);
        r.cells = {DeskCell::str(local_time(e.received_ms)),
                   DeskCell::str(e.user),
                   DeskCell::str(e.device_id),
                   DeskCell::num(static_cast<double>(e.seq)),
                   DeskCell::str(e.code),
                   DeskCell::str(e.message)};
        b.rows.push_back(std::move(r));
    }
    return b;
}

// Devices, like refusals, belong to users: a province-wide viewer sees all, others their own.
Built devices(DeskData& data) {
    Built b{"Thiết bị và lần đồng bộ cuối",
            {"Người dùng", "Tên thiết bị", "Phiên bản ứng dụng", "Đăng ký lúc", "Lần đồng bộ cuối",
             "Trạng thái"},
            {}};
    for (const auto& d : data.ctx().server.accounts.devices()) {
        if (!data.viewer().province_wide && d.user != data.viewer().who.user) continue;
        Row r;
        r.id = d.id;
        r.cells = {DeskCell::str(d.user),
                   DeskCell::str(d.name),
                   DeskCell::str(d.app_version),
                   DeskCell::str(local_time(d.created_ms)),
                   DeskCell::str(d.last_seen_ms ? local_time(d.last_seen_ms) : ""),
                   DeskCell::str(d.revoked_ms ? "Đã thu hồi: " + d.revoked_reason : "Hoạt động")};
        b.rows.push_back(std::move(r));
    }
    return b;
}

// Certified products per commune and year against the province's yearly targets
// (ocop_target records: unit, year, products).
Built progress(DeskData& data) {
    Built b{"Tiến độ so với chỉ tiêu năm",
            {"Xã/phường", "Năm", "Chỉ tiêu (sản phẩm)", "Đã đạt", "Tỷ lệ (%)"},
            {}};
    std::map<std::pair<std::string, std::string>, int> achieved;  // (unit, year) -> certified
    for (const auto& c : data.records("certificate")) {
        const std::string issued = txt(c, "issued_on");
        if (issued.size() >= 4) ++achieved[{txt(c, "unit"), issued.substr(0, 4)}];
    }
    if (builtin_schema().collection("ocop_target") == nullptr) return b;
    for (const auto& t : data.records("ocop_target")) {
        const std::string year = text_of(t.get("year"));
        const auto target = number_of(t.get("products"));
        const auto it = achieved.find({txt(t, "unit"), year});
        const int done = it == achieved.end() ? 0 : it->second;
        Row r;
        r.id = t.id;
        r.unit = txt(t, "unit");
        r.cells = {DeskCell::str(data.unit_name(r.unit)), DeskCell::str(year),
                   num_or_blank(t.get("products")), DeskCell::num(done),
                   target && *target > 0 ? DeskCell::num(std::round(done * 1000.0 / *target) / 10)
                                         : DeskCell::str("")};
        r.keys = {{"year", year}};
        b.rows.push_back(std::move(r));
    }
    return b;
}

std::vector<std::pair<std::string, std::string>> distinct(DeskData& data,
                                                          std::string_view collection,
                                                          std::string_view field) {
    std::set<std::string> values;
    for (const auto& r : data.records(collection))
        if (const std::string v = txt(r, field); !v.empty()) values.insert(v);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& v : values) out.emplace_back(v, v);
    return out;
}

std::vector<std::pair<std::string, std::string>> enum_options(std::string_view collection,
                                                              std::string_view field) {
    std::vector<std::pair<std::string, std::string>> out;
    if (const auto* c = builtin_schema().collection(collection))
        if (const auto* f = c->field(field))
            for (const auto& o : f->options) out.emplace_back(o.value, o.label_vi);
    return out;
}

}  // namespace

DeskCell DeskCell::num(double n) {
    char buf[32];
    if (n == std::floor(n) && std::fabs(n) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", n);
    else
        std::snprintf(buf, sizeof buf, "%.2f", n);
    return {Kind::number, buf, n};
}

RecordList DeskData::records(std::string_view collection) {
    // Exactly what the scope policy lets a device hold: the records of the covered units.
    const auto covered = [this](const Record& r) {
        const Value& unit = r.get("unit");
        return unit.is_string() && viewer_.covers(unit.get<std::string>());
    };
    if (DeskCache::holds(collection)) return ctx_.cache.records(collection, covered);
    RecordList out;
    for (auto& r : ctx_.server.store.query(collection, {}, all_rows))
        if (covered(r)) out.items.push_back(std::make_shared<const Record>(std::move(r)));
    return out;
}

std::vector<Record> DeskData::referencing(std::string_view collection, std::string_view field,
                                          std::string_view id) {
    std::vector<Record> out;
    for (auto& r :
         ctx_.server.store.query(collection, {{std::string(field), std::string(id)}}, all_rows))
        if (r.get("unit").is_string() && viewer_.covers(r.get("unit").get<std::string>()))
            out.push_back(std::move(r));
    return out;
}

std::optional<Record> DeskData::record(std::string_view collection, std::string_view id) {
    auto r = ctx_.server.store.read(collection, id);
    if (!r || r->deleted()) return std::nullopt;
    if (collection == "admin_unit") return r;  // reference data: every device holds it
    const Value& unit = r->get("unit");
    if (!unit.is_string() || !viewer_.covers(unit.get<std::string>())) return std::nullopt;
    return r;
}

std::string DeskData::unit_name(std::string_view id) {
    return name_of("admin_unit", id);
}

std::string DeskData::name_of(std::string_view collection, std::string_view id,
                              std::string_view field) {
    if (id.empty()) return {};
    // The first name asked of a collection loads the names of all its records in scope: one
    // query per unit instead of one read per row.
    auto loaded = names_.find(collection);
    if (loaded == names_.end()) {
        std::map<std::string, std::string, std::less<>> names;
        const auto all = collection == "admin_unit"
                             ? ctx_.cache.records(collection, [](const Record&) { return true; })
                             : records(collection);
        for (const auto& r : all) {
            std::string name = txt(r, field);
            if (name.empty()) name = txt(r, "site_name");
            names.emplace(r.id, std::move(name));
        }
        loaded = names_.emplace(std::string(collection), std::move(names)).first;
    }
    const auto it = loaded->second.find(id);
    return it == loaded->second.end() ? std::string() : it->second;
}

std::vector<std::pair<std::string, std::string>> DeskData::communes() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& id : viewer_.units) {
        const auto u = ctx_.server.store.read("admin_unit", id);
        if (!u || u->deleted() || u->get("level") != Value("commune") ||
            !u->get("valid_to").is_null())
            continue;
        out.emplace_back(id, txt(*u, "name"));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    return out;
}

const std::vector<std::pair<std::string, std::string>>& desk_lists() {
    static const std::vector<std::pair<std::string, std::string>> lists = {
        {"products", "Sản phẩm OCOP"},
        {"certificates", "Giấy chứng nhận OCOP"},
        {"evaluations", "Kết quả đánh giá, phân hạng"},
        {"inspections", "Kiểm tra, giám sát"},
        {"conflicts", "Xung đột dữ liệu đang mở"},
        {"refused", "Thay đổi bị từ chối"},
        {"devices", "Thiết bị và lần đồng bộ cuối"},
        {"progress", "Tiến độ so với chỉ tiêu năm"}};
    return lists;
}

std::vector<ListFilter> list_filters(DeskData& data, std::string_view list) {
    std::vector<ListFilter> out;
    const bool by_unit = list != "refused" && list != "devices";
    if (by_unit) out.push_back({"commune", "Xã/phường", data.communes()});
    if (list == "products") {
        out.push_back({"stars",
                       "Hạng sao",
                       {{"5", "5 sao"},
                        {"4", "4 sao"},
                        {"3", "3 sao"},
                        {"2", "2 sao"},
                        {"1", "1 sao"},
                        {"0", "Chưa có sao"}}});
        out.push_back({"product_set", "Bộ sản phẩm", distinct(data, "product", "product_set")});
    } else if (list == "certificates") {
        out.push_back({"state", "Tình trạng", certificate_states()});
    } else if (list == "evaluations") {
        out.push_back({"round", "Vòng đánh giá", distinct(data, "evaluation", "round")});
    } else if (list == "inspections") {
        out.push_back({"kind", "Loại kiểm tra", enum_options("inspection", "kind")});
        out.push_back({"failed", "Mẫu không đạt", {{"1", "Có mẫu không đạt"}}});
    } else if (list == "progress") {
        if (builtin_schema().collection("ocop_target") != nullptr)
            out.push_back({"year", "Năm", distinct(data, "ocop_target", "year")});
    }
    out.push_back({"q", "Tìm kiếm", {}});
    return out;
}

DeskTable build_list(DeskData& data, std::string_view list, const Params& params) {
    const domain::Date today = data.ctx().today();
    Built built;
    if (list == "products")
        built = products(data, today);
    else if (list == "certificates")
        built = certificates(data, today);
    else if (list == "evaluations")
        built = evaluations(data);
    else if (list == "inspections")
        built = inspections(data);
    else if (list == "conflicts")
        built = conflicts(data);
    else if (list == "refused")
        built = refused(data);
    else if (list == "devices")
        built = devices(data);
    else if (list == "progress")
        built = progress(data);
    else
        throw Error(ErrorKind::not_found, errc::desk_no_such_list,
                    "the desk has no list '" + std::string(list.substr(0, 40)) + "'");

    std::string query;
    try {
        query = text::fold_for_search(param(params, "q"));
    } catch (const Error&) {
        throw Error(ErrorKind::invalid_input, errc::desk_bad_request,
                    "the search text is not valid UTF-8");
    }
    const std::string commune = param(params, "commune");
    DeskTable t;
    t.list = std::string(list);
    t.title = built.title;
    t.headers = built.headers;
    for (auto& row : built.rows) {
        if (!commune.empty() && row.unit != commune) continue;
        bool keep = true;
        for (const auto& [name, value] : row.keys) {
            const std::string wanted = param(params, name);
            if (!wanted.empty() && wanted != value) keep = false;
        }
        if (!keep) continue;
        if (!query.empty()) {
            std::string all;
            for (const auto& c : row.cells) all += c.text + " ";
            if (text::fold_for_search(all).find(query) == std::string::npos) continue;
        }
        t.rows.push_back(std::move(row.cells));
        t.links.push_back(std::move(row.links));
        t.ids.push_back(std::move(row.id));
    }
    return t;
}

std::string shown(std::string_view collection, std::string_view field, const Value& value) {
    if (value.is_string())
        if (const auto* c = builtin_schema().collection(collection))
            if (const auto* f = c->field(field))
                for (const auto& o : f->options)
                    if (o.value == value.get<std::string>()) return o.label_vi;
    return text_of(value);
}

std::string field_label(std::string_view collection, std::string_view field) {
    if (const auto* c = builtin_schema().collection(collection))
        if (const auto* f = c->field(field); f && !f->label_vi.empty()) return f->label_vi;
    return std::string(field);
}

}  // namespace ocop::server::desk
