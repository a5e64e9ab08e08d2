// rt::Table: a table's description (columns, keys, constraints, indexes) and the FROM
// clause that names it in statements.
//
//   rt::Table employee("employee", {
//       rt::Column("id", rt::Integer(), rt::primary_key),
//       rt::Column("name", rt::String(50), rt::not_null),
//       rt::Column("manager_id", rt::Integer(), rt::ForeignKey("employee.id")),
//   });
//   employee.c("name") == "Ada"          // a column expression
//
// Table is a shared handle: copies refer to the same table. Unknown column names raise
// rt::ArgumentError naming the table and listing its columns.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "retort/schema/column.hpp"
#include "retort/schema/constraints.hpp"
#include "retort/sql/from.hpp"

namespace retort {

class MetaData;

using TableElement = std::variant<Column, PrimaryKeyConstraint, UniqueConstraint, CheckConstraint,
                                  ForeignKeyConstraint, Index>;

struct TableOptions {
  std::string comment{};
  // A PostgreSQL schema or an attached SQLite database (EngineOptions::on_connect);
  // empty for the default one.
  std::string schema{};
};

struct TableData {
  std::string name;
  std::string schema;
  std::string comment;
  std::vector<Column> columns;
  PrimaryKeyConstraint primary_key;
  std::vector<UniqueConstraint> uniques;
  std::vector<CheckConstraint> checks;
  std::vector<ForeignKeyConstraint> foreign_keys;
  std::vector<Index> indexes;

  // nullptr when there is no such column.
  const Column* find(std::string_view column) const;
  // rt::ArgumentError naming the table and its columns when there is no such column.
  const Column& column(std::string_view column) const;
  // The primary key column that generates its own values, if any.
  const Column* autoincrement_column() const;
  std::string fullname() const { return schema.empty() ? name : schema + "." + name; }
};

class Table : public sql::From {
 public:
  Table() = default;
  Table(std::string name, std::vector<TableElement> elements, TableOptions options = {});

  const std::string& name() const { return data().name; }
  const std::string& schema() const { return data().schema; }
  // "schema.name", or the name alone in the default schema: how MetaData, foreign keys
  // ("app.dept.id") and relationships refer to the table.
  std::string fullname() const { return data().fullname(); }
  const std::string& comment() const { return data().comment; }
  const std::vector<Column>& columns() const { return data().columns; }
  const Column& column(std::string_view name) const { return data().column(name); }
  bool has_column(std::string_view name) const { return data().find(name) != nullptr; }
  const PrimaryKeyConstraint& primary_key() const { return data().primary_key; }
  const std::vector<UniqueConstraint>& unique_constraints() const { return data().uniques; }
  const std::vector<CheckConstraint>& check_constraints() const { return data().checks; }
  const std::vector<ForeignKeyConstraint>& foreign_keys() const { return data().foreign_keys; }
  const std::vector<Index>& indexes() const { return data().indexes; }

  // Adds a column or constraint after construction.
  Table& append(TableElement element);

  const TableData& data() const;
  std::shared_ptr<TableData> shared_data() const;
  bool is_null() const { return node_ == nullptr; }

  // Identity: the same table, not an equal description.
  friend bool operator==(const Table& a, const Table& b) { return a.node_ == b.node_; }

 private:
  friend class MetaData;
  explicit Table(std::shared_ptr<TableData> data);
};

}  // namespace retort
