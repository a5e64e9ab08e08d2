// DDL text for tables and indexes in a dialect, as MetaData::create_all sends it.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "retort/schema/metadata.hpp"
#include "retort/sql/dialect.hpp"

namespace retort {

// The constraint or index name a naming convention gives (empty when it gives none).
std::string convention_name(const std::string& pattern, const TableData& table,
                            const std::vector<std::string>& columns,
                            const std::string& referred_table = {},
                            const std::string& constraint = {});

// CREATE TYPE (PostgreSQL enums), CREATE TABLE, CREATE INDEX and COMMENT statements for
// one table; foreign keys marked use_alter are left to alter_foreign_keys().
std::vector<std::string> create_table_ddl(const Table& table, const sql::Dialect& dialect,
                                          const NamingConvention& naming = {});
// ALTER TABLE ... ADD CONSTRAINT for the table's use_alter foreign keys.
std::vector<std::string> alter_foreign_keys_ddl(const Table& table, const sql::Dialect& dialect,
                                                const NamingConvention& naming = {});
std::string drop_table_ddl(const Table& table, const sql::Dialect& dialect);

// Changes to an existing table, as migrations make them (retort/migrate). `table` gives
// the table's name and schema, and the columns for naming conventions.
std::string create_index_ddl(const TableData& table, const Index& index,
                             const sql::Dialect& dialect, const NamingConvention& naming = {});
std::string drop_index_ddl(const TableData& table, std::string_view index_name,
                           const sql::Dialect& dialect);
// ADD COLUMN with the column's foreign keys as REFERENCES clauses.
std::string add_column_ddl(const TableData& table, const Column& column,
                           const sql::Dialect& dialect);
std::string drop_column_ddl(const TableData& table, std::string_view column,
                            const sql::Dialect& dialect);
std::string rename_column_ddl(const TableData& table, std::string_view from, std::string_view to,
                              const sql::Dialect& dialect);
std::string rename_table_ddl(const TableData& table, std::string_view to,
                             const sql::Dialect& dialect);
// ALTER TABLE ... ADD / DROP CONSTRAINT, for dialects with alter_constraints().
using Constraint =
    std::variant<PrimaryKeyConstraint, UniqueConstraint, CheckConstraint, ForeignKeyConstraint>;
std::string add_constraint_ddl(const TableData& table, const Constraint& constraint,
                               const sql::Dialect& dialect, const NamingConvention& naming = {});
std::string drop_constraint_ddl(const TableData& table, std::string_view name,
                                const sql::Dialect& dialect);
// The enum types a table's columns need, each named (unnamed ones "<table>_<column>").
std::vector<Type> enum_types(const Table& table);
// CREATE TYPE name AS ENUM (...) / DROP TYPE name, for dialects with native enums.
std::string create_enum_ddl(const Type& type, const sql::Dialect& dialect);
std::string drop_enum_ddl(const Type& type, const sql::Dialect& dialect);

}  // namespace retort
