// INSERT, UPDATE and DELETE, with RETURNING and upserts.
//
//   rt::insert(users).values({{"login", "ada"}, {"age", 36}}).returning(users.c("id"));
//   rt::insert(users).values({"login", "age"}, {{"ada", 36}, {"bob", 41}});   // multi-row
//   rt::insert(archive).from_select({"id", "login"}, rt::select(users.c("id"), users.c("login")));
//
//   auto up = rt::insert(users).values({{"login", "ada"}, {"visits", 1}});
//   up.on_conflict_do_update({"login"}, {{"visits", users.c("visits") + up.excluded("visits")}});
//   up.on_conflict_do_nothing({"login"});
//
//   rt::update(users).where(users.c("id") == 7).values({{"age", users.c("age") + 1}});
//   rt::delete_(users).where(users.c("age") < 18).returning(users.c("id"));
//
// Column names are checked against the table (rt::ArgumentError lists the columns) and
// values against the column types (rt::DataError). Columns with a client-side default
// that an INSERT does not mention get the default, computed at each execution.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/schema/table.hpp"
#include "retort/sql/executable.hpp"
#include "retort/sql/select.hpp"

namespace retort::sql {

// A value or an expression on the right of an assignment.
class Operand {
 public:
  template <class V>
  requires(!std::is_base_of_v<ExprBase, V>) Operand(const V& v) : value_(detail::to_value(v)) {}
  Operand(const ExprBase& e) : node_(e.node()) {}

  // A bind of the value against column (checked and converted by its type), or the
  // expression itself.
  NodePtr node_for(const Table& table, const Column& column) const;

 private:
  Value value_;
  NodePtr node_;
};

using Assignments = std::vector<std::pair<std::string, Operand>>;

struct InsertNode : StatementNode {
  InsertNode() : StatementNode(NodeKind::insert) {}
  NodePtr table;
  std::vector<std::string> columns;
  std::vector<NodeList> rows;
  NodePtr from_select;
  NodeList returning;
  bool upsert = false;
  std::vector<std::string> conflict_columns;
  bool do_nothing = false;
  std::vector<std::pair<std::string, NodePtr>> set;
  NodePtr conflict_where;
};

struct UpdateNode : StatementNode {
  UpdateNode() : StatementNode(NodeKind::update) {}
  NodePtr table;
  std::vector<std::pair<std::string, NodePtr>> set;
  NodeList froms;  // UPDATE ... FROM
  NodeList where;
  NodeList returning;
};

struct DeleteNode : StatementNode {
  DeleteNode() : StatementNode(NodeKind::delete_) {}
  NodePtr table;
  NodeList where;
  NodeList returning;
};

class Insert : public Executable {
 public:
  explicit Insert(const Table& table);

  // One row.
  Insert values(const Assignments& row) const;
  // Several rows of the same columns: INSERT ... VALUES (...), (...).
  Insert values(const std::vector<std::string>& columns,
                const std::vector<std::vector<Value>>& rows) const;
  // `rows` rows of rt::sql::placeholder()s for these columns, bound by position row by
  // row (no client-side defaults are added: the caller binds every column).
  Insert placeholders(const std::vector<std::string>& columns, std::size_t rows) const;
  // INSERT INTO t (columns) SELECT ...
  Insert from_select(std::vector<std::string> columns, const Select& select) const;
  template <class... C>
  Insert returning(const C&... columns) const {
    Insert out = copy();
    (out.mut().returning.push_back(columns.node()), ...);
    return out;
  }
  Insert returning(const std::vector<Expr<>>& columns) const {
    Insert out = copy();
    for (const auto& c : columns)
      out.mut().returning.push_back(c.node());
    return out;
  }
  // ON CONFLICT (columns) DO NOTHING
  Insert on_conflict_do_nothing(std::vector<std::string> conflict_columns = {}) const;
  // ON CONFLICT (columns) DO UPDATE SET ... [WHERE ...]
  Insert on_conflict_do_update(std::vector<std::string> conflict_columns, const Assignments& set,
                               const Expr<bool>& where = Expr<bool>()) const;
  // The row that was proposed for insertion, in ON CONFLICT DO UPDATE: excluded.name
  Expr<> excluded(std::string_view column) const;

  const Table& table() const { return table_; }
  const InsertNode& data() const { return static_cast<const InsertNode&>(*node_); }

 private:
  Insert copy() const;
  InsertNode& mut();
  void add_defaults(NodeList& row, std::vector<std::string>& columns, bool first_row) const;
  Table table_;
};

class Update : public Executable {
 public:
  explicit Update(const Table& table);
  Update values(const Assignments& set) const;
  // UPDATE ... FROM item: the rows of another table, subquery or rt::sql::values() list
  // that the WHERE clause joins to the updated ones.
  Update from(const From& item) const;
  Update where(const Expr<bool>& condition) const;
  template <class... C>
  Update returning(const C&... columns) const {
    Update out = copy();
    (out.mut().returning.push_back(columns.node()), ...);
    return out;
  }
  Update returning(const std::vector<Expr<>>& columns) const {
    Update out = copy();
    for (const auto& c : columns)
      out.mut().returning.push_back(c.node());
    return out;
  }
  const UpdateNode& data() const { return static_cast<const UpdateNode&>(*node_); }

 private:
  Update copy() const;
  UpdateNode& mut();
  Table table_;
};

class Delete : public Executable {
 public:
  explicit Delete(const Table& table);
  Delete where(const Expr<bool>& condition) const;
  template <class... C>
  Delete returning(const C&... columns) const {
    Delete out = copy();
    (out.mut().returning.push_back(columns.node()), ...);
    return out;
  }
  Delete returning(const std::vector<Expr<>>& columns) const {
    Delete out = copy();
    for (const auto& c : columns)
      out.mut().returning.push_back(c.node());
    return out;
  }
  const DeleteNode& data() const { return static_cast<const DeleteNode&>(*node_); }

 private:
  Delete copy() const;
  DeleteNode& mut();
  Table table_;
};

inline Insert insert(const Table& table) {
  return Insert(table);
}
inline Update update(const Table& table) {
  return Update(table);
}
inline Delete delete_(const Table& table) {
  return Delete(table);
}

}  // namespace retort::sql

namespace retort {
using sql::delete_;
using sql::insert;
using sql::update;
}  // namespace retort
