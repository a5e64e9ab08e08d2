#include "retort/orm/detail/statement_cache.hpp"

#include "retort/core/error.hpp"

namespace retort::orm::detail {

std::vector<Value> CompiledStatement::parameters(std::vector<Value> placeholders) const {
  if (placeholders.size() != slots.size()) {
    throw ArgumentError("the statement takes " + std::to_string(slots.size()) +
                        " placeholder values, " + std::to_string(placeholders.size()) +
                        " given [SQL: " + sql + "]");
  }
  std::vector<Value> out(slots.size() + fixed.size());
  for (std::size_t i = 0; i < slots.size(); ++i)
    out[static_cast<std::size_t>(slots[i])] = std::move(placeholders[i]);
  for (const auto& [index, value] : fixed)
    out[static_cast<std::size_t>(index)] = value;
  return out;
}

const CompiledStatement& StatementCache::get(const sql::Dialect& dialect, const std::string& key,
                                             const std::function<sql::Executable()>& make) {
  {
    std::lock_guard lock(mutex_);
    auto& map = statements_[&dialect];
    if (auto it = map.find(key); it != map.end()) return *it->second;
  }
  // Built outside the lock (it may be slow); the first to finish is kept.
  const sql::Executable statement = make();
  const sql::Compiled& compiled = statement.compile(dialect);
  auto out = std::make_unique<CompiledStatement>();
  out->sql = compiled.sql;
  for (std::size_t i = 0; i < compiled.binds.size(); ++i) {
    const auto& source = compiled.binds[i];
    if (source.node && source.node->positional) {
      out->slots.push_back(static_cast<int>(i));
    } else if (source.node && source.name.empty() && !source.node->factory) {
      out->fixed.emplace_back(static_cast<int>(i), source.node->value);
    } else if (source.value) {
      out->fixed.emplace_back(static_cast<int>(i), *source.value);
    } else {
      throw ArgumentError(
          "an ORM statement has a parameter that is neither a placeholder nor a "
          "value [SQL: " +
          compiled.sql + "]");
    }
  }
  std::lock_guard lock(mutex_);
  auto [it, fresh] = statements_[&dialect].try_emplace(key, std::move(out));
  return *it->second;
}

}  // namespace retort::orm::detail
