#include "retort/service/transaction.hpp"

#include "retort/core/error.hpp"

namespace retort {

TransactionScope::TransactionScope(Session& session, State& state, TransactionOptions options)
    : session_(&session), state_(&state) {
  if (options.savepoint) savepoint_.emplace(session.begin_nested());
  ++state_->depth;
}

TransactionScope::TransactionScope(TransactionScope&& other) noexcept
    : session_(other.session_),
      state_(other.state_),
      savepoint_(std::move(other.savepoint_)),
      active_(std::exchange(other.active_, false)) {}

TransactionScope::~TransactionScope() {
  try {
    end(false);
  } catch (...) {
    // Rolling back can fail only when the connection is gone; the server drops the
    // transaction with it.
  }
}

void TransactionScope::commit() {
  end(true);
}

void TransactionScope::rollback() {
  end(false);
}

void TransactionScope::end(bool commit) {
  if (!active_) return;
  active_ = false;
  struct Leave {
    State* state;
    ~Leave() {
      if (--state->depth == 0) state->rolled_back = false;
    }
  } leave{state_};
  const bool outermost = state_->depth == 1;
  // Rolling back a session that has done nothing since its last rollback sends nothing:
  // the transaction is rolled back once, and work done after an inner failure (caught
  // in between) goes too.
  const auto undo = [&] {
    if (savepoint_) {
      if (savepoint_->is_active()) savepoint_->rollback();
      return;
    }
    session_->rollback();
    if (!outermost) state_->rolled_back = true;
  };
  if (!commit) {
    undo();
    return;
  }
  if (state_->rolled_back) {
    undo();
    throw ObjectStateError(
        "this transaction scope cannot commit: a scope inside it rolled the session back");
  }
  try {
    if (savepoint_) {
      savepoint_->commit();
    } else if (outermost) {
      session_->commit();
    } else {
      session_->flush();
    }
  } catch (...) {
    undo();
    throw;
  }
}

}  // namespace retort
