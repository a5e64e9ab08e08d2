// Test support: a temporary database brought to the head revision, and a scope per test
// that leaves nothing behind (the SQLAlchemy notes' pytest fixtures, as a library).
//
//   auto& temp = rt::testing::TemporaryDatabase::shared(
//       {.url = "postgresql://test@localhost/postgres", .migrations = "migrations"});
//   {
//     rt::testing::TestScope scope(temp);          // one test
//     auto users = scope.db().model<User>();
//     users.save(User{.name = "Ann"});             // commits ... into a savepoint
//   }                                              // rolled back: the database is clean
//
// A TemporaryDatabase is a new database on the server the URL names (PostgreSQL: CREATE
// DATABASE, dropped at the end) or a new SQLite file (deleted at the end). It is brought
// to head with the migrations folder, or given create_all() of a MetaData when there are
// none. shared() makes one per server and migrations folder for the whole test program.
//
// A TestScope wraps one test. With Isolation::rollback (the default) the database's
// sessions join one connection's transaction, each session transaction a savepoint in it,
// so that the code under test may commit and roll back as it likes; the scope's end rolls
// the whole transaction back (SQLAlchemy's "joining a session into an external
// transaction" recipe). The sessions then share one connection, and so one stack of
// savepoints: a session that commits also ends the savepoints of sessions that began
// after it, so a test works through db.session() (or sessions one after the other).
// Code that works on several connections at once (a server's threads) cannot share that
// transaction: Isolation::delete_rows lets it commit for real and deletes every row at
// the scope's end instead.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "retort/schema/metadata.hpp"
#include "retort/service/database.hpp"

namespace retort::testing {

struct TemporaryDatabaseOptions {
  // Where: a PostgreSQL server (the database named there is only used to connect), or
  // sqlite:// (a file in the temporary directory).
  std::string url;
  // A migrations folder (with versions/) to upgrade to head; or, when empty, the tables of
  // `metadata` (the default registry's when null) are created.
  std::filesystem::path migrations{};
  std::string version_table = "alembic_version";
  const MetaData* metadata = nullptr;
  // The options of the Database made on it.
  SessionOptions session{};
  EngineOptions engine{};
};

class TemporaryDatabase {
 public:
  explicit TemporaryDatabase(const TemporaryDatabaseOptions& options);
  // Closes the connections and drops the database.
  ~TemporaryDatabase();
  TemporaryDatabase(const TemporaryDatabase&) = delete;
  TemporaryDatabase& operator=(const TemporaryDatabase&) = delete;

  const URL& url() const { return url_; }
  Database& db() { return *db_; }
  Engine& engine() { return db_->engine(); }

  // The tables that hold rows now, but the version table: a test's leftovers.
  std::vector<std::string> tables_with_rows();
  // Deletes every row of every table but the version table, children first.
  void delete_rows();

  // One per server URL, migrations folder and version table for the whole program run,
  // made on first use with the options of that call (later calls with the same key get
  // it as it is); release_shared() drops them all (e.g. in TearDownTestSuite), and what
  // is left is dropped when the program exits.
  static TemporaryDatabase& shared(const TemporaryDatabaseOptions& options);
  static void release_shared();

 private:
  URL server_;
  URL url_;
  std::vector<std::string> drop_sql_;
  std::vector<std::string> files_;
  std::string version_table_;
  std::unique_ptr<Database> db_;
};

enum class Isolation { rollback, delete_rows };

class TestScope {
 public:
  explicit TestScope(TemporaryDatabase& database, Isolation isolation = Isolation::rollback);
  // Rolls back (or deletes the rows) and closes the sessions the test used.
  ~TestScope();
  TestScope(const TestScope&) = delete;
  TestScope& operator=(const TestScope&) = delete;

  Database& db() { return database_->db(); }
  Engine& engine() { return database_->engine(); }
  // A session of the test's own (joined to the test's transaction under rollback).
  Session session() { return db().new_session(); }

 private:
  TemporaryDatabase* database_;
  Isolation isolation_;
  Connection connection_;
  Transaction transaction_;
};

}  // namespace retort::testing
