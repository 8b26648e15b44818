#include "ocop/domain/rule_sets.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "builtin_domain_data.hpp"
#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

std::string_view to_string(Level level) noexcept {
    switch (level) {
        case Level::commune:
            return "commune";
        case Level::district:
            return "district";
        case Level::province:
            return "province";
        case Level::ministry:
            return "ministry";
    }
    return "?";
}

std::optional<Level> level_from_string(std::string_view name) noexcept {
    if (name == "commune") return Level::commune;
    if (name == "district") return Level::district;
    if (name == "province") return Level::province;
    if (name == "ministry") return Level::ministry;
    return std::nullopt;
}

namespace {

[[noreturn]] void invalid(const std::string& id, const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::rule_set_invalid, "rule set '" + id + "': " + what);
}

const json& member(const json& obj, const char* key, const std::string& id) {
    if (!obj.is_object() || !obj.contains(key)) invalid(id, std::string("missing '") + key + "'");
    return obj.at(key);
}

std::string text(const json& obj, const char* key, const std::string& id) {
    const json& v = member(obj, key, id);
    if (!v.is_string() || v.get<std::string>().empty())
        invalid(id, std::string("'") + key + "' must be a non-empty string");
    return v.get<std::string>();
}

int integer(const json& obj, const char* key, const std::string& id) {
    const json& v = member(obj, key, id);
    if (!v.is_number_integer()) invalid(id, std::string("'") + key + "' must be an integer");
    return v.get<int>();
}

double number(const json& v, const std::string& id, const char* what) {
    if (!v.is_number()) invalid(id, std::string(what) + " must be a number");
    return v.get<double>();
}

Date date_of(const json& obj, const char* key, const std::string& id) {
    const auto d = Date::try_parse(text(obj, key, id));
    if (!d) invalid(id, std::string("'") + key + "' is not a YYYY-MM-DD date");
    return *d;
}

Level level_of(const json& v, const std::string& id) {
    if (!v.is_string()) invalid(id, "level must be a string");
    auto l = level_from_string(v.get<std::string>());
    if (!l) invalid(id, "unknown level '" + v.get<std::string>() + "'");
    return *l;
}

void month_day(const json& obj, const char* key, const std::string& id, int& m, int& d) {
    const std::string t = text(obj, key, id);
    // "MM-DD" of a non-leap year, so that every year has the day.
    const auto parsed = Date::try_parse("2001-" + t);
    if (t.size() != 5 || !parsed) invalid(id, std::string("'") + key + "' must be MM-DD");
    m = parsed->month();
    d = parsed->day();
}

}  // namespace

RuleSet RuleSet::from_json(const json& doc) {
    RuleSet rs;
    const std::string unnamed = "?";
    rs.id = text(doc, "id", unnamed);
    const std::string& id = rs.id;
    rs.instrument_vi = text(doc, "instrument_vi", id);
    rs.effective_from = date_of(doc, "effective_from", id);
    if (const json& l = member(doc, "lapses_on", id); !l.is_null()) {
        rs.lapses_on = date_of(doc, "lapses_on", id);
        if (*rs.lapses_on <= rs.effective_from) invalid(id, "lapses_on not after effective_from");
    }
    if (doc.contains("amends") && !doc.at("amends").is_null()) rs.amends = text(doc, "amends", id);
    rs.max_total = integer(doc, "max_total", id);
    if (rs.max_total <= 0) invalid(id, "max_total must be positive");

    int sum = 0;
    for (const json& p : member(doc, "parts", id)) {
        PartMax pm{text(p, "part", id), integer(p, "max", id), text(p, "title_vi", id)};
        if (pm.max <= 0) invalid(id, "part " + pm.part + " max must be positive");
        sum += pm.max;
        rs.parts.push_back(std::move(pm));
    }
    if (rs.parts.empty() || sum != rs.max_total)
        invalid(id,
                "parts add to " + std::to_string(sum) + ", not " + std::to_string(rs.max_total));

    std::set<int> stars_seen;
    for (const json& b : member(doc, "bands", id)) {
        StarBand band;
        band.stars = integer(b, "stars", id);
        band.from = number(member(b, "from", id), id, "band 'from'");
        if (const json& below = member(b, "below", id); !below.is_null())
            band.below = number(below, id, "band 'below'");
        if (band.stars < 1 || band.stars > 5 || !stars_seen.insert(band.stars).second)
            invalid(id, "band stars must be 1..5, each once");
        rs.bands.push_back(band);
    }
    std::sort(rs.bands.begin(), rs.bands.end(),
              [](const StarBand& a, const StarBand& b) { return a.from > b.from; });
    // The bands tile [0, max_total]: the top one is open to max_total, each next one ends where
    // the previous begins, the last starts at 0, and more points never give fewer stars.
    if (rs.bands.empty() || rs.bands.front().below || rs.bands.back().from != 0)
        invalid(id, "bands must start at 0 and the top band must have no 'below'");
    for (size_t i = 1; i < rs.bands.size(); ++i) {
        if (!rs.bands[i].below || *rs.bands[i].below != rs.bands[i - 1].from)
            invalid(id, "bands must be contiguous and half-open");
        if (rs.bands[i].stars >= rs.bands[i - 1].stars)
            invalid(id, "a higher band must give more stars");
    }
    if (rs.bands.front().from > rs.max_total) invalid(id, "top band starts above max_total");

    for (const json& c : member(doc, "certifiers", id)) {
        CertifierGrant g{integer(c, "stars", id), level_of(member(c, "level", id), id)};
        if (g.stars < 3 || g.stars > 5) invalid(id, "only 3 to 5 stars are certified");
        for (const auto& other : rs.certifiers)
            if (other.stars == g.stars) invalid(id, "two certifiers for the same stars");
        rs.certifiers.push_back(g);
    }
    rs.first_assessment_level = level_of(member(doc, "first_assessment_level", id), id);
    rs.ministry_threshold = number(member(doc, "ministry_threshold", id), id, "ministry_threshold");
    rs.validity_months = integer(doc, "validity_months", id);
    if (rs.validity_months <= 0) invalid(id, "validity_months must be positive");

    if (const json& r = member(doc, "reevaluation", id); !r.is_null()) {
        ReevaluationPolicy p;
        p.earliest_days_before_expiry = integer(r, "earliest_days_before_expiry", id);
        p.latest_days_before_expiry = integer(r, "latest_days_before_expiry", id);
        p.decision_within_days = integer(r, "decision_within_days", id);
        p.late_extension_max_days = integer(r, "late_extension_max_days", id);
        if (p.latest_days_before_expiry < 0 ||
            p.earliest_days_before_expiry < p.latest_days_before_expiry ||
            p.decision_within_days <= 0 || p.late_extension_max_days < 0)
            invalid(id, "re-evaluation window out of order");
        rs.reevaluation = p;
    }
    for (const json& r : member(doc, "rounds", id)) {
        RoundRule rr;
        rr.level = level_of(member(r, "level", id), id);
        rr.round = integer(r, "round", id);
        month_day(r, "proposals_before", id, rr.proposals_month, rr.proposals_day);
        month_day(r, "decided_before", id, rr.decided_month, rr.decided_day);
        if (rr.decided_month * 100 + rr.decided_day <= rr.proposals_month * 100 + rr.proposals_day)
            invalid(id, "a round must be decided after its proposal deadline, in the same year");
        rs.rounds.push_back(rr);
    }
    if (const json& r = member(doc, "rubrics", id); !r.is_null())
        rs.rubrics = text(doc, "rubrics", id);
    if (doc.contains("deadlines"))
        for (const json& d : member(doc, "deadlines", id)) {
            DeadlineRule dr;
            dr.id = text(d, "id", id);
            dr.days = integer(d, "days", id);
            const std::string counting = text(d, "counting", id);
            if (counting != "working_days" && counting != "calendar_days")
                invalid(id,
                        "deadline '" + dr.id + "': counting must be working_days or calendar_days");
            dr.working_days = counting == "working_days";
            dr.source = text(d, "source", id);
            dr.title_vi = text(d, "title_vi", id);
            dr.starts_vi = text(d, "starts_vi", id);
            if (dr.days <= 0) invalid(id, "deadline '" + dr.id + "': days must be positive");
            if (rs.find_deadline(dr.id)) invalid(id, "deadline '" + dr.id + "' listed twice");
            rs.deadlines.push_back(std::move(dr));
        }
    if (doc.contains("notes"))
        for (const json& n : doc.at("notes"))
            if (n.is_string()) rs.notes.push_back(n.get<std::string>());
    return rs;
}

int RuleSet::part_max(std::string_view part) const {
    for (const auto& p : parts)
        if (p.part == part) return p.max;
    throw Error(ErrorKind::invalid_input, errc::rule_set_incomplete,
                "rule set '" + id + "' has no part '" + std::string(part) + "'");
}

std::optional<Level> RuleSet::certifier(int stars) const noexcept {
    for (const auto& g : certifiers)
        if (g.stars == stars) return g.level;
    return std::nullopt;
}

const DeadlineRule* RuleSet::find_deadline(std::string_view deadline_id) const noexcept {
    for (const auto& d : deadlines)
        if (d.id == deadline_id) return &d;
    return nullptr;
}

const DeadlineRule& RuleSet::deadline(std::string_view deadline_id) const {
    if (const DeadlineRule* d = find_deadline(deadline_id)) return *d;
    throw Error(ErrorKind::invalid_input, errc::rule_set_incomplete,
                "rule set '" + id + "' has no deadline '" + std::string(deadline_id) + "'");
}

const ReevaluationPolicy& RuleSet::reevaluation_policy() const {
    if (!reevaluation)
        throw Error(ErrorKind::invalid_input, errc::rule_set_incomplete,
                    "rule set '" + id + "' carries no re-evaluation window");
    return *reevaluation;
}

RuleSetCatalog::RuleSetCatalog(std::vector<RuleSet> sets) : sets_(std::move(sets)) {
    if (sets_.empty())
        throw Error(ErrorKind::invalid_input, errc::rule_set_invalid, "no rule sets");
    std::sort(sets_.begin(), sets_.end(), [](const RuleSet& a, const RuleSet& b) {
        return a.effective_from < b.effective_from;
    });
    for (size_t i = 0; i < sets_.size(); ++i) {
        for (size_t j = 0; j < i; ++j)
            if (sets_[j].id == sets_[i].id) invalid(sets_[i].id, "duplicate id");
        if (i > 0 && sets_[i].effective_from == sets_[i - 1].effective_from)
            invalid(sets_[i].id, "two rule sets take effect on the same day");
    }
    for (const auto& s : sets_)
        if (s.amends && !find(*s.amends)) invalid(s.id, "amends unknown rule set " + *s.amends);
}

RuleSetCatalog RuleSetCatalog::from_json_texts(const std::vector<std::string_view>& texts) {
    std::vector<RuleSet> sets;
    for (std::string_view t : texts) {
        json doc;
        try {
            doc = json::parse(t);
        } catch (const json::exception& e) {
            throw Error(ErrorKind::invalid_input, errc::rule_set_invalid,
                        std::string("rule set JSON does not parse: ") + e.what());
        }
        sets.push_back(RuleSet::from_json(doc));
    }
    return RuleSetCatalog(std::move(sets));
}

const RuleSet* RuleSetCatalog::find(std::string_view id) const noexcept {
    for (const auto& s : sets_)
        if (s.id == id) return &s;
    return nullptr;
}

const RuleSet& RuleSetCatalog::require(std::string_view id) const {
    if (const RuleSet* s = find(id)) return *s;
    throw Error(ErrorKind::invalid_input, errc::rule_set_unknown,
                "unknown rule set '" + std::string(id) + "'");
}

const RuleSet& RuleSetCatalog::in_force(Date d) const {
    for (auto it = sets_.rbegin(); it != sets_.rend(); ++it)
        if (it->effective_from <= d) return *it;
    throw Error(ErrorKind::invalid_input, errc::rule_set_none_in_force,
                "no OCOP rule set was in force on " + d.iso() + " (the first took effect on " +
                    sets_.front().effective_from.iso() + ")");
}

std::vector<const RuleSet*> RuleSetCatalog::all_in_force(Date d) const {
    std::vector<const RuleSet*> out;
    for (const auto& s : sets_)
        if (s.in_force_on(d)) out.push_back(&s);
    return out;
}

const RuleSetCatalog& builtin_rule_sets() {
    static const RuleSetCatalog catalog = [] {
        std::vector<std::string_view> texts;
        for (const auto& f : detail::builtin_data_files("rules/")) texts.push_back(f.text);
        return RuleSetCatalog::from_json_texts(texts);
    }();
    return catalog;
}

}  // namespace ocop::domain
