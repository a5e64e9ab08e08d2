#include "table_change.hpp"

#include <algorithm>
#include <cctype>

#include "retort/core/error.hpp"

namespace retort::migrate {
namespace {

void rename_in(std::vector<std::string>& columns, const std::string& from, const std::string& to) {
  for (auto& c : columns) {
    if (c == from) c = to;
  }
}

bool mentions(const std::vector<std::string>& columns, const std::string& column) {
  return std::find(columns.begin(), columns.end(), column) != columns.end();
}

Column& column_of(TableData& t, const std::string& name) {
  for (auto& c : t.columns) {
    if (c.name == name) return c;
  }
  (void)t.column(name);  // raises, listing the columns
  throw ArgumentError("no column " + name);
}

// Whether SQL text names the column (as a whole word, quoted or not).
bool names_column(const std::string& sql, const std::string& column) {
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (auto at = sql.find(column); at != std::string::npos; at = sql.find(column, at + 1)) {
    const bool starts = at == 0 || !word(sql[at - 1]);
    const bool ends = at + column.size() == sql.size() || !word(sql[at + column.size()]);
    if (starts && ends) return true;
  }
  return false;
}

void drop_column(TableData& t, const std::string& name) {
  (void)t.column(name);
  // What the column was part of goes with it, as when a database drops it.
  std::erase_if(t.columns, [&](const Column& c) { return c.name == name; });
  std::erase_if(t.uniques, [&](const auto& u) { return mentions(u.columns, name); });
  std::erase_if(t.foreign_keys, [&](const auto& fk) { return mentions(fk.columns, name); });
  std::erase_if(t.indexes, [&](const auto& ix) { return mentions(ix.columns, name); });
  std::erase_if(t.checks, [&](const auto& ck) { return names_column(ck.sqltext, name); });
  if (mentions(t.primary_key.columns, name)) t.primary_key = PrimaryKeyConstraint();
}

void alter_column(TableData& t, const AlterColumn& a) {
  Column& c = column_of(t, a.column);
  if (a.type) {
    c.type = *a.type;
    // The column's own unnamed CHECK belonged to its old type (an enum's values).
    std::erase_if(t.checks, [&](const auto& ck) {
      return ck.name.empty() && names_column(ck.sqltext, a.column);
    });
  }
  if (a.nullable) c.nullable = *a.nullable;
  if (a.server_default) c.server_default = *a.server_default;
  if (a.new_name.empty() || a.new_name == a.column) return;
  if (t.find(a.new_name))
    throw ArgumentError("table " + t.fullname() + " already has a column " + a.new_name);
  c.name = a.new_name;
  rename_in(t.primary_key.columns, a.column, a.new_name);
  for (auto& u : t.uniques)
    rename_in(u.columns, a.column, a.new_name);
  for (auto& fk : t.foreign_keys)
    rename_in(fk.columns, a.column, a.new_name);
  for (auto& ix : t.indexes)
    rename_in(ix.columns, a.column, a.new_name);
}

void drop_constraint(TableData& t, const std::string& name) {
  const auto before = t.uniques.size() + t.foreign_keys.size() + t.checks.size();
  std::erase_if(t.uniques, [&](const auto& u) { return u.name == name; });
  std::erase_if(t.foreign_keys, [&](const auto& fk) { return fk.name == name; });
  std::erase_if(t.checks, [&](const auto& ck) { return ck.name == name; });
  const bool pk = !name.empty() && t.primary_key.name == name;
  if (pk) t.primary_key = PrimaryKeyConstraint();
  if (!pk && before == t.uniques.size() + t.foreign_keys.size() + t.checks.size())
    throw ArgumentError("table " + t.fullname() + " has no constraint named '" + name + "'");
}

}  // namespace

TableData table_ref(const std::string& fullname) {
  TableData t;
  const auto dot = fullname.find('.');
  if (dot == std::string::npos) {
    t.name = fullname;
  } else {
    t.schema = fullname.substr(0, dot);
    t.name = fullname.substr(dot + 1);
  }
  if (t.name.empty()) throw ArgumentError("'" + fullname + "' is not a table name");
  return t;
}

Table make_table(const TableData& t) {
  std::vector<TableElement> elements;
  for (Column c : t.columns) {
    c.primary_key = false;  // the constraint below says which
    c.foreign_keys.clear();
    elements.emplace_back(std::move(c));
  }
  if (!t.primary_key.columns.empty()) elements.emplace_back(t.primary_key);
  for (const auto& u : t.uniques)
    elements.emplace_back(u);
  for (const auto& fk : t.foreign_keys)
    elements.emplace_back(fk);
  for (const auto& ck : t.checks)
    elements.emplace_back(ck);
  for (const auto& ix : t.indexes)
    elements.emplace_back(ix);
  return Table(t.name, std::move(elements), {.comment = t.comment, .schema = t.schema});
}

Table changed_table(const Table& table, const Operation& op) {
  TableData t = table.data();
  std::visit(
      [&](const auto& o) {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, AddColumn>) {
          if (t.find(o.column.name))
            throw ArgumentError("table " + t.fullname() + " already has a column " + o.column.name);
          Column c = o.column;
          for (const auto& fk : c.foreign_keys) {
            const auto dot = fk.target.rfind('.');
            t.foreign_keys.emplace_back(std::vector<std::string>{c.name}, fk.target.substr(0, dot),
                                        std::vector<std::string>{fk.target.substr(dot + 1)},
                                        fk.options);
          }
          c.foreign_keys.clear();
          if (c.unique) t.uniques.emplace_back(std::vector<std::string>{c.name});
          if (c.index) t.indexes.emplace_back("", std::vector<std::string>{c.name});
          c.unique = c.index = false;
          t.columns.push_back(std::move(c));
        } else if constexpr (std::is_same_v<O, DropColumn>) {
          drop_column(t, o.column);
        } else if constexpr (std::is_same_v<O, AlterColumn>) {
          alter_column(t, o);
        } else if constexpr (std::is_same_v<O, CreateIndex>) {
          t.indexes.push_back(o.index);
        } else if constexpr (std::is_same_v<O, DropIndex>) {
          const auto n = t.indexes.size();
          std::erase_if(t.indexes, [&](const Index& ix) { return ix.name == o.name; });
          if (n == t.indexes.size())
            throw ArgumentError("table " + t.fullname() + " has no index named '" + o.name + "'");
        } else if constexpr (std::is_same_v<O, AddConstraint>) {
          std::visit(
              [&](const auto& c) {
                using C = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<C, PrimaryKeyConstraint>)
                  t.primary_key = c;
                else if constexpr (std::is_same_v<C, UniqueConstraint>)
                  t.uniques.push_back(c);
                else if constexpr (std::is_same_v<C, CheckConstraint>)
                  t.checks.push_back(c);
                else
                  t.foreign_keys.push_back(c);
              },
              o.constraint);
        } else if constexpr (std::is_same_v<O, DropConstraint>) {
          drop_constraint(t, o.name);
        } else if constexpr (std::is_same_v<O, RenameTable>) {
          t.name = o.new_name;
        } else {
          throw ArgumentError(describe(op) + " does not change one table's definition");
        }
      },
      op);
  return make_table(t);
}

}  // namespace retort::migrate
