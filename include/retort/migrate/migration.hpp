// Running revisions against a database, or writing them out as an SQL script.
//
//   auto conn = engine.connect();
//   rt::migrate::Migrator migrator(conn, rt::migrate::ScriptDirectory("migrations/versions"));
//   migrator.upgrade("head");
//   migrator.current();                  // {"3f2a9c1b7d4e"}
//   migrator.downgrade("-1");
//
// The applied revisions are kept in Alembic's table, alembic_version (version_num), so a
// database Alembic manages can be adopted with stamp(). Each revision runs in its own
// transaction, first taking a lock that keeps other migrating processes out (an advisory
// lock on PostgreSQL, the write lock on SQLite): a revision that fails leaves the schema
// and the version as they were, and two processes upgrading at once apply each revision
// once. The error names the revision and the operation.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"
#include "retort/migrate/script_directory.hpp"
#include "retort/schema/metadata.hpp"

namespace retort::migrate {

// A revision that failed: what() names the revision, its file and the operation, then
// the cause, which is also nested (std::rethrow_if_nested).
class MigrationError : public Error {
 public:
  MigrationError(std::string message, std::string revision)
      : Error(std::move(message)), revision_(std::move(revision)) {}
  const std::string& revision() const { return revision_; }

 private:
  std::string revision_;
};

struct MigrationOptions {
  std::string version_table = "alembic_version";
  // Names for constraints and indexes that operations declare without one.
  NamingConvention naming{};
  // Called before each revision runs: (revision, true for upgrade).
  std::function<void(const Revision&, bool)> on_revision{};
};

// A C++ step for data migrations; a revision runs it with {"op": "call", "step": name}.
// Register before upgrading (e.g. at the start of main).
void register_step(std::string name, std::function<void(Connection&)> step);

class Migrator {
 public:
  Migrator(Connection& conn, ScriptDirectory scripts, MigrationOptions options = {});

  // The revisions the database is at (its heads); empty at base.
  std::vector<std::string> current();
  // Runs the revisions up to target ("head", "heads", "+1", an id, "label@head") and
  // returns their ids in order.
  std::vector<std::string> upgrade(std::string_view target = "head");
  // Undoes revisions down to target ("base", "-1", an id).
  std::vector<std::string> downgrade(std::string_view target);
  // Records target as the current revision without running anything ("base" clears).
  void stamp(std::string_view target);

  const ScriptDirectory& scripts() const { return scripts_; }

 private:
  std::vector<std::string> run(std::string_view target, bool up);
  Connection& conn_;
  ScriptDirectory scripts_;
  MigrationOptions options_;
};

// The SQL that upgrade (or downgrade) from `from` to `to` would run, as a script for psql
// or sqlite3, without connecting: what an administrator reviews and applies by hand.
// from: "base" or a revision (upgrade), to: the target. Values are written as literals.
void write_script(std::ostream& out, const ScriptDirectory& scripts, const sql::Dialect& dialect,
                  std::string_view from, std::string_view to, bool upgrade,
                  const MigrationOptions& options = {});

}  // namespace retort::migrate
