// Helpers for the OCOP domain tests: error-code capture, a hand-moved clock, and a device (an
// in-memory store with a LocalReplica on the built-in schema, checking the domain rules).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/domain/rules.hpp"

namespace ocop::domain::test {

// The code of the ocop::Error thrown by `fn`, "<no error>" if it returned.
inline std::string error_code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ocop::Error& e) {
        return e.code();
    } catch (const std::exception& e) {
        return std::string("<non-ocop exception: ") + e.what() + ">";
    }
    return "<no error>";
}

// The message of the ocop::Error thrown by `fn`, "" if none.
inline std::string error_message_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ocop::Error& e) {
        return e.what();
    }
    return "";
}

class ManualClock {
  public:
    explicit ManualClock(int64_t ms = 1'780'000'000'000) : ms_(std::make_shared<int64_t>(ms)) {}
    PhysicalClock fn() const {
        auto p = ms_;
        return [p] { return *p; };
    }
    void advance(int64_t delta) { *ms_ += delta; }

  private:
    std::shared_ptr<int64_t> ms_;
};

// A field device: in-memory store, built-in schema, the domain rules checked on every commit.
struct Device {
    explicit Device(bool with_rules = true, const std::string& replica = "dev-a")
        : store(":memory:"),
          replica(store, builtin_schema(), clock.fn(), replica,
                  with_rules ? rules.list() : std::vector<const ChangesetRule*>{}) {}

    std::string id() { return ids.next(1'780'000'000'000 + static_cast<int64_t>(++n)); }

    Changeset put(const std::string& collection, const std::string& id, const FieldValues& f) {
        LocalTransaction t;
        t.put(collection, id, f);
        clock.advance(1);
        return replica.commit(t);
    }
    Changeset remove(const std::string& collection, const std::string& id) {
        LocalTransaction t;
        t.remove(collection, id);
        clock.advance(1);
        return replica.commit(t);
    }
    Changeset commit(const LocalTransaction& t) {
        clock.advance(1);
        return replica.commit(t);
    }
    // A commune to hang records on.
    std::string unit() {
        if (unit_id.empty()) {
            unit_id = id();
            put("admin_unit", unit_id,
                {{"code", "31000"},
                 {"name", "Xã Tân An"},
                 {"level", "commune"},
                 {"valid_from", "2025-07-01"}});
        }
        return unit_id;
    }

    DomainRules rules;
    ManualClock clock;
    SqliteStore store;
    LocalReplica replica;
    UuidV7Generator ids{42};
    uint64_t n = 0;
    std::string unit_id;
};

// A date from its ISO text, short because tests are full of them.
inline Date d(const char* iso) {
    return Date::parse(iso);
}

}  // namespace ocop::domain::test
