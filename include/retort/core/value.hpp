// rt::Value: one dynamically typed SQL value.
//
// Value is what Core hands around when the type is only known at run time: bound
// parameters of SQL text, reflected defaults, dictionaries and JSON. The ORM's hot path
// binds and reads struct members directly and does not go through Value.
//
//   rt::Value v = 42;               // integer
//   rt::Value s = "alice";          // text
//   rt::Value n = rt::null;         // NULL
//   v.as<double>()                  // 42.0, converting where the conversion is exact
//   s.get<std::string>()            // the stored std::string, no conversion
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "retort/core/datetime.hpp"
#include "retort/core/type_decorator.hpp"
#include "retort/core/uuid.hpp"

namespace retort {

struct Null {
  friend constexpr bool operator==(Null, Null) { return true; }
};
inline constexpr Null null{};

using Blob = std::vector<std::uint8_t>;

// An exact decimal number kept as its text ("12.50"), the way NUMERIC columns hold it.
struct Decimal {
  std::string text;
  friend bool operator==(const Decimal&, const Decimal&) = default;
};
// Prints the text, as Python prints a Decimal.
std::ostream& operator<<(std::ostream& out, const Decimal& d);

// A JSON document as text. Parsing is left to the caller's JSON library.
struct JsonText {
  std::string text;
  friend bool operator==(const JsonText&, const JsonText&) = default;
};

// GCC 12 warns that these scoped enumerators shadow rt::null and the column flags

// (rt::unique, ...), which they cannot: they are reached through the enum only.

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
enum class ValueType : std::uint8_t {
  null,
  boolean,
  integer,
  real,
  text,
  blob,
  date,
  timestamp,
  time,
  decimal,
  json,
  uuid,
};
#pragma GCC diagnostic pop

const char* to_string(ValueType type);

class Value {
 public:
  using Storage =
      std::variant<std::monostate, bool, std::int64_t, double, std::string, Blob,
                   std::chrono::year_month_day, Timestamp, TimeOfDay, Decimal, JsonText, Uuid>;

  Value() = default;
  // Out of line (value.cpp): every file that copies a Value need not compile the
  // variant's copies.
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value();
  Value(Null) {}
  Value(std::nullopt_t) {}
  Value(bool v) : v_(v) {}
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Value(T v) : v_(checked_int(v)) {}
  Value(double v) : v_(v) {}
  Value(float v) : v_(static_cast<double>(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(Blob v) : v_(std::move(v)) {}
  Value(std::chrono::year_month_day v) : v_(v) {}
  template <class Duration>
  Value(std::chrono::sys_time<Duration> v)
      : v_(std::chrono::time_point_cast<std::chrono::microseconds>(v)) {}
  Value(TimeOfDay v) : v_(v) {}
  Value(Decimal v) : v_(std::move(v)) {}
  Value(JsonText v) : v_(std::move(v)) {}
  Value(Uuid v) : v_(v) {}
  // A TypeDecorator's type: its stored form.
  template <decorated M>
  Value(const M& v) : Value(TypeDecorator<M>::process_bind_param(v)) {}
  template <class T>
  Value(const std::optional<T>& v) {
    if (v) *this = Value(*v);
  }

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }
  const Storage& storage() const { return v_; }

  // The stored alternative itself; rt::DataError if the value holds another type.
  template <class T>
  const T& get() const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    wrong_type(type_name<T>());
  }

  // The value converted to T where the conversion loses nothing (integer to double,
  // text to date, 16 bytes to UUID, ...); std::optional<T> maps NULL to nullopt.
  // Anything else raises rt::DataError naming both types.
  template <class T>
  T as() const;

  // SQL-literal-like text for logs: 'text', 42, NULL, <blob 16 bytes>.
  std::string repr() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  template <class T>
  static std::int64_t checked_int(T v) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (v > static_cast<T>(INT64_MAX)) out_of_range();
    }
    return static_cast<std::int64_t>(v);
  }
  [[noreturn]] static void out_of_range();
  [[noreturn]] void wrong_type(const char* wanted) const;
  template <class T>
  static const char* type_name();

  Storage v_;
};

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {
  using type = T;
};

// Non-template conversions behind Value::as<T>().
std::int64_t value_to_int64(const Value& v);
double value_to_double(const Value& v);
bool value_to_bool(const Value& v);
std::string value_to_string(const Value& v);
Blob value_to_blob(const Value& v);
std::chrono::year_month_day value_to_date(const Value& v);
Timestamp value_to_timestamp(const Value& v);
TimeOfDay value_to_time(const Value& v);
Decimal value_to_decimal(const Value& v);
JsonText value_to_json(const Value& v);
Uuid value_to_uuid(const Value& v);
[[noreturn]] void integer_out_of_range(std::int64_t v, const char* target);
// Whether text is a decimal number: digits with an optional sign, point and exponent
// ("-12.50", "1e-3"); not "abc", "", "NaN" or "1.2.3".
bool is_decimal_text(std::string_view text);

template <std::integral T>
T narrow_int(std::int64_t v) {
  if constexpr (!std::same_as<T, std::int64_t>) {
    if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        (v > 0 && static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()))
      integer_out_of_range(v, sizeof(T) == 1   ? "8-bit integer"
                              : sizeof(T) == 2 ? "16-bit integer"
                              : sizeof(T) == 4 ? "32-bit integer"
                                               : "unsigned 64-bit integer");
  }
  return static_cast<T>(v);
}

}  // namespace detail

template <class T>
T Value::as() const {
  using namespace std::chrono;
  if constexpr (std::same_as<T, Value>) {
    return *this;
  } else if constexpr (detail::is_optional<T>::value) {
    if (is_null()) return std::nullopt;
    return as<typename detail::is_optional<T>::type>();
  } else if constexpr (decorated<T>) {
    return TypeDecorator<T>::process_result_value(as<typename TypeDecorator<T>::impl>());
  } else if constexpr (std::same_as<T, bool>) {
    return detail::value_to_bool(*this);
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(detail::value_to_int64(*this));
  } else if constexpr (std::integral<T>) {
    return detail::narrow_int<T>(detail::value_to_int64(*this));
  } else if constexpr (std::floating_point<T>) {
    return static_cast<T>(detail::value_to_double(*this));
  } else if constexpr (std::same_as<T, std::string>) {
    return detail::value_to_string(*this);
  } else if constexpr (std::same_as<T, Blob>) {
    return detail::value_to_blob(*this);
  } else if constexpr (std::same_as<T, year_month_day>) {
    return detail::value_to_date(*this);
  } else if constexpr (std::same_as<T, Timestamp>) {
    return detail::value_to_timestamp(*this);
  } else if constexpr (std::same_as<T, TimeOfDay>) {
    return detail::value_to_time(*this);
  } else if constexpr (std::same_as<T, Decimal>) {
    return detail::value_to_decimal(*this);
  } else if constexpr (std::same_as<T, JsonText>) {
    return detail::value_to_json(*this);
  } else if constexpr (std::same_as<T, Uuid>) {
    return detail::value_to_uuid(*this);
  } else {
    static_assert(sizeof(T) == 0, "rt::Value cannot convert to this type");
  }
}

template <class T>
const char* Value::type_name() {
  using namespace std::chrono;
  if constexpr (std::same_as<T, bool>)
    return "boolean";
  else if constexpr (std::same_as<T, std::int64_t>)
    return "integer";
  else if constexpr (std::same_as<T, double>)
    return "real";
  else if constexpr (std::same_as<T, std::string>)
    return "text";
  else if constexpr (std::same_as<T, Blob>)
    return "blob";
  else if constexpr (std::same_as<T, year_month_day>)
    return "date";
  else if constexpr (std::same_as<T, Timestamp>)
    return "timestamp";
  else if constexpr (std::same_as<T, TimeOfDay>)
    return "time";
  else if constexpr (std::same_as<T, Decimal>)
    return "decimal";
  else if constexpr (std::same_as<T, JsonText>)
    return "json";
  else if constexpr (std::same_as<T, Uuid>)
    return "uuid";
  else
    return "null";
}

}  // namespace retort
