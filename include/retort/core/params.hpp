// rt::Params: the values bound to a statement's placeholders.
//
// SQL text takes positional "?" placeholders or named ":name" ones (not both):
//
//   conn.execute("SELECT * FROM t WHERE a = ? AND b = ?", {1, "x"});
//   conn.execute("SELECT * FROM t WHERE a = :a OR b = :a", {{"a", 1}});
//
// Values are always sent separately from the SQL text, never spliced into it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/core/value.hpp"

namespace retort {

class Params {
 public:
  Params() = default;
  Params(std::initializer_list<Value> positional) : values_(positional) {}
  Params(std::initializer_list<std::pair<std::string_view, Value>> named);
  explicit Params(std::vector<Value> positional) : values_(std::move(positional)) {}

  // Appends a positional value.
  Params& add(Value value);
  // Sets a named value (replacing an earlier one of the same name).
  Params& set(std::string_view name, Value value);

  bool is_named() const { return !names_.empty(); }
  bool empty() const { return values_.empty(); }
  std::size_t size() const { return values_.size(); }
  const Value& operator[](std::size_t i) const { return values_[i]; }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<std::string>& names() const { return names_; }
  // The value bound to name, or nullptr.
  const Value* find(std::string_view name) const;

 private:
  std::vector<Value> values_;
  std::vector<std::string> names_;  // parallel to values_ when named
};

}  // namespace retort
