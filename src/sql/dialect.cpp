#include "retort/sql/dialect.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

#include "retort/core/error.hpp"

namespace retort::sql {
namespace {

// Words either database reserves (or treats as keywords in places where a bare name
// would be ambiguous); kept sorted for binary search.
constexpr std::array<std::string_view, 182> reserved_words = {
    "abort",
    "action",
    "add",
    "after",
    "all",
    "alter",
    "always",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "attach",
    "authorization",
    "autoincrement",
    "before",
    "begin",
    "between",
    "binary",
    "both",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "commit",
    "concurrently",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "do",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclude",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "false",
    "fetch",
    "filter",
    "first",
    "following",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "generated",
    "glob",
    "grant",
    "group",
    "groups",
    "having",
    "if",
    "ignore",
    "ilike",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "last",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "match",
    "materialized",
    "natural",
    "no",
    "not",
    "nothing",
    "notnull",
    "null",
    "nulls",
    "of",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "others",
    "outer",
    "over",
    "overlaps",
    "partition",
    "placing",
    "plan",
    "pragma",
    "preceding",
    "primary",
    "query",
    "raise",
    "range",
    "recursive",
    "references",
    "regexp",
    "reindex",
    "release",
    "rename",
    "replace",
    "restrict",
    "returning",
    "right",
    "rollback",
    "row",
    "rows",
    "savepoint",
    "select",
    "session_user",
    "set",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "temp",
    "temporary",
    "then",
    "ties",
    "to",
    "trailing",
    "transaction",
    "trigger",
    "true",
    "unbounded",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "vacuum",
    "values",
    "variadic",
    "verbose",
    "view",
    "virtual",
    "when",
    "where",
    "window",
    "with",
    "without",
};

}  // namespace

std::vector<std::string> Dialect::dependent_ddl(Connection&, std::string_view,
                                                std::string_view) const {
  return {};
}

std::string Dialect::literal(const Value& value) const {
  const auto quoted = [](std::string_view text) {
    if (text.find('\0') != std::string_view::npos)
      throw DataError("text with a NUL byte cannot be written as an SQL literal");
    std::string out = "'";
    for (char c : text) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  };
  switch (value.type()) {
    case ValueType::null:
      return "NULL";
    case ValueType::boolean:
      return value.get<bool>() ? "TRUE" : "FALSE";
    case ValueType::integer:
    case ValueType::real:
    case ValueType::decimal:
      return value.repr();
    case ValueType::text:
      return quoted(value.get<std::string>());
    case ValueType::json:
      return quoted(value.get<JsonText>().text);
    case ValueType::blob: {
      static constexpr char hex[] = "0123456789abcdef";
      std::string out = "X'";
      for (std::uint8_t byte : value.get<Blob>()) {
        out += hex[byte >> 4];
        out += hex[byte & 15];
      }
      return out + "'";
    }
    default:  // dates, times, UUIDs: their text, which both databases convert
      return value.repr();
  }
}

bool Dialect::is_reserved(std::string_view word) const {
  return std::binary_search(reserved_words.begin(), reserved_words.end(), word);
}

std::string Dialect::array_type_ddl(const Type&) const {
  throw ArgumentError(std::string(name()) + " binds no list of values as one parameter");
}

std::string Dialect::quote(std::string_view identifier) const {
  bool plain = !identifier.empty() &&
               ((identifier[0] >= 'a' && identifier[0] <= 'z') || identifier[0] == '_');
  for (char c : identifier) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (plain && !is_reserved(identifier)) return std::string(identifier);
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

std::vector<const Dialect*>& dialects() {
  static std::vector<const Dialect*> all;
  return all;
}
std::mutex& dialects_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void register_dialect(const Dialect& d) {
  std::lock_guard lock(dialects_mutex());
  dialects().push_back(&d);
}

const Dialect& dialect(std::string_view name) {
  std::lock_guard lock(dialects_mutex());
  std::string known;
  for (const Dialect* d : dialects()) {
    if (d->name() == name) return *d;
    known += (known.empty() ? "" : ", ") + std::string(d->name());
  }
  throw ArgumentError(
      "unknown SQL dialect '" + std::string(name) + "'; known: " +
      (known.empty() ? "none (link a dialect library, e.g. Retort::sqlite)" : known));
}

}  // namespace retort::sql
