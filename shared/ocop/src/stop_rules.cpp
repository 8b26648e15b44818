#include "ocop/domain/stop_rules.hpp"

#include "builtin_domain_data.hpp"
#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::rubric_invalid, "stop rules: " + what);
}

StopTrigger trigger_of(const std::string& t) {
    if (t == "observed") return StopTrigger::observed;
    if (t == "item_zero") return StopTrigger::item_zero;
    if (t == "any_child_zero") return StopTrigger::any_child_zero;
    invalid("unknown trigger '" + t + "'");
}

std::string text_of(const json& o, const char* key) {
    if (!o.is_object() || !o.contains(key) || !o.at(key).is_string())
        invalid(std::string("'") + key + "' must be a string");
    return o.at(key).get<std::string>();
}

double points_of(const ItemPoints& points, const std::string& code) {
    const auto it = points.find(code);
    return it == points.end() ? 0.0 : it->second;
}

}  // namespace

StopRuleCatalog StopRuleCatalog::from_json_texts(const std::vector<std::string_view>& texts,
                                                 const RubricCatalog& rubrics) {
    StopRuleCatalog cat;
    for (std::string_view t : texts) {
        json doc;
        try {
            doc = json::parse(t);
        } catch (const json::exception& e) {
            invalid(std::string("not JSON: ") + e.what());
        }
        const std::string rule_set = text_of(doc, "rule_set");
        if (!doc.contains("stop_rules") || !doc.at("stop_rules").is_array())
            invalid("missing 'stop_rules'");
        for (const json& r : doc.at("stop_rules")) {
            StopRule s;
            s.rule_set = rule_set;
            if (!r.contains("set") || !r.at("set").is_number_integer())
                invalid("a rule without 'set'");
            s.set_number = r.at("set").get<int>();
            s.item = text_of(r, "item");
            s.trigger = trigger_of(text_of(r, "trigger"));
            s.text_vi = text_of(r, "text_vi");
            s.source = text_of(r, "source");
            const Rubric* rubric = rubrics.find(rule_set, s.set_number);
            if (!rubric) invalid(rule_set + " has no set " + std::to_string(s.set_number));
            const RubricNode* node = rubric->item(s.item);
            if (!node) invalid(rubric->code + " has no item " + s.item);
            if (s.trigger == StopTrigger::any_child_zero && node->children.empty())
                invalid(rubric->code + " item " + s.item + " has no sub-items");
            if (s.trigger == StopTrigger::item_zero && !node->scored())
                invalid(rubric->code + " item " + s.item + " is not scored itself");
            cat.rules_.push_back(std::move(s));
        }
    }
    return cat;
}

std::vector<const StopRule*> StopRuleCatalog::for_rubric(const Rubric& rubric) const {
    std::vector<const StopRule*> out;
    for (const auto& r : rules_)
        if (r.rule_set == rubric.rule_set && r.set_number == rubric.set_number) out.push_back(&r);
    return out;
}

const StopRule* StopRuleCatalog::find(const Rubric& rubric, std::string_view item) const noexcept {
    for (const auto& r : rules_)
        if (r.rule_set == rubric.rule_set && r.set_number == rubric.set_number && r.item == item)
            return &r;
    return nullptr;
}

std::vector<const StopRule*> triggered_stop_rules(const Rubric& rubric,
                                                  const StopRuleCatalog& stops,
                                                  const ItemPoints& item_points) {
    std::vector<const StopRule*> out;
    for (const StopRule* r : stops.for_rubric(rubric)) {
        const RubricNode* node = rubric.item(r->item);
        if (!node) continue;
        bool hit = false;
        if (r->trigger == StopTrigger::item_zero) hit = points_of(item_points, node->code) <= 0;
        if (r->trigger == StopTrigger::any_child_zero)
            for (const auto& c : node->children)
                if (points_of(item_points, c.code) <= 0) hit = true;
        if (hit) out.push_back(r);
    }
    return out;
}

const StopRuleCatalog& builtin_stop_rules() {
    static const StopRuleCatalog catalog = [] {
        std::vector<std::string_view> texts;
        for (const auto& f : detail::builtin_data_files("stop_rules/")) texts.push_back(f.text);
        return StopRuleCatalog::from_json_texts(texts, builtin_rubrics());
    }();
    return catalog;
}

}  // namespace ocop::domain
