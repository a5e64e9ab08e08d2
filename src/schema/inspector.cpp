#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/dialect.hpp"

namespace retort {

Inspector::Inspector(Connection& conn) : conn_(&conn) {}

std::vector<std::string> Inspector::table_names(std::string_view schema) const {
  return sql::dialect(conn_->dialect_name()).table_names(*conn_, schema);
}

bool Inspector::has_table(std::string_view name, std::string_view schema) const {
  for (const auto& t : table_names(schema)) {
    if (t == name) return true;
  }
  return false;
}

ReflectedTable Inspector::table(std::string_view name, std::string_view schema) const {
  if (!has_table(name, schema)) {
    std::string known;
    for (const auto& t : table_names(schema))
      known += (known.empty() ? "" : ", ") + t;
    const std::string where = schema.empty() ? "" : " in schema '" + std::string(schema) + "'";
    throw ArgumentError("the database has no table '" + std::string(name) + "'" + where +
                        "; it has: " + known);
  }
  return sql::dialect(conn_->dialect_name()).reflect_table(*conn_, name, schema);
}

}  // namespace retort
