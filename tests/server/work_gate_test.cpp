// The sync route's work gate (work_gate.hpp): never more turns at once than slots, and the
// waiting requests get theirs in the order they arrived.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ocop/server/work_gate.hpp"

using ocop::server::WorkGate;

namespace {

// Waits (bounded) until `gate` has `n` requests waiting: they have taken their tickets.
bool waits_until(const WorkGate& gate, size_t n) {
    for (int i = 0; i < 5000; ++i) {
        if (gate.waiting() == n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

}  // namespace

TEST_CASE("the work gate admits at most its slots, the others in arrival order", "[server][gate]") {
    WorkGate gate(2);
    CHECK(gate.slots() == 2);
    std::optional<WorkGate::Turn> first(gate.enter());
    std::optional<WorkGate::Turn> second(gate.enter());
    CHECK(gate.waiting() == 0);

    std::mutex m;
    std::vector<int> admitted;
    std::vector<std::thread> threads;
    std::atomic<bool> hold{true};
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&, i] {
            auto turn = gate.enter();
            {
                std::lock_guard lock(m);
                admitted.push_back(i);
            }
            while (hold) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        // Each takes its ticket before the next starts: the arrival order is 0, 1, 2.
        REQUIRE(waits_until(gate, static_cast<size_t>(i + 1)));
    }
    {
        std::lock_guard lock(m);
        CHECK(admitted.empty());  // both slots are held
    }

    const auto admitted_count = [&](size_t n) {
        for (int i = 0; i < 5000; ++i) {
            {
                std::lock_guard lock(m);
                if (admitted.size() >= n) return admitted.size() == n;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return false;
    };
    first.reset();  // one slot free: the earliest arrival, and only it
    REQUIRE(admitted_count(1));
    CHECK(gate.waiting() == 2);
    second.reset();
    REQUIRE(admitted_count(2));
    CHECK(gate.waiting() == 1);
    {
        std::lock_guard lock(m);
        CHECK(admitted == std::vector<int>{0, 1});
    }
    hold = false;  // 0 and 1 leave; 2 gets its turn
    for (auto& t : threads) t.join();
    CHECK(admitted == std::vector<int>{0, 1, 2});
    CHECK(gate.waiting() == 0);
}

TEST_CASE("under contention the work gate never has more turns out than slots", "[server][gate]") {
    WorkGate gate(3);
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                auto turn = gate.enter();
                const int now = ++inside;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::yield();
                --inside;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(most.load() <= 3);
    CHECK(most.load() >= 1);
    CHECK(inside.load() == 0);
    CHECK(gate.waiting() == 0);

    WorkGate none(0);  // no slot asked for: one, not a gate that never opens
    CHECK(none.slots() == 1);
    auto turn = none.enter();
}
