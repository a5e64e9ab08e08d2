// rt::Result: the rows (or the row count) a statement produced.
//
// A Result is a forward-only cursor. Iterate it, or take what you need:
//
//   for (const rt::Row& row : conn.execute("SELECT ...")) { ... }   // streaming
//   auto all = conn.execute("SELECT ...").all();                      // std::vector<Record>
//   auto n = conn.execute("SELECT count(*) FROM t").scalar<std::int64_t>();
//   auto affected = conn.execute("UPDATE t SET ...").rows_affected();
//
// SQLite always steps row by row. On PostgreSQL, execute() receives the whole result in
// one go (fastest for ordinary sizes) and Connection::stream() receives it row by row,
// so memory stays flat for any size.
//
// A Result keeps its connection checked out until it is destroyed or exhausted.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "retort/core/detail/checkout.hpp"
#include "retort/core/detail/prepared.hpp"
#include "retort/core/error.hpp"
#include "retort/core/record.hpp"
#include "retort/core/row.hpp"

namespace retort {

class Result {
 public:
  Result() = default;
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept;
  ~Result();

  // Advances to the next row; false at the end (which also releases the statement).
  bool next();
  // The current row (after next() returned true).
  const Row& row() const { return row_; }
  // driver::Statement::read_member_rows() over the rows to come: true when it stopped at
  // a row (the current one) with a member to read another way; false at the end, which
  // releases the statement as next() does.
  bool read_member_rows(std::span<const driver::Member> members, int first,
                        void* (*next_object)(void* out), void* out, void*& object, std::size_t& at);

  // driver::Statement::rows_ahead(): the rows still to come when the driver holds them
  // all already, else 0.
  std::size_t rows_ahead() const;

  // Rows changed by INSERT / UPDATE / DELETE.
  std::int64_t rows_affected() const;
  bool returns_rows() const;
  std::vector<std::string> columns() const;

  // The remaining rows as records.
  std::vector<Record> all();
  // The next row, if any, closing the result.
  std::optional<Record> first();
  // Exactly one row: rt::NoResultError or rt::MultipleResultsError otherwise.
  Record one();
  // At most one row: rt::MultipleResultsError if there are more.
  std::optional<Record> one_or_none();
  // The first column of the first row; rt::NoResultError when there is no row. A NULL
  // reads as nullopt when T is std::optional, and raises rt::DataError otherwise.
  template <class T>
  T scalar();
  // The first column of every remaining row.
  template <class T>
  std::vector<T> scalars();

  // Ends the result early, freeing its statement and connection.
  void close();

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    using pointer = const Row*;
    using reference = const Row&;

    iterator() = default;
    explicit iterator(Result* result) : result_(result) { ++*this; }
    reference operator*() const { return result_->row(); }
    pointer operator->() const { return &result_->row(); }
    iterator& operator++() {
      if (!result_->next()) result_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.result_ == b.result_; }

   private:
    Result* result_ = nullptr;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  friend class Connection;
  friend class Statement;
  Result(detail::Checkout checkout, detail::PreparedRef entry,
         std::shared_ptr<const ColumnReaders> readers = nullptr);

  void check_current() const;
  std::shared_ptr<const std::vector<std::string>> column_names();
  Record record();

  detail::Checkout checkout_;
  detail::PreparedRef entry_;
  driver::Statement* stmt_ = nullptr;
  std::uint64_t serial_ = 0;
  std::int64_t rows_affected_ = 0;
  bool has_columns_ = false;
  bool open_ = false;
  Row row_;
  std::shared_ptr<const ColumnReaders> readers_;
  std::shared_ptr<const std::vector<std::string>> columns_;
};

template <class T>
T Result::scalar() {
  if (!next()) throw NoResultError("scalar(): the statement returned no rows");
  T value = row_.get<T>(0);
  close();
  return value;
}

template <class T>
std::vector<T> Result::scalars() {
  std::vector<T> out;
  while (next())
    out.push_back(row_.get<T>(0));
  return out;
}

}  // namespace retort
