// What the commands share: the database opened for reading, and its tables reflected in
// dependency order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retort/core.hpp"
#include "retort/schema.hpp"

namespace retort::cli {

// A connection that reads one consistent snapshot and cannot write: SQLite files are
// opened read-only (so a mistyped path is an error rather than a new empty file, and
// the file's journal mode is left alone), PostgreSQL runs a REPEATABLE READ, READ ONLY
// transaction. Raises rt::ArgumentError for a malformed URL, rt::OperationalError when
// the database cannot be reached.
class Database {
 public:
  explicit Database(std::string_view url);

  // The URL as given, for display (its str() hides the password).
  const URL& url() const { return url_; }
  Connection& connection() { return conn_; }

 private:
  URL url_;
  Engine engine_;
  Connection conn_;
  Transaction snapshot_;
};

// The tables named in only (all when empty; rt::ArgumentError names a missing one),
// parents before the tables that refer to them. Foreign keys that form a cycle cannot
// all be honoured: a warning on standard error says which table was put first.
std::vector<ReflectedTable> reflect_in_dependency_order(Connection& conn,
                                                        const std::vector<std::string>& only);

}  // namespace retort::cli
