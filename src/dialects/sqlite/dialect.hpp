// The SQLite dialect: type names, SQL differences and reflection through sqlite_master
// and PRAGMA.
#pragma once

#include "retort/sql/dialect.hpp"

namespace retort::sqlite {

class Dialect final : public sql::Dialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string type_ddl(const Type& type) const override;
  std::string autoincrement_ddl(const Column&) const override { return {}; }
  bool enum_as_check() const override { return true; }
  bool native_ilike() const override { return false; }
  bool native_is_distinct_from() const override { return false; }
  bool supports_distinct_on() const override { return false; }
  bool supports_for_update() const override { return false; }
  bool offset_requires_limit() const override { return true; }
  bool qualify_in_update_set() const override { return false; }
  bool values_with_column_names() const override { return false; }
  bool cast_values_parameters() const override { return false; }
  bool consecutive_insert_keys() const override { return true; }
  std::size_t max_parameters() const override { return 32766; }
  std::string read_only_snapshot_sql() const override { return {}; }
  bool qualify_referred_table() const override { return false; }
  bool supports_comments() const override { return false; }
  bool alter_constraints() const override { return false; }
  std::string generated_key_type_ddl(const Type&) const override { return "INTEGER"; }
  bool schema_on_index_name() const override { return true; }
  // SQLite changes a column's type, nullability or default only by rebuilding the table.
  std::vector<std::string> alter_column_ddl(const std::string&, const std::string&,
                                            const sql::ColumnChange&) const override {
    return {};
  }
  // A write takes the database's write lock, held to the end of the transaction.
  std::string migration_lock_sql(const std::string& version_table) const override {
    return "DELETE FROM " + version_table + " WHERE 0";
  }
  std::vector<std::string> dependent_ddl(retort::Connection& conn, std::string_view table,
                                         std::string_view schema) const override;
  // A file in the system's temporary directory; connecting creates it.
  ScratchDatabase scratch_database(const URL& url, const std::string& name) const override;
  sql::RebuildGuard rebuild_guard() const override {
    return {"PRAGMA foreign_keys", "PRAGMA foreign_keys = OFF", "PRAGMA foreign_key_check",
            "PRAGMA foreign_keys = ON"};
  }

  std::vector<std::string> table_names(retort::Connection& conn,
                                       std::string_view schema) const override;
  std::vector<std::string> enum_type_names(retort::Connection&) const override { return {}; }
  std::vector<std::string> enum_types_in_use(retort::Connection&) const override { return {}; }
  ReflectedTable reflect_table(retort::Connection& conn, std::string_view table,
                               std::string_view schema) const override;
  Type parse_type(std::string_view database_type) const override;
};

const Dialect& dialect();

}  // namespace retort::sqlite
