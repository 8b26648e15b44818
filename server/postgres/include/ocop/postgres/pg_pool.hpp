// A small pool of PostgreSQL connections shared by the threads of one server process: a pull and
// a push run at the same time on two connections. A connection that broke (the database
// restarted) is dropped when it comes back, and the next lease opens a new one.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ocop/postgres/pg_connection.hpp"

namespace ocop::pg {

class Pool {
  public:
    // `setup` runs once on each new connection (SET search_path, say); may be empty.
    Pool(std::string url, size_t max_connections, std::string setup = {});
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    class Lease {
      public:
        Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        ~Lease();
        Connection& operator*() { return *c_; }
        Connection* operator->() { return c_.get(); }

      private:
        Pool* pool_;
        std::unique_ptr<Connection> c_;
    };

    // Waits for a free connection, opening one if fewer than the maximum exist.
    Lease acquire();
    const std::string& url() const noexcept { return url_; }

  private:
    void give_back(std::unique_ptr<Connection> c);

    const std::string url_;
    const size_t max_;
    const std::string setup_;
    std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<Connection>> idle_;
    size_t open_ = 0;
};

}  // namespace ocop::pg
