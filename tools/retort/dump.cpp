#include <cmath>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "retort/core.hpp"
#include "retort/schema.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::cli {
namespace {

std::string base64(const Blob& data) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = data[i] << 16;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned v = data[i] << 16 | data[i + 1] << 8;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One value as JSON text, read through the column's reflected type (SQLite stores dates
// as text and booleans as integers; the type says what they are).
std::string json_value(const Value& raw, const Type& type) {
  Value v = raw;
  try {
    v = type.from_db(raw);
  } catch (const Error&) {
    // A value that does not read as its declared type is dumped as it is stored.
  }
  switch (v.type()) {
    case ValueType::null:
      return "null";
    case ValueType::boolean:
      return v.get<bool>() ? "true" : "false";
    case ValueType::integer:
      return std::to_string(v.get<std::int64_t>());
    case ValueType::real: {
      const double d = v.get<double>();
      return std::isfinite(d) ? nlohmann::json(d).dump() : "null";
    }
    case ValueType::text:
      return json_string(v.get<std::string>());
    case ValueType::blob:
      return "\"" + base64(v.get<Blob>()) + "\"";
    case ValueType::date:
      return "\"" + format_date(v.get<std::chrono::year_month_day>()) + "\"";
    case ValueType::timestamp:
      return "\"" + format_timestamp(v.get<Timestamp>(), 'T') + (type.timezone() ? "Z" : "") + "\"";
    case ValueType::time:
      return "\"" + format_time(v.get<TimeOfDay>()) + "\"";
    case ValueType::decimal:
      return json_string(v.get<Decimal>().text);
    case ValueType::json: {
      const auto parsed = nlohmann::json::parse(v.get<JsonText>().text, nullptr, false);
      return parsed.is_discarded() ? json_string(v.get<JsonText>().text) : parsed.dump();
    }
    case ValueType::uuid:
      return "\"" + v.get<Uuid>().str() + "\"";
  }
  return "null";
}

}  // namespace

void dump(const std::string& url, const std::vector<std::string>& tables, std::ostream& out) {
  auto engine = create_engine(url, {.pool_size = 1});
  auto conn = engine.connect();
  const auto& dialect = sql::dialect(conn.dialect_name());
  MetaData md;
  md.reflect(conn, tables);
  const auto sorted = md.sorted_tables();
  out << "{";
  bool first_table = true;
  for (const auto& table : sorted) {
    out << (first_table ? "\n  " : ",\n  ") << json_string(table.name()) << ": [";
    first_table = false;
    std::vector<std::string> names;
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < table.columns().size(); ++i) {
      names.push_back(json_string(table.columns()[i].name));
      sql += (i ? ", " : "") + dialect.quote(table.columns()[i].name);
    }
    sql += " FROM " + dialect.quote(table.name());
    const auto& pk = table.primary_key().columns;
    for (std::size_t i = 0; i < pk.size(); ++i)
      sql += (i ? ", " : " ORDER BY ") + dialect.quote(pk[i]);
    bool first_row = true;
    for (const Row& row : conn.stream(sql)) {
      out << (first_row ? "\n    {" : ",\n    {");
      first_row = false;
      for (std::size_t i = 0; i < names.size(); ++i) {
        out << (i ? ", " : "") << names[i] << ": "
            << json_value(row.value(static_cast<int>(i)), table.columns()[i].type);
      }
      out << "}";
    }
    out << (first_row ? "]" : "\n  ]");
  }
  out << (first_table ? "}\n" : "\n}\n");
}

}  // namespace retort::cli
