// PostgreSQL reflection through pg_catalog, for tables in the current schema.
#include <algorithm>
#include <cstdint>

#include "dialects/postgresql/dialect.hpp"
#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"
#include "retort/schema/reflection.hpp"

namespace retort::postgresql {
namespace {

// Names joined by the unit separator in the queries below.
std::vector<std::string> split_names(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  if (!text) return out;
  std::size_t start = 0;
  while (true) {
    const auto sep = text->find('\x1f', start);
    out.push_back(text->substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (sep == std::string::npos) break;
    start = sep + 1;
  }
  return out;
}

std::string action(const std::string& code) {
  if (code == "c") return "CASCADE";
  if (code == "n") return "SET NULL";
  if (code == "d") return "SET DEFAULT";
  if (code == "r") return "RESTRICT";
  return {};  // "a": NO ACTION, the default
}

// "CHECK ((price > 0))" -> "(price > 0)"
std::string check_text(const std::string& definition) {
  const auto open = definition.find('(');
  const auto close = definition.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close <= open) return definition;
  return definition.substr(open + 1, close - open - 1);
}

constexpr const char* kColumns = R"(
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, col_description(c.oid, a.attnum),
       t.typtype, t.typname, a.atttypid::bigint
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relname = ? AND n.nspname = coalesce(nullif(?, ''), current_schema()) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum)";

constexpr const char* kConstraints = R"(
SELECT con.conname, con.contype, pg_get_constraintdef(con.oid),
       (SELECT string_agg(a.attname, E'\x1f' ORDER BY k.ord)
          FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
       CASE WHEN fn.nspname = current_schema() THEN fc.relname
            ELSE fn.nspname || '.' || fc.relname END,
       (SELECT string_agg(a.attname, E'\x1f' ORDER BY k.ord)
          FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum),
       con.confupdtype, con.confdeltype
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE c.relname = ? AND n.nspname = coalesce(nullif(?, ''), current_schema())
ORDER BY con.conname)";

// Key columns by name as stored (pg_get_indexdef quotes names such as "select");
// expressions as PostgreSQL writes them.
constexpr const char* kIndexes = R"(
SELECT i.relname, ix.indisunique, pg_get_expr(ix.indpred, ix.indrelid),
       (SELECT string_agg(CASE WHEN ix.indkey[g - 1] <> 0
                               THEN (SELECT a.attname FROM pg_attribute a
                                     WHERE a.attrelid = ix.indrelid AND a.attnum = ix.indkey[g - 1])
                               ELSE pg_get_indexdef(ix.indexrelid, g, true) END,
                          E'\x1f' ORDER BY g)
          FROM generate_series(1, ix.indnkeyatts) AS g)
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ? AND n.nspname = coalesce(nullif(?, ''), current_schema())
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY i.relname)";

}  // namespace

ReflectedTable Dialect::reflect_table(retort::Connection& conn, std::string_view table,
                                      std::string_view schema) const {
  ReflectedTable out;
  out.name = std::string(table);
  out.schema = std::string(schema);
  const std::string name(table);
  const std::string in_schema(schema);
  for (const auto& row : conn.execute(kColumns, {name, in_schema}).all()) {
    ReflectedColumn c;
    c.name = row.get<std::string>(0);
    c.type_name = row.get<std::string>(1);
    c.nullable = !row.get<bool>(2);
    c.server_default = row.get<std::optional<std::string>>(3);
    const std::string identity = row.get<std::string>(4);
    c.comment = row.get<std::optional<std::string>>(5).value_or("");
    if (row.get<std::string>(6) == "e") {
      // By oid: a type of the same name may exist in another schema.
      c.type = Enum(conn.execute("SELECT enumlabel FROM pg_enum WHERE enumtypid = ?::oid "
                                 "ORDER BY enumsortorder",
                                 {row.get<std::int64_t>(8)})
                        .scalars<std::string>(),
                    row.get<std::string>(7));
    } else {
      c.type = parse_type(c.type_name);
    }
    // Identity columns, and serial columns whose default draws from their sequence.
    c.autoincrement =
        !identity.empty() ||
        (c.server_default && c.server_default->starts_with("nextval(") && c.type.is_integer());
    if (c.autoincrement && c.server_default && c.server_default->starts_with("nextval("))
      c.server_default.reset();
    out.columns.push_back(std::move(c));
  }
  if (out.columns.empty()) throw ArgumentError("the database has no table '" + name + "'");
  out.comment =
      conn.execute(
              "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n "
              "ON n.oid = c.relnamespace WHERE c.relname = ? AND n.nspname = coalesce(nullif(?, "
              "''), current_schema())",
              {name, in_schema})
          .scalar<std::optional<std::string>>()
          .value_or("");

  for (const auto& row : conn.execute(kConstraints, {name, in_schema}).all()) {
    const std::string constraint = row.get<std::string>(0);
    const std::string type = row.get<std::string>(1);
    const auto columns = split_names(row.get<std::optional<std::string>>(3));
    if (type == "p") {
      out.primary_key = PrimaryKeyConstraint(columns, constraint);
    } else if (type == "u") {
      out.unique_constraints.push_back(UniqueConstraint(columns, constraint));
    } else if (type == "c") {
      out.check_constraints.push_back(
          CheckConstraint(check_text(row.get<std::string>(2)), constraint));
    } else if (type == "f") {
      ForeignKeyConstraint fk(columns, row.get<std::string>(4),
                              split_names(row.get<std::optional<std::string>>(5)),
                              {.ondelete = action(row.get<std::string>(7)),
                               .onupdate = action(row.get<std::string>(6)),
                               .name = constraint});
      out.foreign_keys.push_back(std::move(fk));
    }
  }

  for (const auto& row : conn.execute(kIndexes, {name, in_schema}).all()) {
    out.indexes.push_back(Index(row.get<std::string>(0),
                                split_names(row.get<std::optional<std::string>>(3)),
                                {.unique = row.get<bool>(1),
                                 .where = row.get<std::optional<std::string>>(2).value_or("")}));
  }
  return out;
}

}  // namespace retort::postgresql
