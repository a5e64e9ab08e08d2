// The expression tree behind the SQL expression language (see expression.hpp for the
// API users write). Nodes are immutable and shared; building a statement never copies a
// subtree. The compiler (compiler.hpp) walks them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "retort/core/value.hpp"
#include "retort/schema/type.hpp"

namespace retort {
struct TableData;
}

namespace retort::sql {

enum class NodeKind : std::uint8_t {
  // column expressions
  column,
  bind,
  null,
  text,
  unary,
  binary,
  function,
  case_,
  cast,
  label,
  order,
  in_list,
  between,
  scalar_select,
  exists,
  tuple,
  star,
  window,
  // FROM clauses
  table,
  alias,
  join,
  subquery,
  cte,
  text_from,
  values,
  // statements
  select,
  compound,
  insert,
  update,
  delete_,
};

struct Node {
  explicit Node(NodeKind k) : kind(k) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  const NodeKind kind;
};

using NodePtr = std::shared_ptr<const Node>;
using NodeList = std::vector<NodePtr>;

// A column of a FROM clause: a table's column, an alias's, a subquery's.
struct ColumnNode : Node {
  ColumnNode(NodePtr from_, std::string name_, Type type_)
      : Node(NodeKind::column),
        from(std::move(from_)),
        name(std::move(name_)),
        type(std::move(type_)) {}
  NodePtr from;  // table, alias, subquery or CTE; null for a bare column name
  std::string name;
  Type type;
};

// A bound value, or with a name and no value, a parameter supplied at execution
// (rt::bindparam).
struct BindNode : Node {
  BindNode(Value v, std::optional<Type> t, std::string n = {}, std::string c = {})
      : Node(NodeKind::bind),
        value(std::move(v)),
        type(std::move(t)),
        name(std::move(n)),
        column(std::move(c)) {}
  Value value;               // already converted by type->to_db()
  std::optional<Type> type;  // the column type the value is compared with or stored in
  std::string name;          // non-empty: supplied at execution
  std::string column;        // "table.column" the value belongs to, for messages
  // A parameter the caller binds itself, by its position among the compiled statement's
  // parameters (rt::sql::placeholder: the ORM's typed binding).
  bool positional = false;
  // A positional parameter holding a list of values of `type` (sql::placeholder_array).
  bool array = false;
  // A client-side column default, computed at each execution.
  std::function<Value()> factory;
};

struct NullNode : Node {
  NullNode() : Node(NodeKind::null) {}
};

// Literal SQL (rt::text) with ":name" parameters bound from `binds`.
struct TextNode : Node {
  TextNode(std::string t, std::vector<std::pair<std::string, Value>> b)
      : Node(NodeKind::text), sql(std::move(t)), binds(std::move(b)) {}
  std::string sql;
  std::vector<std::pair<std::string, Value>> binds;
};

enum class UnaryOp : std::uint8_t { not_, negate, is_null, is_not_null, distinct };

struct UnaryNode : Node {
  UnaryNode(UnaryOp o, NodePtr e) : Node(NodeKind::unary), op(o), operand(std::move(e)) {}
  UnaryOp op;
  NodePtr operand;
};

enum class BinaryOp : std::uint8_t {
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  and_,
  or_,
  add,
  sub,
  mul,
  div,
  mod,
  concat,
  like,
  not_like,
  ilike,
  not_ilike,
  is,
  is_not,
  is_distinct_from,
  is_not_distinct_from,
};

struct BinaryNode : Node {
  BinaryNode(BinaryOp o, NodePtr l, NodePtr r, std::optional<char> esc = {})
      : Node(NodeKind::binary), op(o), left(std::move(l)), right(std::move(r)), escape(esc) {}
  BinaryOp op;
  NodePtr left, right;
  std::optional<char> escape;  // LIKE ... ESCAPE
};

struct FunctionNode : Node {
  FunctionNode(std::string n, NodeList a, Type t, bool d = false)
      : Node(NodeKind::function),
        name(std::move(n)),
        args(std::move(a)),
        type(std::move(t)),
        distinct(d) {}
  std::string name;
  NodeList args;
  Type type;       // of the result
  bool distinct;   // count(DISTINCT x)
  NodePtr filter;  // FILTER (WHERE ...)
};

struct CaseNode : Node {
  CaseNode() : Node(NodeKind::case_) {}
  std::vector<std::pair<NodePtr, NodePtr>> whens;
  NodePtr else_;
};

struct CastNode : Node {
  CastNode(NodePtr e, Type t) : Node(NodeKind::cast), expr(std::move(e)), type(std::move(t)) {}
  NodePtr expr;
  Type type;
};

struct LabelNode : Node {
  LabelNode(NodePtr e, std::string n)
      : Node(NodeKind::label), expr(std::move(e)), name(std::move(n)) {}
  NodePtr expr;
  std::string name;
};

enum class Nulls : std::uint8_t { default_, first, last };

struct OrderNode : Node {
  OrderNode(NodePtr e, bool d, Nulls n)
      : Node(NodeKind::order), expr(std::move(e)), descending(d), nulls(n) {}
  NodePtr expr;
  bool descending;
  Nulls nulls;
};

// x IN (a, b, c) or x IN (SELECT ...) when the single item is a select.
struct InNode : Node {
  InNode(NodePtr e, NodeList v, bool n)
      : Node(NodeKind::in_list), expr(std::move(e)), items(std::move(v)), negated(n) {}
  NodePtr expr;
  NodeList items;
  bool negated;
};

struct BetweenNode : Node {
  BetweenNode(NodePtr e, NodePtr l, NodePtr h, bool n)
      : Node(NodeKind::between),
        expr(std::move(e)),
        low(std::move(l)),
        high(std::move(h)),
        negated(n) {}
  NodePtr expr, low, high;
  bool negated;
};

// (SELECT ...) used as a value.
struct ScalarSelectNode : Node {
  explicit ScalarSelectNode(NodePtr s) : Node(NodeKind::scalar_select), select(std::move(s)) {}
  NodePtr select;
};

struct ExistsNode : Node {
  explicit ExistsNode(NodePtr s) : Node(NodeKind::exists), select(std::move(s)) {}
  NodePtr select;
};

// (a, b) for row comparisons and multi-column IN.
struct TupleNode : Node {
  explicit TupleNode(NodeList e) : Node(NodeKind::tuple), items(std::move(e)) {}
  NodeList items;
};

// * or table.*
struct StarNode : Node {
  explicit StarNode(NodePtr f) : Node(NodeKind::star), from(std::move(f)) {}
  NodePtr from;
};

struct WindowNode : Node {
  WindowNode(NodePtr f) : Node(NodeKind::window), function(std::move(f)) {}
  NodePtr function;
  NodeList partition_by;
  NodeList order_by;
  std::string frame;  // e.g. "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
};

struct TableNode : Node {
  explicit TableNode(std::shared_ptr<TableData> t) : Node(NodeKind::table), table(std::move(t)) {}
  std::shared_ptr<TableData> table;
};

// A FROM clause under another name: a table alias, or a subquery's name.
struct AliasNode : Node {
  AliasNode(NodePtr f, std::string n)
      : Node(NodeKind::alias), from(std::move(f)), name(std::move(n)) {}
  NodePtr from;
  std::string name;
  NodeList in_place_of;  // tables whose columns refer to this item's (From::in_place_of)
};

enum class JoinKind : std::uint8_t { inner, left, right, full, cross };

struct JoinNode : Node {
  JoinNode(NodePtr l, NodePtr r, NodePtr o, JoinKind k)
      : Node(NodeKind::join), left(std::move(l)), right(std::move(r)), on(std::move(o)), join(k) {}
  NodePtr left, right, on;
  JoinKind join;
};

// (SELECT ...) AS name in a FROM clause.
struct SubqueryNode : Node {
  SubqueryNode(NodePtr s, std::string n, bool lat = false)
      : Node(NodeKind::subquery), select(std::move(s)), name(std::move(n)), lateral(lat) {}
  NodePtr select;
  std::string name;
  bool lateral;
  NodeList in_place_of;  // tables whose columns refer to this item's (From::in_place_of)
};

// WITH [RECURSIVE] name (columns) AS (SELECT ...)
struct CteNode : Node {
  CteNode(std::string n, std::vector<std::string> cols, bool rec)
      : Node(NodeKind::cte), name(std::move(n)), columns(std::move(cols)), recursive(rec) {}
  std::string name;
  std::vector<std::string> columns;
  bool recursive;
  // The definition; empty in the node a recursive part refers to (see Cte::union_all).
  NodePtr select;
};

// Rows as a FROM item: (VALUES (...), (...)) AS name (columns).
struct ValuesNode : Node {
  ValuesNode(std::string n, std::vector<std::string> c, std::vector<Type> t,
             std::vector<NodeList> r)
      : Node(NodeKind::values),
        name(std::move(n)),
        columns(std::move(c)),
        types(std::move(t)),
        rows(std::move(r)) {}
  std::string name;
  std::vector<std::string> columns;
  std::vector<Type> types;
  std::vector<NodeList> rows;
  bool arrays = false;  // one row of array parameters, one per column (sql::unnest)
};

struct TextFromNode : Node {
  TextFromNode(std::string t, std::string n)
      : Node(NodeKind::text_from), sql(std::move(t)), name(std::move(n)) {}
  std::string sql;
  std::string name;
};

// The result column's name: a label's, a column's, or empty.
std::string result_name(const Node& node);
// The value type an expression produces, when known.
std::optional<Type> type_of(const Node& node);

}  // namespace retort::sql
