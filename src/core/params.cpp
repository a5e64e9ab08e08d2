#include "retort/core/params.hpp"

#include "retort/core/error.hpp"

namespace retort {

Params::Params(std::initializer_list<std::pair<std::string_view, Value>> named) {
  for (const auto& [name, value] : named)
    set(name, value);
}

Params& Params::add(Value value) {
  if (!names_.empty()) throw ArgumentError("cannot mix positional and named parameters");
  values_.push_back(std::move(value));
  return *this;
}

Params& Params::set(std::string_view name, Value value) {
  if (names_.size() != values_.size()) {
    throw ArgumentError("cannot mix positional and named parameters");
  }
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) {
      values_[i] = std::move(value);
      return *this;
    }
  }
  names_.emplace_back(name);
  values_.push_back(std::move(value));
  return *this;
}

const Value* Params::find(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return &values_[i];
  }
  return nullptr;
}

}  // namespace retort
