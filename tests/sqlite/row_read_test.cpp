// Objects read from rows in one driver call (Mapper::read_row) come out exactly as when
// each attribute reads its own column: checked over random rows of a table without
// declared types, where SQLite keeps every value in the storage class it was given, so
// the driver meets every integer, real, text, blob and NULL under every member type.
#include <random>

#include "databases.hpp"
#include "retort/orm.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Loose {
  std::int64_t id = 0;
  std::int64_t i64 = 0;
  std::int32_t i32 = 0;
  bool flag = false;
  double real = 0;
  std::string text{};
  std::optional<std::int64_t> o_i64{};
  std::optional<std::int32_t> o_i32{};
  std::optional<bool> o_flag{};
  std::optional<double> o_real{};
  std::optional<std::string> o_text{};
  static auto mapping() {
    return rt::model<Loose>("loose")
        .column("id", &Loose::id, rt::primary_key)
        .column("i64", &Loose::i64)
        .column("i32", &Loose::i32)
        .column("flag", &Loose::flag)
        .column("real", &Loose::real)
        .column("text", &Loose::text)
        .column("o_i64", &Loose::o_i64)
        .column("o_i32", &Loose::o_i32)
        .column("o_flag", &Loose::o_flag)
        .column("o_real", &Loose::o_real)
        .column("o_text", &Loose::o_text);
  }
  bool operator==(const Loose&) const = default;
};

constexpr int kColumns = 11;

rt::Value random_value(std::mt19937_64& rng) {
  switch (rng() % 14) {
    case 0:
      return rt::Value();
    case 1:
      return rt::Value(std::int64_t(rng() % 2));
    case 2:
      return rt::Value(static_cast<std::int64_t>(rng() % 2000) - 1000);
    case 3:
      return rt::Value(static_cast<std::int64_t>(rng()));  // mostly beyond 32 bits
    case 4:
      return rt::Value(static_cast<double>(rng() % 100));  // integral
    case 5:
      return rt::Value(0.5 + static_cast<double>(rng() % 100));
    case 6:
      return rt::Value(1e300);
    case 7:
      return rt::Value(std::to_string(static_cast<std::int64_t>(rng() % 100000) - 50000));
    case 8:
      return rt::Value(std::string("x") + std::to_string(rng() % 10));
    case 9:
      return rt::Value(std::string());
    case 10:
      return rt::Value(std::string(40, 'y'));  // beyond a short string's buffer
    case 11:
      return rt::Value(std::string("a\0b", 3));
    case 12:
      return rt::Value(rt::Blob{0x00, 0xff, 0x41});
    default:
      return rt::Value(std::to_string(rng() % 10) + ".25");
  }
}

// The row as the attributes read it one by one, or the position of the first that raised.
struct Expected {
  Loose object;
  int failed = -1;
};

Expected read_by_attributes(rt::Connection& conn, const rt::orm::Mapper& mapper, std::int64_t id) {
  Expected e;
  auto result = conn.execute(
      "SELECT id, i64, i32, flag, real, text, o_i64, o_i32, o_flag, o_real, o_text "
      "FROM loose WHERE id = ?",
      {id});
  EXPECT_TRUE(result.next());
  auto& stmt = result.row().statement();
  const auto& attrs = mapper.attributes();
  for (int i = 0; i < kColumns; ++i) {
    try {
      attrs[static_cast<std::size_t>(i)]->read(&e.object, stmt, i);
    } catch (const rt::Error&) {
      e.failed = i;
      break;
    }
  }
  return e;
}

TEST(RowRead, OneCallReadsWhatEachAttributeWould) {
  auto engine = rt::create_engine(sqlite_url());
  rt::registry().add<Loose>();
  const auto& mapper = rt::registry().mapper<Loose>();
  ASSERT_EQ(mapper.attributes().size(), static_cast<std::size_t>(kColumns));
  auto conn = engine.connect();
  conn.execute("DROP TABLE IF EXISTS loose");
  // No declared types: every value keeps its storage class.
  conn.execute(
      "CREATE TABLE loose (id INTEGER PRIMARY KEY, i64, i32, flag, real, text, o_i64, o_i32, "
      "o_flag, o_real, o_text)");
  std::mt19937_64 rng(20261202);
  constexpr int kRows = 600;
  for (int r = 1; r <= kRows; ++r) {
    std::vector<rt::Value> row{rt::Value(std::int64_t(r))};
    // Most rows hold what the members expect, so that reads get past the first column.
    const bool tidy = rng() % 3 == 0;
    for (int c = 1; c < kColumns; ++c) {
      if (tidy) {
        switch (c) {
          case 1:
          case 6:
            row.emplace_back(static_cast<std::int64_t>(rng()));
            continue;
          case 2:
          case 7:
            row.emplace_back(static_cast<std::int64_t>(rng() % 100000) - 50000);
            continue;
          case 3:
          case 8:
            row.emplace_back(std::int64_t(rng() % 2));
            continue;
          case 4:
          case 9:
            row.emplace_back(static_cast<double>(rng() % 1000) / 8);
            continue;
          default:
            row.emplace_back(std::string(rng() % 30, 'z'));
            continue;
        }
      }
      row.push_back(random_value(rng));
    }
    conn.execute("INSERT INTO loose VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rt::Params(row));
  }

  int read = 0, refused = 0;
  std::vector<std::int64_t> readable;
  std::vector<Loose> readable_rows;
  for (std::int64_t id = 1; id <= kRows; ++id) {
    const Expected want = read_by_attributes(conn, mapper, id);
    if (want.failed < 0) {
      readable.push_back(id);
      readable_rows.push_back(want.object);
    }
    const std::string column =
        want.failed < 0 ? "" : mapper.attributes()[static_cast<std::size_t>(want.failed)]->name;
    // Without a session.
    try {
      auto got = rt::query<Loose>().where(rt::c(&Loose::id) == id).all(conn);
      ASSERT_EQ(want.failed, -1) << "row " << id << " read, but " << column << " raises";
      ASSERT_EQ(got.size(), 1u);
      EXPECT_TRUE(got[0] == want.object) << "row " << id;
      ++read;
    } catch (const rt::Error& e) {
      ASSERT_NE(want.failed, -1) << "row " << id << ": " << e.what();
      ++refused;
    }
    // Through a session, where the error names the member.
    rt::Session session(engine);
    try {
      auto got = session.get<Loose>(id);
      ASSERT_EQ(want.failed, -1) << "row " << id << " read, but " << column << " raises";
      EXPECT_TRUE(*got == want.object) << "row " << id;
    } catch (const rt::MappingError& e) {
      ASSERT_NE(want.failed, -1) << "row " << id << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("Loose." + column + ":"), std::string::npos) << e.what();
    }
  }
  // Both outcomes were met often.
  EXPECT_GT(read, kRows / 5);
  EXPECT_GT(refused, kRows / 5);
  // All readable rows in one query: the driver's loop hands the rows with a value to
  // convert to the attributes mid-row and carries on after them.
  const auto all = rt::query<Loose>()
                       .where(rt::c(&Loose::id).in_(readable))
                       .order_by(rt::c(&Loose::id))
                       .all(conn);
  ASSERT_EQ(all.size(), readable_rows.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(all[i] == readable_rows[i]) << "row " << readable_rows[i].id;
}

}  // namespace
}  // namespace retort_test
