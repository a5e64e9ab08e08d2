#include "retort/core/value.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "retort/core/error.hpp"

namespace retort {

std::ostream& operator<<(std::ostream& out, const Decimal& d) {
  return out << d.text;
}

const char* to_string(ValueType type) {
  switch (type) {
    case ValueType::null:
      return "null";
    case ValueType::boolean:
      return "boolean";
    case ValueType::integer:
      return "integer";
    case ValueType::real:
      return "real";
    case ValueType::text:
      return "text";
    case ValueType::blob:
      return "blob";
    case ValueType::date:
      return "date";
    case ValueType::timestamp:
      return "timestamp";
    case ValueType::time:
      return "time";
    case ValueType::decimal:
      return "decimal";
    case ValueType::json:
      return "json";
    case ValueType::uuid:
      return "uuid";
  }
  return "unknown";
}

void Value::out_of_range() {
  throw DataError("integer value does not fit in 64 signed bits");
}

void Value::wrong_type(const char* wanted) const {
  throw DataError(std::string("value holds ") + to_string(type()) + ", not " + wanted);
}

Value::Value(const Value& other) = default;
Value::Value(Value&& other) noexcept = default;
Value& Value::operator=(const Value& other) = default;
Value& Value::operator=(Value&& other) noexcept = default;
Value::~Value() = default;

std::string Value::repr() const {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return "NULL";
        else if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::int64_t>)
          return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) {
          char buf[32];
          auto r = std::to_chars(buf, buf + sizeof buf, v);
          return std::string(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "'" + (v.size() > 200 ? v.substr(0, 200) + "..." : v) + "'";
        } else if constexpr (std::is_same_v<T, Blob>) {
          return "<blob " + std::to_string(v.size()) + " bytes>";
        } else if constexpr (std::is_same_v<T, std::chrono::year_month_day>) {
          return "'" + format_date(v) + "'";
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          return "'" + format_timestamp(v) + "'";
        } else if constexpr (std::is_same_v<T, TimeOfDay>) {
          return "'" + format_time(v) + "'";
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return v.text;
        } else if constexpr (std::is_same_v<T, JsonText>) {
          return "'" + (v.text.size() > 200 ? v.text.substr(0, 200) + "..." : v.text) + "'";
        } else {
          return "'" + v.str() + "'";
        }
      },
      v_);
}

namespace detail {
namespace {

[[noreturn]] void cannot(const Value& v, const char* target) {
  throw DataError(std::string("cannot read a ") + to_string(v.type()) + " value as " + target);
}

bool parse_integer_text(std::string_view text, std::int64_t& out) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  if (r.ec != std::errc()) return false;
  std::string_view rest(r.ptr, text.data() + text.size() - r.ptr);
  // "12.000" is an integer too.
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    for (char c : rest)
      if (c != '0') return false;
    return true;
  }
  return rest.empty();
}

}  // namespace

void integer_out_of_range(std::int64_t v, const char* target) {
  throw DataError("integer " + std::to_string(v) + " is out of range for " + target);
}

std::int64_t value_to_int64(const Value& v) {
  switch (v.type()) {
    case ValueType::integer:
      return v.get<std::int64_t>();
    case ValueType::boolean:
      return v.get<bool>() ? 1 : 0;
    case ValueType::real: {
      const double d = v.get<double>();
      if (std::trunc(d) == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)
        return static_cast<std::int64_t>(d);
      break;
    }
    case ValueType::decimal: {
      std::int64_t out;
      if (parse_integer_text(v.get<Decimal>().text, out)) return out;
      throw DataError("decimal " + v.get<Decimal>().text + " is not an integer");
    }
    default:
      break;
  }
  cannot(v, "an integer");
}

double value_to_double(const Value& v) {
  switch (v.type()) {
    case ValueType::real:
      return v.get<double>();
    case ValueType::integer:
      return static_cast<double>(v.get<std::int64_t>());
    case ValueType::decimal: {
      const auto& t = v.get<Decimal>().text;
      double out;
      auto r = std::from_chars(t.data(), t.data() + t.size(), out);
      if (r.ec == std::errc() && r.ptr == t.data() + t.size()) return out;
      throw DataError("decimal '" + t + "' is not a number");
    }
    default:
      break;
  }
  cannot(v, "a real number");
}

bool value_to_bool(const Value& v) {
  switch (v.type()) {
    case ValueType::boolean:
      return v.get<bool>();
    case ValueType::integer: {
      const auto i = v.get<std::int64_t>();
      if (i == 0 || i == 1) return i == 1;
      throw DataError("integer " + std::to_string(i) + " is not a boolean (0 or 1)");
    }
    default:
      break;
  }
  cannot(v, "a boolean");
}

std::string value_to_string(const Value& v) {
  switch (v.type()) {
    case ValueType::text:
      return v.get<std::string>();
    case ValueType::decimal:
      return v.get<Decimal>().text;
    case ValueType::json:
      return v.get<JsonText>().text;
    case ValueType::uuid:
      return v.get<Uuid>().str();
    case ValueType::date:
      return format_date(v.get<std::chrono::year_month_day>());
    case ValueType::timestamp:
      return format_timestamp(v.get<Timestamp>());
    case ValueType::time:
      return format_time(v.get<TimeOfDay>());
    default:
      break;
  }
  cannot(v, "text");
}

Blob value_to_blob(const Value& v) {
  switch (v.type()) {
    case ValueType::blob:
      return v.get<Blob>();
    case ValueType::text: {
      const auto& s = v.get<std::string>();
      return Blob(s.begin(), s.end());
    }
    default:
      break;
  }
  cannot(v, "a blob");
}

std::chrono::year_month_day value_to_date(const Value& v) {
  switch (v.type()) {
    case ValueType::date:
      return v.get<std::chrono::year_month_day>();
    case ValueType::text:
      return parse_date(v.get<std::string>());
    default:
      break;
  }
  cannot(v, "a date");
}

Timestamp value_to_timestamp(const Value& v) {
  switch (v.type()) {
    case ValueType::timestamp:
      return v.get<Timestamp>();
    case ValueType::text:
      return parse_timestamp(v.get<std::string>());
    case ValueType::date:
      return Timestamp(std::chrono::sys_days(v.get<std::chrono::year_month_day>()));
    default:
      break;
  }
  cannot(v, "a timestamp");
}

TimeOfDay value_to_time(const Value& v) {
  switch (v.type()) {
    case ValueType::time:
      return v.get<TimeOfDay>();
    case ValueType::text:
      return parse_time(v.get<std::string>());
    default:
      break;
  }
  cannot(v, "a time of day");
}

bool is_decimal_text(std::string_view s) {
  const auto digit = [&](std::size_t i) {
    return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
  };
  std::size_t i = 0, digits = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  for (; digit(i); ++i)
    ++digits;
  if (i < s.size() && s[i] == '.') {
    for (++i; digit(i); ++i)
      ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digit(i)) return false;
    while (digit(i))
      ++i;
  }
  return i == s.size();
}

Decimal value_to_decimal(const Value& v) {
  switch (v.type()) {
    case ValueType::decimal:
      return v.get<Decimal>();
    case ValueType::text:
      // Text that is not a number would reach the database as one (or fail there).
      if (!is_decimal_text(v.get<std::string>())) cannot(v, "a decimal");
      return Decimal{v.get<std::string>()};
    case ValueType::integer:
      return Decimal{std::to_string(v.get<std::int64_t>())};
    case ValueType::real: {
      if (!std::isfinite(v.get<double>())) cannot(v, "a decimal");
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
      return Decimal{std::string(buf, r.ptr)};
    }
    default:
      break;
  }
  cannot(v, "a decimal");
}

JsonText value_to_json(const Value& v) {
  switch (v.type()) {
    case ValueType::json:
      return v.get<JsonText>();
    case ValueType::text:
      return JsonText{v.get<std::string>()};
    default:
      break;
  }
  cannot(v, "JSON");
}

Uuid value_to_uuid(const Value& v) {
  switch (v.type()) {
    case ValueType::uuid:
      return v.get<Uuid>();
    case ValueType::text:
      return Uuid::parse(v.get<std::string>());
    case ValueType::blob: {
      const auto& b = v.get<Blob>();
      if (b.size() == 16) {
        std::array<std::uint8_t, 16> bytes;
        std::copy(b.begin(), b.end(), bytes.begin());
        return Uuid(bytes);
      }
      throw DataError("a blob of " + std::to_string(b.size()) + " bytes is not a UUID");
    }
    default:
      break;
  }
  cannot(v, "a UUID");
}

}  // namespace detail
}  // namespace retort
