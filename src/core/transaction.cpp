#include "retort/core/transaction.hpp"

#include "pooled_connection.hpp"

namespace retort {

Transaction::Transaction(detail::Checkout checkout, std::uint64_t id, std::size_t level)
    : checkout_(std::move(checkout)), id_(id), level_(level) {}

Transaction::Transaction(Transaction&& other) noexcept
    : checkout_(std::move(other.checkout_)), id_(other.id_), level_(other.level_) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    if (is_active()) {
      try {
        rollback();
      } catch (...) {
      }
    }
    checkout_ = std::move(other.checkout_);
    id_ = other.id_;
    level_ = other.level_;
  }
  return *this;
}

Transaction::~Transaction() {
  if (!is_active()) return;
  try {
    rollback();
  } catch (...) {
    // The connection is broken; the pool discards it on return.
    checkout_.get()->invalidate();
  }
}

bool Transaction::is_active() const {
  return checkout_ && checkout_.get()->transaction_active(id_, level_);
}

void Transaction::commit() {
  if (!checkout_) throw ArgumentError("this transaction is no longer active");
  checkout_.get()->end_transaction(id_, level_, true);
}

void Transaction::rollback() {
  if (!checkout_) return;
  checkout_.get()->end_transaction(id_, level_, false);
}

}  // namespace retort
