// The SQL expression language: column expressions built with C++ operators.
//
//   auto users = metadata.table("user");
//   auto adult = users.c("age") >= 18 && users.c("login").like("a%");
//   auto score = rt::coalesce(users.c("score"), 0) * 2;
//   rt::select(users.c("login"), score.label("double_score")).where(adult);
//
// Expr<T> carries the C++ type of its values where it is known (the ORM's typed columns,
// rt::c(&User::login), are Expr<std::string>); comparing it with a value of an
// incompatible type does not compile. Expr<> (T = void) is checked at run time against
// the column's Type. Values are always bound parameters, never SQL text; comparing with
// a null value produces IS NULL / IS NOT NULL.
#pragma once

#include <concepts>
#include <initializer_list>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "retort/sql/nodes.hpp"

namespace retort::sql {

template <class T = void>
class Expr;
class Select;
class Window;

namespace detail {

template <class T>
struct strip_optional {
  using type = T;
};
template <class T>
struct strip_optional<std::optional<T>> {
  using type = T;
};
template <class T>
using base_t = typename strip_optional<std::remove_cvref_t<T>>::type;

// The element type of IN lists: the column's C++ type, or Value for untyped columns.
template <class T>
using element_t = std::conditional_t<std::is_void_v<base_t<T>>, Value, base_t<T>>;

template <class T>
constexpr bool is_string_like =
    std::is_convertible_v<T, std::string_view> || std::same_as<T, std::string>;

// Whether values of A and B can meet in a comparison or arithmetic.
template <class A, class B>
constexpr bool compatible() {
  using X = base_t<A>;
  using Y = base_t<B>;
  if constexpr (std::is_void_v<X> || std::is_void_v<Y>)
    return true;
  else if constexpr (std::same_as<Y, Null> || std::same_as<Y, std::nullopt_t>)
    return true;
  else if constexpr (std::same_as<X, Value> || std::same_as<Y, Value>)
    return true;
  else if constexpr (std::is_arithmetic_v<X> && std::is_arithmetic_v<Y>)
    return true;
  else if constexpr (is_string_like<X> && is_string_like<Y>)
    return true;
  else if constexpr (std::is_enum_v<X> && (std::same_as<X, Y> || is_string_like<Y>))
    return true;
  else if constexpr (std::same_as<X, Decimal> && std::is_arithmetic_v<Y>)
    return true;
  else if constexpr (std::same_as<X, Uuid> && is_string_like<Y>)
    return true;
  else if constexpr (std::same_as<X, Timestamp> && std::is_convertible_v<Y, Timestamp>)
    return true;
  else
    return std::same_as<X, Y> || std::is_convertible_v<Y, X>;
}

template <class>
inline constexpr bool never = false;

// Fails to compile, naming the fix, when a value of V cannot meet a column of T (the
// types themselves are in the compiler's "required from" lines).
template <class T, class V>
constexpr void check_compatible() {
  using X = base_t<T>;
  using Y = base_t<V>;
  if constexpr (compatible<T, V>()) {
  } else if constexpr (std::same_as<X, std::chrono::year_month_day> && is_string_like<Y>) {
    static_assert(never<V>,
                  "a date column meets dates, not text: write 2020y / 1 / 1 (std::chrono) or "
                  "rt::parse_date(\"2020-01-01\")");
  } else if constexpr (std::same_as<X, Timestamp> && is_string_like<Y>) {
    static_assert(never<V>,
                  "a datetime column meets rt::Timestamp values, not text: write "
                  "rt::parse_timestamp(\"2020-01-01 12:00:00\") or a std::chrono::sys_days "
                  "plus a time");
  } else if constexpr (std::same_as<X, TimeOfDay> && is_string_like<Y>) {
    static_assert(never<V>,
                  "a time column meets rt::TimeOfDay values, not text: write rt::TimeOfDay(12, "
                  "30) or rt::parse_time(\"12:30:00\")");
  } else if constexpr (std::is_arithmetic_v<X> && is_string_like<Y>) {
    static_assert(never<V>, "a numeric column meets numbers, not text: write the number itself");
  } else if constexpr (is_string_like<X> && std::is_arithmetic_v<Y>) {
    static_assert(never<V>,
                  "a text column meets text, not numbers: write std::to_string(n), or "
                  ".cast<std::int64_t>(rt::Integer()) the column");
  } else {
    static_assert(never<V>,
                  "this value's C++ type cannot meet the column's (both are named in the "
                  "\"required from\" lines below): convert the value to the column's type");
  }
}

template <class T>
struct is_expr : std::false_type {};
template <class T>
struct is_expr<Expr<T>> : std::true_type {};

template <class V>
concept plain_value = !is_expr<std::remove_cvref_t<V>>::value;

// Turns a C++ value into a Value; enums bind as their underlying integer.
template <class V>
Value to_value(const V& v) {
  if constexpr (std::is_enum_v<V>) {
    return Value(static_cast<std::int64_t>(v));
  } else if constexpr (std::is_same_v<V, std::nullopt_t>) {
    return Value();
  } else {
    return Value(v);
  }
}

// Node builders behind the templates.
NodePtr bind_against(const NodePtr& context, Value value);
NodePtr binary(BinaryOp op, NodePtr left, NodePtr right);
NodePtr compare(BinaryOp op, const NodePtr& left, Value value);
NodePtr unary(UnaryOp op, NodePtr operand);
NodePtr in(const NodePtr& expr, std::vector<Value> values, bool negated);
NodePtr in_select(const NodePtr& expr, const Select& select, bool negated);
NodePtr in_items(const NodePtr& expr, NodeList items, bool negated);
NodePtr like(BinaryOp op, const NodePtr& expr, std::string pattern, std::optional<char> escape);
NodePtr plus(const NodePtr& left, const NodePtr& right);
NodePtr label(const NodePtr& expr, std::string name);
NodePtr order(const NodePtr& expr, bool descending, Nulls nulls);
NodePtr cast(const NodePtr& expr, Type type);
NodePtr over(const NodePtr& function, const Window& window);

}  // namespace detail

// What every expression shares: its node.
class ExprBase {
 public:
  ExprBase() = default;
  explicit ExprBase(NodePtr node) : node_(std::move(node)) {}
  const NodePtr& node() const { return node_; }
  // The column type, where the expression has one.
  std::optional<Type> type() const { return node_ ? type_of(*node_) : std::nullopt; }

 protected:
  NodePtr node_;
};

// An ORDER BY item: expr ASC/DESC [NULLS FIRST/LAST].
class OrderBy : public ExprBase {
 public:
  using ExprBase::ExprBase;
  OrderBy nulls_first() const;
  OrderBy nulls_last() const;
};

template <class T>
class Expr : public ExprBase {
 public:
  using value_type = T;
  using ExprBase::ExprBase;
  // Any expression may be viewed as untyped, and an untyped one (rt::text(), a Core
  // table's column) as any type.
  template <class U>
  requires(!std::same_as<U, T> && (std::is_void_v<T> || std::is_void_v<U>))
      Expr(const Expr<U>& other)
      : ExprBase(other.node()) {}

  OrderBy asc() const { return OrderBy(detail::order(node_, false, Nulls::default_)); }
  OrderBy desc() const { return OrderBy(detail::order(node_, true, Nulls::default_)); }
  Expr label(std::string name) const { return Expr(detail::label(node_, std::move(name))); }

  Expr<bool> is_null() const { return Expr<bool>(detail::unary(UnaryOp::is_null, node_)); }
  Expr<bool> is_not_null() const { return Expr<bool>(detail::unary(UnaryOp::is_not_null, node_)); }
  // IS DISTINCT FROM: a NULL-safe "!=".
  template <class V>
  Expr<bool> is_distinct_from(const V& v) const {
    return Expr<bool>(detail::binary(BinaryOp::is_distinct_from, node_, operand(v)));
  }
  template <class V>
  Expr<bool> is_not_distinct_from(const V& v) const {
    return Expr<bool>(detail::binary(BinaryOp::is_not_distinct_from, node_, operand(v)));
  }

  Expr<bool> like(std::string pattern, std::optional<char> escape = {}) const {
    return Expr<bool>(detail::like(BinaryOp::like, node_, std::move(pattern), escape));
  }
  Expr<bool> not_like(std::string pattern, std::optional<char> escape = {}) const {
    return Expr<bool>(detail::like(BinaryOp::not_like, node_, std::move(pattern), escape));
  }
  // Case-insensitive LIKE (ILIKE on PostgreSQL, lower() LIKE lower() on SQLite).
  Expr<bool> ilike(std::string pattern, std::optional<char> escape = {}) const {
    return Expr<bool>(detail::like(BinaryOp::ilike, node_, std::move(pattern), escape));
  }
  Expr<bool> not_ilike(std::string pattern, std::optional<char> escape = {}) const {
    return Expr<bool>(detail::like(BinaryOp::not_ilike, node_, std::move(pattern), escape));
  }
  Expr<bool> startswith(const std::string& prefix) const {
    return like(escaped(prefix) + "%", '\\');
  }
  Expr<bool> endswith(const std::string& suffix) const { return like("%" + escaped(suffix), '\\'); }
  Expr<bool> contains(const std::string& part) const {
    return like("%" + escaped(part) + "%", '\\');
  }

  template <class V = detail::element_t<T>>
  Expr<bool> in_(const std::vector<V>& values) const {
    return Expr<bool>(detail::in(node_, to_values(values), false));
  }
  template <class V = detail::element_t<T>>
  Expr<bool> in_(std::initializer_list<V> values) const {
    return in_(std::vector<V>(values));
  }
  Expr<bool> in_(const Select& select) const {
    return Expr<bool>(detail::in_select(node_, select, false));
  }
  // IN a list of expressions (columns, rt::sql::placeholder()s, tuples).
  Expr<bool> in_(const std::vector<Expr<>>& items) const {
    NodeList nodes;
    for (const auto& e : items)
      nodes.push_back(e.node());
    return Expr<bool>(detail::in_items(node_, std::move(nodes), false));
  }
  template <class V = detail::element_t<T>>
  Expr<bool> not_in(const std::vector<V>& values) const {
    return Expr<bool>(detail::in(node_, to_values(values), true));
  }
  template <class V = detail::element_t<T>>
  Expr<bool> not_in(std::initializer_list<V> values) const {
    return not_in(std::vector<V>(values));
  }
  Expr<bool> not_in(const Select& select) const {
    return Expr<bool>(detail::in_select(node_, select, true));
  }

  template <class L, class H>
  Expr<bool> between(const L& low, const H& high) const {
    check_bounds<L, H>();
    return Expr<bool>(std::make_shared<BetweenNode>(node_, operand(low), operand(high), false));
  }
  template <class L, class H>
  Expr<bool> not_between(const L& low, const H& high) const {
    check_bounds<L, H>();
    return Expr<bool>(std::make_shared<BetweenNode>(node_, operand(low), operand(high), true));
  }

  // String concatenation (||).
  template <class V>
  Expr concat(const V& other) const {
    return Expr(detail::binary(BinaryOp::concat, node_, operand(other)));
  }

  // CAST(expr AS type), seen from C++ as U.
  template <class U = void>
  Expr<U> cast(Type type) const {
    return Expr<U>(detail::cast(node_, std::move(type)));
  }

  // A window function call: rank().over(rt::window().partition_by(x).order_by(y.desc())).
  Expr over(const Window& window) const { return Expr(detail::over(node_, window)); }

  // The node for a right-hand operand: an expression's own, or a value bound against
  // this expression's type.
  template <class V>
  NodePtr operand(const V& v) const {
    if constexpr (detail::is_expr<V>::value || std::is_same_v<V, OrderBy>) {
      return v.node();
    } else {
      detail::check_compatible<T, V>();
      return detail::bind_against(node_, detail::to_value(v));
    }
  }

 private:
  template <class L, class H>
  static constexpr void check_bounds() {
    if constexpr (!detail::is_expr<L>::value) detail::check_compatible<T, L>();
    if constexpr (!detail::is_expr<H>::value) detail::check_compatible<T, H>();
  }
  template <class V>
  static std::vector<Value> to_values(const std::vector<V>& values) {
    detail::check_compatible<T, V>();
    std::vector<Value> out;
    out.reserve(values.size());
    for (const auto& v : values)
      out.push_back(detail::to_value(v));
    return out;
  }
  static std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  }
};

// Comparison operators: Expr with Expr, or Expr with a value (bound, never inlined).
#define RETORT_SQL_COMPARISON(op, code)                                                  \
  template <class A, class B>                                                            \
  requires(detail::compatible<A, B>()) Expr<bool>                                        \
  operator op(const Expr<A>& a, const Expr<B>& b) {                                      \
    return Expr<bool>(detail::binary(BinaryOp::code, a.node(), b.node()));               \
  }                                                                                      \
  template <class A, detail::plain_value V>                                              \
  requires(detail::compatible<A, V>()) Expr<bool>                                        \
  operator op(const Expr<A>& a, const V& v) {                                            \
    return Expr<bool>(detail::compare(BinaryOp::code, a.node(), detail::to_value(v)));   \
  }                                                                                      \
  template <detail::plain_value V, class A>                                              \
  requires(detail::compatible<A, V>()) Expr<bool>                                        \
  operator op(const V& v, const Expr<A>& a) {                                            \
    return Expr<bool>(detail::binary(                                                    \
        BinaryOp::code, detail::bind_against(a.node(), detail::to_value(v)), a.node())); \
  }                                                                                      \
  /* A value that cannot meet the column: one error that names the fix, in place of */   \
  /* every candidate operator. */                                                        \
  template <class A, detail::plain_value V>                                              \
  requires(!detail::compatible<A, V>()) Expr<bool>                                       \
  operator op(const Expr<A>&, const V&) {                                                \
    detail::check_compatible<A, V>();                                                    \
    return {};                                                                           \
  }                                                                                      \
  template <detail::plain_value V, class A>                                              \
  requires(!detail::compatible<A, V>()) Expr<bool>                                       \
  operator op(const V&, const Expr<A>&) {                                                \
    detail::check_compatible<A, V>();                                                    \
    return {};                                                                           \
  }

RETORT_SQL_COMPARISON(==, eq)
RETORT_SQL_COMPARISON(!=, ne)
RETORT_SQL_COMPARISON(<, lt)
RETORT_SQL_COMPARISON(<=, le)
RETORT_SQL_COMPARISON(>, gt)
RETORT_SQL_COMPARISON(>=, ge)
#undef RETORT_SQL_COMPARISON

// Arithmetic. "+" on text columns concatenates, as in SQLAlchemy.
#define RETORT_SQL_ARITHMETIC(op, code)                                                  \
  template <class A, class B>                                                            \
  requires(detail::compatible<A, B>()) Expr<A>                                           \
  operator op(const Expr<A>& a, const Expr<B>& b) {                                      \
    return Expr<A>(code(a.node(), b.node()));                                            \
  }                                                                                      \
  template <class A, detail::plain_value V>                                              \
  requires(detail::compatible<A, V>()) Expr<A>                                           \
  operator op(const Expr<A>& a, const V& v) {                                            \
    return Expr<A>(code(a.node(), detail::bind_against(a.node(), detail::to_value(v)))); \
  }                                                                                      \
  template <detail::plain_value V, class A>                                              \
  requires(detail::compatible<A, V>()) Expr<A>                                           \
  operator op(const V& v, const Expr<A>& a) {                                            \
    return Expr<A>(code(detail::bind_against(a.node(), detail::to_value(v)), a.node())); \
  }

namespace detail {
inline NodePtr sub(NodePtr a, NodePtr b) {
  return binary(BinaryOp::sub, std::move(a), std::move(b));
}
inline NodePtr mul(NodePtr a, NodePtr b) {
  return binary(BinaryOp::mul, std::move(a), std::move(b));
}
inline NodePtr div(NodePtr a, NodePtr b) {
  return binary(BinaryOp::div, std::move(a), std::move(b));
}
inline NodePtr mod(NodePtr a, NodePtr b) {
  return binary(BinaryOp::mod, std::move(a), std::move(b));
}
}  // namespace detail

RETORT_SQL_ARITHMETIC(+, detail::plus)
RETORT_SQL_ARITHMETIC(-, detail::sub)
RETORT_SQL_ARITHMETIC(*, detail::mul)
RETORT_SQL_ARITHMETIC(/, detail::div)
RETORT_SQL_ARITHMETIC(%, detail::mod)
#undef RETORT_SQL_ARITHMETIC

template <class A>
Expr<A> operator-(const Expr<A>& a) {
  return Expr<A>(detail::unary(UnaryOp::negate, a.node()));
}

// Boolean connectives.
template <class A, class B>
Expr<bool> operator&&(const Expr<A>& a, const Expr<B>& b) {
  return Expr<bool>(detail::binary(BinaryOp::and_, a.node(), b.node()));
}
template <class A, class B>
Expr<bool> operator||(const Expr<A>& a, const Expr<B>& b) {
  return Expr<bool>(detail::binary(BinaryOp::or_, a.node(), b.node()));
}
template <class A>
Expr<bool> operator!(const Expr<A>& a) {
  return Expr<bool>(detail::unary(UnaryOp::not_, a.node()));
}

// AND / OR of any number of conditions (empty: no condition, i.e. true / false).
Expr<bool> and_(std::vector<Expr<bool>> conditions);
Expr<bool> or_(std::vector<Expr<bool>> conditions);
template <class... E>
Expr<bool> and_(const E&... conditions) {
  return and_(std::vector<Expr<bool>>{Expr<bool>(conditions.node())...});
}
template <class... E>
Expr<bool> or_(const E&... conditions) {
  return or_(std::vector<Expr<bool>>{Expr<bool>(conditions.node())...});
}
template <class A>
Expr<bool> not_(const Expr<A>& a) {
  return !a;
}

// A value as a bound parameter: rt::literal(5).
template <class V>
Expr<detail::base_t<V>> literal(const V& v) {
  return Expr<detail::base_t<V>>(std::make_shared<BindNode>(detail::to_value(v), std::nullopt));
}
// A parameter whose value is supplied at execution: conn.execute(stmt, {{"name", v}}).
template <class T = void>
Expr<T> bindparam(std::string name, std::optional<Type> type = std::nullopt) {
  return Expr<T>(std::make_shared<BindNode>(Value(), std::move(type), std::move(name)));
}
// A parameter bound by its position among the compiled statement's "?" (in order of
// appearance), by whoever runs the compiled SQL with the driver's typed binders: the
// ORM's statements, compiled once and run many times. Executable::bind refuses them.
Expr<> placeholder(std::optional<Type> type = std::nullopt);
// A positional parameter holding a list of values of type `element`, bound between
// driver::Statement::begin_array and end_array; only on dialects that bind arrays
// (PostgreSQL). any(array) compares with its elements: c == rt::sql::any(array).
Expr<> placeholder_array(Type element);
Expr<> any(Expr<> array);
// NULL as an expression.
Expr<> null_();
// Literal SQL with ":name" parameters: rt::text("age > :min", {{"min", 18}}).
Expr<> text(std::string sql, std::vector<std::pair<std::string, Value>> binds = {});
// (a, b, ...) for row-value comparisons.
template <class... E>
Expr<> tuple(const E&... items) {
  return Expr<>(std::make_shared<TupleNode>(NodeList{items.node()...}));
}

namespace detail {
// An argument: an expression as it is, a plain value as a bound parameter.
template <class A>
NodePtr argument(const A& a) {
  if constexpr (std::is_base_of_v<ExprBase, A>) {
    return a.node();
  } else {
    return literal(a).node();
  }
}
}  // namespace detail

// Functions. func() calls any SQL function by name; arguments are expressions or plain
// values (rt::func("round", price, 2)).
template <class T = void, class... A>
Expr<T> func(std::string name, const A&... args) {
  return Expr<T>(
      std::make_shared<FunctionNode>(std::move(name), NodeList{detail::argument(args)...}, Type()));
}

// ORDER BY an expression, or a name: a label of the select list (rt::desc("posts")) or a
// column of the FROM clause.
OrderBy asc(const ExprBase& e);
OrderBy desc(const ExprBase& e);
OrderBy asc(std::string name);
OrderBy desc(std::string name);
Expr<std::int64_t> count();
Expr<std::int64_t> count(const ExprBase& e);
Expr<std::int64_t> count_distinct(const ExprBase& e);
template <class T>
Expr<T> sum(const Expr<T>& e) {
  return func<T>("sum", e);
}
template <class T>
Expr<T> min(const Expr<T>& e) {
  return func<T>("min", e);
}
template <class T>
Expr<T> max(const Expr<T>& e) {
  return func<T>("max", e);
}
template <class T>
Expr<double> avg(const Expr<T>& e) {
  return func<double>("avg", e);
}
template <class T>
Expr<T> lower(const Expr<T>& e) {
  return func<T>("lower", e);
}
template <class T>
Expr<T> upper(const Expr<T>& e) {
  return func<T>("upper", e);
}
template <class T>
Expr<std::int64_t> length(const Expr<T>& e) {
  return func<std::int64_t>("length", e);
}
template <class T>
Expr<T> abs(const Expr<T>& e) {
  return func<T>("abs", e);
}
// COALESCE(e, fallback...): the first non-NULL.
template <class T, class... V>
Expr<T> coalesce(const Expr<T>& e, const V&... fallbacks) {
  return Expr<T>(std::make_shared<FunctionNode>(
      "coalesce", NodeList{e.node(), e.operand(fallbacks)...}, e.type().value_or(Type())));
}
// The current date and time on the server.
Expr<Timestamp> now();

// Window functions.
Expr<std::int64_t> row_number();
Expr<std::int64_t> rank();
Expr<std::int64_t> dense_rank();

// OVER (PARTITION BY ... ORDER BY ... frame)
class Window {
 public:
  template <class... E>
  Window& partition_by(const E&... e) {
    (partition_.push_back(e.node()), ...);
    return *this;
  }
  template <class... E>
  Window& order_by(const E&... e) {
    (order_.push_back(e.node()), ...);
    return *this;
  }
  // e.g. "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
  Window& frame(std::string text) {
    frame_ = std::move(text);
    return *this;
  }
  const NodeList& partitions() const { return partition_; }
  const NodeList& orders() const { return order_; }
  const std::string& frame_text() const { return frame_; }

 private:
  NodeList partition_, order_;
  std::string frame_;
};
inline Window window() {
  return Window();
}

// CASE WHEN c1 THEN v1 WHEN c2 THEN v2 ELSE v END
class Case {
 public:
  template <class C, class V>
  Case& when(const Expr<C>& condition, const V& value) {
    node_->whens.emplace_back(condition.node(), operand(value));
    return *this;
  }
  template <class V>
  Expr<> else_(const V& value) {
    node_->else_ = operand(value);
    return end();
  }
  Expr<> end() { return Expr<>(node_); }

 private:
  template <class V>
  static NodePtr operand(const V& v) {
    if constexpr (detail::is_expr<V>::value)
      return v.node();
    else
      return std::make_shared<BindNode>(detail::to_value(v), std::nullopt);
  }
  std::shared_ptr<CaseNode> node_ = std::make_shared<CaseNode>();
};
inline Case case_() {
  return Case();
}

// EXISTS (SELECT ...)
Expr<bool> exists(const Select& select);

}  // namespace retort::sql

namespace retort {
using sql::abs;
using sql::and_;
using sql::asc;
using sql::avg;
using sql::bindparam;
using sql::case_;
using sql::coalesce;
using sql::count;
using sql::count_distinct;
using sql::dense_rank;
using sql::desc;
using sql::exists;
using sql::Expr;
using sql::func;
using sql::length;
using sql::literal;
using sql::lower;
using sql::max;
using sql::min;
using sql::not_;
using sql::now;
using sql::null_;
using sql::or_;
using sql::rank;
using sql::row_number;
using sql::sum;
using sql::text;
using sql::tuple;
using sql::upper;
using sql::window;
}  // namespace retort
