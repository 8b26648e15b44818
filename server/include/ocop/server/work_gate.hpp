// At most a few requests do their work (decode, push and pull, audit, encode) at once; the
// others wait their turn in arrival order. On a two-core machine fifty syncs at once otherwise
// share the CPU fifty ways and queue on every lock and group commit along the way, so each takes
// as long as the slowest convoy it met: in a deadline burst the last one percent took 2.5 times
// the median. In turn, each waits about as long as the others ahead of it take, which is the
// same for all (docs/benchmarks.md, "Syncs take their turn").
//
// Only work that runs at CPU and disk speed holds a slot: a request's body is read before it
// enters and its answer sent after it leaves, so a slow link never holds one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace ocop::server {

class WorkGate {
  public:
    explicit WorkGate(size_t slots) : slots_(slots ? slots : 1) {}
    WorkGate(const WorkGate&) = delete;
    WorkGate& operator=(const WorkGate&) = delete;

    // A slot, held until the turn is destroyed.
    class Turn {
      public:
        explicit Turn(WorkGate& gate) : gate_(&gate) {}
        Turn(Turn&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;
        Turn& operator=(Turn&&) = delete;
        ~Turn() {
            if (gate_) gate_->leave();
        }

      private:
        WorkGate* gate_;
    };

    // Waits until every request that arrived earlier has a slot and one is free.
    Turn enter();

    size_t slots() const noexcept { return slots_; }
    // Requests waiting for a slot now (for tests and /metrics).
    size_t waiting() const;

  private:
    void leave();

    const size_t slots_;
    mutable std::mutex mutex_;
    std::condition_variable turned_;
    uint64_t arrived_ = 0;  // tickets handed out: the n-th arrival holds ticket n
    uint64_t left_ = 0;     // turns ended; tickets below left_ + slots_ may work
};

}  // namespace ocop::server
