#include "retort/core/row.hpp"

#include <algorithm>
#include <cstdint>

#include "retort/core/error.hpp"
#include "retort/core/record.hpp"

namespace retort {

int Row::index_of(std::string_view name) const {
  const int n = stmt_->column_count();
  for (int i = 0; i < n; ++i) {
    if (stmt_->column_name(i) == name) return i;
  }
  std::string known;
  for (int i = 0; i < n; ++i)
    known += (i ? ", " : "") + std::string(stmt_->column_name(i));
  throw ArgumentError("unknown column '" + std::string(name) + "'; the result has: " + known);
}

void Row::check_index(int index) const {
  if (index < 0 || index >= stmt_->column_count()) {
    throw ArgumentError("column index " + std::to_string(index) +
                        " is out of range: the result has " +
                        std::to_string(stmt_->column_count()) + " columns");
  }
}

std::vector<std::string> Row::columns() const {
  std::vector<std::string> out;
  for (int i = 0; i < stmt_->column_count(); ++i)
    out.emplace_back(stmt_->column_name(i));
  return out;
}

Value Row::operator[](std::size_t column) const {
  check_index(static_cast<int>(std::min<std::size_t>(column, INT32_MAX)));
  return value(static_cast<int>(column));
}

std::vector<std::pair<std::string, Value>> Row::items() const {
  std::vector<std::pair<std::string, Value>> out;
  for (int i = 0; i < stmt_->column_count(); ++i)
    out.emplace_back(std::string(stmt_->column_name(i)), value(i));
  return out;
}

std::string Row::to_json() const {
  std::vector<Value> values;
  for (int i = 0; i < stmt_->column_count(); ++i)
    values.push_back(value(i));
  return detail::json_object(columns(), values);
}

void Row::null_into(int index) const {
  throw DataError("column '" + std::string(stmt_->column_name(index)) +
                  "' is NULL; read it as std::optional");
}

}  // namespace retort
