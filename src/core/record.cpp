#include "retort/core/record.hpp"

#include "retort/core/error.hpp"

namespace retort {

const std::vector<std::string>& Record::columns() const {
  static const std::vector<std::string> none;
  return columns_ ? *columns_ : none;
}

std::size_t Record::index_of(std::string_view name) const {
  const auto& cols = columns();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i] == name) return i;
  }
  std::string known;
  for (std::size_t i = 0; i < cols.size(); ++i)
    known += (i ? ", " : "") + cols[i];
  throw ArgumentError("unknown column '" + std::string(name) + "'; the row has: " + known);
}

const Value& Record::operator[](std::size_t index) const {
  if (index >= values_.size()) {
    throw ArgumentError("column index " + std::to_string(index) + " is out of range: the row has " +
                        std::to_string(values_.size()) + " columns");
  }
  return values_[index];
}

const Value& Record::operator[](std::string_view name) const {
  return values_[index_of(name)];
}

const std::string& Record::column_name(std::size_t column) const {
  (void)(*this)[column];  // the range check
  return columns().at(column);
}

std::vector<std::pair<std::string, Value>> Record::items() const {
  std::vector<std::pair<std::string, Value>> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i)
    out.emplace_back(i < columns().size() ? columns()[i] : std::string(), values_[i]);
  return out;
}

std::string Record::to_json() const {
  return detail::json_object(columns(), values_);
}

void Record::conversion_failed(std::size_t index, const std::exception& e) const {
  const auto& cols = columns();
  const std::string name = index < cols.size() ? cols[index] : std::to_string(index);
  throw DataError("column '" + name + "': " + e.what());
}

}  // namespace retort
