// rt::sql::From: anything a SELECT can read from — a table, an alias, a join, a
// subquery, a CTE — and the way to name its columns.
//
//   auto u = users.alias("u");
//   auto j = users.join(posts, users.c("id") == posts.c("author_id"));
//   auto latest = rt::select(posts.c("author_id"), rt::max(posts.c("created")).label("at"))
//                     .group_by(posts.c("author_id")).subquery("latest");
//   rt::select(u.c("login"), latest.c("at")).select_from(u.join(latest, ...));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retort/sql/expression.hpp"

namespace retort::sql {

class From {
 public:
  From() = default;
  explicit From(NodePtr node) : node_(std::move(node)) {}

  const NodePtr& node() const { return node_; }
  // The column named name; rt::ArgumentError lists the real columns when there is none.
  Expr<> c(std::string_view name) const;
  // The columns' names in order.
  std::vector<std::string> column_names() const;
  // All columns, for select(from) and INSERT ... SELECT.
  std::vector<Expr<>> columns() const;

  From alias(std::string name) const;
  // This alias or subquery read in place of `tables`: their columns, wherever the
  // statement reading it uses them (WHERE, ORDER BY, a correlated subquery), are its
  // columns of the same name. The ORM reads a concrete-table hierarchy as a UNION ALL of
  // its tables standing in for each of them, so conditions written on any class's table
  // apply to the union.
  From in_place_of(const std::vector<From>& tables) const;
  // Without `on`, the join is on the one foreign key between the two sides
  // (join_condition below), as SQLAlchemy's join(a, b) infers it.
  From join(const From& right, const Expr<bool>& on = {}) const;
  From outerjoin(const From& right, const Expr<bool>& on = {}) const;  // LEFT OUTER JOIN
  From full_join(const From& right, const Expr<bool>& on = {}) const;
  From cross_join(const From& right) const;

 protected:
  NodePtr node_;
};

// The ON condition joining `right` (a table, or an alias of one) to `left` (a table, an
// alias, or a join of them): equality of the columns of the one foreign key between them,
// whichever side holds it. rt::ArgumentError when there is none or more than one (name
// the condition then).
Expr<bool> join_condition(const From& left, const From& right);
// rt::join(a, b) and rt::outerjoin(a, b), as SQLAlchemy's: a.join(b, on).
inline From join(const From& left, const From& right, const Expr<bool>& on = {}) {
  return left.join(right, on);
}
inline From outerjoin(const From& left, const From& right, const Expr<bool>& on = {}) {
  return left.outerjoin(right, on);
}

// Rows as a FROM item, its columns named and typed:
//   auto v = rt::sql::values("v", {{"id", rt::Integer()}, {"name", rt::String()}},
//                            {{1, "a"}, {2, "b"}});
//   rt::update(users).from(v).values({{"name", v.c("name")}}).where(users.c("id") == v.c("id"));
From values(std::string name, std::vector<std::pair<std::string, Type>> columns,
            const std::vector<std::vector<Value>>& rows);
// The same with `rows` rows of rt::sql::placeholder()s, bound by position, row by row.
From values(std::string name, std::vector<std::pair<std::string, Type>> columns, std::size_t rows);
// Rows made of one array parameter per column (rt::sql::placeholder_array), zipped
// (unnest): any number of rows in one statement, on dialects that bind arrays.
From unnest(std::string name, std::vector<std::pair<std::string, Type>> columns);

}  // namespace retort::sql

namespace retort {
using sql::join;
using sql::outerjoin;
}  // namespace retort
