// The ORM's statements (internal): built as sql:: statement trees, compiled by the
// dialect once per mapper and shape, then run with the driver's typed binders.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "retort/core/driver.hpp"
#include "retort/sql/executable.hpp"

namespace retort::sql {
class Dialect;
}

namespace retort::orm::detail {

// A compiled statement whose parameters are rt::sql::placeholder()s, bound by the ORM in
// order, and values the statement holds itself (a discriminator filter, say).
struct CompiledStatement {
  std::string sql;
  std::vector<int> slots;                    // the "?" each placeholder is, in order
  std::vector<std::pair<int, Value>> fixed;  // the statement's own values, by "?"
  // Binds the statement's own values; placeholders are the caller's.
  void bind_fixed(driver::Statement& statement) const {
    for (const auto& [index, value] : fixed)
      statement.bind(index, value);
  }
  // Parameters for Connection::execute: the fixed values, and the placeholders' in order.
  std::vector<Value> parameters(std::vector<Value> placeholders) const;
};

class StatementCache {
 public:
  // The statement for `key` in this dialect, built by `make` the first time.
  const CompiledStatement& get(const sql::Dialect& dialect, const std::string& key,
                               const std::function<sql::Executable()>& make);

 private:
  std::mutex mutex_;
  // By dialect, then key; entries never move once made.
  std::unordered_map<const sql::Dialect*,
                     std::unordered_map<std::string, std::unique_ptr<const CompiledStatement>>>
      statements_;
};

}  // namespace retort::orm::detail
