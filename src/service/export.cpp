#include "retort/service/export.hpp"

#include <algorithm>
#include <istream>
#include <ostream>
#include <sstream>

#include "retort/core/error.hpp"
#include "retort/schema/metadata.hpp"
#include "retort/service/database.hpp"
#include "retort/service/dict.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/select.hpp"

namespace retort {
namespace {

std::vector<Table> chosen_tables(const MetaData& metadata, const std::vector<std::string>& only,
                                 const std::vector<std::string>& exclude = {}) {
  const auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<Table> out;
  for (const Table& t : metadata.sorted_tables(true)) {
    if ((only.empty() || listed(only, t.name())) && !listed(exclude, t.name())) out.push_back(t);
  }
  for (const auto& name : only) {
    if (!metadata.find(name)) throw ArgumentError("the database has no table '" + name + "'");
  }
  return out;
}

std::int64_t row_count(Connection& conn, const Table& table) {
  Result r = conn.execute(sql::select(sql::count()).select_from(table));
  r.next();
  return r.row().get<std::int64_t>(0);
}

void report(const Progress& progress, const std::string& table, std::int64_t done,
            std::int64_t total) {
  if (progress.report) progress.report(table, done, total);
}

}  // namespace

void export_json(const Engine& engine, std::ostream& out, const ExportOptions& options) {
  Connection conn = engine.connect();
  Transaction tx = conn.begin();
  const std::string snapshot = sql::dialect(conn.dialect_name()).read_only_snapshot_sql();
  if (!snapshot.empty()) conn.execute(snapshot);
  MetaData metadata;
  metadata.reflect(conn);
  const std::vector<Table> tables = chosen_tables(metadata, options.tables, options.exclude);
  const std::int64_t every = std::max<std::int64_t>(1, options.progress.every);
  out << "{";
  bool first_table = true;
  for (const Table& table : tables) {
    const std::int64_t total = options.progress.report ? row_count(conn, table) : 0;
    out << (first_table ? "\n" : ",\n") << service::detail::dump(table.name()) << ": [";
    first_table = false;
    sql::Select select = sql::select(table);
    const auto& key = table.primary_key().columns;
    for (const auto& c : key.empty() ? std::vector<std::string>{} : key)
      select = select.order_by(table.c(c).asc());
    if (key.empty()) {
      for (const auto& c : table.columns())
        select = select.order_by(table.c(c.name).asc());
    }
    Result rows = conn.stream(select);
    std::int64_t done = 0;
    const auto& columns = table.columns();
    while (rows.next()) {
      Dict row = Dict::object();
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const Type& type = columns[i].type;
        row[columns[i].name] =
            value_to_json(type.from_db(rows.row().value(static_cast<int>(i))), type);
      }
      out << (done == 0 ? "\n" : ",\n") << service::detail::dump(row);
      if (++done % every == 0) report(options.progress, table.name(), done, total);
    }
    out << (done == 0 ? "]" : "\n]");
    report(options.progress, table.name(), done, total);
  }
  out << "\n}\n";
  tx.commit();
  if (!out) throw OperationalError("export_json: writing the dump failed");
}

void export_json(Database& db, std::ostream& out, const ExportOptions& options) {
  export_json(db.engine(), out, options);
}

std::string export_json(const Engine& engine, const ExportOptions& options) {
  std::ostringstream out;
  export_json(engine, out, options);
  return out.str();
}

std::int64_t import_json(const Engine& engine, std::istream& in, const ImportOptions& options) {
  const Dict dump = Dict::parse(in, nullptr, false);
  if (dump.is_discarded()) throw ArgumentError("import_json: the input is not valid JSON");
  if (!dump.is_object())
    throw ArgumentError("import_json: expected an object of tables, got " +
                        std::string(dump.type_name()));
  Connection conn = engine.connect();
  Transaction tx = conn.begin();
  const sql::Dialect& dialect = sql::dialect(conn.dialect_name());
  MetaData metadata;
  metadata.reflect(conn);
  std::vector<std::string> names;
  for (const auto& [name, rows] : dump.items())
    names.push_back(name);
  const std::int64_t every = std::max<std::int64_t>(1, options.progress.every);
  std::int64_t loaded = 0;
  for (const Table& table : chosen_tables(metadata, names)) {
    const Dict& rows = dump.at(table.name());
    if (!rows.is_array())
      throw ArgumentError(table.name() + ": expected a list of rows, got " +
                          service::detail::shown(rows));
    if (row_count(conn, table) != 0)
      throw ArgumentError("import_json: table '" + table.name() + "' is not empty");
    const auto& columns = table.columns();
    std::vector<std::string> names_of;
    for (const auto& c : columns)
      names_of.push_back(c.name);
    const std::size_t per_statement = std::max<std::size_t>(
        1, dialect.max_parameters() / std::max<std::size_t>(1, columns.size()));
    const auto total = static_cast<std::int64_t>(rows.size());
    std::vector<std::vector<Value>> batch;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const std::string path = table.name() + "[" + std::to_string(r) + "]";
      const Dict& row = rows[r];
      if (!row.is_object())
        throw ArgumentError(path + ": expected an object, got " + service::detail::shown(row));
      for (const auto& [key, value] : row.items()) {
        if (!table.has_column(key))
          throw ArgumentError(path + "." + key + ": table '" + table.name() +
                              "' has no such column");
      }
      std::vector<Value> values;
      for (const auto& c : columns) {
        auto it = row.find(c.name);
        values.push_back(it == row.end()
                             ? Value()
                             : json_to_value(*it, c.type, c.is_nullable(), path + "." + c.name));
      }
      batch.push_back(std::move(values));
      if (batch.size() == per_statement || r + 1 == rows.size()) {
        conn.execute(sql::insert(table).values(names_of, batch));
        batch.clear();
      }
      ++loaded;
      if ((static_cast<std::int64_t>(r) + 1) % every == 0)
        report(options.progress, table.name(), static_cast<std::int64_t>(r) + 1, total);
    }
    report(options.progress, table.name(), total, total);
    std::vector<std::string> int_keys;
    for (const auto& name : table.primary_key().columns) {
      if (table.column(name).type.is_integer()) int_keys.push_back(name);
    }
    for (const auto& statement : dialect.sequence_sync_sql(dialect.quote(table.name()), int_keys))
      conn.execute(statement);
  }
  tx.commit();
  return loaded;
}

std::int64_t import_json(Database& db, std::istream& in, const ImportOptions& options) {
  return import_json(db.engine(), in, options);
}

}  // namespace retort
