// The desk's read model: the records of the collections its lists show, in memory, kept up to
// date from the store's change log (Store::changes_since, the cursor devices pull with). Reading
// a list record by record costs about 100 us a record at 100,000 records; following the log
// costs only what changed since the last page. Works on any Store (SQLite today, PostgreSQL
// once it lands). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/store.hpp"

namespace ocop::server::desk {

// Records shared with the cache (never changed once handed out: the cache replaces a record it
// must update while a reader holds it), iterated as `const Record&`.
class RecordList {
  public:
    using Items = std::vector<std::shared_ptr<const Record>>;
    struct iterator {
        Items::const_iterator it;
        const Record& operator*() const { return **it; }
        iterator& operator++() {
            ++it;
            return *this;
        }
        bool operator!=(const iterator& other) const { return it != other.it; }
    };
    iterator begin() const { return {items.begin()}; }
    iterator end() const { return {items.end()}; }
    size_t size() const { return items.size(); }
    Items items;
};

class DeskCache {
  public:
    explicit DeskCache(Store& store) : store_(store) {}

    // Whether the cache holds `collection` (the others are read from the store).
    static bool holds(std::string_view collection);
    // The live records of `collection` that `keep` accepts, after catching up with the log.
    RecordList records(std::string_view collection, const std::function<bool(const Record&)>& keep);

  private:
    void catch_up();  // with mutex_ held

    Store& store_;
    std::mutex mutex_;
    uint64_t cursor_ = 0;
    std::map<std::string, std::map<std::string, std::shared_ptr<Record>, std::less<>>, std::less<>>
        records_;
};

}  // namespace ocop::server::desk
