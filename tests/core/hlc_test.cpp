// Hybrid logical clock, stamps, the merge rule and UUIDv7 record ids.
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "ocop/core/hlc.hpp"
#include "ocop/core/merge.hpp"
#include "ocop/core/uuid.hpp"
#include "test_support.hpp"

using ocop::Hlc;
using ocop::HlcClock;
using ocop::Stamp;
using ocop::test::ManualClock;

namespace {
constexpr int64_t kMaxAhead = 60'000;
}

TEST_CASE("HLC now() is strictly monotonic with a frozen physical clock", "[hlc]") {
    ManualClock pt(1'000'000);
    HlcClock clock(pt.fn(), kMaxAhead);
    Hlc prev = clock.now();
    CHECK(prev == Hlc{1'000'000, 0});
    for (uint32_t i = 1; i <= 100; ++i) {
        const Hlc h = clock.now();
        CHECK(h == Hlc{1'000'000, i});
        CHECK(h > prev);
        CHECK(clock.last() == h);
        prev = h;
    }
}

TEST_CASE("HLC now() follows a forward-moving physical clock and resets the counter", "[hlc]") {
    ManualClock pt(1'000'000);
    HlcClock clock(pt.fn(), kMaxAhead);
    clock.now();
    clock.now();
    pt.advance(5);
    CHECK(clock.now() == Hlc{1'000'005, 0});
    pt.advance(1);
    CHECK(clock.now() == Hlc{1'000'006, 0});
}

TEST_CASE("HLC now() stays monotonic when the physical clock jumps backwards", "[hlc]") {
    ManualClock pt(2'000'000);
    HlcClock clock(pt.fn(), kMaxAhead);
    const Hlc before = clock.now();
    pt.set(1'000'000);  // NTP correction: 1000 s back
    const Hlc a = clock.now();
    const Hlc b = clock.now();
    CHECK(a == Hlc{2'000'000, 1});
    CHECK(b == Hlc{2'000'000, 2});
    CHECK(a > before);
    // Once physical time passes the remembered one again, it takes over.
    pt.set(2'000'001);
    CHECK(clock.now() == Hlc{2'000'001, 0});
}

TEST_CASE("HLC starts from a restored last value", "[hlc]") {
    ManualClock pt(500);
    HlcClock clock(pt.fn(), kMaxAhead, Hlc{9'000, 7});
    CHECK(clock.now() == Hlc{9'000, 8});
}

TEST_CASE("HLC observe() follows Kulkarni's receive rules", "[hlc]") {
    ManualClock pt(10'000);

    SECTION("physical time dominates: l = pt, c = 0") {
        HlcClock clock(pt.fn(), kMaxAhead, Hlc{9'000, 4});
        REQUIRE(clock.observe(Hlc{9'500, 9}));
        CHECK(clock.last() == Hlc{10'000, 0});
    }
    SECTION("local and remote share the greatest l: c = max(c, c_m) + 1") {
        HlcClock clock(pt.fn(), kMaxAhead, Hlc{20'000, 4});
        REQUIRE(clock.observe(Hlc{20'000, 9}));
        CHECK(clock.last() == Hlc{20'000, 10});
        REQUIRE(clock.observe(Hlc{20'000, 3}));
        CHECK(clock.last() == Hlc{20'000, 11});
    }
    SECTION("local l is greatest: c = c + 1") {
        HlcClock clock(pt.fn(), kMaxAhead, Hlc{20'000, 4});
        REQUIRE(clock.observe(Hlc{15'000, 99}));
        CHECK(clock.last() == Hlc{20'000, 5});
    }
    SECTION("remote l is greatest: l = l_m, c = c_m + 1") {
        HlcClock clock(pt.fn(), kMaxAhead, Hlc{9'000, 4});
        REQUIRE(clock.observe(Hlc{30'000, 6}));
        CHECK(clock.last() == Hlc{30'000, 7});
        // A later local event is after the observed one.
        CHECK(clock.now() == Hlc{30'000, 8});
    }
}

TEST_CASE("HLC refuses a remote timestamp beyond max_ahead_ms and stays unchanged", "[hlc]") {
    ManualClock pt(10'000);
    HlcClock clock(pt.fn(), kMaxAhead, Hlc{9'000, 3});
    const Hlc too_far{10'000 + kMaxAhead + 1, 0};
    CHECK(clock.too_far_ahead(too_far));
    CHECK_FALSE(clock.observe(too_far));
    CHECK(clock.last() == Hlc{9'000, 3});
    CHECK(clock.now() == Hlc{10'000, 0});

    // Exactly at the tolerance is still accepted.
    const Hlc at_limit{pt.get() + kMaxAhead, 2};
    CHECK_FALSE(clock.too_far_ahead(at_limit));
    CHECK(clock.observe(at_limit));
    CHECK(clock.last() == Hlc{at_limit.wall_ms, 3});
}

TEST_CASE("HLC logical counter overflow moves wall_ms forward", "[hlc]") {
    ManualClock pt(1'000);

    SECTION("on a local event") {
        HlcClock clock(pt.fn(), kMaxAhead, Hlc{1'000, Hlc::max_logical - 1});
        CHECK(clock.now() == Hlc{1'000, Hlc::max_logical});
        const Hlc over = clock.now();
        CHECK(over == Hlc{1'001, 0});
        CHECK(over.packed() > Hlc{1'000, Hlc::max_logical}.packed());
        CHECK(clock.now() == Hlc{1'001, 1});
    }
    SECTION("on a receive event") {
        HlcClock clock(pt.fn(), kMaxAhead, Hlc{1'000, 5});
        REQUIRE(clock.observe(Hlc{1'000, Hlc::max_logical}));
        CHECK(clock.last() == Hlc{1'001, 0});
        CHECK(clock.last().logical <= Hlc::max_logical);
    }
}

TEST_CASE("Hlc packed() round trips and preserves order", "[hlc]") {
    const std::vector<Hlc> samples{{0, 0},
                                   {0, 1},
                                   {1, 0},
                                   {1, Hlc::max_logical},
                                   {1'700'000'000'000, 42},
                                   {(int64_t{1} << 47) - 1, Hlc::max_logical}};
    for (const Hlc& h : samples) {
        CAPTURE(h);
        CHECK(Hlc::unpack(h.packed()) == h);
    }
    std::mt19937_64 rng(12345);
    std::uniform_int_distribution<int64_t> wall(0, (int64_t{1} << 47) - 1);
    std::uniform_int_distribution<uint32_t> logical(0, Hlc::max_logical);
    for (int i = 0; i < 2000; ++i) {
        // Small walls now and then, so that equal walls (counter decides) occur.
        const Hlc a{i % 3 == 0 ? wall(rng) % 4 : wall(rng), logical(rng)};
        const Hlc b{i % 3 == 0 ? wall(rng) % 4 : wall(rng), logical(rng)};
        CAPTURE(a, b);
        CHECK(Hlc::unpack(a.packed()) == a);
        CHECK((a < b) == (a.packed() < b.packed()));
        CHECK((a == b) == (a.packed() == b.packed()));
    }
}

TEST_CASE("Stamp order: hlc first, replica id breaks ties", "[hlc]") {
    const Stamp early_z{{1'000, 0}, "z-device"};
    const Stamp later_a{{1'000, 1}, "a-device"};
    const Stamp later_b{{1'000, 1}, "b-device"};
    const Stamp next_ms{{1'001, 0}, "a-device"};
    CHECK(early_z < later_a);
    CHECK(later_a < later_b);
    CHECK(later_b < next_ms);
    CHECK(later_a != later_b);
    CHECK(later_a == Stamp{{1'000, 1}, "a-device"});
}

TEST_CASE("merge::incoming_wins: greater wins, equal and smaller do not, absent loses", "[merge]") {
    const Stamp cur{{5'000, 2}, "dev-b"};
    CHECK(ocop::merge::incoming_wins(Stamp{{5'000, 3}, "dev-a"}, cur));
    CHECK(ocop::merge::incoming_wins(Stamp{{5'000, 2}, "dev-c"}, cur));
    CHECK_FALSE(ocop::merge::incoming_wins(cur, cur));
    CHECK_FALSE(ocop::merge::incoming_wins(Stamp{{5'000, 2}, "dev-a"}, cur));
    CHECK_FALSE(ocop::merge::incoming_wins(Stamp{{4'999, 9}, "dev-z"}, cur));
    CHECK(ocop::merge::incoming_wins(Stamp{{0, 0}, "a"}, std::nullopt));
}

TEST_CASE("UUIDv7: format, version and variant, time prefix", "[uuid]") {
    ocop::UuidV7Generator gen(7);
    const int64_t ms = 0x0123456789AB;
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string id = gen.next(ms);
        CAPTURE(id);
        REQUIRE(id.size() == 36);
        CHECK(ocop::is_uuid(id));
        CHECK(id.substr(0, 8) == "01234567");
        CHECK(id.substr(9, 4) == "89ab");
        CHECK(id[14] == '7');
        CHECK(std::string("89ab").find(id[19]) != std::string::npos);
        seen.insert(id);
    }
    CHECK(seen.size() == 200);  // the random part differs

    // Same seed, same sequence (reproducible demo data).
    ocop::UuidV7Generator g1(99), g2(99);
    CHECK(g1.next(ms) == g2.next(ms));
}

TEST_CASE("UUIDv7 ids sort by their time prefix", "[uuid]") {
    ocop::UuidV7Generator gen(3);
    std::string prev = gen.next(1'700'000'000'000);
    for (int64_t ms :
         {1'700'000'000'001LL, 1'700'000'000'256LL, 1'700'000'065'536LL, 1'800'000'000'000LL}) {
        const std::string id = gen.next(ms);
        CAPTURE(prev, id);
        CHECK(prev < id);
        prev = id;
    }
}

TEST_CASE("is_uuid accepts lowercase 8-4-4-4-12 hex and rejects the rest", "[uuid]") {
    CHECK(ocop::is_uuid("123e4567-e89b-42d3-a456-426614174000"));
    CHECK(ocop::is_uuid("00000000-0000-0000-0000-000000000000"));
    CHECK_FALSE(ocop::is_uuid(""));
    CHECK_FALSE(ocop::is_uuid("123E4567-E89B-42D3-A456-426614174000"));   // uppercase
    CHECK_FALSE(ocop::is_uuid("123e4567-e89b-42d3-a456-42661417400"));    // short
    CHECK_FALSE(ocop::is_uuid("123e4567-e89b-42d3-a456-4266141740000"));  // long
    CHECK_FALSE(ocop::is_uuid("123e4567e89b-42d3-a456-4266141740000"));   // dash missing
    CHECK_FALSE(ocop::is_uuid("123e456-7e89b-42d3-a456-426614174000"));   // dash misplaced
    CHECK_FALSE(ocop::is_uuid("123e4567-e89b-42d3-a456-42661417400g"));   // not hex
    CHECK_FALSE(ocop::is_uuid("{23e4567-e89b-42d3-a456-426614174000"));
}
