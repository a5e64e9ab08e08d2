// What the statements of the expression language share: compilation for a dialect
// (cached on the statement) and binding for execution.
//
//   auto stmt = rt::select(users).where(users.c("id") == rt::bindparam("id"));
//   stmt.sql("postgresql");              // SELECT ... WHERE "user".id = ?
//   conn.execute(stmt, {{"id", 7}});     // compiled once per dialect, then reused
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "retort/core/params.hpp"
#include "retort/core/row.hpp"
#include "retort/sql/nodes.hpp"

namespace retort::sql {

class Dialect;

// Where each "?" of compiled SQL takes its value from.
struct BindSource {
  const BindNode* node = nullptr;  // a bound value or a named bindparam
  const Value* value = nullptr;    // a value of rt::text()
  std::string name;                // the name to look up in the execution's params
};

struct Compiled {
  std::string sql;  // with "?" placeholders, as Connection::execute takes them
  std::vector<BindSource> binds;
  std::vector<std::string> columns;  // result columns, for statements that return rows
  // How to read them: from their types (Type::from_db); null when none needs it.
  std::shared_ptr<const ColumnReaders> readers;
};

// SQL and parameters ready for Connection::execute. sql points into the statement's
// compiled form: keep the statement alive while executing.
struct BoundStatement {
  std::string_view sql;
  Params params;
  std::shared_ptr<const ColumnReaders> readers;
};

// A statement node with its compiled forms, one per dialect that compiled it.
struct StatementNode : Node {
  using Node::Node;
  mutable std::mutex mutex;
  mutable std::vector<std::pair<const Dialect*, std::shared_ptr<const Compiled>>> compiled;
};

class Executable {
 public:
  const Compiled& compile(const Dialect& dialect) const;
  const Compiled& compile(std::string_view dialect_name) const;
  // The SQL text for a dialect ("sqlite", "postgresql").
  const std::string& sql(std::string_view dialect_name) const { return compile(dialect_name).sql; }
  // SQL and values; named bindparams come from params (rt::ArgumentError names a missing
  // one, rt::DataError a value its column cannot hold).
  BoundStatement bind(std::string_view dialect_name, const Params& params = {}) const;
  // The SQL with every value written in as a literal, for a script run later
  // (Dialect::literal).
  std::string literal_sql(const Dialect& dialect, const Params& params = {}) const;

  NodePtr node() const { return node_; }

 protected:
  Executable() = default;
  explicit Executable(std::shared_ptr<StatementNode> node) : node_(std::move(node)) {}
  std::shared_ptr<StatementNode> node_;
};

}  // namespace retort::sql
