#include "dialects/sqlite/dialect.hpp"

#include <cctype>
#include <charconv>
#include <filesystem>

#include "retort/core/connection.hpp"
#include "retort/schema/reflection.hpp"

namespace retort::sqlite {

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
      return "FLOAT";
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
    // The names keep the distinction for reflection; SQLite stores both as text.
    case TypeKind::datetime:
      return type.timezone() ? "TIMESTAMP WITH TIME ZONE" : "DATETIME";
    case TypeKind::time:
      return type.timezone() ? "TIME WITH TIME ZONE" : "TIME";
    case TypeKind::large_binary:
      return "BLOB";
    case TypeKind::json:
      return "JSON";
    case TypeKind::uuid:
      return "UUID";
    case TypeKind::enum_: {
      std::size_t longest = 1;
      for (const auto& v : type.enum_values())
        longest = std::max(longest, v.size());
      return "VARCHAR(" + std::to_string(longest) + ")";
    }
    case TypeKind::custom:
      return type.custom()->ddl("sqlite");
    case TypeKind::opaque:
      return type.name();
  }
  return "TEXT";
}

Type Dialect::parse_type(std::string_view text) const {
  std::string t;
  for (char c : text)
    t.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  while (!t.empty() && t.back() == ' ')
    t.pop_back();
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
  if (base == "INTEGER" || base == "INT") return Integer();
  if (base == "BIGINT") return BigInteger();
  if (base == "SMALLINT") return SmallInteger();
  if (base == "BOOLEAN" || base == "BOOL") return Boolean();
  if (base == "FLOAT" || base == "REAL") return Float();
  if (base == "DOUBLE PRECISION" || base == "DOUBLE") return Double();
  if (base == "NUMERIC" || base == "DECIMAL") return Numeric(a0, a1);
  if (base == "VARCHAR" || base == "CHARACTER VARYING" || base == "NVARCHAR" || base == "CHAR")
    return String(a0);
  if (base == "TEXT" || base == "CLOB") return Text();
  if (base == "DATE") return Date();
  if (base == "DATETIME" || base == "TIMESTAMP") return DateTime(false);
  if (base == "TIMESTAMP WITH TIME ZONE") return DateTime(true);
  if (base == "TIME") return Time(false);
  if (base == "TIME WITH TIME ZONE") return Time(true);
  if (base == "BLOB") return LargeBinary();
  if (base == "JSON") return JSON();
  if (base == "UUID") return UUID();
  return opaque_type(std::string(text));
}

std::vector<std::string> Dialect::table_names(retort::Connection& conn,
                                              std::string_view schema) const {
  const std::string from = schema.empty() ? "" : quote(schema) + ".";
  return conn
      .execute("SELECT name FROM " + from +
               "sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .scalars<std::string>();
}

std::vector<std::string> Dialect::dependent_ddl(retort::Connection& conn, std::string_view table,
                                                std::string_view schema) const {
  const std::string in = schema.empty() ? "" : quote(schema) + ".";
  return conn
      .execute("SELECT sql FROM " + in +
                   "sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name",
               {std::string(table)})
      .scalars<std::string>();
}

Dialect::ScratchDatabase Dialect::scratch_database(const URL& url, const std::string& name) const {
  const std::string path = (std::filesystem::temp_directory_path() / (name + ".db")).string();
  ScratchDatabase out{URL(url).set_database(path), {}, {}, {}};
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    out.files.push_back(path + suffix);
  return out;
}

const Dialect& dialect() {
  static const Dialect instance;
  return instance;
}

}  // namespace retort::sqlite
