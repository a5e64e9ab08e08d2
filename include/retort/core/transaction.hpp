// rt::Transaction: an RAII transaction or savepoint on a connection.
//
//   auto tx = conn.begin();
//   conn.execute("INSERT ...");
//   {
//     auto sp = conn.begin_nested();   // SAVEPOINT
//     conn.execute("UPDATE ...");
//     sp.rollback();                   // ROLLBACK TO SAVEPOINT: the UPDATE is undone
//   }
//   tx.commit();
//
// A Transaction that goes out of scope still active rolls back, so an exception undoes
// the work. Committing or rolling back an outer transaction ends its savepoints too.
#pragma once

#include <cstdint>

#include "retort/core/detail/checkout.hpp"

namespace retort {

class Transaction {
 public:
  Transaction() = default;
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  ~Transaction();

  void commit();
  void rollback();
  // True until committed or rolled back (or ended by its outer transaction).
  bool is_active() const;
  // True for a savepoint.
  bool is_nested() const { return level_ > 0; }

 private:
  friend class Connection;
  Transaction(detail::Checkout checkout, std::uint64_t id, std::size_t level);

  detail::Checkout checkout_;
  std::uint64_t id_ = 0;
  std::size_t level_ = 0;
};

}  // namespace retort
