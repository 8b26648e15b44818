// Realistic field data for benchmarks: inspection records of 10 fields with Vietnamese text, as a
// commune's devices would write them. Seeded, so every run measures the same bytes.
#pragma once

#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/core/uuid.hpp"

namespace ocop::bench {

class InspectionGenerator {
  public:
    // `signer`: the account that signs minutes (the server's signing rule checks signed_by is
    // the sending user, and signed_at). Empty: any inspector's name, no signed_at (benchmarks of
    // the core, which run no rules).
    explicit InspectionGenerator(uint64_t seed, std::string signer = {})
        : rng_(seed), ids_(seed ^ 0x9e3779b97f4a7c15ULL), signer_(std::move(signer)) {
        units_ = units();
    }

    // The 40 communes every generator writes to (the same for every seed: one province's
    // devices share its units, and the benchmark user is granted them).
    static std::vector<std::string> units() {
        UuidV7Generator unit_ids(0x0c0b'2026);
        std::vector<std::string> out;
        for (int i = 0; i < 40; ++i) out.push_back(unit_ids.next(1751328000000 + i));
        return out;
    }

    std::string new_id(int64_t ms) { return ids_.next(ms); }

    // The 10 fields of one inspection, as saved by one form.
    std::vector<FieldChange> inspection_fields() {
        static constexpr std::array kinds{"tourism_site", "production_facility", "market_point",
                                          "pre_scoring_check"};
        static constexpr std::array sites{
            "Cơ sở sản xuất mật ong Bảy Núi", "HTX nông nghiệp Tân Hiệp", "Chợ Long Xuyên",
            "Điểm du lịch cộng đồng Cồn Sơn", "Cơ sở nước mắm Phú Quốc",  "HTX chè Tân Cương",
            "Làng nghề dệt thổ cẩm Văn Giáo", "Cơ sở bánh pía Sóc Trăng", "Siêu thị Co.opmart",
            "Vườn cây ăn trái Cái Mơn"};
        static constexpr std::array conclusions{
            "Cơ sở duy trì đầy đủ các tiêu chí đã được công nhận.",
            "Sản phẩm còn sử dụng biểu trưng OCOP sau khi giấy chứng nhận hết hiệu lực.",
            "Đề nghị cơ sở khắc phục nhãn hàng hóa trong 30 ngày.",
            "Đã lấy mẫu gửi phòng thử nghiệm, chờ kết quả.",
            "Điều kiện vệ sinh an toàn thực phẩm đạt yêu cầu."};
        static constexpr std::array names{"Nguyễn Văn An",   "Trần Thị Bích", "Lê Hoàng Nam",
                                          "Phạm Thị Thu Hà", "Võ Minh Trí",   "Huỳnh Thị Lan"};
        auto pick = [&](const auto& arr) { return std::string(arr[rng_() % arr.size()]); };
        std::uniform_real_distribution<double> lat(9.5, 10.9), lon(104.8, 106.2), acc(3, 25);
        // Inspections of January to November 2026: all in the past of the benchmark's runs, so
        // a signature after the start is never later than the changeset.
        char when[32], signed_at[32];
        const int month = static_cast<int>(1 + rng_() % 11),
                  day = static_cast<int>(1 + rng_() % 28), hour = static_cast<int>(7 + rng_() % 10),
                  minute = static_cast<int>(rng_() % 60);
        std::snprintf(when, sizeof when, "2026-%02d-%02dT%02d:%02d:00+07:00", month, day, hour,
                      minute);
        std::snprintf(signed_at, sizeof signed_at, "2026-%02d-%02dT%02d:%02d:00+07:00", month, day,
                      hour + 2, minute);
        auto round = [](double v, double f) { return std::round(v * f) / f; };
        const bool is_signed = rng_() % 4 != 0;
        std::vector<FieldChange> out{
            {"kind", pick(kinds), std::nullopt},
            {"site_name", pick(sites), std::nullopt},
            {"started_at", std::string(when), std::nullopt},
            {"status", is_signed ? "signed" : "draft", std::nullopt},
            {"unit", units_[rng_() % units_.size()], std::nullopt},
            {"gps_lat", round(lat(rng_), 1e5), std::nullopt},
            {"gps_lon", round(lon(rng_), 1e5), std::nullopt},
            {"gps_accuracy_m", round(acc(rng_), 10), std::nullopt},
            {"conclusion", pick(conclusions), std::nullopt},
            {"signed_by", signer_.empty() ? pick(names) : signer_, std::nullopt},
        };
        // Ten fields either way: signed minutes carry their time instead of the GPS accuracy.
        if (!signer_.empty() && is_signed)
            out[7] = {"signed_at", std::string(signed_at), std::nullopt};
        return out;
    }

    std::mt19937_64& rng() { return rng_; }

  private:
    std::mt19937_64 rng_;
    UuidV7Generator ids_;
    std::vector<std::string> units_;
    std::string signer_;
};

}  // namespace ocop::bench
