// Values and rows as JSON (json_value, Record::to_json, Row::to_json).
#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "retort/core/base64.hpp"
#include "retort/core/datetime.hpp"
#include "retort/core/error.hpp"
#include "retort/core/json_value.hpp"
#include "retort/core/record.hpp"

namespace retort::detail {

nlohmann::ordered_json json_value(const Value& v, bool utc) {
  switch (v.type()) {
    case ValueType::null:
      return nullptr;
    case ValueType::boolean:
      return v.get<bool>();
    case ValueType::integer:
      return v.get<std::int64_t>();
    case ValueType::real: {
      // JSON has no NaN or infinity: their names, as JavaScript prints them.
      const double d = v.get<double>();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return d;
    }
    case ValueType::text:
      return v.get<std::string>();
    case ValueType::blob:
      return base64_encode(v.get<Blob>());
    case ValueType::date:
      return format_date(v.get<std::chrono::year_month_day>());
    case ValueType::timestamp:
      return isoformat(v.get<Timestamp>()) + (utc ? "Z" : "");
    case ValueType::time:
      return isoformat(v.get<TimeOfDay>());
    case ValueType::decimal:
      return v.get<Decimal>().text;  // as text: a JSON number would be read as a double
    case ValueType::json: {
      const std::string& text = v.get<JsonText>().text;
      auto parsed = nlohmann::ordered_json::parse(text, nullptr, false);
      return parsed.is_discarded() ? nlohmann::ordered_json(text) : parsed;
    }
    case ValueType::uuid:
      return v.get<Uuid>().str();
  }
  return nullptr;
}

std::string json_object(const std::vector<std::string>& names, const std::vector<Value>& values) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string name = i < names.size() ? names[i] : std::to_string(i);
    if (!seen.insert(i < names.size() ? std::string_view(names[i]) : std::string_view()).second) {
      throw ArgumentError("to_json(): two columns are named '" + name +
                          "'; label them so that neither hides the other");
    }
    out[name] = json_value(values[i]);
  }
  try {
    return out.dump();
  } catch (const nlohmann::json::type_error&) {
    // Replacing the bytes would change the text: say which column has them.
    for (std::size_t i = 0; i < values.size(); ++i) {
      try {
        (void)json_value(values[i]).dump();
      } catch (const nlohmann::json::type_error&) {
        throw DataError("to_json(): column '" + (i < names.size() ? names[i] : std::to_string(i)) +
                        "' holds text that is not UTF-8");
      }
    }
    throw;
  }
}

}  // namespace retort::detail
