#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/dialect.hpp"

namespace retort {

Inspector::Inspector(Connection& conn) : conn_(&conn) {}

std::vector<std::string> Inspector::table_names() const {
  return sql::dialect(conn_->dialect_name()).table_names(*conn_);
}

bool Inspector::has_table(std::string_view name) const {
  for (const auto& t : table_names()) {
    if (t == name) return true;
  }
  return false;
}

ReflectedTable Inspector::table(std::string_view name) const {
  if (!has_table(name)) {
    std::string known;
    for (const auto& t : table_names())
      known += (known.empty() ? "" : ", ") + t;
    throw ArgumentError("the database has no table '" + std::string(name) + "'; it has: " + known);
  }
  return sql::dialect(conn_->dialect_name()).reflect_table(*conn_, name);
}

}  // namespace retort
