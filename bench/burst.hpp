// The deadline burst: many distinct devices, each with one inspection form (10 changes) saved,
// sync at the same time, a bounded number at once; each sync pushes the form and pulls what the
// others of its commune pushed since. Each device's user leads one commune (the devices are dealt
// over the communes in turn), as on a deadline day, when every commune sends its own forms; with
// one commune covering all, each sync pulls every form pushed before it. Enrolment (one PBKDF2
// login each), a first sync and the form's save happen before the clock starts; the timed part is
// the syncs alone.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "bench_server.hpp"

namespace ocop::bench {

struct BurstOptions {
    size_t devices = 1000;
    // As issue #18 measured it. Every device comes from 127.0.0.1: the bench's servers run with
    // --max-connections-per-address above this (ServerSetup).
    size_t concurrency = 50;
    // Communes, one user each (at most the 40 the inspection generator knows).
    size_t communes = 40;
    // Devices enrolled at once: each enrolment is a PBKDF2 login, which takes one core.
    size_t enrol_threads = 2;
    // Told when the untimed set-up ends and the timed syncs start (a profiler can attach then).
    std::function<void(const std::string&)> progress;
};

struct BurstFigures {
    double enrol_s = 0;  // untimed set-up: enrolment, first sync and the form's save, all devices
    double rate = 0;     // syncs/s over the whole burst
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
    double bytes_per_change = 0;  // pushed bytes on the wire per change
    size_t retries = 0;           // requests the devices had to send again (busy server, network)
    double pulled_per_sync = 0;   // field values each sync pulled, on average
};

BurstFigures run_burst(const LiveServer& server, const BurstOptions& o);

}  // namespace ocop::bench
