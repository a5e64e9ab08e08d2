// rt::Row: the current row of a result, read in place.
//
//   for (const rt::Row& row : conn.execute("SELECT id, name, born FROM person")) {
//     auto id = row.get<std::int64_t>(0);
//     auto name = row.get<std::string>("name");
//     auto born = row.get<std::optional<std::chrono::year_month_day>>(2);
//   }
//
// A Row is a view: it is valid until the result advances. get<T> reads the column
// straight from the driver; NULL into a non-optional T, or a value T cannot hold, raises
// rt::DataError naming the column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "retort/core/driver.hpp"
#include "retort/core/value.hpp"

namespace retort {

class Row {
 public:
  Row() = default;
  explicit Row(driver::Statement* stmt) : stmt_(stmt) {}

  int size() const { return stmt_->column_count(); }
  std::string_view column_name(int index) const { return stmt_->column_name(index); }
  // The index of a column by name; rt::ArgumentError lists the columns if there is none.
  int index_of(std::string_view name) const;

  bool is_null(int index) const { return stmt_->is_null(index); }
  Value value(int index) const { return stmt_->get_value(index); }

  template <class T>
  T get(int index) const;
  template <class T>
  T get(std::string_view name) const {
    return get<T>(index_of(name));
  }

  driver::Statement& statement() const { return *stmt_; }

 private:
  [[noreturn]] void null_into(int index) const;
  void check_index(int index) const;

  driver::Statement* stmt_ = nullptr;
};

template <class T>
T Row::get(int index) const {
  check_index(index);
  if constexpr (detail::is_optional<T>::value) {
    if (stmt_->is_null(index)) return std::nullopt;
    return get<typename detail::is_optional<T>::type>(index);
  } else if constexpr (std::is_same_v<T, Value>) {
    return stmt_->get_value(index);
  } else if constexpr (std::is_same_v<T, bool>) {
    return stmt_->get_bool(index);
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(stmt_->get_int64(index));
  } else if constexpr (std::is_integral_v<T>) {
    return detail::narrow_int<T>(stmt_->get_int64(index));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(stmt_->get_double(index));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string(stmt_->get_text(index));
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    return stmt_->get_text(index);
  } else if constexpr (std::is_same_v<T, Blob>) {
    auto b = stmt_->get_blob(index);
    return Blob(b.begin(), b.end());
  } else {
    if (stmt_->is_null(index)) null_into(index);
    return stmt_->get_value(index).template as<T>();
  }
}

}  // namespace retort
