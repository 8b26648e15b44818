#include "ocop/domain/inspection_authority.hpp"

#include "builtin_domain_data.hpp"
#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::rule_set_invalid,
                "Annex I product groups: " + what);
}

std::string text_of(const json& o, const char* key) {
    if (!o.is_object() || !o.contains(key) || !o.at(key).is_string())
        invalid(std::string("'") + key + "' must be a string");
    return o.at(key).get<std::string>();
}

}  // namespace

ProductGroupCatalog ProductGroupCatalog::from_json(const json& doc) {
    ProductGroupCatalog cat;
    if (!doc.is_object() || !doc.contains("ministries") || !doc.at("ministries").is_object())
        invalid("missing 'ministries'");
    for (const auto& [code, name] : doc.at("ministries").items()) {
        if (!name.is_string()) invalid("ministry " + code + " has no name");
        cat.ministries_[code] = name.get<std::string>();
    }
    if (!doc.contains("groups") || !doc.at("groups").is_array()) invalid("missing 'groups'");
    for (const json& g : doc.at("groups")) {
        ProductGroup pg;
        if (!g.contains("set") || !g.at("set").is_number_integer())
            invalid("a group without 'set'");
        pg.set_number = g.at("set").get<int>();
        if (cat.find(pg.set_number)) invalid("set " + std::to_string(pg.set_number) + " twice");
        pg.sector = text_of(g, "sector");
        pg.group_vi = text_of(g, "group_vi");
        pg.subgroup_vi = text_of(g, "subgroup_vi");
        pg.source = text_of(g, "source");
        if (!g.contains("lead_ministries") || !g.at("lead_ministries").is_array() ||
            g.at("lead_ministries").empty())
            invalid("set " + std::to_string(pg.set_number) + " names no lead ministry");
        for (const json& m : g.at("lead_ministries")) {
            if (!m.is_string() || !cat.ministries_.count(m.get<std::string>()))
                invalid("set " + std::to_string(pg.set_number) + ": unknown ministry " + m.dump());
            pg.lead_ministries.push_back(m.get<std::string>());
        }
        cat.groups_.push_back(std::move(pg));
    }
    return cat;
}

const ProductGroup* ProductGroupCatalog::find(int set_number) const noexcept {
    for (const auto& g : groups_)
        if (g.set_number == set_number) return &g;
    return nullptr;
}

std::string ProductGroupCatalog::ministry_name_vi(std::string_view code) const {
    const auto it = ministries_.find(code);
    return it == ministries_.end() ? std::string() : it->second;
}

const ProductGroupCatalog& builtin_product_groups() {
    static const ProductGroupCatalog catalog = [] {
        const auto files = detail::builtin_data_files("annex/");
        if (files.size() != 1) invalid("expected one compiled-in Annex I file");
        try {
            return ProductGroupCatalog::from_json(json::parse(files.front().text));
        } catch (const json::exception& e) {
            invalid(std::string("not JSON: ") + e.what());
        }
    }();
    return catalog;
}

InspectingAuthorities inspecting_authorities(int stars) noexcept {
    InspectingAuthorities a;
    a.ministry = stars == 5;
    a.ministry_when_needed = stars == 3 || stars == 4;
    return a;
}

std::string_view default_inspecting_authority(int stars) noexcept {
    return stars == 5 ? "ministry" : "province";
}

}  // namespace ocop::domain
