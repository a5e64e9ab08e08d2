// `retort dump`: one JSON object of table name to rows. Each row is written as it is read,
// one per line, so the output of a large table never has to fit in memory.
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "database.hpp"
#include "json_value.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::cli {
namespace {

std::string select_all(const ReflectedTable& table, const sql::Dialect& dialect) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < table.columns.size(); ++i)
    sql += (i ? ", " : "") + dialect.quote(table.columns[i].name);
  sql += " FROM " + dialect.quote(table.name);
  const auto& pk = table.primary_key.columns;
  for (std::size_t i = 0; i < pk.size(); ++i)
    sql += (i ? ", " : " ORDER BY ") + dialect.quote(pk[i]);
  return sql;
}

Value read(const Row& row, int index) {
  try {
    return row.value(index);
  } catch (const DataError&) {
    // The driver could not read the value as its type (PostgreSQL's 'infinity' dates,
    // BC years): its text is still worth having.
    return Value(std::string(row.get<std::string_view>(index)));
  }
}

void check(const std::ostream& out) {
  if (!out) throw std::runtime_error("cannot write the output");
}

}  // namespace

void dump(const std::string& url, const std::vector<std::string>& tables, std::ostream& out) {
  Database db(url);
  auto& conn = db.connection();
  const auto& dialect = sql::dialect(conn.dialect_name());
  const auto sorted = reflect_in_dependency_order(conn, tables);
  out << "{";
  bool first_table = true;
  std::string line;
  for (const auto& table : sorted) {
    out << (first_table ? "\n  " : ",\n  ") << json_string(table.name) << ": [";
    first_table = false;
    std::vector<std::string> keys;
    for (const auto& column : table.columns)
      keys.push_back(json_string(column.name) + ": ");
    bool first_row = true;
    for (const Row& row : conn.stream(select_all(table, dialect))) {
      line = first_row ? "\n    {" : ",\n    {";
      first_row = false;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (i) line += ", ";
        line += keys[i];
        line += json_value(read(row, static_cast<int>(i)), table.columns[i].type);
      }
      line += '}';
      out << line;
      check(out);
    }
    out << (first_row ? "]" : "\n  ]");
  }
  out << (first_table ? "}\n" : "\n}\n");
  out.flush();
  check(out);
}

}  // namespace retort::cli
