#include "ocop/domain/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string_view>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

namespace {

[[noreturn]] void bad_score(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::score_invalid, what);
}

std::string format_points(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

ScoreSheet ScoreSheet::from_json(const json& doc) {
    if (!doc.is_object()) bad_score("scores must be a JSON object of item code -> option index");
    ScoreSheet s;
    for (const auto& [code, v] : doc.items()) {
        const json* idx = &v;
        if (v.is_object()) {
            if (!v.contains("option")) bad_score("scores." + code + " has no 'option'");
            idx = &v.at("option");
        }
        if (!idx->is_number_integer())
            bad_score("scores." + code + " must be an option index (integer)");
        s.choices[code] = idx->get<int>();
    }
    return s;
}

json ScoreSheet::to_json() const {
    json out = json::object();
    for (const auto& [code, idx] : choices) out[code] = idx;
    return out;
}

namespace {

struct Indexed {
    const RubricNode* node;
    const std::string* part;
};

void index_nodes(const RubricNode& n, const std::string& part,
                 std::map<std::string_view, Indexed, std::less<>>& all,
                 std::vector<Indexed>& scored) {
    all.emplace(n.code, Indexed{&n, &part});
    if (n.scored()) scored.push_back(Indexed{&n, &part});
    for (const auto& c : n.children) index_nodes(c, part, all, scored);
}

}  // namespace

SheetScore score_sheet(const Rubric& rubric, const ScoreSheet& sheet) {
    // One walk of the tree: every node by code, and the scored ones in sheet order.
    std::map<std::string_view, Indexed, std::less<>> all;
    std::vector<Indexed> scored;
    for (const auto& p : rubric.parts)
        for (const auto& s : p.sections) index_nodes(s, p.part, all, scored);

    SheetScore out;
    for (const auto& [code, idx] : sheet.choices) {
        const auto it = all.find(code);
        if (it == all.end()) bad_score(rubric.code + ": no item '" + code + "' on this sheet");
        const RubricNode* n = it->second.node;
        if (!n->scored())
            bad_score(rubric.code + " item " + code +
                      " is scored through its sub-items, not by an option of its own");
        if (idx < 0 || static_cast<size_t>(idx) >= n->options.size())
            bad_score(rubric.code + " item " + code + ": option " + std::to_string(idx) +
                      " out of range 0.." + std::to_string(n->options.size() - 1));
    }
    for (const auto& p : rubric.parts) out.part_totals[p.part] = 0;
    for (const Indexed& e : scored) {
        int pts = 0;
        if (auto it = sheet.choices.find(e.node->code); it != sheet.choices.end())
            pts = e.node->options[static_cast<size_t>(it->second)].points;
        else
            out.unscored.push_back(e.node->code);
        out.item_points.emplace_hint(out.item_points.end(), e.node->code, pts);
        out.part_totals[*e.part] += pts;
        out.total += pts;
    }
    return out;
}

int band_stars(const RuleSet& rules, double total) {
    if (!std::isfinite(total) || total < 0 || total > rules.max_total)
        throw Error(ErrorKind::invalid_input, errc::score_out_of_range,
                    "score " + format_points(total) + " outside 0.." +
                        std::to_string(rules.max_total) + " (rule set " + rules.id + ")");
    for (const StarBand& b : rules.bands)  // highest first
        if (total >= b.from) return b.stars;
    return rules.bands.back().stars;  // unreachable: the last band starts at 0
}

int minimum_level(const Rubric& rubric, const ItemPoints& item_points,
                  std::vector<std::string>* blocking) {
    // required[L] for each item: the points needed to meet every mark of a level <= L.
    int level = 5;
    std::vector<std::pair<int, std::string>> blockers;  // (level blocked, item)
    for (const RubricNode* n : rubric.scored_items()) {
        // For each marked level, the lowest marked option of that level is the minimum.
        std::map<int, int> mark_points;
        for (const auto& o : n->options) {
            if (o.min_star == 0) continue;
            auto [it, inserted] = mark_points.emplace(o.min_star, o.points);
            if (!inserted) it->second = std::min(it->second, o.points);
        }
        if (mark_points.empty()) continue;
        double have = 0;
        if (auto it = item_points.find(n->code); it != item_points.end()) have = it->second;
        for (const auto& [mark, need] : mark_points) {  // ascending mark
            if (have < need) {
                // Level `mark` and above are out of reach because of this item.
                blockers.emplace_back(mark, n->code);
                level = std::min(level, mark - 1);
                break;
            }
        }
    }
    if (blocking) {
        blocking->clear();
        for (const auto& [mark, code] : blockers)
            if (mark == level + 1) blocking->push_back(code);
    }
    return std::max(level, 2);
}

CouncilScore council_score(const Rubric& rubric, const std::vector<ScoreSheet>& sheets) {
    if (sheets.empty())
        throw Error(ErrorKind::invalid_input, errc::council_empty,
                    "no council sheets to average for " + rubric.code);
    CouncilScore out;
    out.members = sheets.size();
    long long sum = 0;
    for (const ScoreSheet& s : sheets) {
        const SheetScore sc = score_sheet(rubric, s);
        sum += sc.total;
        for (const auto& [code, pts] : sc.item_points) out.average_points[code] += pts;
    }
    const double n = static_cast<double>(sheets.size());
    for (auto& [code, pts] : out.average_points) pts /= n;
    out.average_total = static_cast<double>(sum) / n;
    return out;
}

double average_total(const std::vector<double>& totals) {
    if (totals.empty())
        throw Error(ErrorKind::invalid_input, errc::council_empty, "no council totals to average");
    double sum = 0;
    for (double t : totals) {
        if (!std::isfinite(t))
            throw Error(ErrorKind::invalid_input, errc::score_out_of_range,
                        "a council total is not a number");
        sum += t;
    }
    return sum / static_cast<double>(totals.size());
}

StarAward award_stars(const RuleSet& rules, double avg, int min_level, bool disqualified) {
    StarAward a;
    a.band_stars = band_stars(rules, avg);
    a.minimum_level = std::clamp(min_level, 2, 5);
    a.disqualified = disqualified;
    a.stars = disqualified ? 0 : std::min(a.band_stars, a.minimum_level);
    return a;
}

StarAward award_stars(const RuleSet& rules, const Rubric& rubric,
                      const std::vector<ScoreSheet>& sheets, bool disqualified) {
    const CouncilScore c = council_score(rubric, sheets);
    return award_stars(rules, c.average_total, minimum_level(rubric, c.average_points),
                       disqualified);
}

}  // namespace ocop::domain
