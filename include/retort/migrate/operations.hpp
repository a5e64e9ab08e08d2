// The portable schema changes a revision is made of (Alembic's op.* directives).
//
//   rt::migrate::AddColumn{"users", rt::Column("email", rt::String(256))}
//   rt::migrate::AlterColumn{.table = "users", .column = "email", .nullable = false}
//   rt::migrate::CreateIndex{"users", rt::Index("ix_users_email", {"email"})}
//
// Tables are named "table" or "schema.table". Each dialect writes the SQL; where SQLite
// cannot ALTER (column types, nullability, defaults, constraints, dropping a column), the
// table is rebuilt with the change, keeping its rows, indexes and triggers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "retort/core/value.hpp"
#include "retort/schema/ddl.hpp"
#include "retort/schema/table.hpp"

namespace retort::migrate {

// CREATE TABLE with every column, key, constraint and index; creates the enum types its
// columns need where the database has them and they do not exist yet.
struct CreateTable {
  Table table;
};
struct DropTable {
  std::string table;
};
struct RenameTable {
  std::string table;
  std::string new_name;
};
// The column's foreign keys become REFERENCES clauses.
struct AddColumn {
  std::string table;
  Column column;
};
struct DropColumn {
  std::string table;
  std::string column;
};
struct AlterColumn {
  std::string table;
  std::string column;
  std::optional<Type> type{};
  std::optional<bool> nullable{};
  // Set: the new default, or nullopt to drop it.
  std::optional<std::optional<std::string>> server_default{};
  std::string new_name{};
};
struct CreateIndex {
  std::string table;
  Index index;
};
struct DropIndex {
  std::string table;
  std::string name;
};
struct AddConstraint {
  std::string table;
  Constraint constraint;
};
struct DropConstraint {
  std::string table;
  std::string name;
};
// A PostgreSQL enum type (CREATE TYPE ... AS ENUM); nothing where enums are CHECKs.
struct CreateEnum {
  std::string name;
  std::vector<std::string> values;
};
struct DropEnum {
  std::string name;
};
// SQL run as written; only on the named dialect when one is given.
struct Execute {
  std::string sql;
  std::string dialect{};
};
// Rows of reference data: column name to value.
struct BulkInsert {
  std::string table;
  std::vector<std::map<std::string, Value>> rows;
};
// A C++ step the application registered by name (migrate::register_step).
struct Call {
  std::string step;
};

using Operation = std::variant<CreateTable, DropTable, RenameTable, AddColumn, DropColumn,
                               AlterColumn, CreateIndex, DropIndex, AddConstraint, DropConstraint,
                               CreateEnum, DropEnum, Execute, BulkInsert, Call>;

// One line for messages and history: "add_column users.email".
std::string describe(const Operation& op);

}  // namespace retort::migrate
