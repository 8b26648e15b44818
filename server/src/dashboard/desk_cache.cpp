#include "ocop/server/dashboard/desk_cache.hpp"

#include <algorithm>
#include <array>

namespace ocop::server::desk {

namespace {

// What the lists show; the big ones they do not (council sheets, self-assessments) stay out.
constexpr std::array<std::string_view, 10> cached = {
    "admin_unit", "applicant", "product", "certificate", "evaluation",
    "inspection", "finding",   "sample",  "conflict",    "ocop_target"};

constexpr size_t page_cells = 20000;
constexpr size_t page_bytes = 16 * 1024 * 1024;

}  // namespace

bool DeskCache::holds(std::string_view collection) {
    return std::find(cached.begin(), cached.end(), collection) != cached.end();
}

void DeskCache::catch_up() {
    for (;;) {
        ChangePage page = store_.changes_since(cursor_, page_cells, page_bytes);
        for (auto& cell : page.cells) {
            if (!holds(cell.collection)) continue;
            auto& in = records_[cell.collection];
            auto it = in.find(cell.record_id);
            if (it == in.end()) {
                auto r = std::make_shared<Record>();
                r->collection = cell.collection;
                r->id = cell.record_id;
                it = in.emplace(cell.record_id, std::move(r)).first;
            } else if (it->second.use_count() > 1) {
                // A reader holds it: it keeps its copy, the cache goes on with a new one. (Only
                // this thread, under the mutex, adds holders; a count seen too high costs a copy.)
                it->second = std::make_shared<Record>(*it->second);
            }
            it->second->fields[cell.field] = std::move(cell.current);
        }
        cursor_ = page.cursor;
        if (!page.more) return;
    }
}

RecordList DeskCache::records(std::string_view collection,
                              const std::function<bool(const Record&)>& keep) {
    std::lock_guard lock(mutex_);
    catch_up();
    RecordList out;
    const auto it = records_.find(collection);
    if (it == records_.end()) return out;
    for (const auto& [id, r] : it->second)
        if (!r->deleted() && keep(*r)) out.items.push_back(r);
    return out;
}

}  // namespace ocop::server::desk
