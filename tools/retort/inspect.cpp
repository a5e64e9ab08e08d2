#include <iomanip>

#include "commands.hpp"
#include "retort/core.hpp"
#include "retort/schema.hpp"

namespace retort::cli {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void inspect(const std::string& url, const std::vector<std::string>& tables, std::ostream& out) {
  auto engine = create_engine(url, {.pool_size = 1});
  auto conn = engine.connect();
  Inspector inspector(conn);
  MetaData md;
  md.reflect(conn, tables);
  out << "database " << engine.url().str() << " (" << engine.dialect_name() << ")\n";
  for (const auto& table : md.sorted_tables()) {
    const ReflectedTable t = inspector.table(table.name());
    out << "\ntable " << t.name;
    if (!t.comment.empty()) out << "  -- " << t.comment;
    out << "\n";
    for (const auto& c : t.columns) {
      out << "  column " << std::left << std::setw(20) << c.name << " " << std::setw(22)
          << c.type.describe() << " " << (c.nullable ? "NULL" : "NOT NULL") << "  [" << c.type_name
          << "]";
      if (c.autoincrement) out << " autoincrement";
      if (c.server_default) out << " default " << *c.server_default;
      if (!c.comment.empty()) out << "  -- " << c.comment;
      out << "\n";
    }
    if (!t.primary_key.columns.empty()) {
      out << "  primary key " << (t.primary_key.name.empty() ? "" : t.primary_key.name + " ") << "("
          << joined(t.primary_key.columns) << ")\n";
    }
    for (const auto& fk : t.foreign_keys) {
      out << "  foreign key " << (fk.name.empty() ? "" : fk.name + " ") << "(" << joined(fk.columns)
          << ") -> " << fk.referred_table << " (" << joined(fk.referred_columns) << ")";
      if (!fk.ondelete.empty()) out << " ON DELETE " << fk.ondelete;
      if (!fk.onupdate.empty()) out << " ON UPDATE " << fk.onupdate;
      out << "\n";
    }
    for (const auto& u : t.unique_constraints) {
      out << "  unique " << (u.name.empty() ? "" : u.name + " ") << "(" << joined(u.columns)
          << ")\n";
    }
    for (const auto& ix : t.indexes) {
      out << "  index " << ix.name << " (" << joined(ix.columns) << ")"
          << (ix.unique ? " unique" : "");
      if (!ix.where.empty()) out << " where " << ix.where;
      out << "\n";
    }
    for (const auto& ck : t.check_constraints) {
      out << "  check " << (ck.name.empty() ? "" : ck.name + " ") << "(" << ck.sqltext << ")\n";
    }
  }
}

}  // namespace retort::cli
