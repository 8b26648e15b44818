#include "ocop/server/metrics.hpp"

#include <cstdio>

#include "ocop/core/messages_vi.hpp"
#include "ocop/sync/conflict_recorder.hpp"

namespace ocop::server {

namespace {

// A label value as the exposition format writes it: backslash, quote and newline escaped.
std::string label(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

std::string number(double v, int digits = 6) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

class Writer {
  public:
    void family(const char* name, const char* type, const char* help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }
    // `labels` already formatted: `a="x",b="y"` (empty: none).
    void sample(std::string_view name, const std::string& labels, const std::string& value) {
        out_ += name;
        if (!labels.empty()) out_ += "{" + labels + "}";
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }
    void sample(std::string_view name, const std::string& labels, uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    void counter(const char* name, const char* help, uint64_t value) {
        family(name, "counter", help);
        sample(name, {}, value);
    }
    void gauge(const char* name, const char* help, uint64_t value) {
        family(name, "gauge", help);
        sample(name, {}, value);
    }
    // A counter family with one label.
    void by(const char* name, const char* help, const char* label_name,
            const std::map<std::string, uint64_t, std::less<>>& values) {
        family(name, "counter", help);
        for (const auto& [key, value] : values)
            sample(name, std::string(label_name) + "=\"" + label(key) + "\"", value);
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

}  // namespace

std::string_view metric_code_label(std::string_view code) noexcept {
    // Every code the sources can raise has a Vietnamese message (tests/core/messages_vi_test.cpp),
    // so the catalogue is the fixed table of codes; a code from anywhere else is not a label.
    return message_vi(code).empty() ? std::string_view("other") : code;
}

void Metrics::count_request(std::string_view route, int status, uint64_t bytes_in,
                            uint64_t bytes_out, double seconds) {
    const std::lock_guard lock(mutex_);
    const auto key = std::make_pair(std::string(route), status);
    ++requests_[key];
    bytes_in_[key.first] += bytes_in;
    bytes_out_[key.first] += bytes_out;
    if (route != sync_route) return;
    ++sync_count_;
    sync_seconds_ += seconds;
    for (size_t i = 0; i < sync_duration_buckets.size(); ++i)
        if (seconds <= sync_duration_buckets[i]) {
            ++sync_buckets_[i];
            break;
        }
}

void Metrics::count_error_answer(std::string_view code) {
    const std::lock_guard lock(mutex_);
    ++error_answers_[std::string(metric_code_label(code))];
}

void Metrics::count_sync(const sync::SyncRequest& request, const sync::SyncResponse& answer) {
    // Conflicts a person resolved or reopened: conflict records in the applied changesets (the
    // same reading as ConflictRecorder::describe_resolutions, which names them in the audit).
    uint64_t resolved = 0, reopened = 0;
    for (const auto& r : answer.results) {
        if (r.duplicate || r.outcome != sync::Outcome::applied) continue;
        for (const auto& cs : request.changesets) {
            if (cs.seq != r.seq) continue;
            for (const auto& rec : cs.records) {
                if (rec.collection != sync::conflict_collection) continue;
                bool reopen_field = false;
                const Value* status = nullptr;
                for (const auto& f : rec.fields) {
                    if (f.field == "status") status = &f.value;
                    if (f.field == "reopened_by") reopen_field = true;
                }
                if (status && *status == "resolved") ++resolved;
                if (status && *status == "open" && reopen_field) ++reopened;
            }
        }
    }
    const std::lock_guard lock(mutex_);
    for (const auto& r : answer.results) {
        if (r.duplicate) {
            ++changesets_duplicate_;
        } else if (r.outcome == sync::Outcome::refused) {
            ++refused_changesets_[std::string(metric_code_label(r.code))];
        } else {
            ++changesets_applied_;
            changes_applied_ += r.applied;
            changes_superseded_ += r.superseded;
            conflicts_opened_ += r.conflicts_opened;
        }
    }
    conflicts_resolved_ += resolved;
    conflicts_reopened_ += reopened;
    if (answer.pull) cells_pulled_ += answer.pull->cells.size();
}

std::string Metrics::render(const MetricGauges& gauges) const {
    Writer w;
    {
        const std::lock_guard lock(mutex_);
        w.family("ocop_http_requests_total", "counter",
                 "HTTP requests answered, by route template and status.");
        for (const auto& [key, value] : requests_)
            w.sample(
                "ocop_http_requests_total",
                "route=\"" + label(key.first) + "\",status=\"" + std::to_string(key.second) + "\"",
                value);
        w.by("ocop_http_received_bytes_total",
             "Request body bytes received, as sent (before gunzip), by route template.", "route",
             bytes_in_);
        w.by("ocop_http_sent_bytes_total",
             "Response body bytes sent, as sent (after gzip), by route template.", "route",
             bytes_out_);
        w.by("ocop_http_error_answers_total",
             "Requests refused with a JSON error answer, by error code.", "code", error_answers_);

        w.family("ocop_sync_changesets_total", "counter",
                 "Pushed changesets by outcome: applied, refused, or a duplicate of one received "
                 "before (answered from its stored outcome).");
        w.sample("ocop_sync_changesets_total", "outcome=\"applied\"", changesets_applied_);
        uint64_t refused = 0;
        for (const auto& [code, n] : refused_changesets_) refused += n;
        w.sample("ocop_sync_changesets_total", "outcome=\"refused\"", refused);
        w.sample("ocop_sync_changesets_total", "outcome=\"duplicate\"", changesets_duplicate_);
        w.by("ocop_sync_refusals_total", "Pushed changesets refused, by error code.", "code",
             refused_changesets_);
        w.counter("ocop_sync_changes_applied_total",
                  "Field changes of applied changesets that became current.", changes_applied_);
        w.counter("ocop_sync_changes_superseded_total",
                  "Field changes of applied changesets that lost to a greater stamp.",
                  changes_superseded_);
        w.counter("ocop_sync_cells_pulled_total", "Cells sent to devices in pull pages.",
                  cells_pulled_);
        w.counter("ocop_conflicts_opened_total",
                  "Conflicts opened by pushed changesets (a field already in an open conflict "
                  "extends it instead).",
                  conflicts_opened_);
        w.counter("ocop_conflicts_resolved_total",
                  "Conflicts resolved by a person (pushed resolutions).", conflicts_resolved_);
        w.counter("ocop_conflicts_reopened_total", "Resolved conflicts reopened by a person.",
                  conflicts_reopened_);

        const char* h = "ocop_sync_duration_seconds";
        w.family(h, "histogram",
                 "Time to answer POST /v1/sync, from its headers to the end of its answer.");
        uint64_t cumulative = 0;
        for (size_t i = 0; i < sync_duration_buckets.size(); ++i) {
            cumulative += sync_buckets_[i];
            w.sample("ocop_sync_duration_seconds_bucket",
                     "le=\"" + number(sync_duration_buckets[i]) + "\"", cumulative);
        }
        w.sample("ocop_sync_duration_seconds_bucket", "le=\"+Inf\"", sync_count_);
        w.sample("ocop_sync_duration_seconds_sum", {}, number(sync_seconds_, 9));
        w.sample("ocop_sync_duration_seconds_count", {}, sync_count_);
    }
    w.gauge("ocop_devices_enrolled", "Enrolled devices that are not revoked.",
            gauges.devices_enrolled);
    w.gauge("ocop_devices_seen_last_day",
            "Devices (not revoked) that made an authenticated request in the last 24 hours.",
            gauges.devices_seen_last_day);
    w.family("ocop_database_size_bytes", "gauge",
             "Bytes of each SQLite database of the data directory, with its -wal and -shm files.");
    for (const auto& [file, bytes] : gauges.database_bytes)
        w.sample("ocop_database_size_bytes", "file=\"" + label(file) + "\"", bytes);
    w.gauge("ocop_store_head", "The store's change sequence head.", gauges.store_head);
    w.gauge("ocop_sync_work_slots", "Syncs that may do their work at once.",
            gauges.sync_work_slots);
    w.gauge("ocop_syncs_waiting_for_turn",
            "Syncs whose body is read, waiting in arrival order for a work slot.",
            gauges.syncs_waiting_for_turn);
    return w.take();
}

}  // namespace ocop::server
