#include "retort/core/row.hpp"

#include "retort/core/error.hpp"

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

void Row::null_into(int index) const {
  throw DataError("column '" + std::string(stmt_->column_name(index)) +
                  "' is NULL; read it as std::optional");
}

}  // namespace retort
