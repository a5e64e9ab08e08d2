// rt::Codec<M>: how a member of type M moves between a struct and the database.
//
// The ORM binds members straight into statements and reads columns straight into
// members through these functions, with no rt::Value in between. Retort provides codecs
// for integers, bool, floating point, std::string, rt::Blob, std::chrono dates and time
// points, rt::TimeOfDay, rt::Decimal, rt::JsonText, rt::Uuid, enums and std::optional of
// any of them, and for every rt::TypeDecorator (core/type_decorator.hpp), which is the
// short way to map a type of your own. Specialise Codec only to bind and read a type
// without going through a built-in one:
//
//   template <> struct rt::Codec<Money> {
//     static rt::Type default_type() { return rt::Numeric(18, 2); }
//     static bool accepts(const rt::Type& t) { return t.kind() == rt::TypeKind::numeric; }
//     static void bind(rt::driver::Statement& s, int i, const Money& m, const rt::Type&) { ... }
//     static void read(rt::driver::Statement& s, int col, Money& m, const rt::Type&) { ... }
//     static void encode(const Money& m, std::string& out) { ... }         // snapshot bytes
//     static bool same(const Money& m, const char*& p) { ... }             // vs. snapshot
//     static void decode(const char*& p, Money& m) { ... }                 // from snapshot
//     static rt::Value to_value(const Money& m, const rt::Type&) { ... }
//     static void from_value(const rt::Value& v, Money& m, const rt::Type&) { ... }
//   };
#pragma once

#include <array>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "retort/core/driver.hpp"
#include "retort/core/error.hpp"
#include "retort/core/value.hpp"
#include "retort/schema/type.hpp"

namespace retort {

template <class M, class Enable = void>
struct Codec;  // no codec for this member type: specialise rt::Codec<M>

namespace detail {

template <class V>
void put_raw(std::string& out, const V& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class V>
bool same_raw(const V& v, const char*& p) {
  const bool equal = std::memcmp(&v, p, sizeof v) == 0;
  p += sizeof v;
  return equal;
}

inline void put_bytes(std::string& out, const void* data, std::size_t n) {
  const auto len = static_cast<std::uint32_t>(n);
  put_raw(out, len);
  out.append(static_cast<const char*>(data), n);
}

template <class V>
void take_raw(const char*& p, V& v) {
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
}

inline std::string_view take_bytes(const char*& p) {
  std::uint32_t len;
  std::memcpy(&len, p, sizeof len);
  p += sizeof len;
  std::string_view out(p, len);
  p += len;
  return out;
}

inline bool same_bytes(const void* data, std::size_t n, const char*& p) {
  std::uint32_t len;
  std::memcpy(&len, p, sizeof len);
  p += sizeof len;
  // (An empty blob may have no data at all: memcmp must not see its null pointer.)
  const bool equal = len == n && (n == 0 || std::memcmp(p, data, n) == 0);
  p += len;
  return equal;
}

// The index of an enum member's name for Enum columns.
[[noreturn]] void enum_out_of_range(long long index, const Type& type);
std::int64_t enum_index(std::string_view name, const Type& type);

}  // namespace detail

template <std::integral M>
requires(!std::same_as<M, bool>) struct Codec<M> {
  static Type default_type() {
    return sizeof(M) > 4 ? BigInteger() : sizeof(M) > 2 ? Integer() : SmallInteger();
  }
  static bool accepts(const Type& t) { return t.is_integer() || t.kind() == TypeKind::numeric; }
  static void bind(driver::Statement& s, int i, const M& v, const Type&) {
    s.bind_int64(i, static_cast<std::int64_t>(v));
  }
  static void read(driver::Statement& s, int col, M& v, const Type&) {
    v = detail::narrow_int<M>(s.get_int64(col));
  }
  static void encode(const M& v, std::string& out) { detail::put_raw(out, v); }
  static bool same(const M& v, const char*& p) { return detail::same_raw(v, p); }
  static void decode(const char*& p, M& v) { detail::take_raw(p, v); }
  static Value to_value(const M& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, M& out, const Type&) { out = v.as<M>(); }
};

template <>
struct Codec<bool> {
  static Type default_type() { return Boolean(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::boolean || t.is_integer(); }
  static void bind(driver::Statement& s, int i, const bool& v, const Type&) { s.bind_bool(i, v); }
  static void read(driver::Statement& s, int col, bool& v, const Type&) { v = s.get_bool(col); }
  static void encode(const bool& v, std::string& out) { out.push_back(v ? 1 : 0); }
  static bool same(const bool& v, const char*& p) { return (*p++ != 0) == v; }
  static void decode(const char*& p, bool& v) { v = *p++ != 0; }
  static Value to_value(const bool& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, bool& out, const Type&) { out = v.as<bool>(); }
};

template <std::floating_point M>
struct Codec<M> {
  static Type default_type() { return sizeof(M) > 4 ? Double() : Float(); }
  static bool accepts(const Type& t) {
    return t.kind() == TypeKind::float_ || t.kind() == TypeKind::double_ ||
           t.kind() == TypeKind::numeric;
  }
  static void bind(driver::Statement& s, int i, const M& v, const Type&) {
    s.bind_double(i, static_cast<double>(v));
  }
  static void read(driver::Statement& s, int col, M& v, const Type&) {
    v = static_cast<M>(s.get_double(col));
  }
  static void encode(const M& v, std::string& out) { detail::put_raw(out, v); }
  static bool same(const M& v, const char*& p) { return detail::same_raw(v, p); }
  static void decode(const char*& p, M& v) { detail::take_raw(p, v); }
  static Value to_value(const M& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, M& out, const Type&) { out = v.as<M>(); }
};

template <>
struct Codec<std::string> {
  static Type default_type() { return String(); }
  static bool accepts(const Type& t) {
    return t.is_text() || t.kind() == TypeKind::enum_ || t.kind() == TypeKind::json ||
           t.kind() == TypeKind::numeric || t.kind() == TypeKind::opaque ||
           t.kind() == TypeKind::custom;
  }
  static void bind(driver::Statement& s, int i, const std::string& v, const Type& t) {
    if (t.kind() == TypeKind::enum_) (void)detail::enum_index(v, t);
    // More bytes than String(n) allows characters: the type counts the characters (and
    // refuses too long a text, as Core does).
    if (v.size() > static_cast<std::size_t>(t.length()) && t.length() > 0) (void)t.to_db(Value(v));
    s.bind_text_ref(i, v);
  }
  static void read(driver::Statement& s, int col, std::string& v, const Type&) {
    driver::assign_text(v, s.get_text(col));
  }
  static void encode(const std::string& v, std::string& out) {
    detail::put_bytes(out, v.data(), v.size());
  }
  static bool same(const std::string& v, const char*& p) {
    return detail::same_bytes(v.data(), v.size(), p);
  }
  static void decode(const char*& p, std::string& v) { v.assign(detail::take_bytes(p)); }
  static Value to_value(const std::string& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, std::string& out, const Type&) {
    out = v.as<std::string>();
  }
};

template <>
struct Codec<Blob> {
  static Type default_type() { return LargeBinary(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::large_binary; }
  static void bind(driver::Statement& s, int i, const Blob& v, const Type&) {
    s.bind_blob_ref(i, v);
  }
  static void read(driver::Statement& s, int col, Blob& v, const Type&) {
    auto b = s.get_blob(col);
    v.assign(b.begin(), b.end());
  }
  static void encode(const Blob& v, std::string& out) {
    detail::put_bytes(out, v.data(), v.size());
  }
  static bool same(const Blob& v, const char*& p) {
    return detail::same_bytes(v.data(), v.size(), p);
  }
  static void decode(const char*& p, Blob& v) {
    auto b = detail::take_bytes(p);
    v.assign(b.begin(), b.end());
  }
  static Value to_value(const Blob& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, Blob& out, const Type&) { out = v.as<Blob>(); }
};

// Values that travel as a Value-typed scalar (dates, times, decimals, JSON, UUIDs).
template <class M, ValueType kind>
struct ScalarCodec {
  static void read(driver::Statement& s, int col, M& v, const Type&) {
    v = s.get_value(col).template as<M>();
  }
  static Value to_value(const M& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, M& out, const Type&) { out = v.template as<M>(); }
};

template <>
struct Codec<std::chrono::year_month_day>
    : ScalarCodec<std::chrono::year_month_day, ValueType::date> {
  using M = std::chrono::year_month_day;
  static Type default_type() { return Date(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::date; }
  static void bind(driver::Statement& s, int i, const M& v, const Type&) { s.bind_date(i, v); }
  static void encode(const M& v, std::string& out) {
    detail::put_raw(out, std::chrono::sys_days(v).time_since_epoch().count());
  }
  static bool same(const M& v, const char*& p) {
    return detail::same_raw(std::chrono::sys_days(v).time_since_epoch().count(), p);
  }
  static void decode(const char*& p, M& v) {
    std::chrono::sys_days::rep days;
    detail::take_raw(p, days);
    v = M(std::chrono::sys_days(std::chrono::days(days)));
  }
};

template <class Duration>
struct Codec<std::chrono::sys_time<Duration>> {
  using M = std::chrono::sys_time<Duration>;
  static Type default_type() { return DateTime(true); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::datetime; }
  static void bind(driver::Statement& s, int i, const M& v, const Type&) {
    s.bind_timestamp(i, std::chrono::time_point_cast<std::chrono::microseconds>(v));
  }
  static void read(driver::Statement& s, int col, M& v, const Type&) {
    v = std::chrono::time_point_cast<Duration>(s.get_value(col).as<Timestamp>());
  }
  static void encode(const M& v, std::string& out) {
    detail::put_raw(out, v.time_since_epoch().count());
  }
  static bool same(const M& v, const char*& p) {
    return detail::same_raw(v.time_since_epoch().count(), p);
  }
  static void decode(const char*& p, M& v) {
    typename Duration::rep count;
    detail::take_raw(p, count);
    v = M(Duration(count));
  }
  static Value to_value(const M& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, M& out, const Type&) {
    out = std::chrono::time_point_cast<Duration>(v.as<Timestamp>());
  }
};

template <>
struct Codec<TimeOfDay> : ScalarCodec<TimeOfDay, ValueType::time> {
  static Type default_type() { return Time(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::time; }
  static void bind(driver::Statement& s, int i, const TimeOfDay& v, const Type&) {
    s.bind_time(i, v);
  }
  static void encode(const TimeOfDay& v, std::string& out) {
    detail::put_raw(out, v.since_midnight.count());
  }
  static bool same(const TimeOfDay& v, const char*& p) {
    return detail::same_raw(v.since_midnight.count(), p);
  }
  static void decode(const char*& p, TimeOfDay& v) {
    std::chrono::microseconds::rep count;
    detail::take_raw(p, count);
    v = TimeOfDay(std::chrono::microseconds(count));
  }
};

template <>
struct Codec<Decimal> {
  static Type default_type() { return Numeric(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::numeric; }
  static void bind(driver::Statement& s, int i, const Decimal& v, const Type&) {
    s.bind_decimal(i, v.text);
  }
  static void read(driver::Statement& s, int col, Decimal& v, const Type& t) {
    v = t.from_db(s.get_value(col)).as<Decimal>();
  }
  static void encode(const Decimal& v, std::string& out) {
    detail::put_bytes(out, v.text.data(), v.text.size());
  }
  static bool same(const Decimal& v, const char*& p) {
    return detail::same_bytes(v.text.data(), v.text.size(), p);
  }
  static void decode(const char*& p, Decimal& v) { v.text.assign(detail::take_bytes(p)); }
  static Value to_value(const Decimal& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, Decimal& out, const Type&) { out = v.as<Decimal>(); }
};

template <>
struct Codec<JsonText> {
  static Type default_type() { return JSON(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::json || t.is_text(); }
  static void bind(driver::Statement& s, int i, const JsonText& v, const Type&) {
    s.bind_json(i, v.text);
  }
  static void read(driver::Statement& s, int col, JsonText& v, const Type& t) {
    v = t.from_db(s.get_value(col)).as<JsonText>();
  }
  static void encode(const JsonText& v, std::string& out) {
    detail::put_bytes(out, v.text.data(), v.text.size());
  }
  static bool same(const JsonText& v, const char*& p) {
    return detail::same_bytes(v.text.data(), v.text.size(), p);
  }
  static void decode(const char*& p, JsonText& v) { v.text.assign(detail::take_bytes(p)); }
  static Value to_value(const JsonText& v, const Type&) { return Value(v); }
  static void from_value(const Value& v, JsonText& out, const Type&) { out = v.as<JsonText>(); }
};

template <>
struct Codec<Uuid> : ScalarCodec<Uuid, ValueType::uuid> {
  static Type default_type() { return UUID(); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::uuid; }
  static void bind(driver::Statement& s, int i, const Uuid& v, const Type&) { s.bind_uuid(i, v); }
  static void encode(const Uuid& v, std::string& out) { detail::put_raw(out, v.bytes()); }
  static bool same(const Uuid& v, const char*& p) { return detail::same_raw(v.bytes(), p); }
  static void decode(const char*& p, Uuid& v) {
    std::array<std::uint8_t, 16> bytes;
    detail::take_raw(p, bytes);
    v = Uuid(bytes);
  }
};

// Enums: an Enum column stores the name at the member's underlying value used as an
// index (so enumerators must count 0, 1, 2, ... in the order of the names); any integer
// column stores the underlying value.
template <class E>
requires std::is_enum_v<E>
struct Codec<E> {
  using U = std::underlying_type_t<E>;
  // This codec, not one written for E (see orm/attribute.hpp's column_attribute).
  static constexpr bool kGenericEnum = true;
  static Type default_type() { return Integer(); }
  static bool accepts(const Type& t) { return t.is_integer() || t.kind() == TypeKind::enum_; }
  static void bind(driver::Statement& s, int i, const E& v, const Type& t) {
    const auto ordinal = static_cast<long long>(v);
    if (t.kind() == TypeKind::enum_) {
      if (ordinal < 0 || ordinal >= static_cast<long long>(t.enum_values().size())) {
        detail::enum_out_of_range(ordinal, t);
      }
      s.bind_text_ref(i, t.enum_values()[static_cast<std::size_t>(ordinal)]);
    } else {
      s.bind_int64(i, ordinal);
    }
  }
  static void read(driver::Statement& s, int col, E& v, const Type& t) {
    if (t.kind() == TypeKind::enum_) {
      v = static_cast<E>(detail::enum_index(s.get_text(col), t));
    } else {
      v = static_cast<E>(s.get_int64(col));
    }
  }
  static void encode(const E& v, std::string& out) { detail::put_raw(out, static_cast<U>(v)); }
  static bool same(const E& v, const char*& p) { return detail::same_raw(static_cast<U>(v), p); }
  static void decode(const char*& p, E& v) {
    U u;
    detail::take_raw(p, u);
    v = static_cast<E>(u);
  }
  static Value to_value(const E& v, const Type& t) {
    if (t.kind() == TypeKind::enum_) {
      const auto ordinal = static_cast<long long>(v);
      if (ordinal < 0 || ordinal >= static_cast<long long>(t.enum_values().size())) {
        detail::enum_out_of_range(ordinal, t);
      }
      return Value(t.enum_values()[static_cast<std::size_t>(ordinal)]);
    }
    return Value(static_cast<std::int64_t>(v));
  }
  static void from_value(const Value& v, E& out, const Type& t) {
    if (t.kind() == TypeKind::enum_ && v.type() == ValueType::text) {
      out = static_cast<E>(detail::enum_index(v.get<std::string>(), t));
    } else {
      out = static_cast<E>(v.as<std::int64_t>());
    }
  }
};

// A TypeDecorator's type goes through its impl's codec. process_bind_param runs for each
// bind and each change check, so it should be cheap.
template <decorated M>
struct Codec<M> {
  using D = TypeDecorator<M>;
  using S = typename D::impl;
  using Stored = Codec<S>;
  static Type default_type() {
    if constexpr (requires { D::column_type(); })
      return D::column_type();
    else
      return Stored::default_type();
  }
  static bool accepts(const Type& t) { return Stored::accepts(t); }
  static void bind(driver::Statement& s, int i, const M& v, const Type& t) {
    S stored = D::process_bind_param(v);
    if constexpr (std::is_same_v<S, std::string> || std::is_same_v<S, Blob>) {
      // The stored form is a temporary: the statement gets a copy, not a reference.
      s.bind(i, t.to_db(Value(std::move(stored))));
    } else {
      Stored::bind(s, i, stored, t);
    }
  }
  static void read(driver::Statement& s, int col, M& v, const Type& t) {
    S stored{};
    Stored::read(s, col, stored, t);
    v = D::process_result_value(std::move(stored));
  }
  static void encode(const M& v, std::string& out) {
    Stored::encode(D::process_bind_param(v), out);
  }
  static bool same(const M& v, const char*& p) { return Stored::same(D::process_bind_param(v), p); }
  static void decode(const char*& p, M& v) {
    S stored{};
    Stored::decode(p, stored);
    v = D::process_result_value(std::move(stored));
  }
  static Value to_value(const M& v, const Type& t) {
    return Stored::to_value(D::process_bind_param(v), t);
  }
  static void from_value(const Value& v, M& out, const Type& t) {
    S stored{};
    Stored::from_value(v, stored, t);
    out = D::process_result_value(std::move(stored));
  }
};

// std::optional<M>: a nullable column.
template <class M>
struct Codec<std::optional<M>> {
  using Inner = Codec<M>;
  static Type default_type() { return Inner::default_type(); }
  static bool accepts(const Type& t) { return Inner::accepts(t); }
  static void bind(driver::Statement& s, int i, const std::optional<M>& v, const Type& t) {
    if (v)
      Inner::bind(s, i, *v, t);
    else
      s.bind_null(i);
  }
  static void read(driver::Statement& s, int col, std::optional<M>& v, const Type& t) {
    if (s.is_null(col)) {
      v.reset();
    } else {
      if (!v) v.emplace();
      Inner::read(s, col, *v, t);
    }
  }
  static void encode(const std::optional<M>& v, std::string& out) {
    out.push_back(v ? 1 : 0);
    if (v) Inner::encode(*v, out);
  }
  static bool same(const std::optional<M>& v, const char*& p) {
    const bool had = *p++ != 0;
    if (!had) return !v;
    if (!v) {
      // Skip the stored value to keep the cursor in step.
      M skip{};
      Inner::decode(p, skip);
      return false;
    }
    return Inner::same(*v, p);
  }
  static void decode(const char*& p, std::optional<M>& v) {
    if (*p++ == 0) {
      v.reset();
    } else {
      v.emplace();
      Inner::decode(p, *v);
    }
  }
  static Value to_value(const std::optional<M>& v, const Type& t) {
    return v ? Inner::to_value(*v, t) : Value();
  }
  static void from_value(const Value& v, std::optional<M>& out, const Type& t) {
    if (v.is_null()) {
      out.reset();
    } else {
      if (!out) out.emplace();
      Inner::from_value(v, *out, t);
    }
  }
};

}  // namespace retort
