// What reflection reads back from a database: tables as the database describes them.
//
//   rt::Inspector inspector(conn);
//   for (const auto& name : inspector.table_names()) {
//     auto table = inspector.table(name);      // rt::ReflectedTable
//     for (const auto& c : table.columns) std::cout << c.name << " " << c.type.describe();
//   }
//
// MetaData::reflect() turns reflected tables into rt::Table objects.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/schema/constraints.hpp"
#include "retort/schema/type.hpp"

namespace retort {

class Connection;

struct ReflectedColumn {
  std::string name;
  // The type as the database names it ("character varying(256)", "VARCHAR(256)").
  std::string type_name;
  // The same mapped to a Retort type (an opaque type when Retort does not know it).
  Type type;
  bool nullable = true;
  // The DEFAULT expression as SQL text.
  std::optional<std::string> server_default;
  // The database generates the values (identity, serial, SQLite rowid).
  bool autoincrement = false;
  std::string comment;
};

struct ReflectedTable {
  std::string name;
  std::string schema;  // as asked for; empty for the default one
  std::string comment;
  std::vector<ReflectedColumn> columns;
  PrimaryKeyConstraint primary_key;
  std::vector<ForeignKeyConstraint> foreign_keys;
  std::vector<UniqueConstraint> unique_constraints;
  std::vector<CheckConstraint> check_constraints;
  // Indexes created with CREATE INDEX (not those behind primary key or unique
  // constraints).
  std::vector<Index> indexes;
};

class Inspector {
 public:
  // Reads through conn, which must stay alive while the inspector is used.
  explicit Inspector(Connection& conn);

  // schema: a PostgreSQL schema or an attached SQLite database; empty for the default.
  std::vector<std::string> table_names(std::string_view schema = {}) const;
  bool has_table(std::string_view name, std::string_view schema = {}) const;
  // rt::ArgumentError names the table when there is none.
  ReflectedTable table(std::string_view name, std::string_view schema = {}) const;

 private:
  Connection* conn_;
};

}  // namespace retort
