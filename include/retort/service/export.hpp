// Dumping a whole database to JSON and loading it back (the SQLAlchemy notes'
// dump_sqlalchemy), for backups, fixtures and moving data between databases.
//
//   std::ofstream out("dump.json");
//   rt::export_json(engine, out);                        // every table, parents first
//   rt::export_json(engine, out, {.tables = {"user", "post"}});
//   rt::export_json(engine, out, {.exclude = {"alembic_version"}});
//   std::ifstream in("dump.json");
//   rt::import_json(other_engine, in);                   // into empty tables
//
// The dump is one object: each table's name maps to its rows, in foreign-key order (tables
// whose foreign keys form a cycle in the order the database lists them), each
// row an object of its columns, ordered by primary key, so that the same data always
// gives the same text. Values are written as rt::to_dict writes them (see dict.hpp). The
// export reads in one transaction (a consistent snapshot) and streams: rows are written as
// they arrive.
//
// import_json reads the tables the database has (created by migrations or create_all),
// refuses a table that is missing, not empty, or a row whose key or value does not fit
// (rt::ArgumentError with the path: user[3].email), and loads everything in one
// transaction: on any error nothing is written. Generated-key sequences are moved past the
// imported keys afterwards. Both work on a connection of their own from the engine (a
// Database's sessions do not see an import before they begin a new transaction).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "retort/core/engine.hpp"

namespace retort {

class Database;

// Called every `every` rows of a table and at its end, with the rows done and the table's
// row count (known before it starts).
struct Progress {
  std::function<void(const std::string& table, std::int64_t done, std::int64_t total)> report{};
  std::int64_t every = 10000;
};

struct ExportOptions {
  // Only these tables (empty: all of the default schema).
  std::vector<std::string> tables{};
  // Not these: e.g. the migrations' version table, when the dump goes into a database
  // that its migrations made.
  std::vector<std::string> exclude{};
  Progress progress{};
};

void export_json(const Engine& engine, std::ostream& out, const ExportOptions& options = {});
void export_json(Database& db, std::ostream& out, const ExportOptions& options = {});
std::string export_json(const Engine& engine, const ExportOptions& options = {});

struct ImportOptions {
  Progress progress{};
};

// Returns the number of rows loaded.
std::int64_t import_json(const Engine& engine, std::istream& in, const ImportOptions& options = {});
std::int64_t import_json(Database& db, std::istream& in, const ImportOptions& options = {});

}  // namespace retort
