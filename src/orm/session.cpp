#include "retort/orm/session.hpp"

namespace retort {

Session::Session(Engine engine, SessionOptions options)
    : core_(std::make_unique<orm::SessionCore>(std::move(engine), options)) {}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

SessionTransaction::~SessionTransaction() {
  if (!core_ || !is_active()) return;
  try {
    rollback();
  } catch (...) {
  }
}

void SessionTransaction::commit() {
  if (!core_) throw ArgumentError("this nested transaction is no longer active");
  core_->end_nested(id_, true);
}

void SessionTransaction::rollback() {
  if (core_) core_->end_nested(id_, false);
}

bool SessionTransaction::is_active() const {
  return core_ && core_->nested_active(id_);
}

}  // namespace retort
