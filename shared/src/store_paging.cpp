#include "ocop/core/store_paging.hpp"

#include <algorithm>

namespace ocop {

CandidateIndex candidate_index(const std::vector<FieldFilter>& filters) {
    if (filters.empty()) return CandidateIndex::record_ids;
    const size_t size = filters.front().equals.dump().size();
    return size == 38   ? CandidateIndex::reference
           : size == 73 ? CandidateIndex::blob
                        : CandidateIndex::value;
}

std::vector<Record> query_by_candidates(
    const std::vector<FieldFilter>& filters, size_t limit, std::string_view after_id,
    const std::function<std::vector<std::string>(const std::string& after, size_t batch)>&
        candidates,
    const std::function<std::optional<Record>(const std::string& id)>& read) {
    std::vector<Record> out;
    std::string cursor(after_id);
    constexpr size_t batch = 256;
    while (out.size() < limit) {
        const std::vector<std::string> ids = candidates(cursor, batch);
        if (ids.empty()) break;
        cursor = ids.back();
        for (const auto& id : ids) {
            auto rec = read(id);
            if (!rec || rec->deleted()) continue;
            bool match = true;
            for (const auto& f : filters) match = match && rec->get(f.field) == f.equals;
            if (match) out.push_back(std::move(*rec));
            if (out.size() >= limit) break;
        }
        if (ids.size() < batch) break;
    }
    return out;
}

// "Unlimited" must not overflow the row limit of the statement.
ChangePageFiller::ChangePageFiller(uint64_t cursor, size_t max_cells, size_t max_bytes)
    : max_cells_(std::min<size_t>(max_cells, size_t{1} << 40)), max_bytes_(max_bytes) {
    page_.cursor = cursor;
}

bool ChangePageFiller::fits(size_t bytes) {
    if (page_.cells.size() == max_cells_ || (!page_.cells.empty() && bytes_ + bytes > max_bytes_)) {
        page_.more = true;
        return false;
    }
    bytes_ += bytes;
    return true;
}

void ChangePageFiller::add(Cell cell) {
    page_.cursor = cell.current.seq;
    page_.cells.push_back(std::move(cell));
}

}  // namespace ocop
