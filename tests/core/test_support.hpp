// Small helpers shared by the core tests: error-code capture, a manual physical clock, temporary
// directories, a schema exercising every field type, and store/changeset snapshots built without
// the code under test (so that comparisons are not circular).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>

#include <catch2/catch.hpp>

#include "ocop/core/changeset.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/core/store.hpp"

namespace ocop::test {

// The tests' clock starts here (2025-06-15 15:06:40 UTC).
inline constexpr int64_t kT0 = 1'750'000'000'000;

// The code of the ocop::Error thrown by `fn`, "<no error>" if it returned, or a marker naming
// any other exception (so that a wrong exception type fails a CHECK with a readable message).
inline std::string error_code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ocop::Error& e) {
        return e.code();
    } catch (const std::exception& e) {
        return std::string("<non-ocop exception: ") + e.what() + ">";
    } catch (...) {
        return "<unknown exception>";
    }
    return "<no error>";
}

// A physical clock the test moves by hand; copies share the same time.
class ManualClock {
  public:
    explicit ManualClock(int64_t ms = 1'700'000'000'000) : ms_(std::make_shared<int64_t>(ms)) {}
    PhysicalClock fn() const {
        auto p = ms_;
        return [p] { return *p; };
    }
    void set(int64_t ms) { *ms_ = ms; }
    void advance(int64_t delta) { *ms_ += delta; }
    int64_t get() const { return *ms_; }

  private:
    std::shared_ptr<int64_t> ms_;
};

// A fresh directory under the system temp dir, removed with its content at scope end.
class TempDir {
  public:
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "ocop_core_test_XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// A deterministic lowercase UUID (version 7 layout) for record n.
inline std::string uuid_for(uint64_t n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-7000-8000-%012llx",
                  static_cast<unsigned long long>(n));
    return buf;
}

// One collection with every field type, and a second one to reference.
inline const char* test_schema_text() {
    return R"json({
      "version": 3,
      "collections": [
        {"name": "farm", "label_vi": "Trang trại", "fields": [
          {"name": "name", "type": "text", "label_vi": "Tên", "required": true, "max_length": 20},
          {"name": "workers", "type": "integer"},
          {"name": "area", "type": "real"},
          {"name": "organic", "type": "bool"},
          {"name": "founded", "type": "date"},
          {"name": "inspected_at", "type": "datetime"},
          {"name": "notes", "type": "json", "max_length": 40},
          {"name": "owner", "type": "reference", "ref": "person"},
          {"name": "photo", "type": "blob"},
          {"name": "grade", "type": "enum", "options": [
            {"value": "a", "label_vi": "Hạng A"}, {"value": "b", "label_vi": "Hạng B"}]}
        ]},
        {"name": "person", "fields": [
          {"name": "full_name", "type": "text"},
          {"name": "age", "type": "integer"}
        ]}
      ]
    })json";
}

inline const Schema& test_schema() {
    static const Schema schema = Schema::from_json(nlohmann::json::parse(test_schema_text()));
    return schema;
}

// Every current cell of a store, keyed by (collection, record id, field): value text and stamp.
using CellKey = std::tuple<std::string, std::string, std::string>;
struct CellState {
    std::string value;  // Value::dump()
    Stamp stamp;
    bool operator==(const CellState&) const = default;
};
using Snapshot = std::map<CellKey, CellState>;

inline std::ostream& operator<<(std::ostream& os, const Stamp& s) {
    return os << "[" << s.hlc.wall_ms << "," << s.hlc.logical << "," << s.replica << "]";
}

inline Snapshot snapshot(Store& store) {
    Snapshot out;
    uint64_t cursor = 0;
    for (;;) {
        const ChangePage page = store.changes_since(cursor, 1000, 1 << 24);
        for (const auto& c : page.cells)
            out[{c.collection, c.record_id, c.field}] = {c.current.value.dump(), c.current.stamp};
        if (page.cells.empty() || !page.more) break;
        cursor = page.cursor;
    }
    return out;
}

inline std::string describe(const Snapshot& s) {
    std::ostringstream os;
    for (const auto& [k, v] : s)
        os << std::get<0>(k) << "/" << std::get<1>(k) << "." << std::get<2>(k) << " = " << v.value
           << " @" << v.stamp << "\n";
    return os.str();
}

// A canonical text of a changeset (fields sorted by name), written without the codec.
inline std::string describe(const Changeset& cs) {
    std::ostringstream os;
    os << "replica=" << cs.replica << " seq=" << cs.seq << " schema=" << cs.schema_version
       << " hlc=" << cs.hlc.wall_ms << "." << cs.hlc.logical << "\n";
    for (const auto& r : cs.records) {
        os << "  " << r.collection << "/" << r.id << "\n";
        std::map<std::string, std::string> fields;
        for (const auto& f : r.fields) {
            std::ostringstream fs;
            fs << f.value.dump() << " base=";
            if (f.base)
                fs << *f.base;
            else
                fs << "none";
            fields[f.field] = fs.str();
        }
        for (const auto& [name, text] : fields) os << "    " << name << " = " << text << "\n";
    }
    return os.str();
}

}  // namespace ocop::test

namespace Catch {
template <>
struct StringMaker<ocop::Hlc> {
    static std::string convert(const ocop::Hlc& h) {
        return "{" + std::to_string(h.wall_ms) + ", " + std::to_string(h.logical) + "}";
    }
};
template <>
struct StringMaker<ocop::Stamp> {
    static std::string convert(const ocop::Stamp& s) {
        std::ostringstream os;
        ocop::test::operator<<(os, s);
        return os.str();
    }
};
}  // namespace Catch
