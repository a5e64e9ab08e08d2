#include "retort/core/connection.hpp"

#include "pooled_connection.hpp"

namespace retort {
namespace {

detail::PooledConnection& rec_of(const detail::Checkout& checkout) {
  if (!checkout) throw ArgumentError("the connection is closed");
  return *checkout.get();
}

}  // namespace

Result Connection::run(std::string_view sql, const Params& params, bool stream,
                       std::shared_ptr<const ColumnReaders> readers) {
  auto& rec = rec_of(checkout_);
  detail::PreparedRef entry = rec.acquire(sql);
  detail::bind_params(*entry, params);
  rec.execute(*entry, stream);
  return Result(checkout_, std::move(entry), std::move(readers));
}

Result Connection::execute(std::string_view sql, const Params& params) {
  return run(sql, params, false);
}

Result Connection::stream(std::string_view sql, const Params& params) {
  return run(sql, params, true);
}

std::int64_t Connection::execute_many(std::string_view sql, const std::vector<Params>& sets) {
  auto& rec = rec_of(checkout_);
  detail::PreparedRef entry = rec.acquire(sql);
  std::int64_t total = 0;
  for (const auto& params : sets) {
    detail::bind_params(*entry, params);
    rec.execute(*entry, false);
    while (entry->stmt->next()) {
    }
    total += entry->stmt->rows_affected();
    entry->stmt->reset();
  }
  return total;
}

std::vector<std::int64_t> Connection::sync() {
  return rec_of(checkout_).sync();
}

void Connection::execute_script(std::string_view sql) {
  rec_of(checkout_).execute_script(sql);
}

std::optional<std::int64_t> Connection::write_rows(
    const std::string& schema, const std::string& table, const std::vector<std::string>& columns,
    const std::function<void(driver::RowWriter&)>& fill) {
  return rec_of(checkout_).write_rows(schema, table, columns, fill);
}

Statement Connection::prepare(std::string_view sql) {
  auto& rec = rec_of(checkout_);
  return Statement(checkout_, rec.acquire(sql));
}

Transaction Connection::begin() {
  auto& rec = rec_of(checkout_);
  const auto id = rec.begin(false);
  return Transaction(checkout_, id, 0);
}

Transaction Connection::begin_nested() {
  auto& rec = rec_of(checkout_);
  const auto level = rec.transaction_depth();
  const auto id = rec.begin(true);
  return Transaction(checkout_, id, level);
}

bool Connection::in_transaction() const {
  return checkout_ && checkout_.get()->transaction_depth() > 0;
}

std::string_view Connection::dialect_name() const {
  return rec_of(checkout_).state().driver.name();
}

void Connection::invalidate() {
  rec_of(checkout_).invalidate();
}

void Connection::close() {
  checkout_.reset();
}

driver::Connection& Connection::driver() {
  return rec_of(checkout_).driver();
}

}  // namespace retort
