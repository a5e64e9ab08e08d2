#include "retort/sql/dml.hpp"

#include "retort/core/error.hpp"

namespace retort::sql {

NodePtr Operand::node_for(const Table& table, const Column& column) const {
  if (node_) return node_;
  std::optional<Type> type = column.type;
  Value value;
  try {
    value = column.type.to_db(value_);
  } catch (const DataError& e) {
    throw DataError("column " + table.name() + "." + column.name + ": " + e.what());
  }
  return std::make_shared<BindNode>(std::move(value), std::move(type), std::string(),
                                    table.name() + "." + column.name);
}

namespace {

NodePtr default_bind(const Table& table, const Column& column) {
  auto node = std::make_shared<BindNode>(Value(), column.type, std::string(),
                                         table.name() + "." + column.name);
  if (column.default_factory) {
    node->factory = column.default_factory;
  } else {
    node->value = column.type.to_db(*column.default_value);
  }
  return node;
}

}  // namespace

Insert::Insert(const Table& table) : Executable(std::make_shared<InsertNode>()), table_(table) {
  if (table.is_null()) throw ArgumentError("insert(): empty table");
  mut().table = table.node();
}

Insert Insert::copy() const {
  Insert out(table_);
  auto& n = out.mut();
  const auto& d = data();
  n.columns = d.columns;
  n.rows = d.rows;
  n.from_select = d.from_select;
  n.returning = d.returning;
  n.upsert = d.upsert;
  n.conflict_columns = d.conflict_columns;
  n.do_nothing = d.do_nothing;
  n.set = d.set;
  n.conflict_where = d.conflict_where;
  return out;
}

InsertNode& Insert::mut() {
  return static_cast<InsertNode&>(*node_);
}

void Insert::add_defaults(NodeList& row, std::vector<std::string>& columns, bool first_row) const {
  // Columns the row does not mention but that have a client-side default.
  for (const auto& column : table_.columns()) {
    if (!column.has_client_default()) continue;
    bool given = false;
    for (const auto& c : columns)
      given = given || c == column.name;
    if (given && !first_row) continue;
    if (!given) {
      columns.push_back(column.name);
      row.push_back(default_bind(table_, column));
    }
  }
}

Insert Insert::values(const Assignments& row) const {
  Insert out = copy();
  auto& n = out.mut();
  if (!n.rows.empty()) throw ArgumentError("insert(): values() was already given");
  NodeList nodes;
  std::vector<std::string> columns;
  for (const auto& [name, operand] : row) {
    const Column& column = table_.column(name);
    columns.push_back(column.name);
    nodes.push_back(operand.node_for(table_, column));
  }
  add_defaults(nodes, columns, true);
  n.columns = std::move(columns);
  n.rows.push_back(std::move(nodes));
  return out;
}

Insert Insert::values(const std::vector<std::string>& column_names,
                      const std::vector<std::vector<Value>>& rows) const {
  Insert out = copy();
  auto& n = out.mut();
  if (!n.rows.empty()) throw ArgumentError("insert(): values() was already given");
  std::vector<const Column*> columns;
  for (const auto& name : column_names)
    columns.push_back(&table_.column(name));
  for (const auto& values : rows) {
    if (values.size() != columns.size()) {
      throw ArgumentError("insert(): a row has " + std::to_string(values.size()) + " values for " +
                          std::to_string(columns.size()) + " columns");
    }
    NodeList nodes;
    for (std::size_t i = 0; i < values.size(); ++i) {
      nodes.push_back(Operand(values[i]).node_for(table_, *columns[i]));
    }
    std::vector<std::string> names = column_names;
    add_defaults(nodes, names, n.rows.empty());
    if (n.rows.empty()) n.columns = std::move(names);
    n.rows.push_back(std::move(nodes));
  }
  if (n.rows.empty()) n.columns = column_names;
  return out;
}

Insert Insert::placeholders(const std::vector<std::string>& column_names, std::size_t rows) const {
  Insert out = copy();
  auto& n = out.mut();
  if (!n.rows.empty()) throw ArgumentError("insert(): values() was already given");
  for (const auto& name : column_names)
    n.columns.push_back(table_.column(name).name);
  for (std::size_t r = 0; r < rows; ++r) {
    NodeList row;
    for (const auto& name : column_names)
      row.push_back(placeholder(table_.column(name).type).node());
    n.rows.push_back(std::move(row));
  }
  return out;
}

Insert Insert::from_select(std::vector<std::string> columns, const Select& select) const {
  Insert out = copy();
  for (const auto& c : columns)
    (void)table_.column(c);
  out.mut().columns = std::move(columns);
  out.mut().from_select = select.node();
  return out;
}

Insert Insert::on_conflict_do_nothing(std::vector<std::string> conflict_columns) const {
  Insert out = copy();
  for (const auto& c : conflict_columns)
    (void)table_.column(c);
  auto& n = out.mut();
  n.upsert = true;
  n.do_nothing = true;
  n.conflict_columns = std::move(conflict_columns);
  return out;
}

Insert Insert::on_conflict_do_update(std::vector<std::string> conflict_columns,
                                     const Assignments& set, const Expr<bool>& where) const {
  if (conflict_columns.empty()) {
    throw ArgumentError("on_conflict_do_update() needs the conflict target columns");
  }
  Insert out = copy();
  for (const auto& c : conflict_columns)
    (void)table_.column(c);
  auto& n = out.mut();
  n.upsert = true;
  n.do_nothing = false;
  n.conflict_columns = std::move(conflict_columns);
  n.set.clear();
  for (const auto& [name, operand] : set) {
    const Column& column = table_.column(name);
    n.set.emplace_back(column.name, operand.node_for(table_, column));
  }
  n.conflict_where = where.node();
  return out;
}

Expr<> Insert::excluded(std::string_view column) const {
  const Column& c = table_.column(column);
  auto excluded = std::make_shared<AliasNode>(table_.node(), "excluded");
  return Expr<>(std::make_shared<ColumnNode>(std::move(excluded), c.name, c.type));
}

Update::Update(const Table& table) : Executable(std::make_shared<UpdateNode>()), table_(table) {
  if (table.is_null()) throw ArgumentError("update(): empty table");
  mut().table = table.node();
}

Update Update::copy() const {
  Update out(table_);
  out.mut().set = data().set;
  out.mut().froms = data().froms;
  out.mut().where = data().where;
  out.mut().returning = data().returning;
  return out;
}

Update Update::from(const From& item) const {
  Update out = copy();
  out.mut().froms.push_back(item.node());
  return out;
}

UpdateNode& Update::mut() {
  return static_cast<UpdateNode&>(*node_);
}

Update Update::values(const Assignments& set) const {
  Update out = copy();
  for (const auto& [name, operand] : set) {
    const Column& column = table_.column(name);
    out.mut().set.emplace_back(column.name, operand.node_for(table_, column));
  }
  return out;
}

Update Update::where(const Expr<bool>& condition) const {
  Update out = copy();
  if (condition.node()) out.mut().where.push_back(condition.node());
  return out;
}

Delete::Delete(const Table& table) : Executable(std::make_shared<DeleteNode>()), table_(table) {
  if (table.is_null()) throw ArgumentError("delete_(): empty table");
  mut().table = table.node();
}

Delete Delete::copy() const {
  Delete out(table_);
  out.mut().where = data().where;
  out.mut().returning = data().returning;
  return out;
}

DeleteNode& Delete::mut() {
  return static_cast<DeleteNode&>(*node_);
}

Delete Delete::where(const Expr<bool>& condition) const {
  Delete out = copy();
  if (condition.node()) out.mut().where.push_back(condition.node());
  return out;
}

}  // namespace retort::sql
