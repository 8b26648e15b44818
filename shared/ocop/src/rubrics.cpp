#include "ocop/domain/rubrics.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "builtin_domain_data.hpp"
#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::rubric_invalid, where + ": " + what);
}

std::string str(const json& obj, const char* key, const std::string& where, bool required = true) {
    if (!obj.contains(key) || obj.at(key).is_null()) {
        if (required) invalid(where, std::string("missing '") + key + "'");
        return {};
    }
    if (!obj.at(key).is_string()) invalid(where, std::string("'") + key + "' must be a string");
    return obj.at(key).get<std::string>();
}

int integer(const json& obj, const char* key, const std::string& where) {
    if (!obj.contains(key) || !obj.at(key).is_number_integer())
        invalid(where, std::string("'") + key + "' must be an integer");
    return obj.at(key).get<int>();
}

std::vector<std::string> strings(const json& obj, const char* key, const std::string& where) {
    std::vector<std::string> out;
    if (!obj.contains(key)) return out;
    if (!obj.at(key).is_array()) invalid(where, std::string("'") + key + "' must be a list");
    for (const json& s : obj.at(key)) {
        if (!s.is_string()) invalid(where, std::string("'") + key + "' must hold strings");
        out.push_back(s.get<std::string>());
    }
    return out;
}

// "Trường hợp 2: ..." -> 2.
int case_number(const std::string& label) {
    const auto colon = label.find(':');
    const std::string head = label.substr(0, colon);
    int n = 0;
    bool digits = false;
    for (char c : head) {
        if (c >= '0' && c <= '9') {
            n = n * 10 + (c - '0');
            digits = true;
        } else if (digits) {
            break;
        }
    }
    return digits ? n : 0;
}

std::vector<RubricOption> parse_options(const json& node, const std::string& where,
                                        bool choose_one_case) {
    std::vector<RubricOption> out;
    if (!node.contains("options")) return out;
    if (!node.at("options").is_array()) invalid(where, "'options' must be a list");
    for (const json& o : node.at("options")) {
        RubricOption opt;
        opt.label = str(o, "label", where + " option");
        opt.points = integer(o, "points", where + " option '" + opt.label + "'");
        if (o.contains("min_star_required") && !o.at("min_star_required").is_null()) {
            if (!o.at("min_star_required").is_number_integer())
                invalid(where, "min_star_required must be an integer or null");
            opt.min_star = o.at("min_star_required").get<int>();
        }
        if (choose_one_case) {
            opt.case_label = str(o, "case", where + " option '" + opt.label + "'");
            opt.case_no = case_number(opt.case_label);
            if (opt.case_no <= 0) invalid(where, "case label without a number: " + opt.case_label);
        }
        out.push_back(std::move(opt));
    }
    return out;
}

RubricNode parse_node(const json& node, const std::string& set, const char* children_key) {
    RubricNode n;
    n.code = str(node, "code", set + " node");
    const std::string where = set + " item " + n.code;
    n.title = str(node, "title", where);
    n.max = integer(node, "max", where);
    n.choose_one_case = node.value("choose_one_case", false);
    n.options = parse_options(node, where, n.choose_one_case);
    n.notes_vi = strings(node, "notes_vi", where);
    if (children_key && node.contains(children_key)) {
        if (!node.at(children_key).is_array()) invalid(where, "children must be a list");
        for (const json& c : node.at(children_key))
            n.children.push_back(parse_node(
                c, set, std::string(children_key) == "criteria" ? "sub_criteria" : nullptr));
    }
    if (n.options.empty() && n.children.empty()) invalid(where, "neither options nor sub-items");
    if (!n.options.empty() && !n.children.empty()) invalid(where, "both options and sub-items");
    return n;
}

void collect_scored(const RubricNode& n, std::vector<const RubricNode*>& out) {
    if (n.scored()) out.push_back(&n);
    for (const auto& c : n.children) collect_scored(c, out);
}

const RubricNode* find_node(const RubricNode& n, std::string_view code) {
    if (n.code == code) return &n;
    for (const auto& c : n.children)
        if (const RubricNode* f = find_node(c, code)) return f;
    return nullptr;
}

void check_scored(const RubricNode& n, const std::string& where, std::vector<std::string>& out) {
    std::map<int, int> top_per_case;  // case 0 = not a case item
    for (const auto& o : n.options) {
        if (o.points < 0 || o.points > n.max)
            out.push_back(where + ": option '" + o.label + "' has " + std::to_string(o.points) +
                          " points, outside 0.." + std::to_string(n.max));
        if (o.min_star != 0 && (o.min_star < 3 || o.min_star > 5))
            out.push_back(where + ": option '" + o.label + "' star mark " +
                          std::to_string(o.min_star));
        int& top = top_per_case[o.case_no];
        top = std::max(top, o.points);
    }
    if (n.choose_one_case && top_per_case.size() < 2)
        out.push_back(where + ": choose_one_case item with fewer than two cases");
    for (const auto& [case_no, top] : top_per_case)
        if (top != n.max)
            out.push_back(where + (case_no ? " case " + std::to_string(case_no) : std::string()) +
                          ": highest option " + std::to_string(top) + " but max " +
                          std::to_string(n.max));
}

void check_node(const RubricNode& n, const std::string& set, std::vector<std::string>& out) {
    const std::string where = set + " item " + n.code;
    if (n.scored()) {
        check_scored(n, where, out);
        return;
    }
    int sum = 0;
    for (const auto& c : n.children) sum += c.max;
    if (sum != n.max)
        out.push_back(where + ": max " + std::to_string(n.max) + " but its sub-items add to " +
                      std::to_string(sum));
    for (const auto& c : n.children) check_node(c, set, out);
}

}  // namespace

Rubric Rubric::from_json(const json& doc) {
    Rubric r;
    if (!doc.is_object()) invalid("rubric", "not a JSON object");
    r.code = str(doc, "code", "rubric");
    const std::string& where = r.code;
    r.rule_set = str(doc, "rule_set", where);
    r.set_number = integer(doc, "set_number", where);
    r.name_vi = str(doc, "name_vi", where);
    r.sector = str(doc, "sector", where);
    r.group = str(doc, "group", where, false);
    r.max_total = integer(doc, "max_total", where);
    if (!doc.contains("parts") || !doc.at("parts").is_array()) invalid(where, "'parts' missing");
    for (const json& p : doc.at("parts")) {
        RubricPart part;
        part.part = str(p, "part", where);
        part.title = str(p, "title", where);
        part.max = integer(p, "max", where + " part " + part.part);
        if (!p.contains("sections") || !p.at("sections").is_array())
            invalid(where, "part " + part.part + " has no sections");
        for (const json& s : p.at("sections"))
            part.sections.push_back(parse_node(s, where, "criteria"));
        r.parts.push_back(std::move(part));
    }
    r.disqualifiers = strings(doc, "disqualifiers", where);
    if (doc.contains("item_disqualifiers"))
        for (const json& d : doc.at("item_disqualifiers"))
            r.item_disqualifiers.push_back({str(d, "code", where), str(d, "text", where)});
    // Item codes identify scores: they must be unique within a sheet.
    std::vector<std::string> codes;
    for (const auto& p : r.parts)
        for (const auto& s : p.sections) {
            std::vector<const RubricNode*> stack{&s};
            while (!stack.empty()) {
                const RubricNode* n = stack.back();
                stack.pop_back();
                codes.push_back(n->code);
                for (const auto& c : n->children) stack.push_back(&c);
            }
        }
    std::sort(codes.begin(), codes.end());
    if (auto dup = std::adjacent_find(codes.begin(), codes.end()); dup != codes.end())
        invalid(where, "item code " + *dup + " appears twice");
    return r;
}

std::vector<const RubricNode*> Rubric::scored_items() const {
    std::vector<const RubricNode*> out;
    for (const auto& p : parts)
        for (const auto& s : p.sections) collect_scored(s, out);
    return out;
}

const RubricNode* Rubric::item(std::string_view code) const noexcept {
    for (const auto& p : parts)
        for (const auto& s : p.sections)
            if (const RubricNode* n = find_node(s, code)) return n;
    return nullptr;
}

std::string Rubric::part_of(std::string_view code) const {
    for (const auto& p : parts)
        for (const auto& s : p.sections)
            if (find_node(s, code)) return p.part;
    return {};
}

std::vector<std::string> check_rubric(const Rubric& r,
                                      const std::vector<std::pair<std::string, int>>& part_max) {
    std::vector<std::string> out;
    const std::string set = r.code;
    int total = 0;
    if (r.parts.size() != part_max.size())
        out.push_back(set + ": " + std::to_string(r.parts.size()) + " parts, expected " +
                      std::to_string(part_max.size()));
    for (size_t i = 0; i < r.parts.size(); ++i) {
        const RubricPart& p = r.parts[i];
        total += p.max;
        if (i < part_max.size() && (p.part != part_max[i].first || p.max != part_max[i].second))
            out.push_back(set + ": part " + p.part + " max " + std::to_string(p.max) +
                          ", expected " + part_max[i].first + " " +
                          std::to_string(part_max[i].second));
        int sum = 0;
        for (const auto& s : p.sections) sum += s.max;
        if (sum != p.max)
            out.push_back(set + ": part " + p.part + " max " + std::to_string(p.max) +
                          " but its sections add to " + std::to_string(sum));
        for (const auto& s : p.sections) check_node(s, set, out);
    }
    if (total != r.max_total)
        out.push_back(set + ": parts add to " + std::to_string(total) + ", not " +
                      std::to_string(r.max_total));
    return out;
}

RubricCatalog::RubricCatalog(std::vector<Rubric> rubrics) : rubrics_(std::move(rubrics)) {
    std::sort(rubrics_.begin(), rubrics_.end(), [](const Rubric& a, const Rubric& b) {
        return std::tie(a.rule_set, a.set_number) < std::tie(b.rule_set, b.set_number);
    });
    for (size_t i = 1; i < rubrics_.size(); ++i)
        if (rubrics_[i].rule_set == rubrics_[i - 1].rule_set &&
            rubrics_[i].set_number == rubrics_[i - 1].set_number)
            invalid(rubrics_[i].code,
                    "set number " + std::to_string(rubrics_[i].set_number) + " appears twice");
    for (size_t i = 0; i < rubrics_.size(); ++i)
        for (size_t j = 0; j < i; ++j)
            if (rubrics_[i].code == rubrics_[j].code) invalid(rubrics_[i].code, "duplicate code");
}

RubricCatalog RubricCatalog::from_json_texts(const std::vector<std::string_view>& texts) {
    std::vector<Rubric> out;
    out.reserve(texts.size());
    for (std::string_view t : texts) {
        json doc;
        try {
            doc = json::parse(t);
        } catch (const json::exception& e) {
            throw Error(ErrorKind::invalid_input, errc::rubric_invalid,
                        std::string("scoring sheet JSON does not parse: ") + e.what());
        }
        out.push_back(Rubric::from_json(doc));
    }
    return RubricCatalog(std::move(out));
}

const Rubric* RubricCatalog::find(std::string_view code) const noexcept {
    for (const auto& r : rubrics_)
        if (r.code == code) return &r;
    return nullptr;
}

const Rubric* RubricCatalog::find(std::string_view rule_set, int set_number) const noexcept {
    for (const auto& r : rubrics_)
        if (r.rule_set == rule_set && r.set_number == set_number) return &r;
    return nullptr;
}

const Rubric& RubricCatalog::require(std::string_view code) const {
    if (const Rubric* r = find(code)) return *r;
    throw Error(ErrorKind::invalid_input, errc::rubric_unknown,
                "unknown scoring sheet '" + std::string(code) + "'");
}

const RubricCatalog& builtin_rubrics() {
    static const RubricCatalog catalog = [] {
        std::vector<std::string_view> texts;
        for (const auto& f : detail::builtin_data_files("rubrics/")) texts.push_back(f.text);
        return RubricCatalog::from_json_texts(texts);
    }();
    return catalog;
}

}  // namespace ocop::domain
