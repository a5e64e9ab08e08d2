#include "retort/schema/ddl.hpp"

#include <cctype>

#include "retort/core/error.hpp"

namespace retort {
namespace {

std::string join_quoted(const std::vector<std::string>& names, const sql::Dialect& d) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    // Index expressions ("lower(login)") go in as written.
    out += names[i].find('(') == std::string::npos ? d.quote(names[i]) : names[i];
  }
  return out;
}

std::string table_name(const TableData& t, const sql::Dialect& d) {
  return (t.schema.empty() ? "" : d.quote(t.schema) + ".") + d.quote(t.name);
}

Type column_enum(const TableData& t, const Column& c) {
  return c.type.name().empty() ? named_enum(c.type, t.name + "_" + c.name) : c.type;
}

// "app.dept" as "app"."dept", or "dept" alone where the dialect keeps foreign keys
// within one schema.
std::string referred_table(const ForeignKeyConstraint& fk, const sql::Dialect& d) {
  const auto dot = fk.referred_table.find('.');
  if (dot == std::string::npos) return d.quote(fk.referred_table);
  const std::string table = d.quote(fk.referred_table.substr(dot + 1));
  if (!d.qualify_referred_table()) return table;
  return d.quote(fk.referred_table.substr(0, dot)) + "." + table;
}

std::string foreign_key_clause(const ForeignKeyConstraint& fk, const TableData& t,
                               const sql::Dialect& d, const NamingConvention& naming) {
  std::string name = fk.name;
  if (name.empty()) name = convention_name(naming.fk, t, fk.columns, fk.referred_table);
  std::string out;
  if (!name.empty()) out += "CONSTRAINT " + d.quote(name) + " ";
  out += "FOREIGN KEY(" + join_quoted(fk.columns, d) + ") REFERENCES " + referred_table(fk, d) +
         " (" + join_quoted(fk.referred_columns, d) + ")";
  if (!fk.ondelete.empty()) out += " ON DELETE " + fk.ondelete;
  if (!fk.onupdate.empty()) out += " ON UPDATE " + fk.onupdate;
  return out;
}

std::string column_ddl(const TableData& t, const Column& c, bool generated, const sql::Dialect& d) {
  Type type = c.type;
  if (type.kind() == TypeKind::enum_) type = column_enum(t, c);
  std::string item =
      d.quote(c.name) + " " + (generated ? d.generated_key_type_ddl(type) : d.type_ddl(type));
  if (generated) item += d.autoincrement_ddl(c);
  if (c.server_default) item += " DEFAULT " + *c.server_default;
  if (!c.is_nullable()) item += " NOT NULL";
  return item;
}

bool inline_foreign_key(const ForeignKeyConstraint& fk, const sql::Dialect& d) {
  return !fk.use_alter || !d.alter_constraints();
}

}  // namespace

std::string convention_name(const std::string& pattern, const TableData& table,
                            const std::vector<std::string>& columns,
                            const std::string& referred_table, const std::string& constraint) {
  if (pattern.empty()) return {};
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    const auto close = pattern.find('}', i);
    if (close == std::string::npos)
      throw ArgumentError("naming convention '" + pattern + "': unclosed '{'");
    const std::string token = pattern.substr(i + 1, close - i - 1);
    if (token == "table") {
      out += table.name;
    } else if (token == "column_0") {
      out += columns.empty() ? "" : columns.front();
    } else if (token == "columns") {
      for (std::size_t k = 0; k < columns.size(); ++k)
        out += (k ? "_" : "") + columns[k];
    } else if (token == "referred_table") {
      out += referred_table;
    } else if (token == "constraint") {
      out += constraint;
    } else {
      throw ArgumentError(
          "naming convention '" + pattern + "': unknown token {" + token +
          "}; known: {table}, {column_0}, {columns}, {referred_table}, {constraint}");
    }
    i = close;
  }
  // Index expressions in names would not be identifiers.
  for (auto& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return out;
}

std::vector<Type> enum_types(const Table& table) {
  std::vector<Type> out;
  for (const auto& c : table.columns()) {
    if (c.type.kind() != TypeKind::enum_) continue;
    Type t = column_enum(table.data(), c);
    bool seen = false;
    for (const auto& o : out)
      seen = seen || o.name() == t.name();
    if (!seen) out.push_back(t);
  }
  return out;
}

std::string create_enum_ddl(const Type& type, const sql::Dialect& d) {
  std::string values;
  for (const auto& v : type.enum_values())
    values += (values.empty() ? "" : ", ") + d.literal(Value(v));
  return "CREATE TYPE " + d.quote(type.name()) + " AS ENUM (" + values + ")";
}

std::string drop_enum_ddl(const Type& type, const sql::Dialect& d) {
  return "DROP TYPE " + d.quote(type.name());
}

std::vector<std::string> create_table_ddl(const Table& table, const sql::Dialect& d,
                                          const NamingConvention& naming) {
  const TableData& t = table.data();
  std::vector<std::string> out;
  const Column* autoinc = t.autoincrement_column();
  std::vector<std::string> items;
  for (const auto& c : t.columns)
    items.push_back(column_ddl(t, c, &c == autoinc, d));
  if (!t.primary_key.columns.empty()) {
    std::string name = t.primary_key.name;
    if (name.empty()) name = convention_name(naming.pk, t, t.primary_key.columns);
    items.push_back((name.empty() ? "" : "CONSTRAINT " + d.quote(name) + " ") + "PRIMARY KEY (" +
                    join_quoted(t.primary_key.columns, d) + ")");
  }
  auto unique_item = [&](const std::vector<std::string>& columns, std::string name) {
    if (name.empty()) name = convention_name(naming.uq, t, columns);
    items.push_back((name.empty() ? "" : "CONSTRAINT " + d.quote(name) + " ") + "UNIQUE (" +
                    join_quoted(columns, d) + ")");
  };
  for (const auto& c : t.columns) {
    if (c.unique) unique_item({c.name}, "");
  }
  for (const auto& u : t.uniques)
    unique_item(u.columns, u.name);
  for (const auto& fk : t.foreign_keys) {
    if (inline_foreign_key(fk, d)) items.push_back(foreign_key_clause(fk, t, d, naming));
  }
  auto check_item = [&](const std::string& sqltext, std::string name, const std::string& column) {
    if (name.empty() && !naming.ck.empty()) {
      name = convention_name(
          naming.ck, t,
          column.empty() ? std::vector<std::string>{} : std::vector<std::string>{column}, {},
          column);
    } else if (!name.empty() && !naming.ck.empty() &&
               naming.ck.find("{constraint}") != std::string::npos) {
      name = convention_name(naming.ck, t, {}, {}, name);
    }
    items.push_back((name.empty() ? "" : "CONSTRAINT " + d.quote(name) + " ") + "CHECK (" +
                    sqltext + ")");
  };
  for (const auto& c : t.columns) {
    if (c.type.kind() == TypeKind::enum_ && d.enum_as_check()) {
      std::string in;
      for (const auto& v : c.type.enum_values())
        in += (in.empty() ? "" : ", ") + d.literal(Value(v));
      check_item(d.quote(c.name) + " IN (" + in + ")", "", c.name);
    }
  }
  for (const auto& ck : t.checks)
    check_item(ck.sqltext, ck.name, "");

  std::string create = "CREATE TABLE " + table_name(t, d) + " (\n\t";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) create += ",\n\t";
    create += items[i];
  }
  create += "\n)";
  out.push_back(std::move(create));

  for (const auto& c : t.columns) {
    if (c.index) out.push_back(create_index_ddl(t, Index("", {c.name}), d, naming));
  }
  for (const auto& ix : t.indexes)
    out.push_back(create_index_ddl(t, ix, d, naming));

  if (d.supports_comments()) {
    if (!t.comment.empty()) {
      out.push_back("COMMENT ON TABLE " + table_name(t, d) + " IS " + d.literal(Value(t.comment)));
    }
    for (const auto& c : t.columns) {
      if (!c.comment.empty()) {
        out.push_back("COMMENT ON COLUMN " + table_name(t, d) + "." + d.quote(c.name) + " IS " +
                      d.literal(Value(c.comment)));
      }
    }
  }
  return out;
}

std::vector<std::string> alter_foreign_keys_ddl(const Table& table, const sql::Dialect& d,
                                                const NamingConvention& naming) {
  std::vector<std::string> out;
  for (const auto& fk : table.foreign_keys()) {
    if (inline_foreign_key(fk, d)) continue;
    out.push_back("ALTER TABLE " + table_name(table.data(), d) + " ADD " +
                  foreign_key_clause(fk, table.data(), d, naming));
  }
  return out;
}

std::string create_index_ddl(const TableData& t, const Index& ix, const sql::Dialect& d,
                             const NamingConvention& naming) {
  std::string name = ix.name.empty() ? convention_name(naming.ix, t, ix.columns) : ix.name;
  if (name.empty()) name = convention_name("ix_{table}_{columns}", t, ix.columns);
  // The index lives in its table's schema; a dialect says on which name to write it.
  const bool on_index = d.schema_on_index_name() && !t.schema.empty();
  std::string sql = std::string(ix.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                    (on_index ? d.quote(t.schema) + "." : "") + d.quote(name) + " ON " +
                    (on_index ? d.quote(t.name) : table_name(t, d)) + " (" +
                    join_quoted(ix.columns, d) + ")";
  if (!ix.where.empty()) sql += " WHERE " + ix.where;
  return sql;
}

std::string drop_index_ddl(const TableData& t, std::string_view index_name, const sql::Dialect& d) {
  // Indexes live in their table's schema.
  return "DROP INDEX " + (t.schema.empty() ? "" : d.quote(t.schema) + ".") + d.quote(index_name);
}

std::string add_column_ddl(const TableData& t, const Column& column, const sql::Dialect& d) {
  std::string sql =
      "ALTER TABLE " + table_name(t, d) + " ADD COLUMN " + column_ddl(t, column, false, d);
  for (const auto& fk : column.foreign_keys) {
    const auto dot = fk.target.rfind('.');
    if (dot == std::string::npos)
      throw ArgumentError("foreign key '" + fk.target + "' of column " + column.name +
                          " is not \"table.column\"");
    ForeignKeyConstraint c({column.name}, fk.target.substr(0, dot), {fk.target.substr(dot + 1)},
                           fk.options);
    sql += " REFERENCES " + referred_table(c, d) + " (" + d.quote(c.referred_columns[0]) + ")";
    if (!c.ondelete.empty()) sql += " ON DELETE " + c.ondelete;
    if (!c.onupdate.empty()) sql += " ON UPDATE " + c.onupdate;
  }
  return sql;
}

std::string drop_column_ddl(const TableData& t, std::string_view column, const sql::Dialect& d) {
  return "ALTER TABLE " + table_name(t, d) + " DROP COLUMN " + d.quote(column);
}

std::string rename_column_ddl(const TableData& t, std::string_view from, std::string_view to,
                              const sql::Dialect& d) {
  return "ALTER TABLE " + table_name(t, d) + " RENAME COLUMN " + d.quote(from) + " TO " +
         d.quote(to);
}

std::string rename_table_ddl(const TableData& t, std::string_view to, const sql::Dialect& d) {
  // The new name stays in the table's schema.
  return "ALTER TABLE " + table_name(t, d) + " RENAME TO " + d.quote(to);
}

std::string add_constraint_ddl(const TableData& t, const Constraint& constraint,
                               const sql::Dialect& d, const NamingConvention& naming) {
  const auto named = [&](std::string name, const std::string& pattern,
                         const std::vector<std::string>& columns) {
    if (name.empty()) name = convention_name(pattern, t, columns);
    return name.empty() ? std::string() : "CONSTRAINT " + d.quote(name) + " ";
  };
  std::string item;
  if (const auto* pk = std::get_if<PrimaryKeyConstraint>(&constraint)) {
    item = named(pk->name, naming.pk, pk->columns) + "PRIMARY KEY (" + join_quoted(pk->columns, d) +
           ")";
  } else if (const auto* uq = std::get_if<UniqueConstraint>(&constraint)) {
    item = named(uq->name, naming.uq, uq->columns) + "UNIQUE (" + join_quoted(uq->columns, d) + ")";
  } else if (const auto* ck = std::get_if<CheckConstraint>(&constraint)) {
    item = named(ck->name, {}, {}) + "CHECK (" + ck->sqltext + ")";
  } else {
    item = foreign_key_clause(std::get<ForeignKeyConstraint>(constraint), t, d, naming);
  }
  return "ALTER TABLE " + table_name(t, d) + " ADD " + item;
}

std::string drop_constraint_ddl(const TableData& t, std::string_view name, const sql::Dialect& d) {
  return "ALTER TABLE " + table_name(t, d) + " DROP CONSTRAINT " + d.quote(name);
}

std::string drop_table_ddl(const Table& table, const sql::Dialect& d) {
  return "DROP TABLE " + table_name(table.data(), d);
}

}  // namespace retort
