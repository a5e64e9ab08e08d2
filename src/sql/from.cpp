#include "retort/sql/from.hpp"

#include "retort/core/error.hpp"
#include "retort/schema/table.hpp"
#include "retort/sql/select.hpp"

namespace retort::sql {
namespace {

struct NamedType {
  std::string name;
  Type type;
};

std::vector<NamedType> columns_of(const Node& node);

std::vector<NamedType> select_columns(const Node& statement) {
  std::vector<NamedType> out;
  if (statement.kind == NodeKind::select) {
    for (const auto& c : static_cast<const SelectNode&>(statement).columns) {
      if (c->kind == NodeKind::star) {
        const auto& s = static_cast<const StarNode&>(*c);
        if (s.from) {
          auto all = columns_of(*s.from);
          out.insert(out.end(), all.begin(), all.end());
        }
        continue;
      }
      out.push_back({result_name(*c), type_of(*c).value_or(Type())});
    }
  } else if (statement.kind == NodeKind::compound) {
    const auto& c = static_cast<const CompoundNode&>(statement);
    if (!c.selects.empty()) return select_columns(*c.selects.front());
  }
  return out;
}

std::vector<NamedType> columns_of(const Node& node) {
  switch (node.kind) {
    case NodeKind::table: {
      std::vector<NamedType> out;
      for (const auto& c : static_cast<const TableNode&>(node).table->columns) {
        out.push_back({c.name, c.type});
      }
      return out;
    }
    case NodeKind::alias:
      return columns_of(*static_cast<const AliasNode&>(node).from);
    case NodeKind::subquery:
      return select_columns(*static_cast<const SubqueryNode&>(node).select);
    case NodeKind::cte: {
      const auto& c = static_cast<const CteNode&>(node);
      auto out = c.select ? select_columns(*c.select) : std::vector<NamedType>{};
      for (std::size_t i = 0; i < c.columns.size(); ++i) {
        if (i < out.size())
          out[i].name = c.columns[i];
        else
          out.push_back({c.columns[i], Type()});
      }
      return out;
    }
    case NodeKind::values: {
      const auto& v = static_cast<const ValuesNode&>(node);
      std::vector<NamedType> out;
      for (std::size_t i = 0; i < v.columns.size(); ++i)
        out.push_back({v.columns[i], v.types[i]});
      return out;
    }
    case NodeKind::join: {
      const auto& j = static_cast<const JoinNode&>(node);
      auto out = columns_of(*j.left);
      auto right = columns_of(*j.right);
      out.insert(out.end(), right.begin(), right.end());
      return out;
    }
    default:
      return {};
  }
}

std::string describe(const Node& node) {
  switch (node.kind) {
    case NodeKind::table:
      return "table '" + static_cast<const TableNode&>(node).table->name + "'";
    case NodeKind::alias:
      return "alias '" + static_cast<const AliasNode&>(node).name + "'";
    case NodeKind::subquery:
      return "subquery '" + static_cast<const SubqueryNode&>(node).name + "'";
    case NodeKind::cte:
      return "CTE '" + static_cast<const CteNode&>(node).name + "'";
    default:
      return "FROM item";
  }
}

}  // namespace

Expr<> From::c(std::string_view name) const {
  if (!node_) throw ArgumentError("c(): empty FROM item");
  if (node_->kind == NodeKind::join) {
    const auto& j = static_cast<const JoinNode&>(*node_);
    for (const NodePtr& side : {j.left, j.right}) {
      for (const auto& col : columns_of(*side)) {
        if (col.name == name) return From(side).c(name);
      }
    }
  } else if (node_->kind == NodeKind::text_from) {
    return Expr<>(std::make_shared<ColumnNode>(node_, std::string(name), Type()));
  } else {
    for (const auto& col : columns_of(*node_)) {
      if (col.name == name) return Expr<>(std::make_shared<ColumnNode>(node_, col.name, col.type));
    }
  }
  std::string known;
  for (const auto& col : columns_of(*node_))
    known += (known.empty() ? "" : ", ") + col.name;
  throw ArgumentError(describe(*node_) + " has no column '" + std::string(name) +
                      "'; its columns are: " + known);
}

std::vector<std::string> From::column_names() const {
  std::vector<std::string> out;
  for (const auto& col : columns_of(*node_))
    out.push_back(col.name);
  return out;
}

std::vector<Expr<>> From::columns() const {
  std::vector<Expr<>> out;
  for (const auto& col : columns_of(*node_)) {
    out.emplace_back(std::make_shared<ColumnNode>(node_, col.name, col.type));
  }
  return out;
}

From From::alias(std::string name) const {
  return From(std::make_shared<AliasNode>(node_, std::move(name)));
}

From From::in_place_of(const std::vector<From>& tables) const {
  NodeList nodes;
  for (const auto& t : tables) {
    if (!t.node() || t.node()->kind != NodeKind::table)
      throw ArgumentError("in_place_of() takes tables");
    nodes.push_back(t.node());
  }
  if (node_ && node_->kind == NodeKind::alias) {
    const auto& a = static_cast<const AliasNode&>(*node_);
    auto out = std::make_shared<AliasNode>(a.from, a.name);
    out->in_place_of = std::move(nodes);
    return From(std::move(out));
  }
  if (node_ && node_->kind == NodeKind::subquery) {
    const auto& q = static_cast<const SubqueryNode&>(*node_);
    auto out = std::make_shared<SubqueryNode>(q.select, q.name, q.lateral);
    out->in_place_of = std::move(nodes);
    return From(std::move(out));
  }
  throw ArgumentError("in_place_of() is for an alias or a subquery");
}

From From::join(const From& right, const Expr<bool>& on) const {
  const NodePtr condition = on.node() ? on.node() : join_condition(*this, right).node();
  return From(std::make_shared<JoinNode>(node_, right.node(), condition, JoinKind::inner));
}

From From::outerjoin(const From& right, const Expr<bool>& on) const {
  const NodePtr condition = on.node() ? on.node() : join_condition(*this, right).node();
  return From(std::make_shared<JoinNode>(node_, right.node(), condition, JoinKind::left));
}

From From::full_join(const From& right, const Expr<bool>& on) const {
  const NodePtr condition = on.node() ? on.node() : join_condition(*this, right).node();
  return From(std::make_shared<JoinNode>(node_, right.node(), condition, JoinKind::full));
}

namespace {

// The tables among a FROM item's parts, each with the node that names it (the table, or
// its alias): a join's sides in order.
void tables_in(const NodePtr& node, std::vector<std::pair<NodePtr, const TableData*>>& out) {
  if (!node) return;
  if (node->kind == NodeKind::table) {
    out.emplace_back(node, static_cast<const TableNode&>(*node).table.get());
  } else if (node->kind == NodeKind::alias) {
    const auto& a = static_cast<const AliasNode&>(*node);
    if (a.from->kind == NodeKind::table)
      out.emplace_back(node, static_cast<const TableNode&>(*a.from).table.get());
  } else if (node->kind == NodeKind::join) {
    const auto& j = static_cast<const JoinNode&>(*node);
    tables_in(j.left, out);
    tables_in(j.right, out);
  }
}

}  // namespace

Expr<bool> join_condition(const From& left, const From& right) {
  std::vector<std::pair<NodePtr, const TableData*>> lefts, rights;
  tables_in(left.node(), lefts);
  tables_in(right.node(), rights);
  if (rights.size() != 1 || (right.node() && right.node()->kind == NodeKind::join))
    throw ArgumentError(
        "join(): the ON condition is found only for a table or an alias of one; "
        "give it");
  const auto& [right_node, right_table] = rights.front();
  std::vector<Expr<bool>> found;
  std::vector<std::string> keys;
  // `holder`'s foreign key to `referred`: holder.columns = referred.referred_columns.
  const auto look = [&](const NodePtr& holder_node, const TableData* holder,
                        const NodePtr& referred_node, const TableData* referred) {
    for (const auto& fk : holder->foreign_keys) {
      if (fk.referred_table != referred->fullname()) continue;
      std::vector<Expr<bool>> pairs;
      for (std::size_t i = 0; i < fk.columns.size() && i < fk.referred_columns.size(); ++i)
        pairs.push_back(From(holder_node).c(fk.columns[i]) ==
                        From(referred_node).c(fk.referred_columns[i]));
      found.push_back(and_(std::move(pairs)));
      std::string cols;
      for (const auto& c : fk.columns)
        cols += (cols.empty() ? "" : ", ") + c;
      keys.push_back(holder->name + "(" + cols + ") -> " + fk.referred_table);
    }
  };
  for (const auto& [left_node, left_table] : lefts) {
    look(right_node, right_table, left_node, left_table);
    if (left_node != right_node) look(left_node, left_table, right_node, right_table);
  }
  if (found.size() == 1) return found.front();
  std::string list;
  for (const auto& k : keys)
    list += (list.empty() ? "" : "; ") + k;
  if (found.empty()) {
    throw ArgumentError("join(): no foreign key links " + describe(*right.node()) + " with " +
                        describe(*left.node()) + "; give the ON condition");
  }
  throw ArgumentError("join(): several foreign keys link " + describe(*right.node()) + " with " +
                      describe(*left.node()) + " (" + list + "); give the ON condition");
}

From From::cross_join(const From& right) const {
  return From(std::make_shared<JoinNode>(node_, right.node(), nullptr, JoinKind::cross));
}

namespace {

From values_of(std::string name, std::vector<std::pair<std::string, Type>> columns,
               std::vector<NodeList> rows, bool arrays = false) {
  if (columns.empty()) throw ArgumentError("values(): a VALUES list needs at least one column");
  std::vector<std::string> names;
  std::vector<Type> types;
  for (auto& [n, t] : columns) {
    names.push_back(std::move(n));
    types.push_back(std::move(t));
  }
  if (rows.empty()) throw ArgumentError("values(): a VALUES list needs at least one row");
  for (const auto& row : rows) {
    if (row.size() != names.size()) {
      throw ArgumentError("values(): a row has " + std::to_string(row.size()) + " values for " +
                          std::to_string(names.size()) + " columns");
    }
  }
  auto node = std::make_shared<ValuesNode>(std::move(name), std::move(names), std::move(types),
                                           std::move(rows));
  node->arrays = arrays;
  return From(std::move(node));
}

}  // namespace

From values(std::string name, std::vector<std::pair<std::string, Type>> columns,
            const std::vector<std::vector<Value>>& rows) {
  std::vector<NodeList> nodes;
  for (const auto& row : rows) {
    if (row.size() != columns.size()) {
      throw ArgumentError("values(): a row has " + std::to_string(row.size()) + " values for " +
                          std::to_string(columns.size()) + " columns");
    }
    NodeList r;
    for (std::size_t i = 0; i < row.size(); ++i)
      r.push_back(std::make_shared<BindNode>(columns[i].second.to_db(row[i]), columns[i].second));
    nodes.push_back(std::move(r));
  }
  return values_of(std::move(name), std::move(columns), std::move(nodes));
}

From unnest(std::string name, std::vector<std::pair<std::string, Type>> columns) {
  NodeList arrays;
  for (const auto& [n, t] : columns)
    arrays.push_back(placeholder_array(t).node());
  return values_of(std::move(name), std::move(columns), {std::move(arrays)}, true);
}

From values(std::string name, std::vector<std::pair<std::string, Type>> columns, std::size_t rows) {
  std::vector<NodeList> nodes(rows);
  for (auto& r : nodes) {
    for (const auto& [n, t] : columns)
      r.push_back(placeholder(t).node());
  }
  return values_of(std::move(name), std::move(columns), std::move(nodes));
}

}  // namespace retort::sql
