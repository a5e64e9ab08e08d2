// rt::Record: a row copied out of a result, with its column names.
//
//   auto rec = conn.execute("SELECT id, name FROM person WHERE id = ?", {1}).one();
//   rec.get<std::string>("name");
//
// Unlike rt::Row, a Record owns its values and lives on after the result is gone; both
// read the same way (see rt::Row).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/core/value.hpp"

namespace retort {

class Record {
 public:
  Record() = default;
  Record(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  std::size_t size() const { return values_.size(); }
  const std::vector<std::string>& columns() const;
  const std::string& column_name(std::size_t column) const;
  const std::vector<Value>& values() const { return values_; }
  // rt::ArgumentError for an index out of range, or a name that is not a column.
  const Value& operator[](std::size_t column) const;
  const Value& operator[](std::string_view name) const;
  const Value& value(std::size_t column) const { return (*this)[column]; }
  const Value& value(std::string_view name) const { return (*this)[name]; }
  bool is_null(std::size_t column) const { return (*this)[column].is_null(); }
  // rt::ArgumentError lists the columns when name is not one of them.
  std::size_t index_of(std::string_view name) const;

  // (column name, value) for each column, in order.
  std::vector<std::pair<std::string, Value>> items() const;
  // The record as a JSON object, columns in order: numbers and booleans as themselves,
  // decimals as text (exactly), dates and times in ISO 8601, blobs in base64, JSON columns
  // as their documents. rt::ArgumentError when two columns share a name (label them):
  // one would hide the other.
  std::string to_json() const;

  template <class T>
  T get(std::size_t column) const {
    return convert<T>(column);
  }
  template <class T>
  T get(std::string_view name) const {
    return convert<T>(index_of(name));
  }

  friend bool operator==(const Record& a, const Record& b) { return a.values_ == b.values_; }

 private:
  template <class T>
  T convert(std::size_t column) const;
  [[noreturn]] void conversion_failed(std::size_t column, const std::exception& e) const;

  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

template <class T>
T Record::convert(std::size_t column) const {
  const Value& v = (*this)[column];
  try {
    return v.template as<T>();
  } catch (const std::exception& e) {
    conversion_failed(column, e);
  }
}

namespace detail {
// The columns' names and values as a JSON object (Record::to_json).
std::string json_object(const std::vector<std::string>& names, const std::vector<Value>& values);
}  // namespace detail

}  // namespace retort
