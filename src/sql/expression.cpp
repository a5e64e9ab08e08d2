#include "retort/sql/expression.hpp"

#include "retort/core/error.hpp"
#include "retort/schema/table.hpp"
#include "retort/sql/select.hpp"

namespace retort::sql {

std::string result_name(const Node& node) {
  switch (node.kind) {
    case NodeKind::label:
      return static_cast<const LabelNode&>(node).name;
    case NodeKind::column:
      return static_cast<const ColumnNode&>(node).name;
    default:
      return {};
  }
}

std::optional<Type> type_of(const Node& node) {
  switch (node.kind) {
    case NodeKind::column:
      return static_cast<const ColumnNode&>(node).type;
    case NodeKind::bind:
      return static_cast<const BindNode&>(node).type;
    case NodeKind::label:
      return type_of(*static_cast<const LabelNode&>(node).expr);
    case NodeKind::cast:
      return static_cast<const CastNode&>(node).type;
    case NodeKind::function: {
      const auto& f = static_cast<const FunctionNode&>(node);
      if (f.type == Type() && !f.args.empty() &&
          (f.name == "min" || f.name == "max" || f.name == "sum" || f.name == "coalesce" ||
           f.name == "lower" || f.name == "upper" || f.name == "abs")) {
        return type_of(*f.args.front());
      }
      return f.type;
    }
    case NodeKind::binary: {
      const auto& b = static_cast<const BinaryNode&>(node);
      if (b.op == BinaryOp::add || b.op == BinaryOp::sub || b.op == BinaryOp::mul ||
          b.op == BinaryOp::div || b.op == BinaryOp::mod || b.op == BinaryOp::concat) {
        return type_of(*b.left);
      }
      return Boolean();
    }
    case NodeKind::scalar_select: {
      const auto& s = static_cast<const ScalarSelectNode&>(node);
      if (s.select->kind == NodeKind::select) {
        const auto& cols = static_cast<const SelectNode&>(*s.select).columns;
        if (cols.size() == 1) return type_of(*cols.front());
      }
      return std::nullopt;
    }
    case NodeKind::window:
      return type_of(*static_cast<const WindowNode&>(node).function);
    default:
      return std::nullopt;
  }
}

namespace detail {

NodePtr bind_against(const NodePtr& context, Value value) {
  std::optional<Type> type = context ? type_of(*context) : std::nullopt;
  std::string column;
  if (context && context->kind == NodeKind::column) {
    const auto& c = static_cast<const ColumnNode&>(*context);
    if (c.from && c.from->kind == NodeKind::table) {
      column = static_cast<const TableNode&>(*c.from).table->name + ".";
    }
    column += c.name;
  }
  if (type) {
    try {
      value = type->to_db(value);
    } catch (const DataError& e) {
      throw DataError(column.empty() ? e.what() : "column " + column + ": " + e.what());
    }
  }
  return std::make_shared<BindNode>(std::move(value), std::move(type), std::string(),
                                    std::move(column));
}

NodePtr binary(BinaryOp op, NodePtr left, NodePtr right) {
  if (!left || !right) throw ArgumentError("an operand of an SQL expression is empty");
  return std::make_shared<BinaryNode>(op, std::move(left), std::move(right));
}

NodePtr compare(BinaryOp op, const NodePtr& left, Value value) {
  if (value.is_null()) {
    if (op == BinaryOp::eq) return unary(UnaryOp::is_null, left);
    if (op == BinaryOp::ne) return unary(UnaryOp::is_not_null, left);
  }
  return binary(op, left, bind_against(left, std::move(value)));
}

NodePtr unary(UnaryOp op, NodePtr operand) {
  if (!operand) throw ArgumentError("an operand of an SQL expression is empty");
  return std::make_shared<UnaryNode>(op, std::move(operand));
}

NodePtr in(const NodePtr& expr, std::vector<Value> values, bool negated) {
  NodeList items;
  items.reserve(values.size());
  for (auto& v : values)
    items.push_back(bind_against(expr, std::move(v)));
  return std::make_shared<InNode>(expr, std::move(items), negated);
}

NodePtr in_items(const NodePtr& expr, NodeList items, bool negated) {
  return std::make_shared<InNode>(expr, std::move(items), negated);
}

NodePtr in_select(const NodePtr& expr, const Select& select, bool negated) {
  return std::make_shared<InNode>(expr, NodeList{select.node()}, negated);
}

NodePtr like(BinaryOp op, const NodePtr& expr, std::string pattern, std::optional<char> escape) {
  auto right = std::make_shared<BindNode>(Value(std::move(pattern)), std::nullopt);
  return std::make_shared<BinaryNode>(op, expr, std::move(right), escape);
}

NodePtr plus(const NodePtr& left, const NodePtr& right) {
  const auto type = type_of(*left);
  const bool text = type && (type->is_text() || type->kind() == TypeKind::enum_);
  return binary(text ? BinaryOp::concat : BinaryOp::add, left, right);
}

NodePtr label(const NodePtr& expr, std::string name) {
  return std::make_shared<LabelNode>(expr, std::move(name));
}

NodePtr order(const NodePtr& expr, bool descending, Nulls nulls) {
  return std::make_shared<OrderNode>(expr, descending, nulls);
}

NodePtr cast(const NodePtr& expr, Type type) {
  return std::make_shared<CastNode>(expr, std::move(type));
}

NodePtr over(const NodePtr& function, const Window& window) {
  auto node = std::make_shared<WindowNode>(function);
  node->partition_by = window.partitions();
  node->order_by = window.orders();
  node->frame = window.frame_text();
  return node;
}

}  // namespace detail

OrderBy OrderBy::nulls_first() const {
  const auto& o = static_cast<const OrderNode&>(*node_);
  return OrderBy(detail::order(o.expr, o.descending, Nulls::first));
}

OrderBy OrderBy::nulls_last() const {
  const auto& o = static_cast<const OrderNode&>(*node_);
  return OrderBy(detail::order(o.expr, o.descending, Nulls::last));
}

Expr<bool> and_(std::vector<Expr<bool>> conditions) {
  if (conditions.empty())
    return Expr<bool>(std::make_shared<TextNode>("1 = 1", decltype(TextNode::binds){}));
  NodePtr out = conditions.front().node();
  for (std::size_t i = 1; i < conditions.size(); ++i) {
    out = detail::binary(BinaryOp::and_, out, conditions[i].node());
  }
  return Expr<bool>(out);
}

Expr<bool> or_(std::vector<Expr<bool>> conditions) {
  if (conditions.empty())
    return Expr<bool>(std::make_shared<TextNode>("1 != 1", decltype(TextNode::binds){}));
  NodePtr out = conditions.front().node();
  for (std::size_t i = 1; i < conditions.size(); ++i) {
    out = detail::binary(BinaryOp::or_, out, conditions[i].node());
  }
  return Expr<bool>(out);
}

Expr<> placeholder(std::optional<Type> type) {
  auto node = std::make_shared<BindNode>(Value(), std::move(type));
  node->positional = true;
  return Expr<>(std::move(node));
}

Expr<> placeholder_array(Type element) {
  auto node = std::make_shared<BindNode>(Value(), std::move(element));
  node->positional = true;
  node->array = true;
  return Expr<>(std::move(node));
}

Expr<> any(Expr<> array) {
  return Expr<>(std::make_shared<FunctionNode>("ANY", NodeList{array.node()}, Type()));
}

Expr<> null_() {
  return Expr<>(std::make_shared<NullNode>());
}

Expr<> text(std::string sql, std::vector<std::pair<std::string, Value>> binds) {
  return Expr<>(std::make_shared<TextNode>(std::move(sql), std::move(binds)));
}

Expr<std::int64_t> count() {
  return Expr<std::int64_t>(std::make_shared<FunctionNode>(
      "count", NodeList{std::make_shared<StarNode>(nullptr)}, BigInteger()));
}

Expr<std::int64_t> count(const ExprBase& e) {
  return Expr<std::int64_t>(
      std::make_shared<FunctionNode>("count", NodeList{e.node()}, BigInteger()));
}

Expr<std::int64_t> count_distinct(const ExprBase& e) {
  return Expr<std::int64_t>(
      std::make_shared<FunctionNode>("count", NodeList{e.node()}, BigInteger(), true));
}

Expr<Timestamp> now() {
  return Expr<Timestamp>(
      std::make_shared<TextNode>("CURRENT_TIMESTAMP", decltype(TextNode::binds){}));
}

Expr<std::int64_t> row_number() {
  return func<std::int64_t>("row_number");
}
Expr<std::int64_t> rank() {
  return func<std::int64_t>("rank");
}
Expr<std::int64_t> dense_rank() {
  return func<std::int64_t>("dense_rank");
}

Expr<bool> exists(const Select& select) {
  return Expr<bool>(std::make_shared<ExistsNode>(select.node()));
}

OrderBy asc(const ExprBase& e) {
  return OrderBy(detail::order(e.node(), false, Nulls::default_));
}
OrderBy desc(const ExprBase& e) {
  return OrderBy(detail::order(e.node(), true, Nulls::default_));
}
OrderBy asc(std::string name) {
  return OrderBy(detail::order(std::make_shared<ColumnNode>(nullptr, std::move(name), Type()),
                               false, Nulls::default_));
}
OrderBy desc(std::string name) {
  return OrderBy(detail::order(std::make_shared<ColumnNode>(nullptr, std::move(name), Type()), true,
                               Nulls::default_));
}

}  // namespace retort::sql
