// Holding a new object that no Ref or relationship holds yet, so that it is freed if
// building it fails half way.
#pragma once

#include <utility>

#include "retort/orm/ref.hpp"

namespace retort::service::detail {

class Held {
 public:
  explicit Held(orm::EntityState* s) : s_(s) { ++s_->refs; }
  Held(Held&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  Held& operator=(Held&&) = delete;
  ~Held() {
    if (s_ && --s_->refs == 0) orm::detail::release(s_);
  }
  orm::EntityState* get() const { return s_; }

 private:
  orm::EntityState* s_;
};

}  // namespace retort::service::detail
