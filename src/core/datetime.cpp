#include "retort/core/datetime.hpp"

#include <cstdio>
#include <ostream>

#include "retort/core/error.hpp"

namespace retort {
namespace {

using namespace std::chrono;

[[noreturn]] void bad(std::string_view what, std::string_view text) {
  throw DataError("malformed " + std::string(what) + " '" + std::string(text.substr(0, 64)) + "'");
}

// Reads exactly n decimal digits at pos.
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

bool read_date(std::string_view s, std::size_t& pos, year_month_day& out) {
  int y, m, d;
  if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, m) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, d))
    return false;
  out = year{y} / month{static_cast<unsigned>(m)} / day{static_cast<unsigned>(d)};
  return out.ok();
}

// HH:MM[:SS[.ffffff]]
bool read_time(std::string_view s, std::size_t& pos, microseconds& out) {
  int h, mi, sec = 0;
  if (!digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, mi)) return false;
  if (expect(s, pos, ':')) {
    if (!digits(s, pos, 2, sec)) return false;
  }
  long micros = 0;
  if (expect(s, pos, '.')) {
    int count = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (count < 6) micros = micros * 10 + (s[pos] - '0');
      ++count;
      ++pos;
    }
    if (count == 0) return false;
    for (; count < 6; ++count)
      micros *= 10;
  }
  if (h > 24 || mi > 59 || sec > 60) return false;
  out = hours(h) + minutes(mi) + seconds(sec) + microseconds(micros);
  return true;
}

// Z, +HH, +HH:MM, +HHMM; returns the offset east of UTC.
bool read_offset(std::string_view s, std::size_t& pos, minutes& out) {
  out = minutes(0);
  if (pos == s.size()) return true;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
    return true;
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  const int sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  int h = 0, m = 0;
  if (!digits(s, pos, 2, h)) return false;
  if (expect(s, pos, ':')) {
    if (!digits(s, pos, 2, m)) return false;
  } else if (pos + 2 <= s.size()) {
    if (!digits(s, pos, 2, m)) return false;
  }
  out = minutes(sign * (h * 60 + m));
  return true;
}

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::string format_date(year_month_day date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

std::string format_time(TimeOfDay time) {
  const auto total = time.since_midnight.count();
  const auto micros = static_cast<unsigned>(total % 1000000);
  auto secs = total / 1000000;
  char buf[20] = "00:00:00.000000";
  put2(buf, static_cast<unsigned>(secs / 3600));
  put2(buf + 3, static_cast<unsigned>(secs / 60 % 60));
  put2(buf + 6, static_cast<unsigned>(secs % 60));
  std::snprintf(buf + 9, 7, "%06u", micros);
  return buf;
}

std::string format_timestamp(Timestamp ts, char separator) {
  const auto day_point = floor<days>(ts);
  std::string out = format_date(year_month_day(day_point));
  out.push_back(separator);
  out += format_time(TimeOfDay(ts - day_point));
  return out;
}

std::string isoformat(TimeOfDay time) {
  std::string out = format_time(time);
  if (time.since_midnight.count() % 1000000 == 0) out.resize(out.size() - 7);
  return out;
}

std::string isoformat(Timestamp ts, char separator) {
  std::string out = format_timestamp(ts, separator);
  if (ts.time_since_epoch().count() % 1000000 == 0) out.resize(out.size() - 7);
  return out;
}

std::ostream& operator<<(std::ostream& out, TimeOfDay time) {
  return out << isoformat(time);
}

std::ostream& operator<<(std::ostream& out, year_month_day date) {
  return out << format_date(date);
}

std::ostream& operator<<(std::ostream& out, Timestamp ts) {
  return out << isoformat(ts, ' ');
}

std::string storable_date(year_month_day date) {
  const int y = static_cast<int>(date.year());
  if (!date.ok() || y < 1 || y > 9999) {
    throw DataError("the date " + format_date(date) +
                    " cannot be stored: it does not exist or its year is outside 1..9999");
  }
  return format_date(date);
}

std::string storable_timestamp(Timestamp ts, char separator) {
  (void)storable_date(year_month_day(floor<days>(ts)));
  return format_timestamp(ts, separator);
}

year_month_day parse_date(std::string_view text) {
  std::size_t pos = 0;
  year_month_day out;
  if (!read_date(text, pos, out) || pos != text.size()) bad("date", text);
  return out;
}

namespace {

TimeOfDay read_time_of_day(std::string_view text, bool to_utc) {
  std::size_t pos = 0;
  microseconds since;
  if (!read_time(text, pos, since)) bad("time", text);
  minutes offset;
  if (!read_offset(text, pos, offset) || pos != text.size()) bad("time", text);
  if (!to_utc) return TimeOfDay(since);
  constexpr microseconds day = days(1);
  return TimeOfDay(((since - offset) % day + day) % day);
}

}  // namespace

TimeOfDay parse_time(std::string_view text) {
  return read_time_of_day(text, false);
}

TimeOfDay parse_time_utc(std::string_view text) {
  return read_time_of_day(text, true);
}

Timestamp parse_timestamp(std::string_view text) {
  std::size_t pos = 0;
  year_month_day date;
  if (!read_date(text, pos, date)) bad("datetime", text);
  microseconds since{0};
  if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T' || text[pos] == 't')) {
    ++pos;
    if (!read_time(text, pos, since)) bad("datetime", text);
  }
  minutes offset;
  if (!read_offset(text, pos, offset) || pos != text.size()) bad("datetime", text);
  return Timestamp(sys_days(date).time_since_epoch() + since - offset);
}

}  // namespace retort
