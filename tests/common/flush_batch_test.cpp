// A flush that updates or deletes many rows writes them in few statements (on PostgreSQL
// one, each column's values as one array), and every value arrives as it was, however
// hostile its text: checked against a model of the table over random rows.
#include <map>
#include <random>
#include <thread>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;
using namespace std::chrono;

namespace retort_test {
namespace {

struct Mixed {
  std::string key{};  // client-chosen, as hostile as the values
  std::optional<bool> b{};
  std::optional<std::int64_t> i{};
  std::optional<double> d{};
  std::optional<std::string> t{};
  std::optional<rt::Blob> bl{};
  std::optional<year_month_day> dt{};
  std::optional<rt::Timestamp> ts{};
  std::optional<rt::TimeOfDay> tm{};
  std::optional<rt::JsonText> j{};
  std::optional<rt::Uuid> u{};
  static auto mapping() {
    return rt::model<Mixed>("flush_mixed")
        .column("key", &Mixed::key, rt::primary_key, rt::String(200))
        .column("b", &Mixed::b)
        .column("i", &Mixed::i)
        .column("d", &Mixed::d)
        .column("t", &Mixed::t)
        .column("bl", &Mixed::bl)
        .column("dt", &Mixed::dt)
        .column("ts", &Mixed::ts)
        .column("tm", &Mixed::tm)
        .column("j", &Mixed::j)
        .column("u", &Mixed::u);
  }
  bool operator==(const Mixed&) const = default;
};

// Mixed's values beside a numeric column, which has no binary form in the PostgreSQL
// driver: its rows go in through COPY's text format, where tabs, newlines and
// backslashes are escapes.
struct Priced {
  std::string key{};
  std::optional<rt::Decimal> price{};
  std::optional<std::string> t{};
  std::optional<rt::Blob> bl{};
  std::optional<rt::Timestamp> ts{};
  std::optional<rt::TimeOfDay> tm{};
  std::optional<rt::JsonText> j{};
  std::optional<rt::Uuid> u{};
  std::optional<bool> b{};
  std::optional<double> d{};
  static auto mapping() {
    return rt::model<Priced>("flush_priced")
        .column("key", &Priced::key, rt::primary_key, rt::String(200))
        .column("price", &Priced::price, rt::Numeric(20, 4))
        .column("t", &Priced::t)
        .column("bl", &Priced::bl)
        .column("ts", &Priced::ts)
        .column("tm", &Priced::tm)
        .column("j", &Priced::j)
        .column("u", &Priced::u)
        .column("b", &Priced::b)
        .column("d", &Priced::d);
  }
  bool operator==(const Priced&) const = default;
};

// int64 and double members over narrower columns.
struct Narrow {
  std::string key{};
  std::int64_t n = 0;
  std::int64_t s = 0;
  double r = 0;
  static auto mapping() {
    return rt::model<Narrow>("flush_narrow")
        .column("key", &Narrow::key, rt::primary_key, rt::String(20))
        .column("n", &Narrow::n, rt::Integer())
        .column("s", &Narrow::s, rt::SmallInteger())
        .column("r", &Narrow::r, rt::Float());
  }
};

// Names that must be quoted, in a table and its columns.
struct Oddly {
  std::string key{};
  std::int64_t n = 0;
  std::string text{};
  static auto mapping() {
    return rt::model<Oddly>("Flush \"Odd\" Table")
        .column("select", &Oddly::key, rt::primary_key, rt::String(20))
        .column("Nick Name", &Oddly::n)
        .column("a\"b", &Oddly::text);
  }
};

// Random values, a fifth of them null; text made of what array literals, SQL and JSON
// treat specially.
class Values {
 public:
  explicit Values(unsigned seed) : random_(seed) {}
  std::string text() {
    static const std::vector<std::string> pieces = {"\"",   "\\",   "{",  "}", ",",  " ",  "'",
                                                    "NULL", "null", "é",  "✓", "\t", "\n", "a",
                                                    "(",    ")",    "$1", "?", ":x", ";",  "--"};
    std::string out;
    for (int n = static_cast<int>(random_() % 8); n > 0; --n)
      out += pieces[random_() % pieces.size()];
    return out;
  }
  template <class F>
  auto maybe(F make) -> std::optional<decltype(make())> {
    if (random_() % 5 == 0) return std::nullopt;
    return make();
  }
  Mixed row(std::string key) {
    const auto micros = [this](std::int64_t range) {
      return static_cast<std::int64_t>(random_() % static_cast<std::uint64_t>(range));
    };
    return Mixed{
        .key = std::move(key),
        .b = maybe([&] { return random_() % 2 == 0; }),
        .i = maybe([&] { return static_cast<std::int64_t>(random_() >> 1) - (1LL << 62); }),
        .d = maybe([&] { return static_cast<double>(micros(2000000) - 1000000) / 1024; }),
        .t = maybe([&] { return text(); }),
        .bl = maybe([&] {
          rt::Blob out(random_() % 6);
          for (auto& b : out)
            b = static_cast<std::uint8_t>(random_());
          return out;
        }),
        .dt = maybe(
            [&] { return year_month_day(sys_days(year{1900} / 1 / 1) + days(micros(100000))); }),
        .ts = maybe([&] {
          return rt::Timestamp(sys_days(year{1970} / 1 / 1) + seconds(micros(4000000000)) +
                               microseconds(micros(1000000)));
        }),
        .tm = maybe([&] { return rt::TimeOfDay(microseconds(micros(86400000000))); }),
        .j = maybe([&] {
          std::string escaped;
          for (const char c : text()) {
            if (c == '"' || c == '\\') escaped += '\\';
            if (c == '\n') {
              escaped += "\\n";
            } else if (c == '\t') {
              escaped += "\\t";
            } else {
              escaped += c;
            }
          }
          // As PostgreSQL's jsonb prints it, so that text compares.
          return rt::JsonText{"[" + std::to_string(micros(100)) + ", \"" + escaped + "\"]"};
        }),
        .u = maybe([] { return rt::Uuid::random(); })};
  }
  Priced priced(std::string key) {
    Mixed m = row(std::move(key));
    std::optional<rt::Decimal> price;
    if (m.i) {
      const std::int64_t cents = *m.i % 100000000;
      std::string digits = std::to_string(cents < 0 ? -cents : cents);
      digits.insert(0, digits.size() < 5 ? 5 - digits.size() : 0, '0');
      price = rt::Decimal{(cents < 0 ? "-" : "") + digits.substr(0, digits.size() - 4) + "." +
                          digits.substr(digits.size() - 4)};
    }
    return Priced{m.key, price, m.t, m.bl, m.ts, m.tm, m.j, m.u, m.b, m.d};
  }
  std::mt19937_64& random() { return random_; }

 private:
  std::mt19937_64 random_;
};

class FlushBatch : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::registry().add<Mixed>();
    rt::registry().add<Priced>();
    rt::registry().add<Narrow>();
    rt::registry().add<Oddly>();
    drop_tables(conn(), {"flush_mixed", "flush_priced", "flush_narrow", "Flush \"Odd\" Table"});
    rt::registry().metadata().create_all(
        conn(),
        {.tables = {"flush_mixed", "flush_priced", "flush_narrow", "Flush \"Odd\" Table"}});
    conn().close();
  }
  // The table as a fresh session reads it, by key.
  template <class T = Mixed>
  std::map<std::string, T> stored() {
    rt::Session session(engine());
    std::map<std::string, T> out;
    for (const auto& m : session.query<T>().all())
      out.emplace(m->key, *m.peek());
    return out;
  }
  // How many of the statements went in through COPY.
  static std::size_t copies(const rt::StatementCounter& counter) {
    std::size_t n = 0;
    for (const auto& sql : counter.statements())
      n += sql.starts_with("COPY ");
    return n;
  }
};

// Rows whose keys the client chose need nothing back from the database: on PostgreSQL
// many of them go in through one COPY (binary, or text where a column has no binary
// form here), and every value arrives as it was.
TEST_P(FlushBatch, ManyClientKeyedRowsGoInWhole) {
  Values values(GetParam().name == "postgresql" ? 31 : 32);
  std::map<std::string, Mixed> mixed;
  std::map<std::string, Priced> priced;
  rt::Session session(engine());
  for (int k = 0; k < 2500; ++k) {
    Mixed m = values.row("m" + std::to_string(k) + values.text());
    mixed[m.key] = m;
    session.add(std::move(m));
    Priced p = values.priced("p" + std::to_string(k) + values.text());
    priced[p.key] = p;
    session.add(std::move(p));
  }
  {
    rt::StatementCounter counter(engine());
    session.commit();
    EXPECT_EQ(copies(counter), postgres() ? 2u : 0u);
    if (postgres()) {
      EXPECT_EQ(counter.count(), 2u);
    }
  }
  EXPECT_EQ(stored(), mixed);
  EXPECT_EQ(stored<Priced>(), priced);

  // A few rows stay with INSERT: the bulk path pays only for many.
  {
    rt::StatementCounter counter(engine());
    session.add(Mixed{.key = "few", .t = "a\tb\\N"});
    mixed["few"] = Mixed{.key = "few", .t = "a\tb\\N"};
    session.commit();
    EXPECT_EQ(copies(counter), 0u);
  }
  EXPECT_EQ(stored(), mixed);
}

// Values reach narrower columns as the database reads them, and one that does not fit
// fails the flush on PostgreSQL (SQLite keeps any integer).
TEST_P(FlushBatch, NarrowColumnsTakeWhatFitsAndRefuseTheRest) {
  std::mt19937_64 random(5);
  std::map<std::string, Narrow> model;
  {
    rt::Session session(engine());
    for (int k = 0; k < 1500; ++k) {
      Narrow row{"k" + std::to_string(k), static_cast<std::int32_t>(random()),
                 static_cast<std::int16_t>(random()),
                 static_cast<double>(static_cast<std::int32_t>(random())) / 7};
      model[row.key] = row;
      session.add(std::move(row));
    }
    session.commit();
  }
  {
    rt::Session session(engine());
    auto rows = session.query<Narrow>().all();
    ASSERT_EQ(rows.size(), model.size());
    for (const auto& row : rows) {
      const Narrow& want = model.at(row->key);
      EXPECT_EQ(row->n, want.n);
      EXPECT_EQ(row->s, want.s);
      EXPECT_EQ(static_cast<float>(row->r), static_cast<float>(want.r)) << row->key;
    }
  }
  for (const auto& [n, s] : {std::pair<std::int64_t, std::int64_t>{1LL << 40, 0}, {0, 40000}}) {
    rt::Session session(engine());
    for (int k = 0; k < 1500; ++k)
      session.add(Narrow{"x" + std::to_string(k), k == 900 ? n : 0, k == 900 ? s : 0, 0});
    if (postgres()) {
      try {
        session.commit();
        FAIL() << n << " " << s << " must not fit";
      } catch (const rt::DataError& e) {
        EXPECT_NE(std::string(e.what()).find("out of"), std::string::npos) << e.what();
      }
      EXPECT_EQ(stored<Narrow>().size(), model.size());
    } else {
      session.commit();
      EXPECT_EQ(stored<Narrow>().at("x900").n, n);
      engine().connect().execute("DELETE FROM flush_narrow WHERE \"key\" LIKE 'x%'");
    }
  }
}

// Table and column names that need quoting reach the database whole, in the COPY and
// in the SELECT that reads the columns' types.
TEST_P(FlushBatch, NamesThatNeedQuotingTakeManyRows) {
  {
    rt::Session session(engine());
    for (int k = 0; k < 1200; ++k)
      session.add(Oddly{"k" + std::to_string(k), k, std::string(k % 7, '"') + "\t\\"});
    session.commit();
  }
  rt::Session session(engine());
  const auto all = session.query<Oddly>().all();
  ASSERT_EQ(all.size(), 1200u);
  for (const auto& row : all) {
    const auto k = std::stoll(row->key.substr(1));
    EXPECT_EQ(row->n, k);
    EXPECT_EQ(row->text, std::string(static_cast<std::size_t>(k % 7), '"') + "\t\\");
  }
}

// Several sessions on several threads flushing many rows each at once: every row of
// every one arrives.
TEST_P(FlushBatch, ManyRowsFromManyThreadsAtOnce) {
  constexpr int kThreads = 4;
  std::vector<std::map<std::string, Mixed>> models(kThreads);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        Values values(static_cast<unsigned>(100 + t));
        rt::Session session(engine());
        for (int k = 0; k < 1500; ++k) {
          Mixed m = values.row("t" + std::to_string(t) + "/" + std::to_string(k));
          models[t][m.key] = m;
          session.add(std::move(m));
        }
        session.commit();
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& th : threads)
    th.join();
  std::map<std::string, Mixed> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "");
    all.merge(models[t]);
  }
  EXPECT_EQ(stored(), all);
}

// A row the table refuses (a key already there) fails the whole flush, whichever way
// the rows went in, and nothing of it stays; so does text PostgreSQL cannot hold.
TEST_P(FlushBatch, ARefusedRowFailsAManyRowInsert) {
  {
    rt::Session session(engine());
    session.add(Mixed{.key = "k700", .i = -1});
    session.commit();
  }
  const auto before = stored();
  {
    rt::Session session(engine());
    for (int k = 0; k < 1500; ++k)
      session.add(Mixed{.key = "k" + std::to_string(k), .i = k});
    EXPECT_THROW(session.commit(), rt::IntegrityError);
  }
  EXPECT_EQ(stored(), before);
  {
    rt::Session session(engine());
    for (int k = 0; k < 1500; ++k)
      session.add(Mixed{.key = "n" + std::to_string(k),
                        .t = k == 1200 ? std::string("a\0b", 3) : std::string("a")});
    if (postgres()) {
      try {
        session.commit();
        FAIL() << "a NUL byte must not reach PostgreSQL text";
      } catch (const rt::DataError& e) {
        EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
      }
      EXPECT_EQ(stored(), before);
    } else {
      session.commit();
      EXPECT_EQ(stored().at("n1200").t, std::string("a\0b", 3));
    }
  }
  // The same rows without the fault go in.
  const std::size_t expected = stored().size() + 1500;
  rt::Session session(engine());
  for (int k = 0; k < 1500; ++k)
    session.add(Mixed{.key = "z" + std::to_string(k), .i = k});
  session.commit();
  EXPECT_EQ(stored().size(), expected);
}

TEST_P(FlushBatch, ManyUpdatedAndDeletedRowsKeepEveryValue) {
  Values values(GetParam().name == "postgresql" ? 21 : 12);
  std::map<std::string, Mixed> model;
  {
    rt::Session session(engine());
    for (int k = 0; k < 1500; ++k) {
      Mixed m = values.row(std::to_string(k) + values.text());
      model[m.key] = m;
      session.add(std::move(m));
    }
    session.commit();
  }
  ASSERT_EQ(stored(), model);

  rt::Session session(engine());
  auto all = session.query<Mixed>().all();
  // Every column of every row changes to new random values.
  for (auto& m : all) {
    Mixed next = values.row(m->key);
    *m = next;
    model[m->key] = next;
  }
  session.commit();
  EXPECT_EQ(stored(), model);

  // One column of every row: one statement on PostgreSQL, batches within SQLite's
  // parameter limit.
  for (auto& m : all) {
    m->i = -static_cast<std::int64_t>(m->key.size());
    model[m->key].i = m->i;
  }
  {
    rt::StatementCounter counter(engine());
    session.commit();
    if (postgres()) {
      EXPECT_EQ(counter.count(), 1u) << counter.statements().front();
    } else {
      EXPECT_LE(counter.count(), 4u);
    }
  }
  EXPECT_EQ(stored(), model);

  // Half the rows go.
  std::size_t deleted = 0;
  for (auto& m : all) {
    if (values.random()() % 2) continue;
    model.erase(m->key);
    session.delete_(m);
    ++deleted;
  }
  {
    rt::StatementCounter counter(engine());
    session.commit();
    if (postgres()) {
      EXPECT_EQ(counter.count(), 1u);
    } else {
      EXPECT_LE(counter.count(), (deleted + 499) / 500);
    }
  }
  EXPECT_EQ(stored(), model);
}

// The rows matched count for the whole statement: one row gone fails the flush, and the
// transaction takes back what the statement did to the others.
TEST_P(FlushBatch, ARowThatIsGoneFailsTheWholeFlush) {
  {
    rt::Session session(engine());
    for (int k = 0; k < 50; ++k)
      session.add(Mixed{.key = "k" + std::to_string(k), .i = k});
    session.commit();
  }
  const auto before = stored();
  {
    rt::Session session(engine());
    auto all = session.query<Mixed>().all();
    engine().connect().execute("DELETE FROM flush_mixed WHERE \"key\" = 'k7'");
    for (auto& m : all)
      m->i = -1;
    EXPECT_THROW(session.commit(), rt::StaleDataError);
  }
  auto expected = before;
  expected.erase("k7");
  EXPECT_EQ(stored(), expected);
  {
    rt::Session session(engine());
    auto all = session.query<Mixed>().all();
    engine().connect().execute("DELETE FROM flush_mixed WHERE \"key\" = 'k8'");
    for (auto& m : all)
      session.delete_(m);
    EXPECT_THROW(session.commit(), rt::StaleDataError);
  }
  expected.erase("k8");
  EXPECT_EQ(stored(), expected);
}

// PostgreSQL text cannot hold a NUL byte, in an array as anywhere: the flush fails and
// nothing changes. SQLite keeps the text whole.
TEST_P(FlushBatch, TextWithANulByteIsRefusedOrKeptWhole) {
  {
    rt::Session session(engine());
    for (int k = 0; k < 10; ++k)
      session.add(Mixed{.key = "k" + std::to_string(k), .t = "before"});
    session.commit();
  }
  const auto before = stored();
  rt::Session session(engine());
  auto all = session.query<Mixed>().all();
  auto expected = before;
  for (auto& m : all) {
    m->t = m->key == "k3" ? std::string("a\0b", 3) : "after";
    expected[m->key].t = m->t;
  }
  if (postgres()) {
    try {
      session.commit();
      FAIL() << "a NUL byte must not reach PostgreSQL text";
    } catch (const rt::DataError& e) {
      EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
    }
    EXPECT_EQ(stored(), before);
  } else {
    session.commit();
    EXPECT_EQ(stored(), expected);
  }
}

RETORT_INSTANTIATE_FOR_BACKEND(FlushBatch);

}  // namespace
}  // namespace retort_test
