// A shared claim on one checked-out pooled connection (internal).
//
// rt::Connection, rt::Result, rt::Statement and rt::Transaction each hold one, so the
// connection goes back to the pool only when the last of them is gone: a Result can
// outlive the Connection it came from.
#pragma once

#include <utility>

namespace retort::detail {

class PooledConnection;

void retain(PooledConnection* rec) noexcept;
void release(PooledConnection* rec) noexcept;

class Checkout {
 public:
  Checkout() = default;
  explicit Checkout(PooledConnection* rec) noexcept : rec_(rec) {
    if (rec_) retain(rec_);
  }
  Checkout(const Checkout& other) noexcept : Checkout(other.rec_) {}
  Checkout(Checkout&& other) noexcept : rec_(other.rec_) { other.rec_ = nullptr; }
  Checkout& operator=(Checkout other) noexcept {
    std::swap(rec_, other.rec_);
    return *this;
  }
  ~Checkout() {
    if (rec_) release(rec_);
  }

  PooledConnection* get() const { return rec_; }
  explicit operator bool() const { return rec_ != nullptr; }
  void reset() noexcept { Checkout().swap(*this); }
  void swap(Checkout& other) noexcept { std::swap(rec_, other.rec_); }

 private:
  PooledConnection* rec_ = nullptr;
};

}  // namespace retort::detail
