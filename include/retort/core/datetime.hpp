// Calendar and clock values, and their ISO 8601 text forms.
//
// Retort uses the standard chrono types where they fit:
//   a date        std::chrono::year_month_day
//   a datetime    rt::Timestamp, microseconds since the Unix epoch in UTC
//   a time of day rt::TimeOfDay
// Columns WITH time zone store the instant; columns WITHOUT store the wall-clock reading
// of the Timestamp as if it were UTC, so a value always reads back as it was written.
#pragma once

#include <chrono>
#include <compare>
#include <iosfwd>
#include <string>
#include <string_view>

namespace retort {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

struct TimeOfDay {
  std::chrono::microseconds since_midnight{0};

  constexpr TimeOfDay() = default;
  constexpr explicit TimeOfDay(std::chrono::microseconds d) : since_midnight(d) {}
  constexpr TimeOfDay(int hours, int minutes, int seconds = 0, int micros = 0)
      : since_midnight(std::chrono::hours(hours) + std::chrono::minutes(minutes) +
                       std::chrono::seconds(seconds) + std::chrono::microseconds(micros)) {}

  friend constexpr auto operator<=>(const TimeOfDay&, const TimeOfDay&) = default;
};

// "2024-02-29"
std::string format_date(std::chrono::year_month_day date);
// The date or timestamp as text for a statement: rt::DataError for a date that does not
// exist or a year outside 1..9999 (which would be stored but not read back).
std::string storable_date(std::chrono::year_month_day date);
std::string storable_timestamp(Timestamp ts, char separator = ' ');
// "2024-02-29 13:45:00.250000" (separator ' ' or 'T'; the fraction always has six digits
// so that text comparison in SQLite orders like time).
std::string format_timestamp(Timestamp ts, char separator = ' ');
// "13:45:00.250000"
std::string format_time(TimeOfDay time);

// As Python's isoformat(): "2024-02-29T13:45:00", "2024-02-29T13:45:00.250000", the
// fraction only when it is not zero. For people and JSON; statements use the forms above.
std::string isoformat(Timestamp ts, char separator = 'T');
std::string isoformat(TimeOfDay time);

// Printing, as Python's str(): "2024-02-29", "2024-02-29 13:45:00.250000", "13:45:00"
// (isoformat with a space). For formatting with {fmt}, include retort/core/fmt.hpp.
std::ostream& operator<<(std::ostream& out, TimeOfDay time);
// year_month_day and Timestamp are std types, so these two are found only from namespace
// retort or after `using retort::operator<<;` (argument-dependent lookup looks in std).
std::ostream& operator<<(std::ostream& out, std::chrono::year_month_day date);
std::ostream& operator<<(std::ostream& out, Timestamp ts);

// Parsers accept what SQLite and PostgreSQL print and what ISO 8601 allows: 'T' or ' '
// between date and time, an optional fraction up to microseconds, an optional "Z" or
// "+HH", "+HH:MM", "+HHMM" offset (converted to UTC). Bad text raises rt::DataError.
std::chrono::year_month_day parse_date(std::string_view text);
Timestamp parse_timestamp(std::string_view text);
// A time's offset is ignored ("13:00:00+02" is 13:00), as PostgreSQL's time does;
// parse_time_utc converts it (11:00, within the day), for times with time zone.
TimeOfDay parse_time(std::string_view text);
TimeOfDay parse_time_utc(std::string_view text);

}  // namespace retort
