// {fmt} formatters for the values Retort maps, printing what operator<< prints:
//
//   fmt::print("{} {} {:>12}\n", date, created_at, price);  // 2024-02-29 2024-02-29
//   13:45:00   12.50
//
// Width, fill and alignment apply to the whole text. Only this header needs {fmt}
// (libfmt-dev); Retort's libraries do not link it.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <string_view>

#include "retort/core/datetime.hpp"
#include "retort/core/uuid.hpp"
#include "retort/core/value.hpp"

namespace retort::detail {

// Formats the text of a value as a string_view would be, so format specs apply to it.
template <class T, std::string (*Text)(const T&)>
struct TextFormatter : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const T& value, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(Text(value), ctx);
  }
};

inline std::string date_text(const std::chrono::year_month_day& d) {
  return format_date(d);
}
inline std::string timestamp_text(const Timestamp& ts) {
  return isoformat(ts, ' ');
}
inline std::string time_text(const TimeOfDay& t) {
  return isoformat(t);
}
inline std::string decimal_text(const Decimal& d) {
  return d.text;
}
inline std::string uuid_text(const Uuid& u) {
  return u.str();
}

}  // namespace retort::detail

// {fmt} 11 and later format year_month_day themselves.
#if FMT_VERSION < 110000
template <>
struct fmt::formatter<std::chrono::year_month_day>
    : retort::detail::TextFormatter<std::chrono::year_month_day, retort::detail::date_text> {};
#endif
// In place of <fmt/chrono.h>'s time_point formatter, which before {fmt} 10 drops the fraction.
template <>
struct fmt::formatter<retort::Timestamp>
    : retort::detail::TextFormatter<retort::Timestamp, retort::detail::timestamp_text> {};
template <>
struct fmt::formatter<retort::TimeOfDay>
    : retort::detail::TextFormatter<retort::TimeOfDay, retort::detail::time_text> {};
template <>
struct fmt::formatter<retort::Decimal>
    : retort::detail::TextFormatter<retort::Decimal, retort::detail::decimal_text> {};
template <>
struct fmt::formatter<retort::Uuid>
    : retort::detail::TextFormatter<retort::Uuid, retort::detail::uuid_text> {};
