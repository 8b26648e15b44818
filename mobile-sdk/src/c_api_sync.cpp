// The C ABI's enrolment, sync runs (on the caller's thread or on a job's own thread) and status.
#include <condition_variable>
#include <thread>

#include "c_api_handle.hpp"
#include "host_transport.hpp"
#include "ocop/sdk/json_views.hpp"

using nlohmann::json;
using namespace ocop::sdk::c_api;

struct ocop_sync_job {
    ocop_db* db = nullptr;
    ocop_progress_fn on_progress = nullptr;
    ocop_done_fn on_done = nullptr;
    void* ctx = nullptr;
    std::atomic<bool> cancel{false};

    std::mutex mutex;
    std::condition_variable finished_cv;
    bool finished = false;
    std::string report;  // the report's JSON once finished
    std::thread thread;
};

namespace {

// Takes the handle's single sync slot; false if a sync of it already runs.
bool claim_sync(ocop_db* db, ocop_error** err) {
    bool expected = false;
    if (db->sync_running.compare_exchange_strong(expected, true)) return true;
    fail(err, OCOP_ERR_CONFLICT, ocop::errc::sdk_sync_running,
         "a sync of this handle is already running; wait for it or cancel it");
    return false;
}

// One run, with progress and log lines; never throws (the report carries the failure). It does
// not hold the handle's call lock: the Database lets reads and writes go on meanwhile.
std::string run_sync(ocop_db* db, ocop_progress_fn on_progress, void* ctx,
                     const std::atomic<bool>* cancel) {
    db->log(OCOP_LOG_INFO, "sync: started");
    std::function<void(const ocop::sync::SyncProgress&)> progress;
    if (on_progress)
        progress = [&](const ocop::sync::SyncProgress& p) {
            const std::string text = ocop::sdk::json_view::progress(p).dump();
            on_progress(ctx, text.c_str(), text.size());
        };
    ocop::sync::SyncReport report;
    try {
        ocop_transport host{nullptr, nullptr};
        ocop::sdk::Status status;
        {
            const std::lock_guard lock(db->calls);
            host = db->transport;
            status = db->db->status();
        }
        if (host.post && status.enrolled) {
            ocop::sdk::HostTransport transport(host, status.server_url);
            report = db->db->sync_via(transport, {}, progress, cancel);
        } else {
            report = db->db->sync(progress, cancel);  // also the "not enrolled" report
        }
    } catch (const ocop::Error& e) {
        report.error_code = e.code();
        report.error_message = e.what();
        report.error_transient = e.may_be_transient();
    } catch (const std::exception& e) {
        report.error_code = ocop::errc::internal_error;
        report.error_message = e.what();
    }
    if (report.complete)
        db->log(OCOP_LOG_INFO, "sync: complete, pushed " + std::to_string(report.progress.pushed) +
                                   ", pulled " + std::to_string(report.progress.pulled_cells));
    else
        db->log(
            report.error_transient ? OCOP_LOG_WARNING : OCOP_LOG_ERROR,
            "sync: ended without completing: " + report.error_code + ": " + report.error_message);
    return ocop::sdk::json_view::report(report).dump();
}

void finish(ocop_sync_job* job, std::string report) {
    {
        const std::lock_guard lock(job->mutex);
        job->report = std::move(report);
    }
    job->db->sync_running.store(false);
    if (job->on_done) job->on_done(job->ctx, job->report.c_str(), job->report.size());
    {
        const std::lock_guard lock(job->mutex);
        job->finished = true;
    }
    job->finished_cv.notify_all();
}

}  // namespace

extern "C" {

bool ocop_db_enroll(ocop_db* db, const char* server_url, const char* user, const char* password,
                    const char* device_name, const char* ca_file, ocop_error** err) {
    return on_handle(db, err, false, {server_url, user, password}, [&] {
        ocop::sdk::EnrollOptions opts;
        if (device_name) opts.device_name = device_name;
        if (ca_file) opts.ca_file = ca_file;
        if (db->transport.post) {
            ocop::sdk::HostTransport transport(db->transport, server_url);
            db->db->enroll_via(transport, server_url, user, password, opts);
        } else {
            db->db->enroll(server_url, user, password, opts);
        }
        return true;
    });
}

char* ocop_db_sync(ocop_db* db, ocop_progress_fn on_progress, void* ctx, size_t* out_len,
                   ocop_error** err) {
    if (!db) {
        fail(err, OCOP_ERR_INVALID_INPUT, ocop::errc::sdk_bad_argument,
             "the ocop_db handle is NULL");
        return nullptr;
    }
    if (!claim_sync(db, err)) return nullptr;
    char* out = guarded(err, static_cast<char*>(nullptr),
                        [&] { return hand_out(run_sync(db, on_progress, ctx, nullptr), out_len); });
    db->sync_running.store(false);
    return out;
}

ocop_sync_job* ocop_sync_start(ocop_db* db, ocop_progress_fn on_progress, ocop_done_fn on_done,
                               void* ctx, ocop_error** err) {
    if (!db) {
        fail(err, OCOP_ERR_INVALID_INPUT, ocop::errc::sdk_bad_argument,
             "the ocop_db handle is NULL");
        return nullptr;
    }
    if (!claim_sync(db, err)) return nullptr;
    ocop_sync_job* started = guarded(err, static_cast<ocop_sync_job*>(nullptr), [&] {
        auto job = std::make_unique<ocop_sync_job>();
        job->db = db;
        job->on_progress = on_progress;
        job->on_done = on_done;
        job->ctx = ctx;
        ocop_sync_job* raw = job.get();
        raw->thread = std::thread(
            [raw] { finish(raw, run_sync(raw->db, raw->on_progress, raw->ctx, &raw->cancel)); });
        db->open_jobs.fetch_add(1);
        return job.release();
    });
    if (!started) db->sync_running.store(false);
    return started;
}

void ocop_sync_job_cancel(ocop_sync_job* job) {
    if (job) job->cancel.store(true);
}

char* ocop_sync_job_wait(ocop_sync_job* job, size_t* out_len, ocop_error** err) {
    if (!job) {
        fail(err, OCOP_ERR_INVALID_INPUT, ocop::errc::sdk_bad_argument, "the job is NULL");
        return nullptr;
    }
    return guarded(err, static_cast<char*>(nullptr), [&] {
        std::unique_lock lock(job->mutex);
        job->finished_cv.wait(lock, [&] { return job->finished; });
        return hand_out(job->report, out_len);
    });
}

void ocop_sync_job_free(ocop_sync_job* job) {
    if (!job) return;
    if (job->thread.joinable()) job->thread.join();
    job->db->open_jobs.fetch_sub(1);
    delete job;
}

bool ocop_db_set_transport(ocop_db* db, const ocop_transport* transport, ocop_error** err) {
    return on_handle(db, err, false, {}, [&] {
        if (db->sync_running.load())
            throw ocop::Error(ocop::ErrorKind::conflict, ocop::errc::sdk_sync_running,
                              "the transport cannot change while a sync of this handle runs");
        if (transport && !transport->post)
            throw ocop::Error(ocop::ErrorKind::invalid_input, ocop::errc::sdk_bad_argument,
                              "ocop_transport.post is NULL");
        db->transport = transport ? *transport : ocop_transport{nullptr, nullptr};
        return true;
    });
}

void ocop_http_response_set(ocop_http_response* response, int status, const char* body,
                            size_t body_len) {
    if (!response) return;
    response->answered = true;
    response->status = status;
    response->body.assign(body ? body : "", body ? body_len : 0);
}

void ocop_http_response_fail(ocop_http_response* response, bool timed_out, const char* message) {
    if (!response) return;
    response->failed = true;
    response->timed_out = timed_out;
    response->failure = message ? message : "";
}

char* ocop_db_status_json(ocop_db* db, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {}, [&] {
        return hand_out(ocop::sdk::json_view::status(db->db->status()).dump(), out_len);
    });
}

}  // extern "C"
