// rt::MetaData: a collection of tables, created, dropped and reflected together.
//
//   rt::MetaData metadata({.ix = "ix_{table}_{columns}", .fk =
//   "fk_{table}_{column_0}_{referred_table}"}); auto& user = metadata.add(rt::Table("user",
//   {...})); metadata.create_all(conn);                       // in dependency order, if missing
//   metadata.sorted_tables();                        // parents before children
//   metadata.drop_all(conn);                         // children first
//
//   rt::MetaData existing;
//   existing.reflect(conn);                          // tables as the database has them
//
// Tables whose foreign keys form a cycle cannot be ordered: sorted_tables() raises
// rt::ArgumentError naming them, unless one of the keys is marked use_alter (it is then
// added with ALTER TABLE after the tables exist).
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "retort/schema/reflection.hpp"
#include "retort/schema/table.hpp"

namespace retort {

class Connection;
class Engine;

// Names for constraints and indexes that were declared without one. Tokens: {table},
// {column_0} (the first column), {columns} (all columns joined by '_'),
// {referred_table}, {constraint} (a CHECK constraint's own name). Empty: the database
// chooses the name.
struct NamingConvention {
  std::string ix = "ix_{table}_{columns}";
  std::string uq{};
  std::string ck{};
  std::string fk{};
  std::string pk{};
};

struct CreateOptions {
  // Skip tables (and enum types) that already exist.
  bool checkfirst = true;
  // Only these tables (default: all).
  std::vector<std::string> tables{};
};

class MetaData {
 public:
  explicit MetaData(NamingConvention naming = {}) : naming_(std::move(naming)) {}

  // Adds a table; rt::ArgumentError if one of that name exists. The reference stays valid
  // for the MetaData's lifetime.
  Table& add(Table table);
  Table& table(std::string name, std::vector<TableElement> elements, TableOptions options = {}) {
    return add(Table(std::move(name), std::move(elements), std::move(options)));
  }
  // rt::ArgumentError lists the tables when there is none of that name.
  const Table& get(std::string_view name) const;
  const Table* find(std::string_view name) const;
  // In the order they were added.
  std::vector<Table> tables() const { return {tables_.begin(), tables_.end()}; }
  const NamingConvention& naming() const { return naming_; }

  // Tables in foreign-key dependency order: every table after the tables it refers to.
  // break_cycles: tables in a cycle come in declaration order instead of raising (for
  // reading every table, where the order is only a courtesy).
  std::vector<Table> sorted_tables(bool break_cycles = false) const;

  void create_all(Connection& conn, const CreateOptions& options = {}) const;
  void create_all(const Engine& engine, const CreateOptions& options = {}) const;
  void drop_all(Connection& conn, const CreateOptions& options = {}) const;
  void drop_all(const Engine& engine, const CreateOptions& options = {}) const;

  // Adds the database's tables (all, or those named) as they are.
  // schema: the tables of that PostgreSQL schema or attached SQLite database, named
  // "schema.table" in this MetaData.
  void reflect(Connection& conn, const std::vector<std::string>& only = {},
               std::string_view schema = {});
  void reflect(const Engine& engine, const std::vector<std::string>& only = {},
               std::string_view schema = {});

 private:
  NamingConvention naming_;
  std::deque<Table> tables_;  // references returned by add() stay valid
};

// A Table built from what reflection read.
Table to_table(const ReflectedTable& reflected);

}  // namespace retort
