#include "retort/schema/table.hpp"

#include "retort/core/error.hpp"

namespace retort {

const Column* TableData::find(std::string_view column) const {
  for (const auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

const Column& TableData::column(std::string_view column_name) const {
  if (const Column* c = find(column_name)) return *c;
  std::string known;
  for (const auto& c : columns)
    known += (known.empty() ? "" : ", ") + c.name;
  throw ArgumentError("table '" + name + "' has no column '" + std::string(column_name) +
                      "'; its columns are: " + known);
}

const Column* TableData::autoincrement_column() const {
  if (primary_key.columns.size() != 1) return nullptr;
  const Column& c = column(primary_key.columns.front());
  if (c.autoincrement == Autoincrement::no) return nullptr;
  if (!c.type.is_integer()) return nullptr;
  if (c.autoincrement == Autoincrement::automatic &&
      (!c.foreign_keys.empty() || c.server_default || c.has_client_default()))
    return nullptr;
  return &c;
}

namespace {

void add(TableData& t, TableElement element) {
  std::visit(
      [&](auto&& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, Column>) {
          if (t.find(e.name)) {
            throw ArgumentError("table '" + t.name + "' has two columns named '" + e.name + "'");
          }
          if (e.primary_key) t.primary_key.columns.push_back(e.name);
          for (const auto& fk : e.foreign_keys) {
            const auto dot = fk.target.rfind('.');
            if (dot == std::string::npos || dot == 0 || dot + 1 == fk.target.size()) {
              throw ArgumentError("ForeignKey('" + fk.target + "') on " + t.name + "." + e.name +
                                  ": expected \"table.column\"");
            }
            ForeignKeyConstraint c({e.name}, fk.target.substr(0, dot), {fk.target.substr(dot + 1)},
                                   fk.options);
            t.foreign_keys.push_back(std::move(c));
          }
          t.columns.push_back(std::move(e));
        } else if constexpr (std::is_same_v<E, PrimaryKeyConstraint>) {
          for (const auto& c : e.columns)
            (void)t.column(c);
          for (auto& c : t.columns) {
            bool in = false;
            for (const auto& name : e.columns)
              in = in || name == c.name;
            c.primary_key = in;
          }
          t.primary_key = std::move(e);
        } else if constexpr (std::is_same_v<E, UniqueConstraint>) {
          for (const auto& c : e.columns)
            (void)t.column(c);
          t.uniques.push_back(std::move(e));
        } else if constexpr (std::is_same_v<E, CheckConstraint>) {
          t.checks.push_back(std::move(e));
        } else if constexpr (std::is_same_v<E, ForeignKeyConstraint>) {
          for (const auto& c : e.columns)
            (void)t.column(c);
          if (e.columns.size() != e.referred_columns.size() || e.columns.empty()) {
            throw ArgumentError("foreign key on " + t.name +
                                ": the column lists must be non-empty and of equal length");
          }
          t.foreign_keys.push_back(std::move(e));
        } else {
          for (const auto& c : e.columns) {
            // Expressions ("lower(login)") are allowed; bare names must exist.
            if (c.find('(') == std::string::npos) (void)t.column(c);
          }
          t.indexes.push_back(std::move(e));
        }
      },
      std::move(element));
}

}  // namespace

Table::Table(std::string name, std::vector<TableElement> elements, TableOptions options) {
  if (name.empty()) throw ArgumentError("a table needs a name");
  auto data = std::make_shared<TableData>();
  data->name = std::move(name);
  data->schema = std::move(options.schema);
  data->comment = std::move(options.comment);
  // Columns first, so that constraints may name columns declared after them.
  for (auto& e : elements) {
    if (std::holds_alternative<Column>(e)) add(*data, std::move(e));
  }
  for (auto& e : elements) {
    if (!std::holds_alternative<Column>(e)) add(*data, std::move(e));
  }
  node_ = std::make_shared<sql::TableNode>(std::move(data));
}

Table::Table(std::shared_ptr<TableData> data) {
  node_ = std::make_shared<sql::TableNode>(std::move(data));
}

const TableData& Table::data() const {
  if (!node_) throw ArgumentError("empty table handle");
  return *static_cast<const sql::TableNode&>(*node_).table;
}

std::shared_ptr<TableData> Table::shared_data() const {
  if (!node_) throw ArgumentError("empty table handle");
  return static_cast<const sql::TableNode&>(*node_).table;
}

Table& Table::append(TableElement element) {
  add(*shared_data(), std::move(element));
  return *this;
}

}  // namespace retort
