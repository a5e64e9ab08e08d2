// Turns statement trees into SQL text with "?" placeholders for a dialect (internal).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "retort/sql/dialect.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/executable.hpp"
#include "retort/sql/select.hpp"

namespace retort::sql {

class Compiler {
 public:
  explicit Compiler(const Dialect& dialect) : dialect_(dialect) {}

  Compiled compile(const Node& statement);

 private:
  void statement(const Node& node);
  void select(const SelectNode& s);
  void compound(const CompoundNode& c);
  void insert(const InsertNode& n);
  void update(const UpdateNode& n);
  void delete_(const DeleteNode& n);
  void with_clause(const Node& statement);
  void values_list(const ValuesNode& values);

  void expr(const Node& node, int parent_precedence = 0);
  void column(const ColumnNode& c);
  void bind(const BindNode& b);
  void binary(const BinaryNode& b, int parent_precedence);
  void unary(const UnaryNode& u, int parent_precedence);
  void function(const FunctionNode& f);
  void from(const Node& node);
  void from_name(const Node& from);
  void list(const NodeList& nodes, int parent_precedence = 0);
  void order_list(const NodeList& nodes);
  void limit_offset(const NodePtr& limit, const NodePtr& offset);
  void returning(const NodeList& nodes);
  void set_list(const std::vector<std::pair<std::string, NodePtr>>& set, const Node& table);
  void nested_select(const Node& select);

  // The FROM items a select reads, explicit and inferred, minus correlated ones.
  NodeList froms_of(const SelectNode& s) const;

  const Dialect& dialect_;
  std::string out_;
  std::vector<BindSource> binds_;
  bool qualify_ = true;
  // When set, columns of this FROM item (an UPDATE's or upsert's target) go unqualified
  // while others (excluded.x, subqueries) keep their names.
  const Node* bare_from_ = nullptr;
  bool allow_binds_ = true;
  // FROM items of the enclosing selects, for correlation.
  std::vector<NodeList> enclosing_;
};

}  // namespace retort::sql
