// rt::Row: the current row of a result, read in place.
//
//   for (const rt::Row& row : conn.execute("SELECT id, name, born FROM person")) {
//     auto id = row.get<std::int64_t>(0);
//     auto name = row.get<std::string>("name");
//     auto born = row.get<std::optional<std::chrono::year_month_day>>(2);
//   }
//
// A Row is a view: it is valid until the result advances; rt::Record is the copy that
// stays. Both read the same way: size(), columns(), column_name(i), index_of(name),
// value(i or name) and [i or name] (an rt::Value), get<T>(i or name), is_null(i),
// items() (name and value pairs) and to_json(). get<T> reads the column straight from
// the driver; NULL into a non-optional T, or a value T cannot hold, raises
// rt::DataError naming the column.
//
// A statement of the expression language knows its columns' types, and its rows read
// values in their type's form where the database keeps another: a NUMERIC sum on SQLite
// (binary floating point there) as a Decimal of the column's scale, a date kept as text
// as a date, and so on, in value(i) and every get<T> but get<std::string_view> (which
// views the driver's text).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "retort/core/driver.hpp"
#include "retort/core/value.hpp"

namespace retort {

// How a statement reads each result column: what the driver gives into its type's form,
// or nothing to do (an empty function).
using ColumnReaders = std::vector<std::function<Value(const Value&)>>;

class Row {
 public:
  Row() = default;
  explicit Row(driver::Statement* stmt, const ColumnReaders* readers = nullptr)
      : stmt_(stmt), readers_(readers) {}

  std::size_t size() const { return static_cast<std::size_t>(stmt_->column_count()); }
  std::vector<std::string> columns() const;
  std::string_view column_name(int column) const { return stmt_->column_name(column); }
  // The index of a column by name; rt::ArgumentError lists the columns if there is none.
  int index_of(std::string_view name) const;

  bool is_null(int column) const { return stmt_->is_null(column); }
  Value value(int column) const { return read(column, stmt_->get_value(column)); }
  Value value(std::string_view name) const { return value(index_of(name)); }
  // As value(), and rt::ArgumentError for an index out of range.
  Value operator[](std::size_t column) const;
  Value operator[](std::string_view name) const { return value(name); }

  // (column name, value) for each column, in order.
  std::vector<std::pair<std::string, Value>> items() const;
  // The row as a JSON object of column name to value (see Record::to_json).
  std::string to_json() const;

  template <class T>
  T get(int column) const;
  template <class T>
  T get(std::string_view name) const {
    return get<T>(index_of(name));
  }

  driver::Statement& statement() const { return *stmt_; }

 private:
  [[noreturn]] void null_into(int column) const;
  void check_index(int column) const;
  bool has_reader(int column) const {
    return readers_ && static_cast<std::size_t>(column) < readers_->size() &&
           (*readers_)[static_cast<std::size_t>(column)];
  }
  Value read(int column, Value v) const {
    if (!v.is_null() && has_reader(column)) return (*readers_)[static_cast<std::size_t>(column)](v);
    return v;
  }

  driver::Statement* stmt_ = nullptr;
  const ColumnReaders* readers_ = nullptr;
};

template <class T>
T Row::get(int column) const {
  check_index(column);
  if constexpr (detail::is_optional<T>::value) {
    if (stmt_->is_null(column)) return std::nullopt;
    return get<typename detail::is_optional<T>::type>(column);
  } else if constexpr (std::is_same_v<T, Value>) {
    return value(column);
  } else {
    if constexpr (!std::is_same_v<T, std::string_view>) {
      if (has_reader(column)) {
        if (stmt_->is_null(column)) null_into(column);
        return value(column).template as<T>();
      }
    }
    if constexpr (std::is_same_v<T, bool>) {
      return stmt_->get_bool(column);
    } else if constexpr (std::is_enum_v<T>) {
      return static_cast<T>(stmt_->get_int64(column));
    } else if constexpr (std::is_integral_v<T>) {
      return detail::narrow_int<T>(stmt_->get_int64(column));
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(stmt_->get_double(column));
    } else if constexpr (std::is_same_v<T, std::string>) {
      return std::string(stmt_->get_text(column));
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      return stmt_->get_text(column);
    } else if constexpr (std::is_same_v<T, Blob>) {
      auto b = stmt_->get_blob(column);
      return Blob(b.begin(), b.end());
    } else {
      if (stmt_->is_null(column)) null_into(column);
      return value(column).template as<T>();
    }
  }
}

}  // namespace retort
