// SELECT, compound selects (UNION, ...), subqueries and CTEs.
//
//   rt::select(users.c("id"), users.c("login"))
//       .where(users.c("age") >= 18)
//       .order_by(users.c("login").asc())
//       .limit(10).offset(20);
//   rt::select(users)                                      // every column of a table
//   rt::select(rt::count()).select_from(users)
//   rt::select(users.c("login"), rt::count(posts.c("id")))
//       .select_from(users.outerjoin(posts, posts.c("author_id") == users.c("id")))
//       .group_by(users.c("login")).having(rt::count(posts.c("id")) > 5);
//   rt::union_all(q1, q2).order_by(...)
//
// Builders return a new statement and leave the one they were called on as it was, so a
// base query can be refined in several ways. FROM is inferred from the columns and
// conditions when select_from() / join() do not give it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "retort/sql/executable.hpp"
#include "retort/sql/from.hpp"

namespace retort::sql {

namespace detail {

// An item of ORDER BY: an expression, its asc() / desc(), or the name of a label of the
// select list ("n", as rt::asc("n")).
template <class O>
NodePtr order_item(const O& item) {
  if constexpr (std::is_member_object_pointer_v<O>) {
    static_assert(never<O>,
                  "order_by(&T::member) needs the member's column: write "
                  "order_by(rt::c(&T::member)) or rt::c(&T::member).desc() (a Query<T> takes "
                  "&T::member itself)");
    return nullptr;
  } else if constexpr (std::is_convertible_v<const O&, std::string_view>) {
    return asc(std::string(std::string_view(item))).node();
  } else if constexpr (requires { item.node(); }) {
    return item.node();
  } else {
    static_assert(never<O>,
                  "order_by() takes expressions (a column, rt::c(&T::member), rt::count()), "
                  "their .asc() / .desc(), or the name of a label (\"n\", rt::desc(\"n\"))");
    return nullptr;
  }
}

// An item of GROUP BY: an expression.
template <class G>
NodePtr group_item(const G& item) {
  if constexpr (std::is_member_object_pointer_v<G>) {
    static_assert(never<G>,
                  "group_by(&T::member) needs the member's column: write "
                  "group_by(rt::c(&T::member))");
    return nullptr;
  } else if constexpr (requires { item.node(); }) {
    return item.node();
  } else {
    static_assert(never<G>,
                  "group_by() takes expressions: a column, rt::c(&T::member), a function");
    return nullptr;
  }
}

}  // namespace detail

struct SelectNode : StatementNode {
  SelectNode() : StatementNode(NodeKind::select) {}
  NodeList columns;
  NodeList froms;  // explicit FROM items (select_from, joins)
  NodeList where;  // ANDed
  NodeList group_by;
  NodeList having;  // ANDed
  NodeList order_by;
  NodePtr limit, offset;
  bool distinct = false;
  NodeList distinct_on;  // PostgreSQL
  bool for_update = false;
  // For scalar subqueries: correlate nothing even if the enclosing query names a table.
  bool no_correlate = false;
};

enum class CompoundOp : std::uint8_t { union_, union_all, intersect, except };

struct CompoundNode : StatementNode {
  CompoundNode() : StatementNode(NodeKind::compound) {}
  CompoundOp op = CompoundOp::union_;
  NodeList selects;
  NodeList order_by;
  NodePtr limit, offset;
};

class Cte;

class Select : public Executable {
 public:
  Select();
  // Columns: expressions, or tables/aliases/subqueries (every column of them).
  template <class... C>
  explicit Select(const C&... columns) : Select() {
    (add_column(columns), ...);
  }

  template <class... C>
  Select add_columns(const C&... columns) const {
    Select out = copy();
    (out.add_column(columns), ...);
    return out;
  }
  // The same FROM, WHERE, ... with other columns.
  template <class... C>
  Select with_only_columns(const C&... columns) const {
    Select out = copy();
    out.mut().columns.clear();
    (out.add_column(columns), ...);
    return out;
  }
  Select where(const Expr<bool>& condition) const;
  // FROM the given item (a table, alias, join, subquery).
  Select select_from(const From& from) const;
  // Joins to the current FROM (its last item); without `on`, on the one foreign key
  // between them (rt::sql::join_condition).
  Select join(const From& target, const Expr<bool>& on = {}) const;
  Select outerjoin(const From& target, const Expr<bool>& on = {}) const;
  Select full_join(const From& target, const Expr<bool>& on = {}) const;
  // Expressions, their asc() / desc(), and names of labels ("n").
  template <class... O>
  Select order_by(const O&... items) const {
    Select out = copy();
    (out.mut().order_by.push_back(detail::order_item(items)), ...);
    return out;
  }
  template <class... G>
  Select group_by(const G&... items) const {
    Select out = copy();
    (out.mut().group_by.push_back(detail::group_item(items)), ...);
    return out;
  }
  Select having(const Expr<bool>& condition) const;
  Select limit(std::int64_t n) const;
  Select offset(std::int64_t n) const;
  Select distinct() const;
  // DISTINCT ON (...) (PostgreSQL).
  template <class... E>
  Select distinct_on(const E&... items) const {
    Select out = copy();
    (out.mut().distinct_on.push_back(items.node()), ...);
    return out;
  }
  // FOR UPDATE (PostgreSQL; SQLite locks the whole database anyway).
  Select for_update() const;

  // (SELECT ...) AS name, usable in FROM.
  From subquery(std::string name) const;
  // A common table expression: WITH name AS (SELECT ...).
  Cte cte(std::string name, bool recursive = false) const;
  // (SELECT ...) as a value: the select must return one column.
  template <class T = void>
  Expr<T> scalar_subquery() const {
    return Expr<T>(std::make_shared<ScalarSelectNode>(node_));
  }
  Expr<bool> exists() const;

  const SelectNode& data() const { return static_cast<const SelectNode&>(*node_); }
  explicit Select(std::shared_ptr<SelectNode> node) : Executable(std::move(node)) {}

 private:
  Select copy() const;
  SelectNode& mut();
  void add_column(const ExprBase& e);
  void add_column(const OrderBy& e) = delete;
  void add_column(const From& from);
  Select joined(const From& target, const Expr<bool>& on, JoinKind kind) const;
};

template <class... C>
Select select(const C&... columns) {
  return Select(columns...);
}

class Compound : public Executable {
 public:
  Compound(CompoundOp op, std::vector<Select> selects);
  template <class... O>
  Compound order_by(const O&... items) const {
    Compound out = copy();
    (out.mut().order_by.push_back(detail::order_item(items)), ...);
    return out;
  }
  Compound limit(std::int64_t n) const;
  Compound offset(std::int64_t n) const;
  From subquery(std::string name) const;
  const CompoundNode& data() const { return static_cast<const CompoundNode&>(*node_); }

 private:
  Compound copy() const;
  CompoundNode& mut();
};

template <class... S>
Compound union_(const Select& first, const S&... rest) {
  return Compound(CompoundOp::union_, {first, rest...});
}
template <class... S>
Compound union_all(const Select& first, const S&... rest) {
  return Compound(CompoundOp::union_all, {first, rest...});
}
template <class... S>
Compound intersect(const Select& first, const S&... rest) {
  return Compound(CompoundOp::intersect, {first, rest...});
}
template <class... S>
Compound except_(const Select& first, const S&... rest) {
  return Compound(CompoundOp::except, {first, rest...});
}

// WITH [RECURSIVE] name AS (...): a FROM item whose definition is rendered once, at the
// top of the statement that uses it.
//
//   auto tree = rt::select(task.c("id"), task.c("parent_id"))
//                   .where(task.c("id") == 1).cte("tree", true);
//   tree.union_all(rt::select(task.c("id"), task.c("parent_id"))
//                      .join(tree, task.c("parent_id") == tree.c("id")));
//   rt::select(tree.c("id"));
class Cte : public From {
 public:
  Cte(std::string name, const Select& select, bool recursive);
  // Makes the CTE "<its select> UNION ALL <recursive_part>" (the recursive part may refer
  // to the CTE itself).
  Cte& union_all(const Select& recursive_part);
  Cte& union_(const Select& recursive_part);
};

}  // namespace retort::sql

namespace retort {
using sql::Compound;
using sql::Cte;
using sql::except_;
using sql::From;
using sql::intersect;
using sql::select;
using sql::Select;
using sql::union_;
using sql::union_all;
}  // namespace retort
