#include "retort/schema/type.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "retort/core/error.hpp"

namespace retort {

struct detail::TypeData {
  TypeKind kind = TypeKind::integer;
  int length = 0;
  int precision = 0;
  int scale = 0;
  bool timezone = false;
  std::vector<std::string> enum_values;
  std::string name;
  std::shared_ptr<const CustomType> custom;
};

Type make_type(detail::TypeData data) {
  return Type(std::make_shared<const detail::TypeData>(std::move(data)));
}

namespace {

detail::TypeData of(TypeKind kind) {
  detail::TypeData d;
  d.kind = kind;
  return d;
}

const std::shared_ptr<const detail::TypeData>& default_data() {
  static const auto data = std::make_shared<const detail::TypeData>();
  return data;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

// "12.5" with scale 2 is "12.50": the digits a NUMERIC(p, s) column shows.
Decimal with_scale(const std::string& text, int scale) {
  if (text.find_first_of("eE") != std::string::npos) return Decimal{text};
  const auto dot = text.find('.');
  const int have = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  if (have >= scale) return Decimal{text};
  std::string out = text;
  if (dot == std::string::npos) out += '.';
  out.append(static_cast<std::size_t>(scale - have), '0');
  return Decimal{out};
}

bool numeric_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else if ((s[i] == 'e' || s[i] == 'E') && digits) {
      std::size_t j = i + 1;
      if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
      if (j == s.size()) return false;
      for (; j < s.size(); ++j)
        if (s[j] < '0' || s[j] > '9') return false;
      return true;
    } else {
      return false;
    }
  }
  return digits;
}

}  // namespace

Type::Type() : data_(default_data()) {}

TypeKind Type::kind() const {
  return data_->kind;
}
int Type::length() const {
  return data_->length;
}
int Type::precision() const {
  return data_->precision;
}
int Type::scale() const {
  return data_->scale;
}
bool Type::timezone() const {
  return data_->timezone;
}
const std::vector<std::string>& Type::enum_values() const {
  return data_->enum_values;
}
const std::string& Type::name() const {
  return data_->name;
}
const CustomType* Type::custom() const {
  return data_->custom.get();
}

bool Type::is_integer() const {
  return kind() == TypeKind::integer || kind() == TypeKind::big_integer ||
         kind() == TypeKind::small_integer;
}
bool Type::is_text() const {
  return kind() == TypeKind::string || kind() == TypeKind::text;
}

bool operator==(const Type& a, const Type& b) {
  if (a.data_ == b.data_) return true;
  const auto& x = *a.data_;
  const auto& y = *b.data_;
  return x.kind == y.kind && x.length == y.length && x.precision == y.precision &&
         x.scale == y.scale && x.timezone == y.timezone && x.enum_values == y.enum_values &&
         x.name == y.name && x.custom == y.custom;
}

std::string Type::describe() const {
  const auto& d = *data_;
  switch (d.kind) {
    case TypeKind::integer:
      return "Integer";
    case TypeKind::big_integer:
      return "BigInteger";
    case TypeKind::small_integer:
      return "SmallInteger";
    case TypeKind::boolean:
      return "Boolean";
    case TypeKind::float_:
      return "Float";
    case TypeKind::double_:
      return "Double";
    case TypeKind::numeric:
      if (d.precision == 0) return "Numeric";
      return "Numeric(" + std::to_string(d.precision) + ", " + std::to_string(d.scale) + ")";
    case TypeKind::string:
      return d.length ? "String(" + std::to_string(d.length) + ")" : "String";
    case TypeKind::text:
      return "Text";
    case TypeKind::date:
      return "Date";
    case TypeKind::datetime:
      return d.timezone ? "DateTime(timezone)" : "DateTime";
    case TypeKind::time:
      return d.timezone ? "Time(timezone)" : "Time";
    case TypeKind::large_binary:
      return "LargeBinary";
    case TypeKind::json:
      return "JSON";
    case TypeKind::uuid:
      return "UUID";
    case TypeKind::enum_: {
      std::string out = "Enum(";
      for (std::size_t i = 0; i < d.enum_values.size(); ++i) {
        out += (i ? ", '" : "'") + d.enum_values[i] + "'";
      }
      return out + ")";
    }
    case TypeKind::custom:
      return d.custom->name();
    case TypeKind::opaque:
      return "Opaque(" + d.name + ")";
  }
  return "?";
}

Value Type::to_db(const Value& value) const {
  if (value.is_null()) return value;
  const auto& d = *data_;
  auto refuse = [&]() -> Value {
    throw DataError(describe() + " cannot hold " + to_string(value.type()) + " " + value.repr());
  };
  const ValueType t = value.type();
  switch (d.kind) {
    case TypeKind::small_integer:
    case TypeKind::integer:
    case TypeKind::big_integer: {
      if (t != ValueType::integer && t != ValueType::boolean && t != ValueType::real &&
          t != ValueType::decimal)
        return refuse();
      std::int64_t v;
      try {
        v = value.as<std::int64_t>();
      } catch (const DataError&) {
        return refuse();
      }
      const std::int64_t limit = d.kind == TypeKind::small_integer ? INT16_MAX
                                 : d.kind == TypeKind::integer     ? INT32_MAX
                                                                   : INT64_MAX;
      if (v > limit || v < -limit - 1) {
        throw DataError(describe() + " cannot hold " + std::to_string(v) + ": out of range");
      }
      return Value(v);
    }
    case TypeKind::boolean:
      if (t == ValueType::boolean) return value;
      if (t == ValueType::integer &&
          (value.get<std::int64_t>() == 0 || value.get<std::int64_t>() == 1))
        return Value(value.get<std::int64_t>() == 1);
      return refuse();
    case TypeKind::float_:
    case TypeKind::double_:
      if (t == ValueType::real) return value;
      if (t == ValueType::integer || t == ValueType::decimal) return Value(value.as<double>());
      return refuse();
    case TypeKind::numeric:
      if (t == ValueType::decimal || t == ValueType::integer || t == ValueType::real)
        return Value(value.as<Decimal>());
      if (t == ValueType::text && numeric_text(value.get<std::string>()))
        return Value(Decimal{value.get<std::string>()});
      return refuse();
    case TypeKind::string:
    case TypeKind::text:
      if (t != ValueType::text) return refuse();
      if (d.length > 0 &&
          utf8_length(value.get<std::string>()) > static_cast<std::size_t>(d.length)) {
        throw DataError("a text of " + std::to_string(utf8_length(value.get<std::string>())) +
                        " characters is too long for " + describe());
      }
      return value;
    case TypeKind::date:
      if (t == ValueType::date) return value;
      if (t == ValueType::text) return Value(parse_date(value.get<std::string>()));
      return refuse();
    case TypeKind::datetime:
      if (t == ValueType::timestamp) return value;
      if (t == ValueType::text || t == ValueType::date) return Value(value.as<Timestamp>());
      return refuse();
    case TypeKind::time:
      if (t == ValueType::time) return value;
      if (t == ValueType::text) return Value(parse_time(value.get<std::string>()));
      return refuse();
    case TypeKind::large_binary:
      if (t == ValueType::blob) return value;
      if (t == ValueType::text) return Value(value.as<Blob>());
      return refuse();
    case TypeKind::json:
      if (t == ValueType::json) return value;
      if (t == ValueType::text) return Value(JsonText{value.get<std::string>()});
      if (t == ValueType::integer || t == ValueType::real || t == ValueType::decimal)
        return Value(JsonText{value.as<Decimal>().text});
      if (t == ValueType::boolean) return Value(JsonText{value.get<bool>() ? "true" : "false"});
      return refuse();
    case TypeKind::uuid:
      if (t == ValueType::uuid) return value;
      if (t == ValueType::text || t == ValueType::blob) return Value(value.as<Uuid>());
      return refuse();
    case TypeKind::enum_: {
      // A C++ enum binds as its underlying value, the index of its name.
      if (t == ValueType::integer) {
        const auto index = value.get<std::int64_t>();
        if (index >= 0 && index < static_cast<std::int64_t>(d.enum_values.size())) {
          return Value(d.enum_values[static_cast<std::size_t>(index)]);
        }
        return refuse();
      }
      if (t != ValueType::text) return refuse();
      for (const auto& member : d.enum_values) {
        if (member == value.get<std::string>()) return value;
      }
      std::string members;
      for (const auto& m : d.enum_values)
        members += (members.empty() ? "'" : ", '") + m + "'";
      throw DataError("'" + value.get<std::string>() + "' is not one of " + members);
    }
    case TypeKind::custom:
      return d.custom->to_db(value);
    case TypeKind::opaque:
      return value;
  }
  return value;
}

Value Type::from_db(const Value& value) const {
  if (value.is_null()) return value;
  const auto& d = *data_;
  const ValueType t = value.type();
  switch (d.kind) {
    case TypeKind::numeric:
      if ((t == ValueType::real || t == ValueType::integer) && d.scale > 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", d.scale, value.as<double>());
        return Value(Decimal{buf});
      }
      if (t != ValueType::decimal) return Value(value.as<Decimal>());
      // Only digits get padded: not PostgreSQL's 'NaN' or 'Infinity', nor text that SQLite
      // kept in a NUMERIC column because it is no number.
      if (d.scale > 0 && numeric_text(value.get<Decimal>().text))
        return Value(with_scale(value.get<Decimal>().text, d.scale));
      return value;
    case TypeKind::boolean:
      return t == ValueType::integer ? Value(value.as<bool>()) : value;
    case TypeKind::date:
      return t == ValueType::text ? Value(value.as<std::chrono::year_month_day>()) : value;
    case TypeKind::datetime:
      return t == ValueType::text ? Value(value.as<Timestamp>()) : value;
    case TypeKind::time:
      return t == ValueType::text ? Value(value.as<TimeOfDay>()) : value;
    case TypeKind::json:
      if (t == ValueType::text) return Value(JsonText{value.get<std::string>()});
      if (t == ValueType::integer || t == ValueType::real)
        return Value(JsonText{value.as<Decimal>().text});
      return value;
    case TypeKind::uuid:
      return t == ValueType::text || t == ValueType::blob ? Value(value.as<Uuid>()) : value;
    case TypeKind::custom:
      return d.custom->from_db(value);
    default:
      return value;
  }
}

bool Type::reads_differently() const {
  switch (data_->kind) {
    case TypeKind::numeric:
    case TypeKind::boolean:
    case TypeKind::date:
    case TypeKind::datetime:
    case TypeKind::time:
    case TypeKind::json:
    case TypeKind::uuid:
    case TypeKind::custom:
      return true;
    default:
      return false;
  }
}

Type Integer() {
  return make_type(of(TypeKind::integer));
}
Type BigInteger() {
  return make_type(of(TypeKind::big_integer));
}
Type SmallInteger() {
  return make_type(of(TypeKind::small_integer));
}
Type Boolean() {
  return make_type(of(TypeKind::boolean));
}
Type Float() {
  return make_type(of(TypeKind::float_));
}
Type Double() {
  return make_type(of(TypeKind::double_));
}
Type Numeric(int precision, int scale) {
  if (precision < 0 || scale < 0 || scale > precision) {
    throw ArgumentError("Numeric(" + std::to_string(precision) + ", " + std::to_string(scale) +
                        "): scale must lie between 0 and the precision");
  }
  auto d = of(TypeKind::numeric);
  d.precision = precision;
  d.scale = scale;
  return make_type(std::move(d));
}
Type String(int length) {
  if (length < 0) throw ArgumentError("String length must not be negative");
  auto d = of(TypeKind::string);
  d.length = length;
  return make_type(std::move(d));
}
Type Text() {
  return make_type(of(TypeKind::text));
}
Type Date() {
  return make_type(of(TypeKind::date));
}
Type DateTime(bool timezone) {
  auto d = of(TypeKind::datetime);
  d.timezone = timezone;
  return make_type(std::move(d));
}
Type Time(bool timezone) {
  auto d = of(TypeKind::time);
  d.timezone = timezone;
  return make_type(std::move(d));
}
Type LargeBinary() {
  return make_type(of(TypeKind::large_binary));
}
Type JSON() {
  return make_type(of(TypeKind::json));
}
Type UUID() {
  return make_type(of(TypeKind::uuid));
}
Type Enum(std::vector<std::string> values, std::string name) {
  if (values.empty()) throw ArgumentError("Enum needs at least one value");
  auto d = of(TypeKind::enum_);
  d.enum_values = std::move(values);
  d.name = std::move(name);
  return make_type(std::move(d));
}
Type custom_type(std::shared_ptr<const CustomType> type) {
  if (!type) throw ArgumentError("custom_type() needs a type");
  auto d = of(TypeKind::custom);
  d.custom = std::move(type);
  return make_type(std::move(d));
}
Type opaque_type(std::string database_name) {
  auto d = of(TypeKind::opaque);
  d.name = std::move(database_name);
  return make_type(std::move(d));
}
Type named_enum(const Type& type, std::string name) {
  auto d = detail::TypeData{};
  d.kind = TypeKind::enum_;
  d.enum_values = type.enum_values();
  d.name = std::move(name);
  return make_type(std::move(d));
}

}  // namespace retort
