#include "retort/core/statement.hpp"

#include "pooled_connection.hpp"

namespace retort {

Statement::Statement(detail::Checkout checkout, detail::PreparedRef entry)
    : checkout_(std::move(checkout)), entry_(std::move(entry)) {}

namespace {
detail::PreparedEntry& entry_of(const detail::PreparedRef& ref) {
  if (!ref) throw ArgumentError("empty statement handle");
  return *ref.get();
}
}  // namespace

Result Statement::execute(const Params& params) {
  detail::bind_params(entry_of(entry_), params);
  return run(false);
}

Result Statement::stream(const Params& params) {
  detail::bind_params(entry_of(entry_), params);
  return run(true);
}

Result Statement::run(bool stream) {
  auto& entry = entry_of(entry_);
  entry.stmt->reset();
  entry.owner->execute(entry, stream);
  return Result(checkout_, entry_);
}

std::int64_t Statement::run_dml() {
  auto& entry = entry_of(entry_);
  entry.stmt->reset();
  entry.owner->execute(entry, false);
  const std::int64_t changed = entry.stmt->rows_affected();
  entry.stmt->reset();
  return changed;
}

void Statement::send() {
  auto& entry = entry_of(entry_);
  entry.stmt->reset();
  entry.owner->send(entry);
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] driver::Statement* Statement::start_first() {
  auto& entry = entry_of(entry_);
  return entry.owner->execute_first(entry) ? entry.stmt.get() : nullptr;
}

[[gnu::hot]] void Statement::finish() noexcept {
  if (entry_) entry_.get()->stmt->reset();
}

driver::Statement& Statement::raw() {
  return *entry_of(entry_).stmt;
}
int Statement::parameter_count() const {
  return entry_of(entry_).native.parameter_count;
}
const std::vector<std::string>& Statement::parameter_names() const {
  return entry_of(entry_).native.names;
}
const std::string& Statement::sql() const {
  return entry_of(entry_).sql;
}

}  // namespace retort
