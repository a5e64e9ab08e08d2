// `retort inspect`: the reflected schema as text, one table after another in dependency
// order, one line per column, key, constraint or index.
#include <algorithm>

#include "commands.hpp"
#include "database.hpp"

namespace retort::cli {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string named(const std::string& name) {
  return name.empty() ? "" : name + " ";
}

// PostgreSQL reports a CHECK as "(length(name) > 0)", SQLite as "length(name) > 0";
// both print as the former.
std::string parenthesized(const std::string& sql) {
  int depth = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '(') {
      ++depth;
    } else if (depth == 0 || (sql[i] == ')' && --depth == 0 && i + 1 < sql.size())) {
      return "(" + sql + ")";
    }
  }
  return depth == 0 && !sql.empty() ? sql : "(" + sql + ")";
}

void print_table(const ReflectedTable& t, std::ostream& out) {
  out << "\ntable " << t.name;
  if (!t.comment.empty()) out << "  -- " << t.comment;
  out << "\n";
  // Aligned per table, so that one long name does not push every table apart.
  std::size_t name_width = 0, type_width = 0;
  for (const auto& c : t.columns) {
    name_width = std::max(name_width, c.name.size());
    type_width = std::max(type_width, c.type.describe().size());
  }
  for (const auto& c : t.columns) {
    out << "  column " << padded(c.name, name_width) << "  "
        << padded(c.type.describe(), type_width) << "  "
        << padded(c.nullable ? "NULL" : "NOT NULL", 8) << "  [" << c.type_name << "]";
    if (c.server_default) out << " default " << *c.server_default;
    if (c.autoincrement) out << " autoincrement";
    if (!c.comment.empty()) out << "  -- " << c.comment;
    out << "\n";
  }
  if (!t.primary_key.columns.empty())
    out << "  primary key " << named(t.primary_key.name) << "(" << joined(t.primary_key.columns)
        << ")\n";
  for (const auto& fk : t.foreign_keys) {
    out << "  foreign key " << named(fk.name) << "(" << joined(fk.columns) << ") -> "
        << fk.referred_table << " (" << joined(fk.referred_columns) << ")";
    if (!fk.ondelete.empty()) out << " ON DELETE " << fk.ondelete;
    if (!fk.onupdate.empty()) out << " ON UPDATE " << fk.onupdate;
    out << "\n";
  }
  for (const auto& u : t.unique_constraints)
    out << "  unique " << named(u.name) << "(" << joined(u.columns) << ")\n";
  for (const auto& ix : t.indexes) {
    out << "  " << (ix.unique ? "unique index " : "index ") << ix.name << " (" << joined(ix.columns)
        << ")";
    if (!ix.where.empty()) out << " WHERE " << ix.where;
    out << "\n";
  }
  for (const auto& ck : t.check_constraints)
    out << "  check " << named(ck.name) << parenthesized(ck.sqltext) << "\n";
}

}  // namespace

void inspect(const std::string& url, const std::vector<std::string>& tables, std::ostream& out) {
  Database db(url);
  const auto sorted = reflect_in_dependency_order(db.connection(), tables);
  out << "database " << db.url().str() << " (" << db.connection().dialect_name() << ")\n";
  for (const auto& table : sorted)
    print_table(table, out);
  out.flush();
  if (!out) throw std::runtime_error("cannot write the output");
}

}  // namespace retort::cli
