#include "retort/schema/column.hpp"

namespace retort {

std::optional<Value> Column::make_default() const {
  if (default_factory) return default_factory();
  return default_value;
}

}  // namespace retort
