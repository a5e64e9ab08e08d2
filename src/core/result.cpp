#include "retort/core/result.hpp"

#include "pooled_connection.hpp"

namespace retort {

Result::Result(detail::Checkout checkout, detail::PreparedRef entry,
               std::shared_ptr<const ColumnReaders> readers)
    : checkout_(std::move(checkout)), entry_(std::move(entry)), readers_(std::move(readers)) {
  stmt_ = entry_->stmt.get();
  serial_ = entry_->executions;
  row_ = Row(stmt_, readers_.get());
  has_columns_ = stmt_->column_count() > 0;
  rows_affected_ = stmt_->rows_affected();
  open_ = true;
  if (!has_columns_) close();  // nothing to read: give the statement back now
}

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    close();
    checkout_ = std::move(other.checkout_);
    entry_ = std::move(other.entry_);
    stmt_ = other.stmt_;
    serial_ = other.serial_;
    rows_affected_ = other.rows_affected_;
    has_columns_ = other.has_columns_;
    open_ = std::exchange(other.open_, false);
    row_ = other.row_;
    readers_ = std::move(other.readers_);
    columns_ = std::move(other.columns_);
  }
  return *this;
}

Result::~Result() {
  close();
}

void Result::check_current() const {
  if (entry_ && entry_->executions != serial_) {
    throw ArgumentError("this result was superseded: its statement has been executed again since");
  }
}

bool Result::next() {
  if (!open_) return false;
  check_current();
  const bool more = checkout_.get()->guarded([&] { return stmt_->next(); });
  if (!more) close();
  return more;
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] bool Result::read_member_rows(std::span<const driver::Member> members, int first,
                                           void* (*next_object)(void* out), void* out,
                                           void*& object, std::size_t& at) {
  if (!open_) return false;
  check_current();
  const bool stopped = checkout_.get()->guarded(
      [&] { return stmt_->read_member_rows(members, first, next_object, out, object, at); });
  if (!stopped) close();
  return stopped;
}

std::size_t Result::rows_ahead() const {
  return open_ && (!entry_ || entry_->executions == serial_) ? stmt_->rows_ahead() : 0;
}

void Result::close() {
  if (!open_) return;
  open_ = false;
  if (entry_ && entry_->executions == serial_) {
    rows_affected_ = stmt_->rows_affected();
    stmt_->reset();
  }
  entry_ = detail::PreparedRef();
  checkout_.reset();
}

std::int64_t Result::rows_affected() const {
  return open_ ? stmt_->rows_affected() : rows_affected_;
}

bool Result::returns_rows() const {
  return has_columns_;
}

std::vector<std::string> Result::columns() const {
  if (columns_) return *columns_;
  std::vector<std::string> names;
  if (open_) {
    for (int i = 0; i < stmt_->column_count(); ++i)
      names.emplace_back(stmt_->column_name(i));
  }
  return names;
}

std::shared_ptr<const std::vector<std::string>> Result::column_names() {
  if (!columns_) columns_ = std::make_shared<const std::vector<std::string>>(columns());
  return columns_;
}

Record Result::record() {
  std::vector<Value> values;
  const int n = stmt_->column_count();
  values.reserve(n);
  for (int i = 0; i < n; ++i)
    values.push_back(row_.value(i));
  return Record(column_names(), std::move(values));
}

std::vector<Record> Result::all() {
  std::vector<Record> out;
  while (next())
    out.push_back(record());
  return out;
}

std::optional<Record> Result::first() {
  std::optional<Record> out;
  if (next()) out = record();
  close();
  return out;
}

Record Result::one() {
  auto out = one_or_none();
  if (!out) throw NoResultError("one(): the statement returned no rows");
  return std::move(*out);
}

std::optional<Record> Result::one_or_none() {
  std::optional<Record> out;
  if (next()) {
    out = record();
    if (next()) {
      close();
      throw MultipleResultsError("one(): the statement returned more than one row");
    }
  }
  close();
  return out;
}

}  // namespace retort
