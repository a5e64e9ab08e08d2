// rt::Record: a row copied out of a result, with its column names.
//
//   auto rec = conn.execute("SELECT id, name FROM person WHERE id = ?", {1}).one();
//   rec.get<std::string>("name");
//
// Unlike rt::Row, a Record owns its values and lives on after the result is gone.
#pragma once

#include <memory>
#include <string>
#include <string_view>
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
  const std::vector<Value>& values() const { return values_; }
  const Value& operator[](std::size_t column) const;
  const Value& operator[](std::string_view name) const;
  // rt::ArgumentError lists the columns when name is not one of them.
  std::size_t index_of(std::string_view name) const;

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

}  // namespace retort
