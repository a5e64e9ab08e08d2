#include "database.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "retort/sql/dialect.hpp"

namespace retort::cli {
namespace {

// A table that tables[i] refers to and that is not written yet; tables.size() if none.
std::size_t unmet_reference(const std::vector<ReflectedTable>& tables,
                            const std::vector<bool>& done, std::size_t i) {
  for (const auto& fk : tables[i].foreign_keys) {
    for (std::size_t j = 0; j < tables.size(); ++j) {
      if (j != i && !done[j] && tables[j].name == fk.referred_table) return j;
    }
  }
  return tables.size();
}

// MetaData::sorted_tables() refuses cycles (right for CREATE TABLE); reading data only
// needs the best order there is. Otherwise the same algorithm, so the same order.
std::vector<std::string> order_breaking_cycles(const std::vector<ReflectedTable>& tables) {
  const std::size_t n = tables.size();
  std::vector<bool> done(n, false);
  std::vector<std::string> order;
  while (order.size() < n) {
    std::size_t next = 0;
    while (next < n && (done[next] || unmet_reference(tables, done, next) < n))
      ++next;
    if (next == n) {
      // Every table left waits for another. Following those references until one repeats
      // finds a table on a cycle, rather than one merely behind it, to put first.
      next = 0;
      while (done[next])
        ++next;
      std::vector<bool> seen(n, false);
      while (!seen[next]) {
        seen[next] = true;
        next = unmet_reference(tables, done, next);
      }
      std::cerr << "retort: warning: foreign keys form a cycle; table '" << tables[next].name
                << "' comes before a table it refers to\n";
    }
    done[next] = true;
    order.push_back(tables[next].name);
  }
  return order;
}

}  // namespace

Database::Database(std::string_view url)
    : url_(URL::parse(url)),
      engine_(create_engine(driver::find_driver(url_).read_only(url_), {.pool_size = 1})),
      conn_(engine_.connect()),
      snapshot_(conn_.begin()) {
  // One consistent state: without it, on a server, every SELECT could see another, and a
  // child table read after its parent could refer to rows the dump does not have.
  const auto sql = sql::dialect(engine_.dialect_name()).read_only_snapshot_sql();
  if (!sql.empty()) conn_.execute_script(sql);
}

std::vector<ReflectedTable> reflect_in_dependency_order(Connection& conn,
                                                        const std::vector<std::string>& only) {
  Inspector inspector(conn);
  std::vector<std::string> names;
  for (const auto& name : only.empty() ? inspector.table_names() : only) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  // What MetaData::reflect() does, keeping the ReflectedTables: they also carry the
  // database's own type names.
  std::vector<ReflectedTable> tables;
  MetaData metadata;
  for (const auto& name : names) {
    tables.push_back(inspector.table(name));
    metadata.add(to_table(tables.back()));
  }
  std::vector<std::string> order;
  try {
    for (const auto& table : metadata.sorted_tables())
      order.push_back(table.name());
  } catch (const ArgumentError&) {
    order = order_breaking_cycles(tables);
  }
  std::vector<ReflectedTable> sorted;
  sorted.reserve(tables.size());
  for (const auto& name : order) {
    auto it = std::find_if(tables.begin(), tables.end(),
                           [&](const ReflectedTable& t) { return t.name == name; });
    sorted.push_back(std::move(*it));
  }
  return sorted;
}

}  // namespace retort::cli
