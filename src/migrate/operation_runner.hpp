// Runs operations on a connection, or writes their SQL to a script (internal).
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <set>

#include "retort/core/connection.hpp"
#include "retort/migrate/operations.hpp"
#include "retort/schema/metadata.hpp"

namespace retort::migrate {

// The steps registered with register_step(); nullptr when there is none of that name.
const std::function<void(Connection&)>* registered_step(const std::string& name);

class OperationRunner {
 public:
  // Online: statements run on conn. Offline (conn null): written to script, each ended
  // by ";", with the schema followed in memory so that rebuilds know their tables.
  OperationRunner(const sql::Dialect& dialect, Connection* conn, std::ostream* script,
                  NamingConvention naming);

  void apply(const Operation& op);
  // Offline: follows op in the schema model without writing anything (revisions below
  // the script's start).
  void follow(const Operation& op);
  // Whether op rebuilds a table (and so needs the dialect's RebuildGuard).
  bool rebuilds(const Operation& op) const;
  // A statement of the runner's own (the version table's).
  void run(const std::string& sql);

 private:
  Table current(const std::string& fullname);
  void rebuild(const std::string& table, const Operation& op);
  void create_table(const Table& table);
  void bulk_insert(const BulkInsert& op);
  bool enum_exists(const std::string& name);

  const sql::Dialect& d_;
  Connection* conn_;
  std::ostream* script_;
  NamingConvention naming_;
  std::map<std::string, Table> model_;  // offline: the tables as the script leaves them
  std::set<std::string> enums_;         // offline: enum types the script created
};

}  // namespace retort::migrate
