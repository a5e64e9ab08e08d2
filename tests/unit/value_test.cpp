#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "retort/core/base64.hpp"
#include "retort/core/error.hpp"
#include "retort/core/fmt.hpp"
#include "retort/core/record.hpp"
#include "retort/core/value.hpp"

namespace rt = retort;
using namespace std::chrono;

TEST(Datetime, FormatsAndParsesDates) {
  EXPECT_EQ(rt::format_date(year{2024} / February / 29), "2024-02-29");
  EXPECT_EQ(rt::parse_date("2024-02-29"), year{2024} / February / 29);
  EXPECT_THROW(rt::parse_date("2023-02-29"), rt::DataError);
  EXPECT_THROW(rt::parse_date("2024-2-1"), rt::DataError);
  EXPECT_THROW(rt::parse_date("2024-02-01x"), rt::DataError);
}

TEST(Datetime, TimestampsRoundTripWithMicroseconds) {
  const rt::Timestamp ts =
      sys_days(year{2024} / March / 1) + hours(13) + minutes(5) + seconds(9) + microseconds(250);
  EXPECT_EQ(rt::format_timestamp(ts), "2024-03-01 13:05:09.000250");
  EXPECT_EQ(rt::format_timestamp(ts, 'T'), "2024-03-01T13:05:09.000250");
  EXPECT_EQ(rt::parse_timestamp("2024-03-01 13:05:09.000250"), ts);
  EXPECT_EQ(rt::parse_timestamp("2024-03-01T13:05:09.00025Z"), ts);
  const rt::Timestamp before_epoch = sys_days(year{1960} / January / 1) + microseconds(1);
  EXPECT_EQ(rt::parse_timestamp(rt::format_timestamp(before_epoch)), before_epoch);
}

TEST(Datetime, OffsetsConvertToUtc) {
  const rt::Timestamp utc = sys_days(year{2024} / March / 1) + hours(12);
  EXPECT_EQ(rt::parse_timestamp("2024-03-01 13:00:00+01"), utc);
  EXPECT_EQ(rt::parse_timestamp("2024-03-01 17:30:00+05:30"), utc);
  EXPECT_EQ(rt::parse_timestamp("2024-03-01 07:00:00-0500"), utc);
  EXPECT_EQ(rt::parse_timestamp("2024-03-01"), sys_days(year{2024} / March / 1));
  EXPECT_THROW(rt::parse_timestamp("2024-03-01 25:00:00"), rt::DataError);
  EXPECT_THROW(rt::parse_timestamp("infinity"), rt::DataError);
}

TEST(Datetime, TimeOfDay) {
  const rt::TimeOfDay t(23, 59, 58, 999999);
  EXPECT_EQ(rt::format_time(t), "23:59:58.999999");
  EXPECT_EQ(rt::parse_time("23:59:58.999999"), t);
  EXPECT_EQ(rt::parse_time("08:30"), rt::TimeOfDay(8, 30));
  EXPECT_THROW(rt::parse_time("8:30"), rt::DataError);
}

// Printing follows Python's str() and isoformat(): the fraction only when it is not
// zero, six digits when it is not; {fmt} prints what operator<< prints.
TEST(Datetime, PrintsAsPythonDoes) {
  using retort::operator<<;
  const auto printed = [](const auto& v) {
    std::ostringstream out;
    out << v;
    EXPECT_EQ(fmt::format("{}", v), out.str());
    return out.str();
  };
  const rt::Timestamp whole = sys_days(year{2024} / February / 29) + hours(13) + minutes(45);
  EXPECT_EQ(printed(whole), "2024-02-29 13:45:00");
  EXPECT_EQ(printed(whole + microseconds(250000)), "2024-02-29 13:45:00.250000");
  EXPECT_EQ(rt::isoformat(whole), "2024-02-29T13:45:00");
  EXPECT_EQ(printed(year{2024} / February / 29), "2024-02-29");
  EXPECT_EQ(printed(rt::TimeOfDay(9, 5)), "09:05:00");
  EXPECT_EQ(printed(rt::TimeOfDay(9, 5, 1, 7)), "09:05:01.000007");
  EXPECT_EQ(printed(rt::Decimal{"-0.10"}), "-0.10");
  const auto id = rt::Uuid::parse("1B4E28BA-2FA1-11D2-883F-0016D3CCA427");
  EXPECT_EQ(printed(id), "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  EXPECT_EQ(fmt::format("[{:>12}]", rt::Decimal{"12.50"}), "[       12.50]");
  EXPECT_EQ(fmt::format("[{:*<12}]", rt::TimeOfDay(9, 5)), "[09:05:00****]");

  std::mt19937_64 rng(20261201);
  for (int i = 0; i < 20000; ++i) {
    const auto micros = static_cast<std::int64_t>(rng() % 400'000'000'000'000'000ULL) -
                        62'000'000'000'000'000LL;  // years 0005..10644 around the epoch
    rt::Timestamp ts{microseconds(i % 3 == 0 ? micros / 1'000'000 * 1'000'000 : micros)};
    if (year_month_day(floor<days>(ts)).year() > year{9999}) continue;
    const std::string iso = rt::isoformat(ts);
    const auto dot = iso.find('.');
    ASSERT_EQ(dot == std::string::npos, ts.time_since_epoch().count() % 1'000'000 == 0) << iso;
    if (dot != std::string::npos) {
      ASSERT_EQ(iso.size() - dot, 7u) << iso;
    }
    ASSERT_EQ(rt::parse_timestamp(iso), ts) << iso;
    ASSERT_EQ(printed(ts), iso.substr(0, 10) + " " + iso.substr(11));
    const rt::TimeOfDay t(ts - floor<days>(ts));
    ASSERT_EQ(rt::parse_time(rt::isoformat(t)), t);
  }
}

TEST(Uuid, ParsesAndFormats) {
  const auto u = rt::Uuid::parse("1B4E28BA-2FA1-11D2-883F-0016D3CCA427");
  EXPECT_EQ(u.str(), "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  EXPECT_EQ(rt::Uuid::parse("1b4e28ba2fa111d2883f0016d3cca427"), u);
  EXPECT_EQ(rt::Uuid::parse("{1b4e28ba-2fa1-11d2-883f-0016d3cca427}"), u);
  EXPECT_THROW(rt::Uuid::parse("not-a-uuid"), rt::DataError);
  EXPECT_THROW(rt::Uuid::parse("1b4e28ba-2fa1-11d2-883f-0016d3cca42g"), rt::DataError);
}

// Drawn from many threads at once (each with its own buffer of random bytes, refilled
// as it runs out) and in a forked child, no two UUIDs are the same, all are version 4,
// and every bit outside the version and variant takes both values.
TEST(Uuid, RandomIsVersion4AndUnique) {
  constexpr int threads = 8, each = 5000;
  std::vector<std::vector<rt::Uuid>> made(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&made, t] {
      for (int i = 0; i < each; ++i)
        made[t].push_back(rt::Uuid::random());
    });
  }
  for (auto& w : workers)
    w.join();
  (void)rt::Uuid::random();  // this thread's buffer now holds bytes a child inherits
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    const rt::Uuid in_child = rt::Uuid::random();
    (void)!::write(pipe_fds[1], in_child.bytes().data(), 16);
    ::_exit(0);
  }
  std::array<std::uint8_t, 16> child_bytes{};
  ASSERT_EQ(::read(pipe_fds[0], child_bytes.data(), 16), 16);
  ::waitpid(child, nullptr, 0);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  std::set<rt::Uuid> all{rt::Uuid(child_bytes), rt::Uuid::random()};
  std::array<std::uint8_t, 16> any_one{}, all_ones{};
  all_ones.fill(0xff);
  for (const auto& list : made) {
    for (const rt::Uuid& u : list) {
      EXPECT_EQ(u.bytes()[6] >> 4, 4);
      EXPECT_EQ(u.bytes()[8] >> 6, 2);
      all.insert(u);
      for (int i = 0; i < 16; ++i) {
        any_one[i] |= u.bytes()[i];
        all_ones[i] &= u.bytes()[i];
      }
    }
  }
  EXPECT_EQ(all.size(), std::size_t{threads * each + 2});
  for (int i = 0; i < 16; ++i) {
    const std::uint8_t fixed = i == 6 ? 0xf0 : i == 8 ? 0xc0 : 0;
    EXPECT_EQ(any_one[i] | fixed, 0xff) << i;
    EXPECT_EQ(all_ones[i] & static_cast<std::uint8_t>(~fixed), 0) << i;
  }
}

TEST(Base64, RoundTripsAndRefusesWhatIsNotCanonical) {
  EXPECT_EQ(rt::base64_encode({0x89, 'P', 'N', 'G'}), "iVBORw==");
  std::mt19937 rng(3);
  for (int i = 0; i < 500; ++i) {
    rt::Blob blob(rng() % 40);
    for (auto& b : blob)
      b = static_cast<std::uint8_t>(rng());
    const std::string text = rt::base64_encode(blob);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(rt::base64_decode(text), blob);
  }
  for (const char* bad : {"A", "AB=", "A===", "AB=C", "ab!d", "iVBORx==", "iVBORw=A"})
    EXPECT_THROW(rt::base64_decode(bad), rt::ArgumentError) << bad;
}

TEST(Value, HoldsEachType) {
  EXPECT_EQ(rt::Value().type(), rt::ValueType::null);
  EXPECT_EQ(rt::Value(rt::null).type(), rt::ValueType::null);
  EXPECT_EQ(rt::Value(true).type(), rt::ValueType::boolean);
  EXPECT_EQ(rt::Value(7).type(), rt::ValueType::integer);
  EXPECT_EQ(rt::Value(7u).type(), rt::ValueType::integer);
  EXPECT_EQ(rt::Value(1.5).type(), rt::ValueType::real);
  EXPECT_EQ(rt::Value("x").type(), rt::ValueType::text);
  EXPECT_EQ(rt::Value(rt::Blob{1, 2}).type(), rt::ValueType::blob);
  EXPECT_EQ(rt::Value(year{2000} / 1 / 1).type(), rt::ValueType::date);
  EXPECT_EQ(rt::Value(system_clock::now()).type(), rt::ValueType::timestamp);
  EXPECT_EQ(rt::Value(rt::TimeOfDay(1, 2)).type(), rt::ValueType::time);
  EXPECT_EQ(rt::Value(rt::Decimal{"1.50"}).type(), rt::ValueType::decimal);
  EXPECT_EQ(rt::Value(rt::JsonText{"{}"}).type(), rt::ValueType::json);
  EXPECT_EQ(rt::Value(rt::Uuid::random()).type(), rt::ValueType::uuid);
  EXPECT_EQ(rt::Value(std::optional<int>()).type(), rt::ValueType::null);
  EXPECT_EQ(rt::Value(std::optional<int>(3)), rt::Value(3));
}

TEST(Value, ConvertsExactly) {
  EXPECT_EQ(rt::Value(42).as<double>(), 42.0);
  EXPECT_EQ(rt::Value(42.0).as<int>(), 42);
  EXPECT_THROW(rt::Value(42.5).as<int>(), rt::DataError);
  EXPECT_EQ(rt::Value(rt::Decimal{"12.000"}).as<std::int64_t>(), 12);
  EXPECT_THROW(rt::Value(rt::Decimal{"12.5"}).as<std::int64_t>(), rt::DataError);
  EXPECT_EQ(rt::Value("2024-01-02").as<year_month_day>(), year{2024} / 1 / 2);
  EXPECT_EQ(rt::Value(1).as<bool>(), true);
  EXPECT_THROW(rt::Value(2).as<bool>(), rt::DataError);
  EXPECT_EQ(rt::Value().as<std::optional<int>>(), std::nullopt);
  EXPECT_THROW(rt::Value().as<int>(), rt::DataError);
  EXPECT_THROW(rt::Value("abc").as<int>(), rt::DataError);
}

TEST(Value, OnlyNumbersBecomeDecimals) {
  for (const char* text : {"0", "-12.50", "+3", ".5", "7.", "1e-3", "-2.5E+10"})
    EXPECT_EQ(rt::Value(text).as<rt::Decimal>().text, text);
  for (const char* text :
       {"abc", "", "-", ".", "1.2.3", "1e", "NaN", "Infinity", " 1", "1 ", "0x10"})
    EXPECT_THROW(rt::Value(text).as<rt::Decimal>(), rt::DataError) << text;
  EXPECT_THROW(rt::Value(std::nan("")).as<rt::Decimal>(), rt::DataError);
  EXPECT_EQ(rt::Value(2.5).as<rt::Decimal>().text, "2.5");
}

TEST(Value, RangeChecksNarrowIntegers) {
  EXPECT_EQ(rt::Value(127).as<std::int8_t>(), 127);
  EXPECT_THROW(rt::Value(128).as<std::int8_t>(), rt::DataError);
  EXPECT_THROW(rt::Value(-1).as<std::uint32_t>(), rt::DataError);
  EXPECT_THROW(rt::Value(std::uint64_t(1) << 63), rt::DataError);
  try {
    (void)rt::Value(70000).as<std::int16_t>();
    FAIL();
  } catch (const rt::DataError& e) {
    EXPECT_STREQ(e.what(), "integer 70000 is out of range for 16-bit integer");
  }
}

TEST(Value, GetRefusesOtherTypes) {
  EXPECT_EQ(rt::Value("x").get<std::string>(), "x");
  try {
    (void)rt::Value(1).get<std::string>();
    FAIL();
  } catch (const rt::DataError& e) {
    EXPECT_STREQ(e.what(), "value holds integer, not text");
  }
}

TEST(Value, ReprForLogs) {
  EXPECT_EQ(rt::Value().repr(), "NULL");
  EXPECT_EQ(rt::Value(3).repr(), "3");
  EXPECT_EQ(rt::Value("it's").repr(), "'it's'");
  EXPECT_EQ(rt::Value(rt::Blob(16)).repr(), "<blob 16 bytes>");
}

namespace retort_test_record {

rt::Record record(std::vector<std::string> names, std::vector<rt::Value> values) {
  return rt::Record(std::make_shared<const std::vector<std::string>>(std::move(names)),
                    std::move(values));
}

TEST(RecordJson, EveryKindOfValue) {
  const auto r = record(
      {"i", "r", "nan", "t", "b", "n", "blob", "date", "ts", "time", "dec", "json", "bad", "uuid"},
      {rt::Value(std::int64_t{-7}), rt::Value(2.5), rt::Value(std::nan("")),
       rt::Value(std::string("q\"uote\n\xC3\xA9")), rt::Value(true), rt::null,
       rt::Value(rt::Blob{0, 1, 255}), rt::Value(2024y / February / 29d),
       rt::Value(rt::Timestamp(sys_days(2024y / February / 29d) + 13h + 45min + 250ms)),
       rt::Value(rt::TimeOfDay(13, 45)), rt::Value(rt::Decimal{"12345678901234567890.10"}),
       rt::Value(rt::JsonText{R"({"a": [1, 2]})"}), rt::Value(rt::JsonText{"not json"}),
       rt::Value(rt::Uuid::parse("12345678-1234-5678-1234-567812345678"))});
  EXPECT_EQ(r.to_json(), R"({"i":-7,"r":2.5,"nan":"NaN","t":"q\"uote\n)"
                         "\xC3\xA9"
                         R"(","b":true,"n":null,"blob":"AAH/","date":"2024-02-29",)"
                         R"("ts":"2024-02-29T13:45:00.250000","time":"13:45:00",)"
                         R"("dec":"12345678901234567890.10","json":{"a":[1,2]},"bad":"not json",)"
                         R"("uuid":"12345678-1234-5678-1234-567812345678"})");
  // Text that is not UTF-8 is an error naming the column, never replaced.
  EXPECT_THROW(record({"x"}, {rt::Value(std::string("\xFF"))}).to_json(), rt::DataError);
  EXPECT_THROW(record({"x", "x"}, {rt::Value(1), rt::Value(2)}).to_json(), rt::ArgumentError);
}

}  // namespace retort_test_record
