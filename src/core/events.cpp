#include "retort/core/events.hpp"

#include "retort/core/engine.hpp"

namespace retort {

StatementCounter::StatementCounter(Engine& engine, bool include_transaction_control)
    : engine_(engine) {
  id_ = engine_.on_execute([this, include_transaction_control](const ExecuteEvent& event) {
    if (event.transaction_control && !include_transaction_control) return;
    std::lock_guard lock(mutex_);
    statements_.emplace_back(event.sql);
  });
}

StatementCounter::~StatementCounter() {
  engine_.remove_listener(id_);
}

std::size_t StatementCounter::count() const {
  std::lock_guard lock(mutex_);
  return statements_.size();
}

std::vector<std::string> StatementCounter::statements() const {
  std::lock_guard lock(mutex_);
  return statements_;
}

void StatementCounter::clear() {
  std::lock_guard lock(mutex_);
  statements_.clear();
}

}  // namespace retort
