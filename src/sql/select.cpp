#include "retort/sql/select.hpp"

#include "retort/core/error.hpp"

namespace retort::sql {

Select::Select() : Executable(std::make_shared<SelectNode>()) {}

Select Select::copy() const {
  auto node = std::make_shared<SelectNode>();
  const auto& d = data();
  node->columns = d.columns;
  node->froms = d.froms;
  node->where = d.where;
  node->group_by = d.group_by;
  node->having = d.having;
  node->order_by = d.order_by;
  node->limit = d.limit;
  node->offset = d.offset;
  node->distinct = d.distinct;
  node->distinct_on = d.distinct_on;
  node->for_update = d.for_update;
  node->no_correlate = d.no_correlate;
  return Select(std::move(node));
}

SelectNode& Select::mut() {
  return static_cast<SelectNode&>(*node_);
}

void Select::add_column(const ExprBase& e) {
  if (!e.node()) throw ArgumentError("select(): an empty column expression");
  mut().columns.push_back(e.node());
}

void Select::add_column(const From& from) {
  for (const auto& c : from.columns())
    mut().columns.push_back(c.node());
}

Select Select::where(const Expr<bool>& condition) const {
  Select out = copy();
  if (condition.node()) out.mut().where.push_back(condition.node());
  return out;
}

Select Select::select_from(const From& from) const {
  Select out = copy();
  out.mut().froms.push_back(from.node());
  return out;
}

Select Select::joined(const From& target, const Expr<bool>& on, JoinKind kind) const {
  Select out = copy();
  auto& froms = out.mut().froms;
  if (froms.empty()) {
    // Join onto the first table the columns name.
    NodePtr left;
    for (const auto& c : data().columns) {
      if (c->kind == NodeKind::column) {
        left = static_cast<const ColumnNode&>(*c).from;
      } else if (c->kind == NodeKind::star) {
        left = static_cast<const StarNode&>(*c).from;
      }
      if (left) break;
    }
    if (!left) throw ArgumentError("join(): no table to join from; call select_from() first");
    froms.push_back(left);
  }
  const NodePtr condition = on.node() || kind == JoinKind::cross
                                ? on.node()
                                : join_condition(From(froms.back()), target).node();
  froms.back() = std::make_shared<JoinNode>(froms.back(), target.node(), condition, kind);
  return out;
}

Select Select::join(const From& target, const Expr<bool>& on) const {
  return joined(target, on, JoinKind::inner);
}
Select Select::outerjoin(const From& target, const Expr<bool>& on) const {
  return joined(target, on, JoinKind::left);
}
Select Select::full_join(const From& target, const Expr<bool>& on) const {
  return joined(target, on, JoinKind::full);
}

Select Select::having(const Expr<bool>& condition) const {
  Select out = copy();
  out.mut().having.push_back(condition.node());
  return out;
}

Select Select::limit(std::int64_t n) const {
  Select out = copy();
  out.mut().limit = std::make_shared<BindNode>(Value(n), BigInteger());
  return out;
}

Select Select::offset(std::int64_t n) const {
  Select out = copy();
  out.mut().offset = std::make_shared<BindNode>(Value(n), BigInteger());
  return out;
}

Select Select::distinct() const {
  Select out = copy();
  out.mut().distinct = true;
  return out;
}

Select Select::for_update() const {
  Select out = copy();
  out.mut().for_update = true;
  return out;
}

From Select::subquery(std::string name) const {
  return From(std::make_shared<SubqueryNode>(node_, std::move(name)));
}

Cte Select::cte(std::string name, bool recursive) const {
  return Cte(std::move(name), *this, recursive);
}

Expr<bool> Select::exists() const {
  return sql::exists(*this);
}

Compound::Compound(CompoundOp op, std::vector<Select> selects)
    : Executable(std::make_shared<CompoundNode>()) {
  auto& node = mut();
  node.op = op;
  for (const auto& s : selects)
    node.selects.push_back(s.node());
}

Compound Compound::copy() const {
  std::vector<Select> none;
  Compound out(data().op, none);
  auto& node = out.mut();
  node.selects = data().selects;
  node.order_by = data().order_by;
  node.limit = data().limit;
  node.offset = data().offset;
  return out;
}

CompoundNode& Compound::mut() {
  return static_cast<CompoundNode&>(*node_);
}

Compound Compound::limit(std::int64_t n) const {
  Compound out = copy();
  out.mut().limit = std::make_shared<BindNode>(Value(n), BigInteger());
  return out;
}

Compound Compound::offset(std::int64_t n) const {
  Compound out = copy();
  out.mut().offset = std::make_shared<BindNode>(Value(n), BigInteger());
  return out;
}

From Compound::subquery(std::string name) const {
  return From(std::make_shared<SubqueryNode>(node_, std::move(name)));
}

Cte::Cte(std::string name, const Select& select, bool recursive) {
  auto node = std::make_shared<CteNode>(std::move(name), std::vector<std::string>{}, recursive);
  node->select = select.node();
  node_ = std::move(node);
}

namespace {
// The recursive part was written against the CTE's node, so that node cannot own the
// definition (the two would own each other and never be freed). The definition goes into
// a new node of the same name; the old one stays behind as a name-only reference.
NodePtr extend(const NodePtr& cte, CompoundOp op, const Select& part) {
  auto& inner = const_cast<CteNode&>(static_cast<const CteNode&>(*cte));
  auto outer = std::make_shared<CteNode>(inner.name, inner.columns, inner.recursive);
  auto compound = std::make_shared<CompoundNode>();
  compound->op = op;
  compound->selects = {std::move(inner.select), part.node()};
  outer->select = std::move(compound);
  return outer;
}
}  // namespace

Cte& Cte::union_all(const Select& part) {
  node_ = extend(node_, CompoundOp::union_all, part);
  return *this;
}

Cte& Cte::union_(const Select& part) {
  node_ = extend(node_, CompoundOp::union_, part);
  return *this;
}

}  // namespace retort::sql
