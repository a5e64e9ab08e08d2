// Every basic type goes in as a bound parameter and comes back out equal, through the
// typed getters, through Value and through Record.
#include <random>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"
#include "retort/sql.hpp"

namespace rt = retort;
using namespace std::chrono;

namespace retort_test {

using CoreTypes = BackendTest;
namespace {

struct Sample {
  std::optional<bool> b;
  std::optional<std::int64_t> i;
  std::optional<double> d;
  std::optional<std::string> t;
  std::optional<rt::Blob> bl;
  std::optional<year_month_day> dt;
  std::optional<rt::Timestamp> ts;
  std::optional<rt::Timestamp> tstz;
  std::optional<rt::TimeOfDay> tm;
  std::optional<rt::Decimal> n;
  std::optional<rt::JsonText> j;
  std::optional<rt::Uuid> u;
};

std::vector<Sample> samples() {
  const rt::Timestamp ts = sys_days(year{2024} / February / 29) + hours(23) + minutes(59) +
                           seconds(59) + microseconds(123456);
  Sample full{true,
              INT64_MAX,
              -1.25e-300,
              "héllo wörld ✓ 'quoted' \"dq\" ; -- not a comment /* nor this */",
              rt::Blob{0, 1, 2, 255, 0, 39},
              year{1999} / December / 31,
              ts,
              ts,
              rt::TimeOfDay(12, 34, 56, 789000),
              rt::Decimal{"12345.6789"},
              rt::JsonText{R"({"a": [1, 2], "b": "ü"})"},
              rt::Uuid::random()};
  Sample nulls{};
  Sample edges{false,
               INT64_MIN,
               0.0,
               "",
               rt::Blob{},
               year{1} / January / 1,
               sys_days(year{1960} / January / 1) + microseconds(1),
               sys_days(year{2038} / January / 20),
               rt::TimeOfDay(0, 0),
               rt::Decimal{"-0.5"},
               rt::JsonText{"[]"},
               rt::Uuid{}};
  return {full, nulls, edges};
}

}  // namespace

TEST_P(CoreTypes, EveryTypeRoundTrips) {
  drop_tables(conn(), {"all_types"});
  if (postgres()) {
    conn().execute(
        "CREATE TABLE all_types (id INTEGER PRIMARY KEY, b BOOLEAN, i BIGINT, d DOUBLE "
        "PRECISION, t TEXT, bl BYTEA, dt DATE, ts TIMESTAMP, tstz TIMESTAMPTZ, tm TIME, "
        "n NUMERIC(20, 4), j JSONB, u UUID)");
    // Readings in another zone still come back as the same instant.
    conn().execute("SET TIME ZONE 'Asia/Kolkata'");
  } else {
    conn().execute(
        "CREATE TABLE all_types (id INTEGER PRIMARY KEY, b BOOLEAN, i BIGINT, d DOUBLE "
        "PRECISION, t TEXT, bl BLOB, dt DATE, ts TIMESTAMP, tstz TIMESTAMP, tm TIME, "
        "n NUMERIC, j JSON, u UUID)");
  }
  const auto rows = samples();
  auto insert = conn().prepare(
      "INSERT INTO all_types (id, b, i, d, t, bl, dt, ts, tstz, tm, n, j, u) "
      "VALUES (:id, :b, :i, :d, :t, :bl, :dt, :ts, :tstz, :tm, :n, :j, :u)");
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const Sample& s = rows[k];
    insert.execute({{"id", static_cast<int>(k)},
                    {"b", s.b},
                    {"i", s.i},
                    {"d", s.d},
                    {"t", s.t},
                    {"bl", s.bl},
                    {"dt", s.dt},
                    {"ts", s.ts},
                    {"tstz", s.tstz},
                    {"tm", s.tm},
                    {"n", s.n},
                    {"j", s.j},
                    {"u", s.u}});
  }

  std::size_t k = 0;
  for (const rt::Row& row : conn().execute(
           "SELECT b, i, d, t, bl, dt, ts, tstz, tm, n, j, u FROM all_types ORDER BY id")) {
    const Sample& s = rows.at(k++);
    SCOPED_TRACE("row " + std::to_string(k));
    EXPECT_EQ(row.get<std::optional<bool>>("b"), s.b);
    EXPECT_EQ(row.get<std::optional<std::int64_t>>("i"), s.i);
    EXPECT_EQ(row.get<std::optional<double>>("d"), s.d);
    EXPECT_EQ(row.get<std::optional<std::string>>("t"), s.t);
    EXPECT_EQ(row.get<std::optional<rt::Blob>>("bl"), s.bl);
    EXPECT_EQ(row.get<std::optional<year_month_day>>("dt"), s.dt);
    EXPECT_EQ(row.get<std::optional<rt::Timestamp>>("ts"), s.ts);
    EXPECT_EQ(row.get<std::optional<rt::Timestamp>>("tstz"), s.tstz);
    EXPECT_EQ(row.get<std::optional<rt::TimeOfDay>>("tm"), s.tm);
    if (s.n) {
      // NUMERIC(20, 4) pads the scale; the number is the same.
      EXPECT_EQ(row.get<double>("n"), rt::Value(*s.n).as<double>());
    } else {
      EXPECT_TRUE(row.is_null(row.index_of("n")));
    }
    EXPECT_EQ(row.get<std::optional<rt::Uuid>>("u"), s.u);
    if (s.j) {
      EXPECT_EQ(row.get<rt::JsonText>("j"), *s.j);
    }

    // The dynamic reading types each column by what the database declares.
    EXPECT_EQ(row.value(0), rt::Value(s.b));
    EXPECT_EQ(row.value(1), rt::Value(s.i));
    EXPECT_EQ(row.value(4), rt::Value(s.bl));
    EXPECT_EQ(row.value(5), rt::Value(s.dt));
    EXPECT_EQ(row.value(6), rt::Value(s.ts));
    EXPECT_EQ(row.value(8), rt::Value(s.tm));
    EXPECT_EQ(row.value(11), rt::Value(s.u));
    if (s.n) {
      EXPECT_EQ(row.value(9).type(), rt::ValueType::decimal);
    }
  }
  EXPECT_EQ(k, rows.size());

  // Records keep the same values after the result is gone.
  auto all = conn().execute("SELECT i, t, u FROM all_types ORDER BY id").all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].get<std::int64_t>("i"), INT64_MAX);
  EXPECT_EQ(all[0].get<rt::Uuid>("u"), *rows[0].u);
  EXPECT_EQ(all[1].get<std::optional<std::string>>("t"), std::nullopt);
  EXPECT_EQ(all[2].get<std::int64_t>(0), INT64_MIN);
}

TEST_P(CoreTypes, NarrowingAndNullAreErrorsNamingTheColumn) {
  auto row = conn().execute("SELECT 300 AS big, NULL AS empty, 'abc' AS word").one();
  EXPECT_EQ(row.get<int>("big"), 300);
  EXPECT_THROW(row.get<std::int8_t>("big"), rt::DataError);
  EXPECT_EQ(row.get<std::optional<int>>("empty"), std::nullopt);
  try {
    (void)row.get<int>("empty");
    FAIL();
  } catch (const rt::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }

  auto result = conn().execute("SELECT 300 AS big, NULL AS empty, 'abc' AS word");
  ASSERT_TRUE(result.next());
  EXPECT_THROW(result.row().get<std::int8_t>(0), rt::DataError);
  try {
    (void)result.row().get<std::int64_t>("empty");
    FAIL();
  } catch (const rt::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  try {
    (void)result.row().get<std::int64_t>("word");
    FAIL();
  } catch (const rt::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("word"), std::string::npos) << e.what();
  }
  EXPECT_THROW(result.row().get<int>("missing"), rt::ArgumentError);
  EXPECT_THROW(result.row().get<int>(7), rt::ArgumentError);
}

TEST_P(CoreTypes, DatesThatCouldNotBeReadBackAreRefusedAtWrite) {
  conn().execute("DROP TABLE IF EXISTS far_dates");
  conn().execute("CREATE TABLE far_dates (d DATE, ts TIMESTAMP)");
  for (const year_month_day bad : {year{-5} / January / 1, year{12345} / June / 1,
                                   year{0} / March / 3, year{2023} / February / 29}) {
    EXPECT_THROW(conn().execute("INSERT INTO far_dates (d) VALUES (?)", {bad}), rt::DataError);
    if (bad.ok()) {
      EXPECT_THROW(
          conn().execute("INSERT INTO far_dates (ts) VALUES (?)", {rt::Timestamp(sys_days(bad))}),
          rt::DataError);
    }
  }
  EXPECT_EQ(conn().execute("SELECT count(*) FROM far_dates").scalar<int>(), 0);
  conn().execute("INSERT INTO far_dates (d) VALUES (?)", {year{9999} / December / 31});
  EXPECT_EQ(conn().execute("SELECT d FROM far_dates").scalar<year_month_day>(),
            year{9999} / December / 31);
}

// A time with time zone holds an instant of the day: read in UTC, as a timestamp with time
// zone is; a plain time keeps its wall-clock reading whatever offset it is given.
TEST_P(CoreTypes, TimesWithTimeZoneReadInUtc) {
  rt::MetaData md;
  const auto table =
      md.table("times_tz", {rt::Column("id", rt::Integer(), rt::primary_key),
                            rt::Column("local", rt::Time()), rt::Column("zoned", rt::Time(true))});
  md.drop_all(conn());
  md.create_all(conn());
  std::mt19937 rng(20261201);
  for (int i = 0; i < 200; ++i) {
    const rt::TimeOfDay t(std::chrono::microseconds(
        static_cast<std::int64_t>(rng() % 86'400'000ULL) * 1000 + rng() % 1000));
    conn().execute(
        rt::insert(table).values({{"id", i}, {"local", rt::Value(t)}, {"zoned", rt::Value(t)}}));
    const auto row = conn().execute(rt::select(table).where(table.c("id") == i)).one();
    ASSERT_EQ(row.get<rt::TimeOfDay>("local"), t);
    ASSERT_EQ(row.get<rt::TimeOfDay>("zoned"), t) << rt::isoformat(t);
  }
  // the session's zone changes nothing
  if (postgres()) conn().execute("SET TIME ZONE 'Asia/Kolkata'");
  conn().execute(
      "INSERT INTO times_tz (id, local, zoned) VALUES (1000, '13:00:00+02', '13:00:00+02'), "
      "(1001, '01:30:00', '01:30:00+05:30')");
  EXPECT_EQ(conn().execute("SELECT local FROM times_tz WHERE id = 1000").scalar<rt::TimeOfDay>(),
            rt::TimeOfDay(13, 0));
  EXPECT_EQ(conn().execute("SELECT zoned FROM times_tz WHERE id = 1000").scalar<rt::TimeOfDay>(),
            rt::TimeOfDay(11, 0));
  EXPECT_EQ(conn().execute("SELECT zoned FROM times_tz WHERE id = 1001").scalar<rt::TimeOfDay>(),
            rt::TimeOfDay(20, 0))
      << "the day wraps";
  if (postgres()) {
    conn().execute(
        rt::insert(table).values({{"id", 1002}, {"zoned", rt::Value(rt::TimeOfDay(9, 15))}}));
    EXPECT_EQ(conn()
                  .execute("SELECT zoned = '09:15:00+00'::timetz FROM times_tz WHERE id = 1002")
                  .scalar<bool>(),
              true)
        << "bound in UTC, not in the session's zone";
    conn().execute("SET TIME ZONE 'UTC'");
  }
  EXPECT_EQ(rt::parse_time_utc("23:30:00-01:00"), rt::TimeOfDay(0, 30));
  md.drop_all(conn());
}

namespace {
struct Short {
  std::int64_t id = 0;
  std::string code{};
  static auto mapping() {
    return rt::model<Short>("short_code")
        .column("id", &Short::id, rt::primary_key)
        .column("code", &Short::code, rt::String(8));
  }
};
}  // namespace

TEST_P(CoreTypes, TheOrmChecksStringLengthsAsCoreDoes) {
  rt::registry().add<Short>();
  rt::registry().metadata().drop_all(conn(), {.tables = {"short_code"}});
  rt::registry().metadata().create_all(conn(), {.tables = {"short_code"}});
  rt::Session session(engine());
  session.add(Short{.code = "ünïcödé!"});  // 8 characters, 14 bytes
  session.commit();
  session.add(Short{.code = std::string(10000, 'x')});
  EXPECT_THROW(session.commit(), rt::DataError);
  session.rollback();
  EXPECT_EQ(conn().execute("SELECT count(*) FROM short_code").scalar<int>(), 1);
}

RETORT_INSTANTIATE_FOR_BACKEND(CoreTypes);

}  // namespace retort_test
