// A transaction on one connection: BEGIN when made, ROLLBACK when left without commit() (an
// exception, an early return), so that a connection never goes back to its pool mid-transaction.
#pragma once

#include "ocop/postgres/pg_connection.hpp"

namespace ocop::pg {

class Transaction {
  public:
    explicit Transaction(Connection& c) : c_(c) { c_.exec("BEGIN"); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
        if (done_) return;
        try {
            if (!c_.broken()) c_.exec("ROLLBACK");
        } catch (...) {
            // Nothing was committed; the error that left the transaction is the one reported.
        }
    }
    void commit() {
        done_ = true;  // a failed COMMIT has ended the transaction too
        c_.exec("COMMIT");
    }

  private:
    Connection& c_;
    bool done_ = false;
};

}  // namespace ocop::pg
