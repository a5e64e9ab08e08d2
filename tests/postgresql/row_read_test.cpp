// Members the PostgreSQL driver reads itself (read_members) come out exactly as the
// member type's own reader (its codec, through the get_* calls) reads them: every member
// type it takes, over columns of every type it may meet (integers of each width, bool,
// floats, numeric, text, bytea), random values and NULLs. Where it stops, the codec takes
// over; plain queries of whole rows then agree with the codecs too.
#include <array>
#include <limits>
#include <random>

#include "databases.hpp"
#include "retort/orm.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

constexpr int kCount = 9;  // value columns, after the key
constexpr const char* kSelect =
    "SELECT id, c_int2, c_int4, c_int8, c_bool, c_f4, c_f8, c_num, c_text, c_bytea FROM "
    "pg_loose ORDER BY id";

// A random value for each column (as SQL), NULL now and then.
std::string random_literal(std::mt19937_64& rng, int column) {
  if (rng() % 6 == 0) return "NULL";
  const auto small = static_cast<std::int64_t>(rng() % 5) - 2;  // -2 .. 2: also 0 and 1
  const auto any = static_cast<std::int64_t>(rng());
  switch (column) {
    case 0:
      return std::to_string(rng() % 2 ? small : any % 30000);
    case 1:
      return std::to_string(rng() % 2 ? small : any % 2'000'000'000);
    case 2:
      return std::to_string(rng() % 2 ? small : any);
    case 3:
      return rng() % 2 ? "true" : "false";
    case 4:
    case 5:
      return rng() % 2 ? std::to_string(small) : std::to_string(any % 100000) + ".5";
    case 6:
      return rng() % 2 ? std::to_string(small) + ".000" : std::to_string(any % 1000) + ".25";
    case 7:
      return rng() % 2 ? "'" + std::to_string(small) + "'" : "'text " + std::to_string(any) + "'";
    default:
      return rng() % 2 ? "'\\x00ff41'::bytea" : "''::bytea";
  }
}

template <class M>
M filler() {
  if constexpr (rt::detail::is_optional<M>::value) {
    return M(filler<typename M::value_type>());
  } else if constexpr (std::is_same_v<M, std::string>) {
    return "left over";
  } else {
    return M(1);
  }
}

// One member of type M per column, read by read_members() from `start` on, against each
// column read by the codec: every member it read holds what the codec gives; it stops only
// where the codec would raise or convert, and then the codec is asked for that one.
template <class M>
void check_member_type(rt::Connection& conn, int& taken, int& left) {
  const auto kind = rt::orm::member_kind<M, rt::Codec<M>>();
  ASSERT_NE(kind, rt::driver::Member::Kind::other);
  std::array<rt::driver::Member, kCount> members;
  for (int i = 0; i < kCount; ++i)
    members[static_cast<std::size_t>(i)] = {kind, static_cast<std::uint32_t>(i * sizeof(M))};
  auto result = conn.execute(kSelect);
  while (result.next()) {
    auto& stmt = result.row().statement();
    const auto id = stmt.get_int64(0);
    for (int start = 0; start < kCount; ++start) {
      // Both start from a value, which a NULL must clear.
      std::array<M, kCount> fast, slow;
      fast.fill(filler<M>());
      slow.fill(filler<M>());
      const std::size_t read = stmt.read_members(
          std::span(members).subspan(static_cast<std::size_t>(start)), 1 + start, fast.data());
      ASSERT_LE(read, static_cast<std::size_t>(kCount - start));
      for (std::size_t k = 0; k < read; ++k) {
        const int column = 1 + start + static_cast<int>(k);
        ASSERT_NO_THROW(rt::Codec<M>::read(stmt, column, slow[start + k], rt::Type()))
            << "row " << id << " column " << column;
        ASSERT_TRUE(fast[start + k] == slow[start + k]) << "row " << id << " column " << column;
      }
      taken += static_cast<int>(read);
      if (start + read < static_cast<std::size_t>(kCount)) ++left;
    }
  }
}

template <class M>
struct AllAs {
  std::int64_t id = 0;
  M a{}, b{}, c{}, d{}, e{}, f{}, g{}, h{}, i{};
  bool operator==(const AllAs&) const = default;
};

TEST(PostgresRowRead, OneCallReadsWhatEachCodecWould) {
  auto engine = rt::create_engine(postgres_url());
  auto conn = engine.connect();
  conn.execute("DROP TABLE IF EXISTS pg_loose");
  conn.execute(
      "CREATE TABLE pg_loose (id bigint PRIMARY KEY, c_int2 smallint, c_int4 integer, "
      "c_int8 bigint, c_bool boolean, c_f4 real, c_f8 double precision, c_num numeric(24, 3), "
      "c_text text, c_bytea bytea)");
  std::mt19937_64 rng(20261204);
  constexpr int kRows = 120;
  for (int r = 1; r <= kRows; ++r) {
    std::string values = std::to_string(r);
    for (int c = 0; c < kCount; ++c)
      values += ", " + random_literal(rng, c);
    conn.execute("INSERT INTO pg_loose VALUES (" + values + ")");
  }
  int taken = 0, left = 0;
  check_member_type<std::int64_t>(conn, taken, left);
  check_member_type<std::int32_t>(conn, taken, left);
  check_member_type<bool>(conn, taken, left);
  check_member_type<double>(conn, taken, left);
  check_member_type<std::string>(conn, taken, left);
  check_member_type<std::optional<std::int64_t>>(conn, taken, left);
  check_member_type<std::optional<std::int32_t>>(conn, taken, left);
  check_member_type<std::optional<bool>>(conn, taken, left);
  check_member_type<std::optional<double>>(conn, taken, left);
  check_member_type<std::optional<std::string>>(conn, taken, left);
  // Both the driver and the codecs did much of the reading.
  EXPECT_GT(taken, kRows * kCount);
  EXPECT_GT(left, kRows * kCount);
}

// Whole rows of text members through a plain query (the driver's loop over the rows):
// every column reads, NULLs included, as the codec reads it one by one.
TEST(PostgresRowRead, PlainQueriesReadWholeRowsAsTheCodecs) {
  using Row = AllAs<std::optional<std::string>>;
  auto engine = rt::create_engine(postgres_url());
  rt::registry().add(rt::model<Row>("pg_loose_text")
                         .column("id", &Row::id, rt::primary_key)
                         .column("c_int2", &Row::a)
                         .column("c_int4", &Row::b)
                         .column("c_int8", &Row::c)
                         .column("c_bool", &Row::d)
                         .column("c_f4", &Row::e)
                         .column("c_f8", &Row::f)
                         .column("c_num", &Row::g)
                         .column("c_text", &Row::h)
                         .column("c_bytea", &Row::i));
  auto conn = engine.connect();
  conn.execute("DROP TABLE IF EXISTS pg_loose_text");
  conn.execute("DROP TABLE IF EXISTS pg_loose");
  conn.execute(
      "CREATE TABLE pg_loose (id bigint PRIMARY KEY, c_int2 smallint, c_int4 integer, "
      "c_int8 bigint, c_bool boolean, c_f4 real, c_f8 double precision, c_num numeric(24, 3), "
      "c_text text, c_bytea bytea)");
  std::mt19937_64 rng(7);
  for (int r = 1; r <= 300; ++r) {
    std::string values = std::to_string(r);
    for (int c = 0; c < kCount; ++c)
      values += ", " + random_literal(rng, c);
    conn.execute("INSERT INTO pg_loose VALUES (" + values + ")");
  }
  conn.execute("CREATE TABLE pg_loose_text AS SELECT * FROM pg_loose");
  std::vector<Row> expected;
  auto result = conn.execute(kSelect);
  while (result.next()) {
    auto& stmt = result.row().statement();
    Row& row = expected.emplace_back();
    row.id = stmt.get_int64(0);
    std::optional<std::string>* members[] = {&row.a, &row.b, &row.c, &row.d, &row.e,
                                             &row.f, &row.g, &row.h, &row.i};
    for (int c = 0; c < kCount; ++c)
      rt::Codec<std::optional<std::string>>::read(stmt, 1 + c, *members[c], rt::Type());
  }
  const auto all = rt::query<Row>().order_by(rt::c(&Row::id)).all(conn);
  ASSERT_EQ(all.size(), expected.size());
  for (std::size_t k = 0; k < all.size(); ++k)
    EXPECT_TRUE(all[k] == expected[k]) << "row " << expected[k].id;
}

// Integers are read from their text exactly, up to the limits of std::int64_t and no
// further: each bigint, and the same value as numeric with a zero fraction, reads as the
// number it prints; a numeric beyond the limits, or with a fraction, is an error.
TEST(PostgresRowRead, IntegersReadExactlyUpToTheirLimits) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> values = {kMin, kMin + 1, kMax, kMax - 1, 0, -1, 1, 9, 10, -10};
  std::mt19937_64 rng(64);
  for (int i = 0; i < 400; ++i)
    values.push_back(static_cast<std::int64_t>(rng()) >> (rng() % 64));
  std::string rows;
  for (std::size_t i = 0; i < values.size(); ++i)
    rows += (i ? ", (" : "(") + std::to_string(i) + ", CAST('" + std::to_string(values[i]) +
            "' AS bigint))";
  auto engine = rt::create_engine(postgres_url());
  auto conn = engine.connect();
  auto result = conn.execute("SELECT k, v, CAST(v AS numeric(30, 3)) FROM (VALUES " + rows +
                             ") AS t(k, v) ORDER BY k");
  const rt::driver::Member member{rt::driver::Member::Kind::int64, 0};
  std::size_t k = 0;
  while (result.next()) {
    auto& stmt = result.row().statement();
    const std::int64_t want = values.at(k++);
    EXPECT_EQ(stmt.get_int64(1), want);
    EXPECT_EQ(stmt.get_int64(2), want) << stmt.get_text(2);
    std::int64_t read = 0;
    ASSERT_EQ(stmt.read_members(std::span(&member, 1), 1, &read), 1u);
    EXPECT_EQ(read, want);
    EXPECT_EQ(stmt.read_members(std::span(&member, 1), 2, &read), 0u)
        << "a numeric is left to the codec";
  }
  EXPECT_EQ(k, values.size());
  for (const char* beyond : {"9223372036854775808", "-9223372036854775809", "18446744073709551616",
                             "99999999999999999999999", "12.5"}) {
    auto r = conn.execute(std::string("SELECT CAST('") + beyond + "' AS numeric)");
    ASSERT_TRUE(r.next());
    EXPECT_THROW(r.row().statement().get_int64(0), rt::DataError) << beyond;
  }
  // Text that is not an integer in PostgreSQL's own form.
  for (const char* text : {"", "-", "+5", " 5", "5 ", "--5", "0x10", "1e3"}) {
    auto r = conn.execute(std::string("SELECT CAST('") + text + "' AS text)");
    ASSERT_TRUE(r.next());
    EXPECT_THROW(r.row().statement().get_int64(0), rt::DataError) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace retort_test
