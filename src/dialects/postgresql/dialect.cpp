#include "dialects/postgresql/dialect.hpp"

#include <cctype>
#include <charconv>

#include "retort/core/connection.hpp"
#include "retort/schema/reflection.hpp"

namespace retort::postgresql {

std::string Dialect::type_ddl(const Type& type) const {
  switch (type.kind()) {
    case TypeKind::integer:
      return "INTEGER";
    case TypeKind::big_integer:
      return "BIGINT";
    case TypeKind::small_integer:
      return "SMALLINT";
    case TypeKind::boolean:
      return "BOOLEAN";
    case TypeKind::float_:
      return "REAL";
    case TypeKind::double_:
      return "DOUBLE PRECISION";
    case TypeKind::numeric:
      return type.precision() ? "NUMERIC(" + std::to_string(type.precision()) + ", " +
                                    std::to_string(type.scale()) + ")"
                              : "NUMERIC";
    case TypeKind::string:
      return type.length() ? "VARCHAR(" + std::to_string(type.length()) + ")" : "VARCHAR";
    case TypeKind::text:
      return "TEXT";
    case TypeKind::date:
      return "DATE";
    case TypeKind::datetime:
      return type.timezone() ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP WITHOUT TIME ZONE";
    case TypeKind::time:
      return type.timezone() ? "TIME WITH TIME ZONE" : "TIME WITHOUT TIME ZONE";
    case TypeKind::large_binary:
      return "BYTEA";
    case TypeKind::json:
      return "JSONB";
    case TypeKind::uuid:
      return "UUID";
    case TypeKind::enum_:
      return quote(type.name());
    case TypeKind::custom:
      return type.custom()->ddl("postgresql");
    case TypeKind::opaque:
      return type.name();
  }
  return "TEXT";
}

Type Dialect::parse_type(std::string_view text) const {
  std::string t;
  for (char c : text)
    t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string base = t.substr(0, t.find('('));
  while (!base.empty() && base.back() == ' ')
    base.pop_back();
  std::vector<int> args;
  if (auto open = t.find('('); open != std::string::npos) {
    const char* p = t.c_str() + open + 1;
    const char* end = t.c_str() + t.size();
    while (p < end) {
      while (p < end && (*p == ' ' || *p == ','))
        ++p;
      int v = 0;
      auto r = std::from_chars(p, end, v);
      if (r.ec != std::errc()) break;
      args.push_back(v);
      p = r.ptr;
    }
  }
  const int a0 = args.size() > 0 ? args[0] : 0;
  const int a1 = args.size() > 1 ? args[1] : 0;
  if (base == "integer" || base == "int" || base == "int4" || base == "serial") return Integer();
  if (base == "bigint" || base == "int8" || base == "bigserial") return BigInteger();
  if (base == "smallint" || base == "int2") return SmallInteger();
  if (base == "boolean" || base == "bool") return Boolean();
  if (base == "real" || base == "float4") return Float();
  if (base == "double precision" || base == "float8") return Double();
  if (base == "numeric" || base == "decimal") return Numeric(a0, a1);
  if (base == "character varying" || base == "varchar" || base == "character" || base == "char")
    return String(a0);
  if (base == "text") return Text();
  if (base == "date") return Date();
  if (base == "timestamp without time zone" || base == "timestamp") return DateTime(false);
  if (base == "timestamp with time zone" || base == "timestamptz") return DateTime(true);
  if (base == "time without time zone" || base == "time") return Time(false);
  if (base == "time with time zone" || base == "timetz") return Time(true);
  if (base == "bytea") return LargeBinary();
  if (base == "jsonb" || base == "json") return JSON();
  if (base == "uuid") return UUID();
  return opaque_type(std::string(text));
}

std::vector<std::string> Dialect::table_names(retort::Connection& conn,
                                              std::string_view schema) const {
  return conn
      .execute(
          "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE c.relkind IN ('r', 'p') AND n.nspname = coalesce(nullif(?, ''), "
          "current_schema()) ORDER BY c.relname",
          {std::string(schema)})
      .scalars<std::string>();
}

std::vector<std::string> Dialect::enum_type_names(retort::Connection& conn) const {
  return conn
      .execute(
          "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
          "WHERE t.typtype = 'e' AND n.nspname = current_schema() ORDER BY t.typname")
      .scalars<std::string>();
}

std::vector<std::string> Dialect::enum_types_in_use(retort::Connection& conn) const {
  // A column holds the type itself or an array of it; dropped columns keep their row.
  return conn
      .execute(
          "SELECT DISTINCT t.typname FROM pg_type t "
          "JOIN pg_namespace n ON n.oid = t.typnamespace "
          "JOIN pg_attribute a ON a.atttypid IN (t.oid, t.typarray) AND NOT a.attisdropped "
          "JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
          "WHERE t.typtype = 'e' AND n.nspname = current_schema() ORDER BY t.typname")
      .scalars<std::string>();
}

std::vector<std::string> Dialect::alter_column_ddl(const std::string& table,
                                                   const std::string& column,
                                                   const sql::ColumnChange& change) const {
  std::vector<std::string> out;
  const std::string alter = "ALTER TABLE " + table + " ALTER COLUMN " + column;
  if (change.type) {
    // USING converts the rows (text to integer needs it; the same cast otherwise).
    const std::string type = type_ddl(*change.type);
    out.push_back(alter + " TYPE " + type + " USING " + column + "::" + type);
  }
  if (change.nullable)
    out.push_back(alter + (*change.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
  if (change.server_default) {
    out.push_back(*change.server_default ? alter + " SET DEFAULT " + **change.server_default
                                         : alter + " DROP DEFAULT");
  }
  return out;
}

std::string Dialect::literal(const Value& value) const {
  if (value.type() != ValueType::blob) return sql::Dialect::literal(value);
  // bytea's hex form; X'...' would be a bit string here.
  std::string hex = sql::Dialect::literal(value);  // X'00ff'
  return "'\\x" + hex.substr(2, hex.size() - 3) + "'::bytea";
}

std::string Dialect::migration_lock_sql(const std::string& version_table) const {
  // A transaction-level advisory lock, one per version table: released at COMMIT or
  // ROLLBACK, and held while the version table itself is being created.
  std::string key;
  for (char c : version_table) {
    if (c == '\'') key += '\'';
    key += c;
  }
  return "SELECT pg_advisory_xact_lock(hashtext('retort.migrate:" + key + "'))";
}

std::vector<std::string> Dialect::sequence_sync_sql(const std::string& table,
                                                    const std::vector<std::string>& columns) const {
  // nextval() makes the sequence only move forward: past the keys written here and past
  // any it handed out to transactions not yet committed (which MAX cannot see). A column
  // without a sequence has a NULL pg_get_serial_sequence, and every call on NULL is NULL:
  // such columns need no check first.
  std::vector<std::string> out;
  for (const auto& c : columns) {
    const std::string sequence =
        "pg_get_serial_sequence(" + literal(table) + ", " + literal(c) + ")";
    out.push_back("SELECT setval(" + sequence + ", GREATEST(MAX(" + quote(c) + "), nextval(" +
                  sequence + "))) FROM " + table);
  }
  return out;
}

Dialect::ScratchDatabase Dialect::scratch_database(const URL& url, const std::string& name) const {
  ScratchDatabase out{URL(url).set_database(name), {}, {}, {}};
  out.create_sql.push_back("CREATE DATABASE " + quote(name));
  // FORCE: a test that leaked a connection must not keep its database around.
  out.drop_sql.push_back("DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
  return out;
}

const Dialect& dialect() {
  static const Dialect instance;
  return instance;
}

}  // namespace retort::postgresql
