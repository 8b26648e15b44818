// A SQLite VFS for fault tests: it wraps the default VFS and, once a fault is switched on, fails
// the writes, syncs and truncations of the files it targets the way a full or failing disk does
// (SQLITE_FULL, or SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE). Reads always pass, so what is stored
// stays readable. Open a store on it with uri(path), or make it SQLite's default VFS to reach a
// store that is opened by path (the server's data files).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace ocop::test {

class FaultVfs {
  public:
    enum class Fault { none, disk_full, io_error };

    // `target`: only files whose name (after the last '/') starts with it are faulted, e.g.
    // "ocop.db" hits ocop.db, ocop.db-wal and ocop.db-journal; "" hits every file.
    // `make_default`: every later sqlite3_open uses this VFS, until it is destroyed.
    explicit FaultVfs(std::string name, std::string target = "", bool make_default = false);
    ~FaultVfs();  // unregisters; every connection using it must be closed first
    FaultVfs(const FaultVfs&) = delete;
    FaultVfs& operator=(const FaultVfs&) = delete;

    void set(Fault fault) noexcept { fault_.store(fault); }
    // How many calls have been failed so far (proves the fault was reached).
    size_t injected() const noexcept { return injected_.load(); }
    // A URI that opens `path` on this VFS (the store opens paths with SQLITE_OPEN_URI).
    std::string uri(const std::string& path) const { return "file:" + path + "?vfs=" + name_; }

    // Used by the VFS callbacks.
    bool targets(const char* file_name) const;
    // The result code for a write, sync or truncate call now: SQLITE_OK or the fault's code.
    int failure_for(int io_error_code) noexcept;
    sqlite3_vfs* real() const noexcept { return real_; }

  private:
    std::string name_;
    std::string target_;
    bool made_default_;
    sqlite3_vfs* real_;
    sqlite3_vfs vfs_{};
    std::atomic<Fault> fault_{Fault::none};
    std::atomic<size_t> injected_{0};
};

}  // namespace ocop::test
