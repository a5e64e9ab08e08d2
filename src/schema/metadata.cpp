#include "retort/schema/metadata.hpp"

#include <algorithm>
#include <set>

#include "retort/core/engine.hpp"
#include "retort/core/error.hpp"
#include "retort/schema/ddl.hpp"

namespace retort {
namespace {

const sql::Dialect& dialect_of(Connection& conn) {
  return sql::dialect(conn.dialect_name());
}

// Runs fn inside a transaction: the caller's, or one of its own that commits at the end.
template <class F>
void transactional(Connection& conn, F&& fn) {
  if (conn.in_transaction()) {
    fn();
    return;
  }
  auto tx = conn.begin();
  fn();
  tx.commit();
}

bool wanted(const CreateOptions& options, const std::string& name) {
  return options.tables.empty() ||
         std::find(options.tables.begin(), options.tables.end(), name) != options.tables.end();
}

std::string qualified_name(const Table& t, const sql::Dialect& d) {
  return (t.schema().empty() ? "" : d.quote(t.schema()) + ".") + d.quote(t.name());
}

// The fullnames of the tables that exist in the schemas the given tables live in.
std::set<std::string> existing_tables(Connection& conn, const sql::Dialect& d,
                                      const std::vector<Table>& tables,
                                      const CreateOptions& options) {
  std::set<std::string> schemas, out;
  for (const auto& t : tables) {
    if (wanted(options, t.fullname())) schemas.insert(t.schema());
  }
  for (const auto& schema : schemas) {
    for (auto& name : d.table_names(conn, schema))
      out.insert(schema.empty() ? std::move(name) : schema + "." + name);
  }
  return out;
}

}  // namespace

Table& MetaData::add(Table table) {
  if (table.is_null()) throw ArgumentError("MetaData::add(): empty table");
  if (find(table.fullname())) {
    throw ArgumentError("MetaData already has a table named '" + table.fullname() + "'");
  }
  tables_.push_back(std::move(table));
  return tables_.back();
}

const Table* MetaData::find(std::string_view name) const {
  for (const auto& t : tables_) {
    if (t.fullname() == name) return &t;
  }
  return nullptr;
}

const Table& MetaData::get(std::string_view name) const {
  if (const Table* t = find(name)) return *t;
  std::string known;
  for (const auto& t : tables_)
    known += (known.empty() ? "" : ", ") + t.fullname();
  throw ArgumentError("no table named '" + std::string(name) + "'; the tables are: " + known);
}

std::vector<Table> MetaData::sorted_tables(bool break_cycles) const {
  // Kahn's algorithm, keeping declaration order among tables that are free to go.
  const std::size_t n = tables_.size();
  std::vector<std::set<std::size_t>> depends(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& fk : tables_[i].foreign_keys()) {
      if (fk.use_alter || fk.referred_table == tables_[i].fullname()) continue;
      for (std::size_t j = 0; j < n; ++j) {
        if (tables_[j].fullname() == fk.referred_table) depends[i].insert(j);
      }
    }
  }
  std::vector<Table> out;
  std::vector<bool> done(n, false);
  while (out.size() < n) {
    bool progress = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (done[i]) continue;
      bool ready = true;
      for (auto j : depends[i])
        ready = ready && done[j];
      if (ready) {
        done[i] = true;
        out.push_back(tables_[i]);
        progress = true;
        break;
      }
    }
    if (!progress && break_cycles) {
      // The first table left goes next, as if its foreign keys came after the tables.
      std::size_t first = 0;
      while (done[first])
        ++first;
      done[first] = true;
      out.push_back(tables_[first]);
    } else if (!progress) {
      // What is left contains a cycle; walk it to name exactly its tables.
      std::size_t start = 0;
      while (done[start])
        ++start;
      std::vector<std::size_t> path;
      std::vector<int> position(n, -1);
      std::size_t at = start;
      while (position[at] < 0) {
        position[at] = static_cast<int>(path.size());
        path.push_back(at);
        for (auto j : depends[at]) {
          if (!done[j]) {
            at = j;
            break;
          }
        }
      }
      std::string names;
      for (std::size_t k = position[at]; k < path.size(); ++k) {
        names += (names.empty() ? "" : " -> ") + tables_[path[k]].fullname();
      }
      names += " -> " + tables_[at].fullname();
      throw ArgumentError("foreign keys form a cycle: " + names +
                          "; mark one of them ForeignKeyOptions{.use_alter = true} so it is "
                          "added after the tables");
    }
  }
  return out;
}

void MetaData::create_all(Connection& conn, const CreateOptions& options) const {
  const auto& d = dialect_of(conn);
  const auto tables = sorted_tables();
  transactional(conn, [&] {
    std::set<std::string> existing;
    std::set<std::string> types;
    if (options.checkfirst) {
      existing = existing_tables(conn, d, tables, options);
      for (auto& name : d.enum_type_names(conn))
        types.insert(std::move(name));
    }
    std::vector<const Table*> created;
    for (const auto& table : tables) {
      if (!wanted(options, table.fullname()) || existing.count(table.fullname())) continue;
      if (!d.enum_as_check()) {
        for (const auto& e : enum_types(table)) {
          if (types.insert(e.name()).second) conn.execute(create_enum_ddl(e, d));
        }
      }
      for (const auto& sql : create_table_ddl(table, d, naming_))
        conn.execute(sql);
      created.push_back(&table);
    }
    for (const Table* table : created) {
      for (const auto& sql : alter_foreign_keys_ddl(*table, d, naming_))
        conn.execute(sql);
    }
  });
}

void MetaData::create_all(const Engine& engine, const CreateOptions& options) const {
  auto conn = engine.connect();
  create_all(conn, options);
}

void MetaData::drop_all(Connection& conn, const CreateOptions& options) const {
  const auto& d = dialect_of(conn);
  auto tables = sorted_tables();
  std::reverse(tables.begin(), tables.end());
  transactional(conn, [&] {
    const std::set<std::string> existing = existing_tables(conn, d, tables, options);
    if (d.alter_constraints()) {
      // Foreign keys added after the tables go first, or the cycle blocks the drops.
      for (const auto& table : tables) {
        if (!wanted(options, table.fullname()) || !existing.count(table.fullname())) continue;
        for (const auto& fk : table.foreign_keys()) {
          if (!fk.use_alter) continue;
          std::string name = fk.name;
          if (name.empty())
            name = convention_name(naming_.fk, table.data(), fk.columns, fk.referred_table);
          if (name.empty()) {
            // Named by the database: find the key by what it links.
            for (const auto& r : d.reflect_table(conn, table.name(), table.schema()).foreign_keys) {
              if (r.columns == fk.columns && r.referred_table == fk.referred_table) name = r.name;
            }
          }
          if (name.empty()) continue;
          conn.execute("ALTER TABLE " + qualified_name(table, d) + " DROP CONSTRAINT IF EXISTS " +
                       d.quote(name));
        }
      }
    }
    for (const auto& table : tables) {
      if (!wanted(options, table.fullname())) continue;
      if (existing.count(table.fullname()))
        conn.execute(drop_table_ddl(table, d));
      else if (!options.checkfirst)
        conn.execute(drop_table_ddl(table, d));
    }
    // After the tables, the types none of the tables left behind uses (of this MetaData
    // or any other).
    if (!d.enum_as_check()) {
      std::set<std::string> types;
      for (auto& name : d.enum_type_names(conn))
        types.insert(std::move(name));
      for (const auto& name : d.enum_types_in_use(conn))
        types.erase(name);
      for (const auto& table : tables) {
        if (!wanted(options, table.fullname())) continue;
        for (const auto& e : enum_types(table)) {
          if (types.erase(e.name())) conn.execute(drop_enum_ddl(e, d));
        }
      }
    }
  });
}

void MetaData::drop_all(const Engine& engine, const CreateOptions& options) const {
  auto conn = engine.connect();
  drop_all(conn, options);
}

void MetaData::reflect(Connection& conn, const std::vector<std::string>& only,
                       std::string_view schema) {
  Inspector inspector(conn);
  const auto names = only.empty() ? inspector.table_names(schema) : only;
  const std::string prefix = schema.empty() ? "" : std::string(schema) + ".";
  for (const auto& name : names) {
    if (find(prefix + name)) continue;
    add(to_table(inspector.table(name, schema)));
  }
}

void MetaData::reflect(const Engine& engine, const std::vector<std::string>& only,
                       std::string_view schema) {
  auto conn = engine.connect();
  reflect(conn, only, schema);
}

Table to_table(const ReflectedTable& r) {
  std::vector<TableElement> elements;
  for (const auto& rc : r.columns) {
    Column c(rc.name, rc.type);
    c.nullable = rc.nullable;
    c.server_default = rc.server_default;
    c.comment = rc.comment;
    c.autoincrement = rc.autoincrement ? Autoincrement::yes : Autoincrement::no;
    elements.emplace_back(std::move(c));
  }
  if (!r.primary_key.columns.empty()) elements.emplace_back(r.primary_key);
  for (const auto& fk : r.foreign_keys)
    elements.emplace_back(fk);
  for (const auto& u : r.unique_constraints)
    elements.emplace_back(u);
  for (const auto& ck : r.check_constraints)
    elements.emplace_back(ck);
  for (const auto& ix : r.indexes)
    elements.emplace_back(ix);
  Table table(r.name, std::move(elements), TableOptions{.comment = r.comment, .schema = r.schema});
  // The primary key constraint made its columns NOT NULL by default; keep what was read.
  auto data = table.shared_data();
  for (std::size_t i = 0; i < r.columns.size(); ++i)
    data->columns[i].nullable = r.columns[i].nullable;
  return table;
}

}  // namespace retort
