#include "compiler.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "retort/core/error.hpp"
#include "retort/schema/table.hpp"

namespace retort::sql {
namespace {

// Higher binds tighter.
int precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::or_:
      return 1;
    case BinaryOp::and_:
      return 2;
    case BinaryOp::eq:
    case BinaryOp::ne:
    case BinaryOp::lt:
    case BinaryOp::le:
    case BinaryOp::gt:
    case BinaryOp::ge:
    case BinaryOp::like:
    case BinaryOp::not_like:
    case BinaryOp::ilike:
    case BinaryOp::not_ilike:
    case BinaryOp::is:
    case BinaryOp::is_not:
    case BinaryOp::is_distinct_from:
    case BinaryOp::is_not_distinct_from:
      return 4;
    case BinaryOp::concat:
      return 5;
    case BinaryOp::add:
    case BinaryOp::sub:
      return 6;
    case BinaryOp::mul:
    case BinaryOp::div:
    case BinaryOp::mod:
      return 7;
  }
  return 0;
}

bool associative(BinaryOp op) {
  return op == BinaryOp::and_ || op == BinaryOp::or_ || op == BinaryOp::add ||
         op == BinaryOp::mul || op == BinaryOp::concat;
}

const char* symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::eq:
      return " = ";
    case BinaryOp::ne:
      return " != ";
    case BinaryOp::lt:
      return " < ";
    case BinaryOp::le:
      return " <= ";
    case BinaryOp::gt:
      return " > ";
    case BinaryOp::ge:
      return " >= ";
    case BinaryOp::and_:
      return " AND ";
    case BinaryOp::or_:
      return " OR ";
    case BinaryOp::add:
      return " + ";
    case BinaryOp::sub:
      return " - ";
    case BinaryOp::mul:
      return " * ";
    case BinaryOp::div:
      return " / ";
    case BinaryOp::mod:
      return " % ";
    case BinaryOp::concat:
      return " || ";
    case BinaryOp::like:
      return " LIKE ";
    case BinaryOp::not_like:
      return " NOT LIKE ";
    case BinaryOp::ilike:
      return " ILIKE ";
    case BinaryOp::not_ilike:
      return " NOT ILIKE ";
    case BinaryOp::is:
      return " IS ";
    case BinaryOp::is_not:
      return " IS NOT ";
    case BinaryOp::is_distinct_from:
      return " IS DISTINCT FROM ";
    case BinaryOp::is_not_distinct_from:
      return " IS NOT DISTINCT FROM ";
  }
  return " ? ";
}

// Visits the FROM items an expression refers to, not looking inside subqueries.
void collect_froms(const Node* node, NodeList& out) {
  if (!node) return;
  auto add = [&](const NodePtr& from) {
    if (from && std::find(out.begin(), out.end(), from) == out.end()) out.push_back(from);
  };
  switch (node->kind) {
    case NodeKind::column:
      add(static_cast<const ColumnNode*>(node)->from);
      break;
    case NodeKind::star:
      add(static_cast<const StarNode*>(node)->from);
      break;
    case NodeKind::unary:
      collect_froms(static_cast<const UnaryNode*>(node)->operand.get(), out);
      break;
    case NodeKind::binary: {
      auto* b = static_cast<const BinaryNode*>(node);
      collect_froms(b->left.get(), out);
      collect_froms(b->right.get(), out);
      break;
    }
    case NodeKind::function: {
      auto* f = static_cast<const FunctionNode*>(node);
      for (const auto& a : f->args)
        collect_froms(a.get(), out);
      collect_froms(f->filter.get(), out);
      break;
    }
    case NodeKind::case_: {
      auto* c = static_cast<const CaseNode*>(node);
      for (const auto& [w, t] : c->whens) {
        collect_froms(w.get(), out);
        collect_froms(t.get(), out);
      }
      collect_froms(c->else_.get(), out);
      break;
    }
    case NodeKind::cast:
      collect_froms(static_cast<const CastNode*>(node)->expr.get(), out);
      break;
    case NodeKind::label:
      collect_froms(static_cast<const LabelNode*>(node)->expr.get(), out);
      break;
    case NodeKind::order:
      collect_froms(static_cast<const OrderNode*>(node)->expr.get(), out);
      break;
    case NodeKind::in_list: {
      auto* i = static_cast<const InNode*>(node);
      collect_froms(i->expr.get(), out);
      for (const auto& v : i->items) {
        if (v->kind != NodeKind::select && v->kind != NodeKind::compound)
          collect_froms(v.get(), out);
      }
      break;
    }
    case NodeKind::between: {
      auto* b = static_cast<const BetweenNode*>(node);
      collect_froms(b->expr.get(), out);
      collect_froms(b->low.get(), out);
      collect_froms(b->high.get(), out);
      break;
    }
    case NodeKind::tuple:
      for (const auto& v : static_cast<const TupleNode*>(node)->items)
        collect_froms(v.get(), out);
      break;
    case NodeKind::window: {
      auto* w = static_cast<const WindowNode*>(node);
      collect_froms(w->function.get(), out);
      for (const auto& p : w->partition_by)
        collect_froms(p.get(), out);
      for (const auto& o : w->order_by)
        collect_froms(o.get(), out);
      break;
    }
    default:
      break;
  }
}

// The tables an alias or subquery stands in for (From::in_place_of).
const NodeList* in_place_of(const Node& node) {
  if (node.kind == NodeKind::alias) return &static_cast<const AliasNode&>(node).in_place_of;
  if (node.kind == NodeKind::subquery) return &static_cast<const SubqueryNode&>(node).in_place_of;
  return nullptr;
}

// The item of `root` (itself or a side of its joins) that `from` is, or that stands in
// for it; null when none.
const Node* find_from(const NodePtr& root, const NodePtr& from) {
  if (!root) return nullptr;
  if (root == from) return root.get();
  if (root->kind == NodeKind::join) {
    auto* j = static_cast<const JoinNode*>(root.get());
    const Node* left = find_from(j->left, from);
    return left ? left : find_from(j->right, from);
  }
  const NodeList* stands_for = in_place_of(*root);
  if (stands_for && std::find(stands_for->begin(), stands_for->end(), from) != stands_for->end())
    return root.get();
  return nullptr;
}

// Whether from is, or is inside, the join tree root (or is stood in for there).
bool contains_from(const NodePtr& root, const NodePtr& from) {
  return find_from(root, from) != nullptr;
}

// Every CTE and VALUES list a statement uses, dependencies first (a VALUES list goes in
// the WITH clause where the dialect cannot name its columns in FROM).
void collect_ctes(const Node* node, std::vector<const Node*>& out, std::set<const Node*>& seen) {
  if (!node || !seen.insert(node).second) return;
  auto each = [&](const NodeList& list) {
    for (const auto& n : list)
      collect_ctes(n.get(), out, seen);
  };
  switch (node->kind) {
    case NodeKind::cte: {
      auto* c = static_cast<const CteNode*>(node);
      if (!c->select) break;  // a recursive part's reference to its own CTE
      collect_ctes(c->select.get(), out, seen);
      out.push_back(c);
      break;
    }
    case NodeKind::select: {
      auto* s = static_cast<const SelectNode*>(node);
      each(s->columns);
      each(s->froms);
      each(s->where);
      each(s->having);
      each(s->order_by);
      each(s->group_by);
      break;
    }
    case NodeKind::compound:
      each(static_cast<const CompoundNode*>(node)->selects);
      break;
    case NodeKind::insert: {
      auto* n = static_cast<const InsertNode*>(node);
      collect_ctes(n->from_select.get(), out, seen);
      for (const auto& row : n->rows)
        each(row);
      break;
    }
    case NodeKind::update: {
      auto* u = static_cast<const UpdateNode*>(node);
      each(u->froms);
      each(u->where);
      for (const auto& [column, value] : u->set)
        collect_ctes(value.get(), out, seen);
      break;
    }
    case NodeKind::values:
      out.push_back(node);
      break;
    case NodeKind::delete_:
      each(static_cast<const DeleteNode*>(node)->where);
      break;
    case NodeKind::join: {
      auto* j = static_cast<const JoinNode*>(node);
      collect_ctes(j->left.get(), out, seen);
      collect_ctes(j->right.get(), out, seen);
      collect_ctes(j->on.get(), out, seen);
      break;
    }
    case NodeKind::alias:
      collect_ctes(static_cast<const AliasNode*>(node)->from.get(), out, seen);
      break;
    case NodeKind::subquery:
      collect_ctes(static_cast<const SubqueryNode*>(node)->select.get(), out, seen);
      break;
    case NodeKind::column:
      collect_ctes(static_cast<const ColumnNode*>(node)->from.get(), out, seen);
      break;
    case NodeKind::star:
      collect_ctes(static_cast<const StarNode*>(node)->from.get(), out, seen);
      break;
    case NodeKind::scalar_select:
      collect_ctes(static_cast<const ScalarSelectNode*>(node)->select.get(), out, seen);
      break;
    case NodeKind::exists:
      collect_ctes(static_cast<const ExistsNode*>(node)->select.get(), out, seen);
      break;
    case NodeKind::unary:
      collect_ctes(static_cast<const UnaryNode*>(node)->operand.get(), out, seen);
      break;
    case NodeKind::binary: {
      auto* b = static_cast<const BinaryNode*>(node);
      collect_ctes(b->left.get(), out, seen);
      collect_ctes(b->right.get(), out, seen);
      break;
    }
    case NodeKind::in_list: {
      auto* i = static_cast<const InNode*>(node);
      collect_ctes(i->expr.get(), out, seen);
      each(i->items);
      break;
    }
    case NodeKind::label:
      collect_ctes(static_cast<const LabelNode*>(node)->expr.get(), out, seen);
      break;
    case NodeKind::function:
      each(static_cast<const FunctionNode*>(node)->args);
      break;
    default:
      break;
  }
}

}  // namespace

Compiled Compiler::compile(const Node& statement_node) {
  out_.clear();
  binds_.clear();
  with_clause(statement_node);
  statement(statement_node);
  Compiled compiled;
  compiled.sql = std::move(out_);
  compiled.binds = std::move(binds_);
  if (statement_node.kind == NodeKind::select) {
    ColumnReaders readers;
    bool any = false;
    for (const auto& c : static_cast<const SelectNode&>(statement_node).columns) {
      compiled.columns.push_back(result_name(*c));
      const std::optional<Type> type = type_of(*c);
      if (type && type->reads_differently()) {
        readers.emplace_back([type = *type](const Value& v) { return type.from_db(v); });
        any = true;
      } else {
        readers.emplace_back();
      }
    }
    if (any) compiled.readers = std::make_shared<const ColumnReaders>(std::move(readers));
  }
  return compiled;
}

void Compiler::with_clause(const Node& statement_node) {
  std::vector<const Node*> ctes;
  std::set<const Node*> seen;
  collect_ctes(&statement_node, ctes, seen);
  if (dialect_.values_with_column_names())
    std::erase_if(ctes, [](const Node* n) { return n->kind == NodeKind::values; });
  if (ctes.empty()) return;
  bool recursive = false;
  for (auto* c : ctes) {
    recursive =
        recursive || (c->kind == NodeKind::cte && static_cast<const CteNode*>(c)->recursive);
  }
  out_ += recursive ? "WITH RECURSIVE " : "WITH ";
  auto names = [&](const std::vector<std::string>& columns) {
    if (columns.empty()) return;
    out_ += "(";
    for (std::size_t k = 0; k < columns.size(); ++k) {
      if (k) out_ += ", ";
      out_ += dialect_.quote(columns[k]);
    }
    out_ += ")";
  };
  for (std::size_t i = 0; i < ctes.size(); ++i) {
    if (i) out_ += ", ";
    if (ctes[i]->kind == NodeKind::values) {
      const auto& v = static_cast<const ValuesNode&>(*ctes[i]);
      out_ += dialect_.quote(v.name) + " ";
      names(v.columns);
      out_ += " AS (";
      values_list(v);
      out_ += ")";
      continue;
    }
    const auto& c = static_cast<const CteNode&>(*ctes[i]);
    out_ += dialect_.quote(c.name);
    names(c.columns);
    out_ += " AS (";
    statement(*c.select);
    out_ += ")";
  }
  out_ += " ";
}

void Compiler::values_list(const ValuesNode& v) {
  out_ += "VALUES ";
  const bool cast = dialect_.cast_values_parameters();
  for (std::size_t r = 0; r < v.rows.size(); ++r) {
    out_ += r ? ", (" : "(";
    for (std::size_t i = 0; i < v.rows[r].size(); ++i) {
      if (i) out_ += ", ";
      if (cast && v.rows[r][i]->kind == NodeKind::bind) {
        out_ += "CAST(";
        expr(*v.rows[r][i]);
        out_ += " AS " + dialect_.type_ddl(v.types[i]) + ")";
      } else {
        expr(*v.rows[r][i]);
      }
    }
    out_ += ")";
  }
}

void Compiler::statement(const Node& node) {
  switch (node.kind) {
    case NodeKind::select:
      select(static_cast<const SelectNode&>(node));
      break;
    case NodeKind::compound:
      compound(static_cast<const CompoundNode&>(node));
      break;
    case NodeKind::insert:
      insert(static_cast<const InsertNode&>(node));
      break;
    case NodeKind::update:
      update(static_cast<const UpdateNode&>(node));
      break;
    case NodeKind::delete_:
      delete_(static_cast<const DeleteNode&>(node));
      break;
    default:
      throw ArgumentError("not a statement");
  }
}

NodeList Compiler::froms_of(const SelectNode& s) const {
  NodeList inferred;
  for (const auto& c : s.columns)
    collect_froms(c.get(), inferred);
  for (const auto& w : s.where)
    collect_froms(w.get(), inferred);
  for (const auto& h : s.having)
    collect_froms(h.get(), inferred);
  for (const auto& g : s.group_by)
    collect_froms(g.get(), inferred);
  for (const auto& o : s.order_by)
    collect_froms(o.get(), inferred);
  NodeList froms = s.froms;
  for (const auto& f : inferred) {
    bool covered = false;
    for (const auto& e : froms)
      covered = covered || contains_from(e, f);
    if (!covered) froms.push_back(f);
  }
  if (enclosing_.empty() || s.no_correlate) return froms;
  // Auto-correlation: a table the enclosing query reads is the enclosing query's row,
  // unless that would leave this select with nothing to read.
  NodeList own;
  for (const auto& f : froms) {
    bool outer = false;
    for (const auto& level : enclosing_) {
      for (const auto& e : level)
        outer = outer || contains_from(e, f);
    }
    if (!outer || std::find(s.froms.begin(), s.froms.end(), f) != s.froms.end()) own.push_back(f);
  }
  return own.empty() ? froms : own;
}

void Compiler::nested_select(const Node& node) {
  out_ += "(";
  statement(node);
  out_ += ")";
}

void Compiler::select(const SelectNode& s) {
  const NodeList froms = froms_of(s);
  out_ += "SELECT ";
  if (!s.distinct_on.empty()) {
    if (!dialect_.supports_distinct_on()) {
      throw ArgumentError(std::string("DISTINCT ON is not supported by ") +
                          std::string(dialect_.name()));
    }
    out_ += "DISTINCT ON (";
    list(s.distinct_on);
    out_ += ") ";
  } else if (s.distinct) {
    out_ += "DISTINCT ";
  }
  enclosing_.push_back(froms);
  if (s.columns.empty()) throw ArgumentError("a SELECT needs at least one column");
  list(s.columns);
  if (!froms.empty()) {
    out_ += " FROM ";
    for (std::size_t i = 0; i < froms.size(); ++i) {
      if (i) out_ += ", ";
      from(*froms[i]);
    }
  }
  if (!s.where.empty()) {
    out_ += " WHERE ";
    for (std::size_t i = 0; i < s.where.size(); ++i) {
      if (i) out_ += " AND ";
      expr(*s.where[i], s.where.size() > 1 ? 2 : 0);
    }
  }
  if (!s.group_by.empty()) {
    out_ += " GROUP BY ";
    list(s.group_by);
  }
  if (!s.having.empty()) {
    out_ += " HAVING ";
    for (std::size_t i = 0; i < s.having.size(); ++i) {
      if (i) out_ += " AND ";
      expr(*s.having[i], s.having.size() > 1 ? 2 : 0);
    }
  }
  if (!s.order_by.empty()) {
    out_ += " ORDER BY ";
    order_list(s.order_by);
  }
  enclosing_.pop_back();
  limit_offset(s.limit, s.offset);
  if (s.for_update && dialect_.supports_for_update()) out_ += " FOR UPDATE";
}

void Compiler::compound(const CompoundNode& c) {
  static constexpr const char* ops[] = {" UNION ", " UNION ALL ", " INTERSECT ", " EXCEPT "};
  for (std::size_t i = 0; i < c.selects.size(); ++i) {
    if (i) out_ += ops[static_cast<int>(c.op)];
    // SQLite does not take parentheses around the parts of a compound select.
    statement(*c.selects[i]);
  }
  if (!c.order_by.empty()) {
    out_ += " ORDER BY ";
    const bool saved = qualify_;
    qualify_ = false;  // a compound's ORDER BY names result columns
    order_list(c.order_by);
    qualify_ = saved;
  }
  limit_offset(c.limit, c.offset);
}

void Compiler::limit_offset(const NodePtr& limit, const NodePtr& offset) {
  if (limit) {
    out_ += " LIMIT ";
    expr(*limit);
  } else if (offset && dialect_.offset_requires_limit()) {
    out_ += " LIMIT -1";
  }
  if (offset) {
    out_ += " OFFSET ";
    expr(*offset);
  }
}

void Compiler::returning(const NodeList& nodes) {
  if (nodes.empty()) return;
  out_ += " RETURNING ";
  const bool saved = qualify_;
  qualify_ = false;
  list(nodes);
  qualify_ = saved;
}

void Compiler::set_list(const std::vector<std::pair<std::string, NodePtr>>& set,
                        const Node& table) {
  const Node* saved = bare_from_;
  if (!dialect_.qualify_in_update_set()) bare_from_ = &table;
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (i) out_ += ", ";
    out_ += dialect_.quote(set[i].first);
    out_ += " = ";
    expr(*set[i].second);
  }
  bare_from_ = saved;
}

void Compiler::insert(const InsertNode& n) {
  out_ += "INSERT INTO ";
  from_name(*n.table);
  if (n.from_select) {
    out_ += " (";
    for (std::size_t i = 0; i < n.columns.size(); ++i) {
      if (i) out_ += ", ";
      out_ += dialect_.quote(n.columns[i]);
    }
    out_ += ") ";
    statement(*n.from_select);
  } else if (n.columns.empty()) {
    out_ += " DEFAULT VALUES";
  } else {
    out_ += " (";
    for (std::size_t i = 0; i < n.columns.size(); ++i) {
      if (i) out_ += ", ";
      out_ += dialect_.quote(n.columns[i]);
    }
    out_ += ") VALUES ";
    for (std::size_t r = 0; r < n.rows.size(); ++r) {
      if (r) out_ += ", ";
      out_ += "(";
      list(n.rows[r]);
      out_ += ")";
    }
  }
  if (n.upsert) {
    out_ += " ON CONFLICT";
    if (!n.conflict_columns.empty()) {
      out_ += " (";
      for (std::size_t i = 0; i < n.conflict_columns.size(); ++i) {
        if (i) out_ += ", ";
        out_ += dialect_.quote(n.conflict_columns[i]);
      }
      out_ += ")";
    }
    if (n.do_nothing) {
      out_ += " DO NOTHING";
    } else {
      out_ += " DO UPDATE SET ";
      set_list(n.set, *n.table);
      if (n.conflict_where) {
        out_ += " WHERE ";
        const Node* saved = bare_from_;
        if (!dialect_.qualify_in_update_set()) bare_from_ = n.table.get();
        expr(*n.conflict_where);
        bare_from_ = saved;
      }
    }
  }
  returning(n.returning);
}

void Compiler::update(const UpdateNode& n) {
  out_ += "UPDATE ";
  from_name(*n.table);
  out_ += " SET ";
  set_list(n.set, *n.table);
  if (!n.froms.empty()) {
    out_ += " FROM ";
    for (std::size_t i = 0; i < n.froms.size(); ++i) {
      if (i) out_ += ", ";
      from(*n.froms[i]);
    }
  }
  enclosing_.push_back({n.table});
  if (!n.where.empty()) {
    out_ += " WHERE ";
    for (std::size_t i = 0; i < n.where.size(); ++i) {
      if (i) out_ += " AND ";
      expr(*n.where[i], n.where.size() > 1 ? 2 : 0);
    }
  }
  enclosing_.pop_back();
  returning(n.returning);
}

void Compiler::delete_(const DeleteNode& n) {
  out_ += "DELETE FROM ";
  from_name(*n.table);
  enclosing_.push_back({n.table});
  if (!n.where.empty()) {
    out_ += " WHERE ";
    for (std::size_t i = 0; i < n.where.size(); ++i) {
      if (i) out_ += " AND ";
      expr(*n.where[i], n.where.size() > 1 ? 2 : 0);
    }
  }
  enclosing_.pop_back();
  returning(n.returning);
}

void Compiler::list(const NodeList& nodes, int parent_precedence) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i) out_ += ", ";
    expr(*nodes[i], parent_precedence);
  }
}

void Compiler::order_list(const NodeList& nodes) {
  list(nodes);
}

void Compiler::from_name(const Node& node) {
  switch (node.kind) {
    case NodeKind::table: {
      const auto& t = *static_cast<const TableNode&>(node).table;
      if (!t.schema.empty()) out_ += dialect_.quote(t.schema) + ".";
      out_ += dialect_.quote(t.name);
      break;
    }
    case NodeKind::alias:
      out_ += dialect_.quote(static_cast<const AliasNode&>(node).name);
      break;
    case NodeKind::subquery:
      out_ += dialect_.quote(static_cast<const SubqueryNode&>(node).name);
      break;
    case NodeKind::cte:
      out_ += dialect_.quote(static_cast<const CteNode&>(node).name);
      break;
    case NodeKind::text_from:
      out_ += dialect_.quote(static_cast<const TextFromNode&>(node).name);
      break;
    case NodeKind::values:
      out_ += dialect_.quote(static_cast<const ValuesNode&>(node).name);
      break;
    default:
      throw ArgumentError("this FROM item has no name to refer to it by");
  }
}

void Compiler::from(const Node& node) {
  switch (node.kind) {
    case NodeKind::table:
    case NodeKind::cte:
      from_name(node);
      break;
    case NodeKind::values: {
      const auto& v = static_cast<const ValuesNode&>(node);
      if (!dialect_.values_with_column_names()) {
        from_name(node);  // written in the WITH clause
        break;
      }
      if (v.arrays) {
        out_ += "unnest(";
        list(v.rows.front());
      } else {
        out_ += "(";
        values_list(v);
      }
      out_ += ") AS " + dialect_.quote(v.name) + " (";
      for (std::size_t i = 0; i < v.columns.size(); ++i)
        out_ += (i ? ", " : "") + dialect_.quote(v.columns[i]);
      out_ += ")";
      break;
    }
    case NodeKind::alias: {
      const auto& a = static_cast<const AliasNode&>(node);
      from(*a.from);
      out_ += " AS " + dialect_.quote(a.name);
      break;
    }
    case NodeKind::join: {
      const auto& j = static_cast<const JoinNode&>(node);
      from(*j.left);
      static constexpr const char* kinds[] = {" JOIN ", " LEFT OUTER JOIN ", " RIGHT OUTER JOIN ",
                                              " FULL OUTER JOIN ", " CROSS JOIN "};
      out_ += kinds[static_cast<int>(j.join)];
      from(*j.right);
      if (j.on) {
        out_ += " ON ";
        expr(*j.on);
      }
      break;
    }
    case NodeKind::subquery: {
      const auto& s = static_cast<const SubqueryNode&>(node);
      if (s.lateral) out_ += "LATERAL ";
      nested_select(*s.select);
      out_ += " AS " + dialect_.quote(s.name);
      break;
    }
    case NodeKind::text_from: {
      const auto& t = static_cast<const TextFromNode&>(node);
      out_ += "(" + t.sql + ") AS " + dialect_.quote(t.name);
      break;
    }
    default:
      throw ArgumentError("not a FROM item");
  }
}

void Compiler::column(const ColumnNode& c) {
  if (qualify_ && c.from && c.from.get() != bare_from_) {
    // The nearest select reading the column's table, or an item in its place, names it.
    const Node* named = c.from.get();
    bool found = false;
    for (auto level = enclosing_.rbegin(); level != enclosing_.rend() && !found; ++level) {
      for (const auto& item : *level) {
        if (const Node* f = find_from(item, c.from)) {
          named = f;
          found = true;
          break;
        }
      }
    }
    from_name(*named);
    out_ += ".";
  }
  out_ += dialect_.quote(c.name);
}

void Compiler::bind(const BindNode& b) {
  if (!allow_binds_) {
    throw ArgumentError("bound values cannot appear in DDL; write the condition as SQL text");
  }
  if (b.array) {
    out_ += "CAST(? AS " + dialect_.array_type_ddl(*b.type) + ")";  // raises without arrays
  } else {
    out_ += "?";
  }
  binds_.push_back(BindSource{&b, nullptr, b.name});
}

void Compiler::binary(const BinaryNode& b, int parent_precedence) {
  const int p = precedence(b.op);
  const bool parens = p < parent_precedence;
  if (parens) out_ += "(";
  if ((b.op == BinaryOp::ilike || b.op == BinaryOp::not_ilike) && !dialect_.native_ilike()) {
    out_ += "lower(";
    expr(*b.left);
    out_ += b.op == BinaryOp::ilike ? ") LIKE lower(" : ") NOT LIKE lower(";
    expr(*b.right);
    out_ += ")";
  } else if ((b.op == BinaryOp::is_distinct_from || b.op == BinaryOp::is_not_distinct_from) &&
             !dialect_.native_is_distinct_from()) {
    expr(*b.left, p + 1);
    out_ += b.op == BinaryOp::is_distinct_from ? " IS NOT " : " IS ";
    expr(*b.right, p + 1);
  } else {
    expr(*b.left, p);
    out_ += symbol(b.op);
    expr(*b.right, associative(b.op) ? p : p + 1);
  }
  if (b.escape) {
    out_ += " ESCAPE '";
    if (*b.escape == '\'') out_ += "'";
    out_ += *b.escape;
    out_ += "'";
  }
  if (parens) out_ += ")";
}

void Compiler::unary(const UnaryNode& u, int parent_precedence) {
  switch (u.op) {
    case UnaryOp::not_:
      if (parent_precedence > 3) out_ += "(";
      out_ += "NOT ";
      expr(*u.operand, 4);
      if (parent_precedence > 3) out_ += ")";
      break;
    case UnaryOp::negate:
      out_ += "-";
      expr(*u.operand, 8);
      break;
    case UnaryOp::is_null:
    case UnaryOp::is_not_null:
      if (parent_precedence > 4) out_ += "(";
      expr(*u.operand, 5);
      out_ += u.op == UnaryOp::is_null ? " IS NULL" : " IS NOT NULL";
      if (parent_precedence > 4) out_ += ")";
      break;
    case UnaryOp::distinct:
      out_ += "DISTINCT ";
      expr(*u.operand, 8);
      break;
  }
}

void Compiler::function(const FunctionNode& f) {
  out_ += f.name;
  out_ += "(";
  if (f.distinct) out_ += "DISTINCT ";
  list(f.args);
  out_ += ")";
  if (f.filter) {
    out_ += " FILTER (WHERE ";
    expr(*f.filter);
    out_ += ")";
  }
}

void Compiler::expr(const Node& node, int parent_precedence) {
  switch (node.kind) {
    case NodeKind::column:
      column(static_cast<const ColumnNode&>(node));
      break;
    case NodeKind::bind:
      bind(static_cast<const BindNode&>(node));
      break;
    case NodeKind::null:
      out_ += "NULL";
      break;
    case NodeKind::text: {
      const auto& t = static_cast<const TextNode&>(node);
      // ":name" becomes "?" bound from the text's own values.
      const std::string& s = t.sql;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\'') {
          const auto end = s.find('\'', i + 1);
          const auto stop = end == std::string::npos ? s.size() : end + 1;
          out_.append(s, i, stop - i);
          i = stop - 1;
        } else if (s[i] == ':' && i + 1 < s.size() &&
                   (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '_') &&
                   (i == 0 || s[i - 1] != ':')) {
          std::size_t j = i + 1;
          while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_'))
            ++j;
          const std::string name = s.substr(i + 1, j - i - 1);
          const Value* value = nullptr;
          for (const auto& [k, v] : t.binds) {
            if (k == name) value = &v;
          }
          if (!allow_binds_) throw ArgumentError("bound values cannot appear in DDL");
          out_ += "?";
          binds_.push_back(BindSource{nullptr, value, name});
          i = j - 1;
        } else {
          out_ += s[i];
        }
      }
      break;
    }
    case NodeKind::unary:
      unary(static_cast<const UnaryNode&>(node), parent_precedence);
      break;
    case NodeKind::binary:
      binary(static_cast<const BinaryNode&>(node), parent_precedence);
      break;
    case NodeKind::function:
      function(static_cast<const FunctionNode&>(node));
      break;
    case NodeKind::case_: {
      const auto& c = static_cast<const CaseNode&>(node);
      out_ += "CASE";
      for (const auto& [when, then] : c.whens) {
        out_ += " WHEN ";
        expr(*when);
        out_ += " THEN ";
        expr(*then);
      }
      if (c.else_) {
        out_ += " ELSE ";
        expr(*c.else_);
      }
      out_ += " END";
      break;
    }
    case NodeKind::cast: {
      const auto& c = static_cast<const CastNode&>(node);
      out_ += "CAST(";
      expr(*c.expr);
      out_ += " AS " + dialect_.type_ddl(c.type) + ")";
      break;
    }
    case NodeKind::label: {
      const auto& l = static_cast<const LabelNode&>(node);
      expr(*l.expr, parent_precedence);
      out_ += " AS " + dialect_.quote(l.name);
      break;
    }
    case NodeKind::order: {
      const auto& o = static_cast<const OrderNode&>(node);
      // A label orders by its name.
      if (o.expr->kind == NodeKind::label) {
        out_ += dialect_.quote(static_cast<const LabelNode&>(*o.expr).name);
      } else {
        expr(*o.expr);
      }
      if (o.descending) out_ += " DESC";
      if (o.nulls == Nulls::first) out_ += " NULLS FIRST";
      if (o.nulls == Nulls::last) out_ += " NULLS LAST";
      break;
    }
    case NodeKind::in_list: {
      const auto& in = static_cast<const InNode&>(node);
      const bool parens = parent_precedence > 4;
      if (parens) out_ += "(";
      if (in.items.empty()) {
        // An empty IN is never true; NOT IN () always is.
        out_ += in.negated ? "1 = 1" : "1 != 1";
      } else {
        expr(*in.expr, 5);
        out_ += in.negated ? " NOT IN " : " IN ";
        if (in.items.size() == 1 &&
            (in.items[0]->kind == NodeKind::select || in.items[0]->kind == NodeKind::compound)) {
          nested_select(*in.items[0]);
        } else {
          out_ += "(";
          list(in.items);
          out_ += ")";
        }
      }
      if (parens) out_ += ")";
      break;
    }
    case NodeKind::between: {
      const auto& b = static_cast<const BetweenNode&>(node);
      const bool parens = parent_precedence > 4;
      if (parens) out_ += "(";
      expr(*b.expr, 5);
      out_ += b.negated ? " NOT BETWEEN " : " BETWEEN ";
      expr(*b.low, 5);
      out_ += " AND ";
      expr(*b.high, 5);
      if (parens) out_ += ")";
      break;
    }
    case NodeKind::scalar_select:
      nested_select(*static_cast<const ScalarSelectNode&>(node).select);
      break;
    case NodeKind::exists:
      out_ += "EXISTS ";
      nested_select(*static_cast<const ExistsNode&>(node).select);
      break;
    case NodeKind::tuple:
      out_ += "(";
      list(static_cast<const TupleNode&>(node).items);
      out_ += ")";
      break;
    case NodeKind::star: {
      const auto& s = static_cast<const StarNode&>(node);
      if (s.from && qualify_) {
        from_name(*s.from);
        out_ += ".";
      }
      out_ += "*";
      break;
    }
    case NodeKind::window: {
      const auto& w = static_cast<const WindowNode&>(node);
      expr(*w.function);
      out_ += " OVER (";
      bool space = false;
      if (!w.partition_by.empty()) {
        out_ += "PARTITION BY ";
        list(w.partition_by);
        space = true;
      }
      if (!w.order_by.empty()) {
        out_ += space ? " ORDER BY " : "ORDER BY ";
        list(w.order_by);
        space = true;
      }
      if (!w.frame.empty()) {
        if (space) out_ += " ";
        out_ += w.frame;
      }
      out_ += ")";
      break;
    }
    case NodeKind::select:
    case NodeKind::compound:
      nested_select(node);
      break;
    default:
      from(node);
      break;
  }
}

}  // namespace retort::sql
