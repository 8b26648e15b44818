#include "ocop/domain/demo_province.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "ocop/core/error.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/domain/admin_units.hpp"
#include "ocop/domain/certification.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/rubrics.hpp"
#include "ocop/domain/rule_sets.hpp"
#include "ocop/domain/scoring.hpp"
#include "ocop/domain/stop_rules.hpp"

namespace ocop::domain {

namespace {

using nlohmann::json;

// splitmix64: fully specified, so the demo is the same with every standard library.
class Rng {
  public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
    int range(int lo, int hi) {
        return lo + static_cast<int>(below(static_cast<size_t>(hi - lo + 1)));
    }
    double real() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) { return real() < p; }
    template <class C>
    const auto& pick(const C& c) {
        return c[below(std::size(c))];
    }
    template <class C>
    void shuffle(C& c) {
        for (size_t i = c.size(); i > 1; --i) std::swap(c[i - 1], c[below(i)]);
    }

  private:
    uint64_t s_;
};

using SV = std::string_view;

constexpr SV kProvinceName = "Tỉnh Sông Hậu";
constexpr SV kProvinceShort = "Sông Hậu";
constexpr SV kProvinceCode = "99";
const Date kMergeDay = Date::from_days(20'270);  // 2025-07-01
constexpr SV kMergeDecision =
    "Nghị quyết sắp xếp đơn vị hành chính cấp xã tỉnh Sông Hậu năm 2025 (dữ liệu mẫu)";

constexpr std::array<SV, 10> kDistricts{
    "Huyện Tân Phước",  "Huyện Long Hồ", "Huyện Mỹ Xuyên",  "Thị xã Bình Minh", "Huyện Phú Tân",
    "Huyện Châu Thành", "Huyện Cầu Kè",  "Huyện Thạnh Trị", "Huyện Vĩnh Lợi",   "Huyện Hòa Thành"};
constexpr std::array<SV, 72> kPlaces{
    "Tân An",     "Phú Hòa",    "Long Hưng",  "Bình Thạnh", "Mỹ Lộc",     "Hòa Bình", "Thạnh Phú",
    "An Nhơn",    "Phước Long", "Vĩnh Xuân",  "Tân Thành",  "Mỹ Hạnh",    "Long Phú", "Định An",
    "Hiệp Hòa",   "Tân Hội",    "Phú Tân",    "Nhơn Mỹ",    "Thới Sơn",   "Hưng Lợi", "Lộc Thuận",
    "Bình Đức",   "Tường Lộc",  "Song Phú",   "Mỹ Thuận",   "Xuân Hiệp",  "Trung An", "An Bình",
    "Thuận Hưng", "Đông Thạnh", "Phong Điền", "Giai Xuân",  "Nhơn Ái",    "Tân Lộc",  "Vĩnh Trinh",
    "Thạnh Lợi",  "Mỹ Khánh",   "Hòa Lạc",    "Long Điền",  "Bình Minh",  "Cái Sơn",  "Ngãi Tứ",
    "Hựu Thành",  "Trà Côn",    "Phú Lộc",    "Đại Ân",     "Vĩnh Hải",   "Lai Hòa",  "Tân Quới",
    "Mỹ Hòa",     "Đông Bình",  "Thuận An",   "Phú Thịnh",  "Long Khánh", "An Phước", "Hòa Thạnh",
    "Tân Lược",   "Mỹ An",      "Xuân Thạnh", "Bình Hòa",   "Phước Hậu",  "Long Mỹ",  "Tân Bình",
    "Thạnh Quới", "Vĩnh Phú",   "Hòa Hưng",   "Đông Phước", "Long Thới",  "An Khánh", "Phú An",
    "Tân Hưng",   "Mỹ Phước"};
constexpr std::array<SV, 20> kFamily{"Nguyễn", "Trần", "Lê",     "Phạm", "Hoàng", "Huỳnh", "Phan",
                                     "Vũ",     "Võ",   "Đặng",   "Bùi",  "Đỗ",    "Hồ",    "Ngô",
                                     "Dương",  "Lý",   "Trương", "Đinh", "Lâm",   "Châu"};
constexpr std::array<SV, 8> kMaleMiddle{"Văn",  "Hữu",   "Minh", "Đức",
                                        "Quốc", "Thanh", "Công", "Hoàng"};
constexpr std::array<SV, 7> kFemaleMiddle{"Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Bích"};
constexpr std::array<SV, 20> kMaleGiven{"An",   "Bình", "Cường", "Dũng",  "Hải",   "Hùng", "Khánh",
                                        "Long", "Nam",  "Phúc",  "Quang", "Sơn",   "Tâm",  "Thắng",
                                        "Trí",  "Tuấn", "Việt",  "Lộc",   "Nghĩa", "Đạt"};
constexpr std::array<SV, 20> kFemaleGiven{"Hà",    "Hạnh",   "Hương", "Lan",   "Linh", "Mai", "Nga",
                                          "Nhung", "Phương", "Thảo",  "Trang", "Vân",  "Yến", "Hoa",
                                          "Loan",  "Tuyết",  "Diễm",  "Ánh",   "Hồng", "Uyên"};
constexpr std::array<SV, 6> kMinorities{"Khmer", "Hoa", "Chăm", "Tày", "Mường", "Thái"};
constexpr std::array<SV, 12> kBrands{"Minh Phát", "Hưng Thịnh", "Phú Quý", "Thuận Thiên",
                                     "An Khang",  "Bảo Ngọc",   "Đại Lộc", "Kim Long",
                                     "Tấn Phát",  "Hòa Hiệp",   "Sao Mai", "Mekong Xanh"};

// Product names per set (1..26); "{}" is replaced by a place.
const std::array<std::vector<SV>, 26> kProducts{{
    {"Bưởi da xanh {}", "Xoài cát Hòa Lộc {}", "Thanh long ruột đỏ {}", "Dưa lưới {}",
     "Khoai lang tím {}"},
    {"Tôm càng xanh {}", "Cá lóc đồng {}", "Trứng vịt {}", "Thịt heo đen {}"},
    {"Gạo ST25 {}", "Gạo nàng thơm {}", "Nếp cái hoa vàng {}", "Đậu phộng {}"},
    {"Mật ong rừng tràm {}", "Mật ong hoa nhãn {}", "Mật hoa dừa {}"},
    {"Bánh tráng phơi sương {}", "Bánh pía {}", "Chả lụa {}", "Bánh tét lá cẩm {}"},
    {"Bánh phồng {}", "Hủ tiếu khô {}", "Bún gạo lứt {}", "Cốm dẹp {}"},
    {"Mứt dừa {}", "Chuối sấy dẻo {}", "Xoài sấy {}", "Hạt điều rang muối {}"},
    {"Khô cá lóc {}", "Lạp xưởng {}", "Tôm khô {}", "Mắm cá linh {}"},
    {"Nước mắm cá cơm {}", "Tương hột {}", "Giấm dừa {}"},
    {"Muối ớt tôm {}", "Tiêu đen {}", "Bột nghệ {}"},
    {"Chè xanh {}", "Trà búp {}"},
    {"Trà mãng cầu {}", "Trà khổ qua rừng {}", "Trà atisô {}", "Trà sen {}"},
    {"Cà phê rang xay {}", "Bột ca cao {}", "Sô-cô-la {}"},
    {"Rượu đế {}", "Rượu nếp cái {}"},
    {"Rượu vang thanh long {}", "Rượu sim {}"},
    {"Nước uống đóng chai {}", "Nước khoáng thiên nhiên {}"},
    {"Nước cốt dừa {}", "Nước ép mãng cầu {}", "Sữa bắp {}"},
    {"Cao chè vằng {}", "Viên nghệ mật ong {}", "Trà túi lọc đinh lăng {}"},
    {"Dầu gội bồ kết {}", "Xà phòng thảo mộc {}", "Bột nghệ dưỡng da {}"},
    {"Tinh dầu tràm {}", "Tinh dầu sả chanh {}", "Dược liệu khô {}"},
    {"Giỏ lục bình {}", "Chiếu cói {}", "Gốm {}", "Mỹ nghệ gáo dừa {}"},
    {"Khăn rằn {}", "Thổ cẩm {}", "Áo bà ba lụa {}"},
    {"Hoa cúc mâm xôi {}", "Hoa lan {}", "Hoa hồng {}"},
    {"Mai vàng {}", "Bonsai {}", "Cây kiểng lá {}"},
    {"Cá Koi {}", "Chim chào mào {}", "Cá cảnh {}"},
    {"Điểm du lịch cộng đồng {}", "Du lịch sinh thái cồn {}", "Làng nghề du lịch {}",
     "Homestay miệt vườn {}"},
}};

constexpr std::array<SV, 5> kLabs{
    "Trung tâm Kiểm nghiệm tỉnh Sông Hậu", "Viện Pasteur Thành phố Hồ Chí Minh",
    "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3 (QUATEST 3)",
    "Trung tâm Dịch vụ phân tích thí nghiệm TP.HCM", "Viện Vệ sinh dịch tễ Tây Nguyên"};
constexpr std::array<SV, 6> kIndicators{"Coliforms", "E. coli",        "Salmonella",
                                        "Chì (Pb)",  "Aflatoxin tổng", "Độ ẩm"};
constexpr std::array<SV, 5> kAgencies{"Sở Công Thương", "Sở Y tế", "Sở Khoa học và Công nghệ",
                                      "Chi cục Quản lý thị trường", "Văn phòng Điều phối NTM tỉnh"};
constexpr std::array<SV, 4> kMarketSites{"Chợ {}", "Siêu thị Co.opmart {}", "Cửa hàng đặc sản {}",
                                         "Điểm bán sản phẩm OCOP {}"};

std::string fill(SV pattern, SV place) {
    std::string out(pattern);
    if (auto p = out.find("{}"); p != std::string::npos) out.replace(p, 2, place);
    return out;
}

std::string two(int v) {
    char b[16];
    std::snprintf(b, sizeof b, "%02d", v);
    return b;
}

std::string datetime(Date d, int hour, int minute) {
    return d.iso() + "T" + two(hour) + ":" + two(minute) + ":00+07:00";
}

double round_to(double v, double scale) {
    return std::round(v * scale) / scale;
}

struct Person {
    std::string name;
    bool female = false;
};

struct Unit {
    std::string id;
    std::string code;
    std::string name;
    std::string place;
    double lat = 0, lon = 0;
};

struct Cert {
    std::string id;
    int stars = 0;
    Date issued, expires;
    std::string rule_set;
};

enum Phase { kMain = 0, kSign = 1, kAfter = 2 };

class Generator {
  public:
    Generator(LocalReplica& r, const DemoOptions& o)
        : replica_(r),
          opt_(o),
          rng_(o.seed ^ 0x6f636f702d64656dULL),
          ids_(o.seed),
          rule_sets_(builtin_rule_sets()),
          rubrics_(builtin_rubrics()),
          rounds_(rule_sets_.current()),
          reeval_(rule_sets_.current().reevaluation_policy()) {}

    DemoReport run() {
        if (opt_.records_per_changeset == 0)
            throw Error(ErrorKind::invalid_input, errc::demo_invalid,
                        "records_per_changeset must be positive");
        plan_units();
        const size_t units = 1 + districts_.size() + old_communes_total() + merge_groups_total();
        if (opt_.size < units)
            throw Error(ErrorKind::invalid_input, errc::demo_invalid,
                        "size " + std::to_string(opt_.size) + " is below the " +
                            std::to_string(units) + " administrative units of the demo province");
        write_units();
        write_targets();
        make_council();
        while (created_ < opt_.size) {
            make_applicant();
            if (pending_ >= opt_.records_per_changeset) flush();
        }
        flush();
        report_.records = created_;
        return std::move(report_);
    }

  private:
    // --- writing ---------------------------------------------------------------------------
    std::string new_id() { return ids_.next(replica_.clock().physical_ms()); }

    // Creates a record unless the size is reached; returns its id or "".
    std::string add(Phase ph, const char* collection, FieldValues fields) {
        if (created_ >= opt_.size) return {};
        std::string id = new_id();
        txn_[ph].put(collection, id, fields);
        ++created_;
        ++pending_;
        ++report_.per_collection[collection];
        return id;
    }
    void edit(Phase ph, const char* collection, const std::string& id, FieldValues fields) {
        if (id.empty()) return;
        txn_[ph].put(collection, id, fields);
    }
    void commit(const LocalTransaction& t) {
        replica_.commit(t);
        ++report_.changesets;
    }
    // Draft minutes and everything else first, then the signatures, then what arrives after
    // signing (lab results, amendments, proposals): three changesets, in that order.
    void flush() {
        for (auto& t : txn_) {
            if (!t.empty()) commit(t);
            t = LocalTransaction{};
        }
        pending_ = 0;
    }

    // --- administrative units ------------------------------------------------------------------
    size_t old_communes_total() const {
        size_t n = 0;
        for (const auto& d : district_communes_) n += d.size();
        return n;
    }
    size_t merge_groups_total() const {
        size_t n = 0;
        for (const auto& g : groups_) n += g.second.empty() ? 0 : 1;
        return n;
    }

    void plan_units() {
        std::vector<SV> districts(kDistricts.begin(), kDistricts.end());
        std::vector<SV> places(kPlaces.begin(), kPlaces.end());
        rng_.shuffle(districts);
        rng_.shuffle(places);
        const int n_districts = rng_.range(5, 7);
        size_t next_place = 0;
        for (int d = 0; d < n_districts; ++d) {
            districts_.push_back(
                Unit{"", std::to_string(900 + d * 7), std::string(districts[d]), "", 0, 0});
            std::vector<Unit> communes;
            const int n = rng_.range(6, 9);
            for (int c = 0; c < n && next_place < places.size(); ++c) {
                Unit u;
                u.place = std::string(places[next_place++]);
                const bool town = c == 0 && rng_.chance(0.4);
                u.name = (town ? "Thị trấn " : "Xã ") + u.place;
                char code[16];
                std::snprintf(code, sizeof code, "%05d", 29000 + d * 100 + c * 7);
                u.code = code;
                u.lat = round_to(10.05 + rng_.real() * 0.6, 1e6);
                u.lon = round_to(105.55 + rng_.real() * 0.7, 1e6);
                communes.push_back(std::move(u));
            }
            // The 2025 arrangement: groups of two to four communes become one.
            std::vector<size_t> group;
            for (size_t i = 0; i < communes.size(); ++i) {
                group.push_back(i);
                const size_t left = communes.size() - i - 1;
                const size_t want = static_cast<size_t>(rng_.range(2, 4));
                if (left == 0 || (group.size() >= want && left >= 2)) {
                    groups_.push_back({static_cast<size_t>(d), group});
                    group.clear();
                }
            }
            district_communes_.push_back(std::move(communes));
        }
    }

    void write_units() {
        province_.id = add(kMain, "admin_unit",
                           {{"code", std::string(kProvinceCode)},
                            {"name", std::string(kProvinceName)},
                            {"level", "province"},
                            {"valid_from", "2004-01-01"}});
        report_.province_id = province_.id;
        for (size_t d = 0; d < districts_.size(); ++d) {
            Unit& dist = districts_[d];
            dist.id = add(kMain, "admin_unit",
                          {{"code", dist.code},
                           {"name", dist.name},
                           {"level", "district"},
                           {"parent", province_.id},
                           {"valid_from", "2004-01-01"}});
            report_.former_districts.push_back(dist.id);
            for (Unit& c : district_communes_[d]) {
                c.id = add(kMain, "admin_unit",
                           {{"code", c.code},
                            {"name", c.name},
                            {"level", "commune"},
                            {"parent", dist.id},
                            {"valid_from", "2004-01-01"}});
                report_.former_communes.push_back(c.id);
            }
        }
        flush();
        // Merges effective 2025-07-01, planned from the store like the server would.
        int serial = 0;
        for (const auto& [d, members] : groups_) {
            const auto& communes = district_communes_[d];
            const Unit& keeper = communes[members[rng_.below(members.size())]];
            UnitMerge m;
            for (size_t i : members) m.old_units.push_back(communes[i].id);
            m.new_unit_id = new_id();
            char code[16];
            std::snprintf(code, sizeof code, "%05d", 31000 + 11 * serial++);
            m.code = code;
            m.name = "Xã " + keeper.place;
            m.effective = kMergeDay;
            m.parent = province_.id;
            m.decision_ref = std::string(kMergeDecision);
            commit(plan_unit_merge(replica_.store(), m));
            ++created_;
            ++report_.per_collection["admin_unit"];
            Unit nu{m.new_unit_id, m.code, m.name, keeper.place, keeper.lat, keeper.lon};
            for (size_t i : members) successor_[communes[i].id] = current_.size();
            current_.push_back(nu);
            report_.current_communes.push_back(nu.id);
        }
        // Districts end the same day; their work goes to the province.
        UnitEnd end;
        for (const Unit& dist : districts_) end.units.push_back(dist.id);
        end.effective = kMergeDay;
        end.successor = province_.id;
        commit(plan_unit_end(replica_.store(), end));
        for (size_t d = 0; d < districts_.size(); ++d)
            for (const Unit& c : district_communes_[d]) old_.push_back({c, d});
    }

    // The province's yearly targets (the desk's progress page): products to bring to OCOP this
    // year in each commune in force, entered by the province.
    void write_targets() {
        for (size_t i = 0; i < current_.size(); ++i)
            add(kMain, "ocop_target",
                {{"unit", current_[i].id},
                 {"year", static_cast<int64_t>(opt_.today.year())},
                 {"products", static_cast<int64_t>(2 + i % 4)}});
        flush();
    }

    // The unit responsible for work on `day` for a producer registered in `unit`.
    const Unit& unit_on(const Unit& unit, Date day) {
        if (day < kMergeDay) return unit;
        auto it = successor_.find(unit.id);
        if (it == successor_.end()) return unit;  // already a current commune
        // Cross-check with the store's history the first time (unit_for_new_work).
        if (checked_.insert(unit.id).second) {
            const std::string via_store = unit_for_new_work(replica_.store(), unit.id, day);
            if (via_store != current_[it->second].id)
                throw Error(ErrorKind::internal, errc::demo_invalid,
                            "successor mismatch for admin_unit/" + unit.id);
        }
        return current_[it->second];
    }

    const Unit* district_of(const Unit& commune) const {
        for (const auto& [u, d] : old_)
            if (u.id == commune.id) return &districts_[d];
        return nullptr;
    }

    // --- people -----------------------------------------------------------------------------
    Person person() {
        Person p;
        p.female = rng_.chance(0.5);
        p.name = std::string(rng_.pick(kFamily)) + " " +
                 std::string(p.female ? rng_.pick(kFemaleMiddle) : rng_.pick(kMaleMiddle)) + " " +
                 std::string(p.female ? rng_.pick(kFemaleGiven) : rng_.pick(kMaleGiven));
        return p;
    }

    void make_council() {
        for (int i = 0; i < 7; ++i) council_.push_back(person());
        for (int i = 0; i < 6; ++i) inspectors_.push_back(person());
    }

    std::string agency_agri(Date d) const {
        return d < Date::from_days(20'148)  // 2025-03-01: the ministries merged
                   ? "Sở Nông nghiệp và Phát triển nông thôn"
                   : "Sở Nông nghiệp và Môi trường";
    }

    std::vector<std::string> council_roles(Date d) const {
        return {"Chủ tịch Hội đồng - Phó Chủ tịch UBND tỉnh",
                "Phó Chủ tịch Hội đồng - " + agency_agri(d),
                "Ủy viên - Sở Công Thương",
                "Ủy viên - Sở Y tế",
                "Ủy viên - Sở Khoa học và Công nghệ",
                "Ủy viên - Sở Văn hóa, Thể thao và Du lịch",
                "Thư ký Hội đồng - Văn phòng Điều phối nông thôn mới tỉnh"};
    }

    // --- scoring ----------------------------------------------------------------------------
    static int required_points(const RubricNode& n, int level) {
        int need = 0;
        std::map<int, int> marks;
        for (const auto& o : n.options)
            if (o.min_star != 0) {
                auto [it, ins] = marks.emplace(o.min_star, o.points);
                if (!ins) it->second = std::min(it->second, o.points);
            }
        for (const auto& [m, p] : marks)
            if (m <= level) need = std::max(need, p);
        return need;
    }

    // One sheet aiming at quality q (0..1): each item near q * max; the star minimums of
    // `target` are met except on `miss` (an item deliberately below its minimum).
    ScoreSheet make_sheet(const Rubric& r, double q, int target, const std::string& miss,
                          int case_no) {
        ScoreSheet s;
        for (const RubricNode* n : r.scored_items()) {
            std::vector<int> allowed;
            for (size_t i = 0; i < n->options.size(); ++i)
                if (!n->choose_one_case || n->options[i].case_no == case_no)
                    allowed.push_back(static_cast<int>(i));
            if (allowed.empty())
                for (size_t i = 0; i < n->options.size(); ++i)
                    allowed.push_back(static_cast<int>(i));
            const double qi = std::clamp(q + (rng_.real() - 0.5) * 0.3, 0.0, 1.0);
            const double want = qi * n->max;
            int best = allowed.front();
            for (int i : allowed)
                if (std::abs(n->options[i].points - want) <
                    std::abs(n->options[best].points - want))
                    best = i;
            if (target >= 3) {
                const int need = required_points(*n, target);
                if (n->code == miss) {
                    int below = -1;
                    for (int i : allowed)
                        if (n->options[i].points < need &&
                            (below < 0 || n->options[i].points > n->options[below].points))
                            below = i;
                    if (below >= 0) best = below;
                } else if (n->options[best].points < need) {
                    for (int i : allowed)
                        if (n->options[i].points >= need) {
                            best = i;
                            break;
                        }
                }
            }
            s.choices[n->code] = best;
        }
        return s;
    }

    int draw_target() {
        const double u = rng_.real();
        if (u < 0.06) return 1;
        if (u < 0.20) return 2;
        if (u < 0.60) return 3;
        if (u < 0.90) return 4;
        return 5;
    }
    double quality_for(int stars) {
        static constexpr double lo[] = {0, 0.12, 0.33, 0.53, 0.72, 0.95};
        static constexpr double hi[] = {0, 0.26, 0.47, 0.67, 0.86, 1.0};
        return lo[stars] + rng_.real() * (hi[stars] - lo[stars]);
    }

    // --- the producers -------------------------------------------------------------------------
    const Rubric& pick_rubric() {
        const auto& all = rubrics_.all();
        if (rng_.chance(0.04)) return *rubrics_.find("qd26_2026", 26);
        return all[rng_.below(all.size() - 1)];  // sets 1..25 (sorted by number)
    }

    std::string applicant_name(const std::string& form, const Rubric& r, const Person& rep,
                               const std::string& place) {
        const std::string what = std::string(r.name_vi.substr(0, r.name_vi.find(',')));
        if (form == "cooperative")
            return rng_.chance(0.5) ? "Hợp tác xã Nông nghiệp " + place
                                    : "Hợp tác xã " + what + " " + place;
        if (form == "cooperative_group") return "Tổ hợp tác " + what + " " + place;
        if (form == "enterprise")
            return std::string(rng_.chance(0.6) ? "Công ty TNHH " : "Công ty Cổ phần ") +
                   std::string(rng_.pick(kBrands)) + " " + std::string(kProvinceShort);
        if (form == "farm") return "Trang trại " + rep.name;
        if (form == "association") return "Hội Du lịch cộng đồng " + place;
        if (form == "operating_centre") return "Trung tâm điều hành du lịch " + place;
        return "Hộ kinh doanh " + rep.name;
    }

    void make_applicant() {
        const Date first =
            Date::from_ymd(2020, 3, 1)
                .add_days(rng_.range(
                    0, static_cast<int>(opt_.today.add_days(-30) - Date::from_ymd(2020, 3, 1))));
        // Registered before the merger: the old commune, kept on the applicant's records.
        const Unit& home = first < kMergeDay ? old_[rng_.below(old_.size())].first
                                             : current_[rng_.below(current_.size())];
        const Rubric& main_set = pick_rubric();
        const bool tourism = main_set.set_number == 26;
        std::string form;
        const double u = rng_.real();
        if (tourism)
            form = u < 0.4 ? "cooperative" : u < 0.7 ? "association" : "operating_centre";
        else
            form = u < 0.3    ? "cooperative"
                   : u < 0.4  ? "cooperative_group"
                   : u < 0.6  ? "enterprise"
                   : u < 0.65 ? "farm"
                              : "household";
        const Person rep = person();
        const std::string applicant =
            add(kMain, "applicant",
                {{"name", applicant_name(form, main_set, rep, home.place)},
                 {"legal_form", form},
                 {"tax_code", "18" + std::to_string(10'000'000 + rng_.below(89'999'999))},
                 {"representative", rep.name},
                 {"representative_gender", rep.female ? "female" : "male"},
                 {"representative_ethnicity",
                  rng_.chance(0.85) ? std::string("Kinh") : std::string(rng_.pick(kMinorities))},
                 {"address", "Ấp " + std::string(rng_.pick(kPlaces)) + ", " +
                                 (home.name.rfind("Thị trấn", 0) == 0 ? "thị trấn " : "xã ") +
                                 home.place + ", " + "tỉnh " + std::string(kProvinceShort)},
                 {"phone", "09" + std::to_string(10'000'000 + rng_.below(89'999'999))},
                 {"unit", home.id}});
        if (applicant.empty()) return;
        const int n_products = rng_.chance(0.55) ? 1 : rng_.chance(0.65) ? 2 : 3;
        for (int i = 0; i < n_products && created_ < opt_.size; ++i) {
            const Rubric& r = i == 0 || tourism ? main_set : pick_rubric();
            make_product(
                applicant, rep, home, r,
                std::min(first.add_days(i * rng_.range(30, 400)), opt_.today.add_days(-20)));
        }
    }

    struct Product {
        std::string id, applicant, name;
        const Rubric* rubric = nullptr;
        const Unit* home = nullptr;
        Person rep;
        int case_no = 1;
    };

    void make_product(const std::string& applicant, const Person& rep, const Unit& home,
                      const Rubric& r, Date start) {
        Product p;
        p.applicant = applicant;
        p.rubric = &r;
        p.home = &home;
        p.rep = rep;
        p.case_no = rng_.chance(0.5) ? 1 : 2;
        const auto& names = kProducts[static_cast<size_t>(r.set_number - 1)];
        p.name = fill(rng_.pick(names), home.place);
        const int serial = ++serials_[home.code];
        char serial_text[16];
        std::snprintf(serial_text, sizeof serial_text, "%03d", serial);
        p.id = add(kMain, "product",
                   {{"name", p.name},
                    {"applicant", applicant},
                    {"sector", r.sector},
                    {"product_set", r.code},
                    {"product_code", std::string(kProvinceCode) + "-" + home.code + "-" +
                                         serial_text + "-" + std::to_string(start.year())},
                    {"description",
                     p.name + ": sản phẩm đặc trưng của " + home.name + ", " + r.name_vi + "."},
                    {"unit", home.id}});
        if (p.id.empty()) return;

        // A share of products is placed so that a certificate is in its re-evaluation window
        // today; the others start at their registration date.
        std::optional<Date> forced;
        if (rng_.chance(0.15)) {
            const Date expiry = opt_.today.add_days(rng_.range(125, 175));
            forced = expiry.add_months(-36);
            if (*forced < start.add_days(110)) forced.reset();
        }
        Date filed = forced ? forced->add_days(-rng_.range(70, 110)) : start;
        std::string kind = "first";
        std::optional<Cert> prev;          // the product's certificate in force
        std::optional<Date> prev_refiled;  // its re-evaluation filing, if any
        for (int cycle = 0; cycle < 4 && created_ < opt_.size; ++cycle) {
            if (filed > opt_.today) break;
            const auto result = run_cycle(p, filed, kind, cycle == 0 ? forced : std::nullopt);
            if (!result.decided) break;  // still being assessed
            if (!result.cert) {
                // Failed (or a re-evaluation below 3 stars): the old certificate simply ends.
                if (prev) final_state(*prev, prev_refiled, result.decided_on);
                prev.reset();
                prev_refiled.reset();
                if (!rng_.chance(0.4)) break;
                filed = result.decided_on.add_days(rng_.range(150, 400));
                kind = "first";
                continue;
            }
            const Cert cert = *result.cert;
            if (prev) edit(kMain, "certificate", prev->id, {{"status", "superseded"}});
            prev = cert;
            prev_refiled.reset();
            // The next filing: on time (most), late, or never (the certificate lapses).
            const double u = rng_.real();
            std::optional<Date> next;
            const FilingWindow w = reevaluation_window(reeval_, cert.expires);
            if (u < 0.65)
                next = w.opens.add_days(rng_.range(0, static_cast<int>(w.closes - w.opens)));
            else if (u < 0.8)
                next = w.closes.add_days(rng_.range(1, 119));
            const Date inspect_until = next ? std::min(*next, opt_.today)
                                            : std::min(cert.expires.add_days(240), opt_.today);
            if (inspections(p, cert, inspect_until)) {  // revoked
                prev.reset();
                break;
            }
            if (!next || *next > opt_.today) break;
            filed = *next;
            kind = "re_evaluation";
            prev_refiled = next;
        }
        if (prev) final_state(*prev, prev_refiled, std::nullopt);
    }

    // The state of a product's last certificate on `today`, given its re-evaluation filing.
    void final_state(const Cert& c, std::optional<Date> filed, std::optional<Date> decided) {
        Date last = c.expires;
        if (filed && *filed <= opt_.today)
            last = last_valid_day(reeval_, c.expires, *filed, decided);
        if (opt_.today > last) {
            edit(kMain, "certificate", c.id, {{"status", "expired"}});
            ++report_.certificates_expired;
        } else {
            const FilingWindow w = reevaluation_window(reeval_, c.expires);
            if (w.opens <= opt_.today && opt_.today <= w.closes)
                ++report_.certificates_in_reevaluation_window;
        }
    }

    struct CycleResult {
        bool decided = false;
        Date decided_on;
        std::optional<Cert> cert;
    };

    CycleResult run_cycle(const Product& p, Date filed, const std::string& kind,
                          std::optional<Date> forced_decision) {
        CycleResult out;
        const Unit& unit = unit_on(*p.home, filed);
        const Date proposal = filed.add_days(rng_.range(10, 21));  // 15 working days at the commune
        Date decision;
        if (forced_decision) {
            decision = *forced_decision;
        } else if (kind == "re_evaluation") {
            decision = proposal.add_days(rng_.range(15, 44));
        } else {
            const Round r = next_round(rounds_, Level::province, proposal);
            decision =
                std::max(r.decided_before.add_days(-rng_.range(1, 25)), proposal.add_days(10));
        }
        // The districts were gone from 2025-07-01 but 148/2023 named them until 2025-07-05.
        if (decision >= kMergeDay && decision < Date::from_days(20'275))
            decision = Date::from_days(20'276);
        const RuleSet& rs = rule_sets_.in_force(decision);
        const Round round = next_round(rounds_, Level::province, proposal);

        const int receipt_no = ++receipts_[unit.code + std::to_string(filed.year())];
        FieldValues reg{
            {"product", p.id},
            {"applicant", p.applicant},
            {"kind", kind},
            {"commune_receipt_no", two(receipt_no) + "/PĐK-" + std::string(kProvinceCode) + "-" +
                                       unit.code + "-" + std::to_string(filed.year())},
            {"filed_on", filed.iso()},
            {"round", round.label()},
            {"status", decision <= opt_.today   ? "decided"
                       : proposal <= opt_.today ? "sent_to_province"
                                                : "received"},
            {"commune_received_on", filed.iso()},
            {"unit", unit.id}};
        if (proposal <= opt_.today) {
            reg["province_receipt_no"] = std::to_string(100 + rng_.below(800)) + "/PĐK-" +
                                         std::string(kProvinceCode) + "-" +
                                         std::to_string(proposal.year());
            reg["province_received_on"] = proposal.iso();
            // The complete dossier from the commune starts the 45 days (Art. 7.6.g).
            if (kind == "re_evaluation") reg["complete_on"] = proposal.iso();
        }
        // Decided (the evaluation below), so no deadline runs any more.
        if (decision <= opt_.today) reg["decided_on"] = decision.iso();
        const std::string registration = add(kMain, "registration", reg);
        if (registration.empty()) return out;

        // Quality of this dossier, and whether (and where) it misses a star minimum.
        const int target = draw_target();
        const double q = quality_for(target);
        std::string miss;
        if (target >= 3 && rng_.chance(0.15)) {
            std::vector<const RubricNode*> marked;
            for (const RubricNode* n : p.rubric->scored_items())
                if (required_points(*n, target) > required_points(*n, target - 1))
                    marked.push_back(n);
            if (!marked.empty()) miss = marked[rng_.below(marked.size())]->code;
        }
        const bool sheets = rs.part_max("A") == 40;  // 148/2023 onwards: the same three parts

        if (sheets) {
            const ScoreSheet self =
                make_sheet(*p.rubric, std::min(1.0, q + 0.05), target, "", p.case_no);
            add(kMain, "self_assessment",
                {{"registration", registration},
                 {"rubric", p.rubric->code},
                 {"scores", self.to_json()},
                 {"evidence",
                  json::array({"Danh sách lao động có bảo hiểm xã hội", "Phiếu kết quả kiểm nghiệm",
                               "Báo cáo tài chính 2 năm"})},
                 {"total", score_sheet(*p.rubric, self).total},
                 {"unit", unit.id}});
        }
        if (proposal <= opt_.today) {
            static constexpr std::array<SV, 3> assess{"met", "met", "partly"};
            add(kMain, "commune_report",
                {{"registration", registration},
                 {"origin_raw_materials", std::string(rng_.pick(assess))},
                 {"local_labour", std::string(rng_.pick(assess))},
                 {"idea_origin", std::string(rng_.pick(assess))},
                 {"local_identity", std::string(rng_.pick(assess))},
                 {"conclusion", "Hồ sơ đầy đủ, đề nghị UBND tỉnh đánh giá, phân hạng sản phẩm."},
                 {"samples_sent", p.rubric->set_number == 26 ? 0 : 5},
                 {"signed_on", proposal.add_days(-1).iso()},
                 {"unit", unit.id}});
        }
        if (rng_.chance(0.1) && proposal.add_days(7) <= opt_.today &&
            proposal.add_days(7) < decision)
            field_check(p, unit, proposal.add_days(rng_.range(3, 7)));
        if (decision > opt_.today) return out;  // still being assessed
        out.decided = true;
        out.decided_on = decision;

        const bool disqualified = rng_.chance(0.02);
        StarAward award;
        std::vector<ScoreSheet> member_sheets;
        const int members = sheets ? rng_.range(5, 7) : 0;
        // The evaluation and all its sheets, or nothing (the size may run out here).
        if (opt_.size - created_ < static_cast<size_t>(1 + members)) {
            out.decided = false;
            return out;
        }
        if (sheets) {
            for (int m = 0; m < members; ++m)
                member_sheets.push_back(
                    make_sheet(*p.rubric, std::clamp(q + (rng_.real() - 0.5) * 0.06, 0.0, 1.0),
                               target, miss, p.case_no));
        }
        double avg = round_to(q * 100, 10);
        json item_points;
        std::string stopped_at;
        if (sheets) {
            const CouncilScore council = council_score(*p.rubric, member_sheets);
            avg = council.average_total;
            for (const auto& [code, points] : council.average_points) item_points[code] = points;
            award = award_stars(rs, avg, minimum_level(*p.rubric, council.average_points),
                                disqualified);
            // A sheet's stop rule (e.g. set 16: a 0 on a sensory item) ends the assessment.
            if (const auto hit =
                    triggered_stop_rules(*p.rubric, builtin_stop_rules(), council.average_points);
                rs.rubrics && !hit.empty() && !disqualified) {
                stopped_at = hit.front()->item;
                award = StarAward{};
            }
        } else {
            const int band = band_stars(rs, avg);
            award = award_stars(rs, avg, miss.empty() ? band : band - 1, disqualified);
        }
        const std::optional<Level> certifier = rs.certifier(award.stars);
        std::string level =
            certifier
                ? (*certifier == Level::ministry ? "central" : std::string(to_string(*certifier)))
                : std::string(rs.certifier(3) == Level::district ? "district" : "province");
        // 5 stars go through MAE's round; until it decides there is no certificate.
        Date issued = decision;
        if (award.stars == 5) {
            const Round central = next_round(rounds_, Level::ministry, decision);
            issued = central.decided_before.add_days(-rng_.range(1, 20));
            if (issued > opt_.today || !rule_sets_.in_force(issued).certifier(5))
                level = "province";
        }
        ++report_.evaluations_by_stars[award.stars];
        FieldValues ev{{"registration", registration},
                       {"product", p.id},
                       {"rule_set", rs.id},
                       {"rubric", p.rubric->code},
                       {"level", level},
                       {"round", round.label()},
                       {"average_score", avg},
                       {"disqualified", disqualified},
                       {"status", "closed"},
                       {"unit", unit.id}};
        // Art. 7.3.e: a provincial result of 90 or more is referred to the ministry, whose own
        // result is not simulated; the province then certifies nothing on its own.
        const bool referred = level == "province" && !disqualified && stopped_at.empty() &&
                              avg >= rs.ministry_threshold;
        if (level == "province" && !disqualified) ev["referred_to_ministry"] = referred;
        if (!stopped_at.empty()) ev["stopped_at"] = stopped_at;
        if (rs.rubrics && !item_points.is_null()) ev["item_points"] = item_points;
        if (disqualified)
            ev["disqualifier"] =
                p.rubric->disqualifiers.empty()
                    ? std::string("Giả mạo hồ sơ")
                    : p.rubric->disqualifiers[rng_.below(p.rubric->disqualifiers.size())];
        else if (stopped_at.empty())
            ev["stars"] = award.stars;
        const std::string evaluation = add(kMain, "evaluation", ev);
        if (evaluation.empty()) return out;
        const auto roles = council_roles(decision);
        for (size_t m = 0; m < member_sheets.size(); ++m) {
            add(kMain, "council_sheet",
                {{"evaluation", evaluation},
                 {"member_name", council_[m].name},
                 {"member_role", roles[m]},
                 {"scores", member_sheets[m].to_json()},
                 {"total", score_sheet(*p.rubric, member_sheets[m]).total},
                 {"signed_at",
                  datetime(decision.add_days(-rng_.range(3, 10)), 14, rng_.range(0, 59))},
                 {"unit", unit.id}});
        }
        if (!award.certifiable() || issued > opt_.today || referred) return out;

        const RuleSet& cert_rules = rule_sets_.in_force(issued);
        const auto by = cert_rules.certifier(award.stars);
        if (!by) return out;
        Cert c;
        c.stars = award.stars;
        c.issued = issued;
        c.expires = certificate_expiry(cert_rules, issued);
        c.rule_set = cert_rules.id;
        const Unit& cert_unit = unit_on(*p.home, issued);
        std::string number;
        if (*by == Level::ministry)
            number = std::to_string(rng_.range(100, 4999)) + "/QĐ-" +
                     (issued < Date::from_days(20'148) ? "BNN-VPĐP" : "BNNMT-VPĐP");
        else if (*by == Level::district)
            number = std::to_string(rng_.range(100, 2999)) + "/QĐ-UBND (" +
                     (district_of(*p.home) ? district_of(*p.home)->name : std::string("huyện")) +
                     ")";
        else
            number = std::to_string(rng_.range(100, 3999)) + "/QĐ-UBND";
        c.id = add(kMain, "certificate",
                   {{"product", p.id},
                    {"number", number},
                    {"stars", c.stars},
                    {"issued_on", c.issued.iso()},
                    {"expires_on", c.expires.iso()},
                    {"issued_by", std::string(to_string(*by))},
                    {"rule_set", c.rule_set},
                    {"status", "valid"},
                    {"evaluation", evaluation},
                    {"unit", cert_unit.id}});
        if (c.id.empty()) return out;
        ++report_.certificates_by_stars[c.stars];
        out.cert = c;
        return out;
    }

    // --- inspections ---------------------------------------------------------------------------
    json team(Date d, const Person& lead) {
        json t = json::array();
        t.push_back({{"name", lead.name}, {"role", "Trưởng đoàn"}, {"agency", agency_agri(d)}});
        const int n = rng_.range(1, 3);
        for (int i = 0; i < n; ++i)
            t.push_back({{"name", rng_.pick(inspectors_).name},
                         {"role", "Thành viên"},
                         {"agency", std::string(rng_.pick(kAgencies))}});
        return t;
    }

    // An advisory-group site visit before scoring: signed minutes, no samples.
    void field_check(const Product& p, const Unit& unit, Date d) {
        const Person& lead = rng_.pick(inspectors_);
        const std::string id =
            add(kMain, "inspection",
                {{"kind", p.rubric->set_number == 26 ? "tourism_site" : "pre_scoring_check"},
                 {"applicant", p.applicant},
                 {"product", p.id},
                 {"site_name", "Cơ sở sản xuất " + p.name},
                 {"gps_lat", round_to(unit.lat + (rng_.real() - 0.5) * 0.04, 1e6)},
                 {"gps_lon", round_to(unit.lon + (rng_.real() - 0.5) * 0.04, 1e6)},
                 {"gps_accuracy_m", round_to(3 + rng_.real() * 20, 10)},
                 {"started_at", datetime(d, rng_.range(8, 10), rng_.range(0, 59))},
                 {"team", team(d, lead)},
                 {"conclusion", "Cơ sở sản xuất đúng như hồ sơ đăng ký; đề nghị Hội đồng xem xét."},
                 {"status", "draft"},
                 {"unit", unit.id}});
        edit(kSign, "inspection", id,
             {{"status", "signed"},
              {"signed_at", datetime(d, 15, rng_.range(0, 59))},
              {"signed_by", opt_.signer}});
    }

    // Post-market inspections of a certificate between issue and `until`. Returns true if the
    // certificate was revoked.
    bool inspections(const Product& p, const Cert& c, Date until) {
        int n = rng_.chance(0.35) ? 1 : 0;
        if (rng_.chance(0.1)) ++n;
        bool revoked = false;
        Date from = c.issued.add_days(60);
        for (int i = 0; i < n && !revoked && created_ < opt_.size; ++i) {
            if (until <= from) break;
            const Date d = from.add_days(rng_.range(0, static_cast<int>(until - from)));
            from = d.add_days(1);
            revoked = inspection(p, c, d);
        }
        return revoked;
    }

    bool inspection(const Product& p, const Cert& c, Date d) {
        const bool tourism = p.rubric->set_number == 26;
        const bool lapsed = d > c.expires;
        const std::string kind = tourism                      ? "tourism_site"
                                 : lapsed || rng_.chance(0.4) ? "market_point"
                                                              : "production_facility";
        const Unit& unit = unit_on(*p.home, d);
        const Person& lead = rng_.pick(inspectors_);
        const std::string site = kind == "market_point" ? fill(rng_.pick(kMarketSites), unit.place)
                                 : tourism              ? p.name
                                                        : "Cơ sở sản xuất " + p.name;
        json checklist = json::array();
        for (const RubricNode* n : p.rubric->scored_items()) {
            if (!rng_.chance(0.25)) continue;
            checklist.push_back({{"criterion", n->code},
                                 {"title", n->title},
                                 {"result", rng_.chance(0.9) ? "đạt" : "không đạt"}});
        }
        checklist.push_back({{"criterion", "logo"},
                             {"title", "Sử dụng biểu trưng OCOP đúng quy định"},
                             {"result", lapsed ? "không đạt" : "đạt"}});
        const bool draft = d.add_days(3) > opt_.today;  // minutes of the last days not signed yet
        const int h = rng_.range(8, 10);
        const std::string id =
            add(kMain, "inspection",
                {{"kind", kind},
                 {"applicant", p.applicant},
                 {"product", p.id},
                 {"certificate", c.id},
                 {"site_name", site},
                 {"gps_lat", round_to(unit.lat + (rng_.real() - 0.5) * 0.04, 1e6)},
                 {"gps_lon", round_to(unit.lon + (rng_.real() - 0.5) * 0.04, 1e6)},
                 {"gps_accuracy_m", round_to(3 + rng_.real() * 20, 10)},
                 {"started_at", datetime(d, h, rng_.range(0, 59))},
                 {"ended_at", datetime(d, h + rng_.range(1, 3), rng_.range(0, 59))},
                 {"team", team(d, lead)},
                 {"checklist", checklist},
                 {"conclusion", lapsed ? "Sản phẩm đã hết hạn giấy chứng nhận OCOP nhưng vẫn sử "
                                         "dụng biểu trưng OCOP trên bao bì."
                                       : "Cơ sở cơ bản duy trì các tiêu chí đã được công nhận."},
                 {"status", "draft"},
                 {"unit", unit.id}});
        if (id.empty()) return false;

        if (lapsed)
            add(kMain, "finding",
                {{"inspection", id},
                 {"criterion", "logo"},
                 {"severity", "major"},
                 {"description", "Sản phẩm hết hạn giấy chứng nhận vẫn sử dụng biểu trưng OCOP"},
                 {"unit", unit.id}});
        const int findings = rng_.range(0, 2);
        static constexpr std::array<SV, 5> notes{"Nhãn hàng hóa thiếu thông tin ngày sản xuất",
                                                 "Khu vực sơ chế chưa tách biệt khu vực đóng gói",
                                                 "Chưa cập nhật hồ sơ truy xuất nguồn gốc theo lô",
                                                 "Sổ ghi chép nhập nguyên liệu chưa đầy đủ",
                                                 "Cơ sở duy trì tốt điều kiện sản xuất"};
        for (int i = 0; i < findings; ++i) {
            const auto items = p.rubric->scored_items();
            add(kMain, "finding",
                {{"inspection", id},
                 {"criterion", items[rng_.below(items.size())]->code},
                 {"severity", rng_.chance(0.6) ? "minor" : "info"},
                 {"description", std::string(rng_.pick(notes))},
                 {"unit", unit.id}});
        }
        std::vector<std::string> samples;
        if (!tourism) {
            const int n = kind == "production_facility" ? rng_.range(0, 2) : rng_.range(0, 1);
            for (int i = 0; i < n; ++i) {
                json ind = json::array();
                for (int k = rng_.range(2, 4), j = 0; j < k; ++j)
                    ind.push_back(kIndicators[(j + i) % kIndicators.size()]);
                char code[32];
                std::snprintf(code, sizeof code, "MAU-%d-%04d", d.year(), ++sample_serial_);
                const std::string sid = add(
                    kMain, "sample",
                    {{"inspection", id},
                     {"sample_code", std::string(code)},
                     {"lot", "L" + std::to_string(d.year() % 100) + two(d.month()) + two(d.day())},
                     {"seal_no", "NP-" + std::to_string(100000 + rng_.below(899999))},
                     {"taken_at_place", site},
                     {"lab", std::string(rng_.pick(kLabs))},
                     {"indicators", ind},
                     {"result_status", "pending"},
                     {"unit", unit.id}});
                if (!sid.empty()) samples.push_back(sid);
            }
        }
        if (draft) return false;
        edit(kSign, "inspection", id,
             {{"status", "signed"},
              {"signed_at", datetime(d, 16, rng_.range(0, 59))},
              {"signed_by", opt_.signer}});

        bool failed = false;
        for (const std::string& sid : samples) {
            const Date received = d.add_days(rng_.range(7, 20));
            if (received > opt_.today) continue;  // results still pending
            const bool pass = rng_.chance(0.88);
            failed = failed || !pass;
            json results = json::object();
            results["ket_luan"] = pass ? "Đạt QCVN" : "Không đạt QCVN";
            results["coliforms_cfu_g"] = pass ? rng_.range(0, 9) : rng_.range(120, 900);
            edit(kAfter, "sample", sid,
                 {{"results", results},
                  {"result_status", pass ? "pass" : "fail"},
                  {"results_received_on", received.iso()}});
        }
        if (rng_.chance(0.05))
            add(kAfter, "inspection_amendment",
                {{"inspection", id},
                 {"reason", "Bổ sung số điện thoại người đại diện cơ sở bị ghi sai trong biên bản"},
                 {"changes", json{{"field", "producer_phone"}, {"note", "Bổ sung sau khi ký"}}},
                 {"author", lead.name},
                 {"created_at", datetime(d.add_days(2), 9, 0)},
                 {"unit", unit.id}});
        if (!failed && !lapsed) return false;
        // A violation: correct it, or propose revocation (Art. 8).
        const bool revoke = failed && rng_.chance(0.4);
        const Date decided = d.add_days(rng_.range(20, 40));
        FieldValues pr{
            {"inspection", id},
            {"certificate", c.id},
            {"kind", revoke ? "revoke" : "correct"},
            {"description", revoke ? "Mẫu sản phẩm không đạt chỉ tiêu vi sinh; đề nghị "
                                     "thu hồi giấy chứng nhận OCOP."
                                   : "Yêu cầu cơ sở khắc phục các tồn tại theo biên bản."},
            {"status", decided <= opt_.today ? "done" : "open"},
            {"unit", unit.id}};
        if (revoke)
            pr["revocation_ground"] =
                rng_.chance(0.5) ? "violation_food_safety" : "violation_quality";
        else
            pr["correct_by"] = d.add_days(rng_.range(30, 60)).iso();
        const std::string proposal = add(kAfter, "proposal", pr);
        if (!revoke || proposal.empty() || decided > opt_.today) return false;
        edit(kAfter, "certificate", c.id,
             {{"status", "revoked"},
              {"revoked_on", decided.iso()},
              {"revocation_ground", pr["revocation_ground"]},
              {"revoked_by", c.stars == 5 ? "ministry" : "province"}});  // Art. 8.2
        return true;
    }

    LocalReplica& replica_;
    DemoOptions opt_;
    Rng rng_;
    UuidV7Generator ids_;
    const RuleSetCatalog& rule_sets_;
    const RubricCatalog& rubrics_;
    const RuleSet& rounds_;
    ReevaluationPolicy reeval_;

    std::array<LocalTransaction, 3> txn_;
    size_t created_ = 0;
    size_t pending_ = 0;
    DemoReport report_;

    Unit province_;
    std::vector<Unit> districts_;
    std::vector<std::vector<Unit>> district_communes_;
    std::vector<std::pair<size_t, std::vector<size_t>>> groups_;  // (district, commune indexes)
    std::vector<std::pair<Unit, size_t>> old_;                    // (former commune, district)
    std::vector<Unit> current_;
    std::map<std::string, size_t> successor_;
    std::set<std::string> checked_;
    std::vector<Person> council_, inspectors_;
    std::map<std::string, int> serials_, receipts_;
    int sample_serial_ = 0;
};

}  // namespace

DemoReport generate_demo_province(LocalReplica& replica, const DemoOptions& options) {
    return Generator(replica, options).run();
}

PhysicalClock demo_clock(int64_t start_ms, int64_t step_ms) {
    auto now = std::make_shared<int64_t>(start_ms);
    return [now, step_ms] {
        const int64_t t = *now;
        *now += step_ms;
        return t;
    };
}

}  // namespace ocop::domain
