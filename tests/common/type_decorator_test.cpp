// Types of the application stored as built-in ones through rt::TypeDecorator: Money as
// integer cents, an IPv4 address as text. They go through Core, typed expressions and
// the ORM (including change tracking) on both databases.
#include <array>
#include <charconv>
#include <map>
#include <random>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Money {
  std::int64_t cents = 0;
  friend auto operator<=>(const Money&, const Money&) = default;
};

struct Ipv4 {
  std::array<std::uint8_t, 4> octets{};
  friend bool operator==(const Ipv4&, const Ipv4&) = default;

  // "a.b.c.d" with each part 0..255 and no leading '+', spaces or extra parts.
  static Ipv4 parse(std::string_view text) {
    Ipv4 out;
    const char* p = text.data();
    const char* end = p + text.size();
    for (int i = 0; i < 4; ++i) {
      unsigned part = 256;
      auto [next, ec] = std::from_chars(p, end, part);
      if (ec != std::errc() || part > 255 || next == p || next - p > 3 ||
          (i < 3 && (next == end || *next != '.')))
        throw rt::DataError("'" + std::string(text) + "' is not an IPv4 address");
      out.octets[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(part);
      p = i < 3 ? next + 1 : next;
    }
    if (p != end) throw rt::DataError("'" + std::string(text) + "' is not an IPv4 address");
    return out;
  }
  std::string str() const {
    return std::to_string(octets[0]) + "." + std::to_string(octets[1]) + "." +
           std::to_string(octets[2]) + "." + std::to_string(octets[3]);
  }
};

}  // namespace
}  // namespace retort_test

template <>
struct retort::TypeDecorator<retort_test::Money> {
  using impl = std::int64_t;
  static std::int64_t process_bind_param(const retort_test::Money& m) { return m.cents; }
  static retort_test::Money process_result_value(std::int64_t cents) { return {cents}; }
};

template <>
struct retort::TypeDecorator<retort_test::Ipv4> {
  using impl = std::string;
  static rt::Type column_type() { return rt::String(15); }
  static std::string process_bind_param(const retort_test::Ipv4& a) { return a.str(); }
  static retort_test::Ipv4 process_result_value(const std::string& s) {
    return retort_test::Ipv4::parse(s);
  }
};

namespace retort_test {
enum class Level { low, high };
}  // namespace retort_test

// An enum with a codec of its own, which the ORM uses instead of the built-in one for
// enums (storing "L" and "H" rather than the index).
template <>
struct retort::Codec<retort_test::Level> {
  using Level = retort_test::Level;
  static Type default_type() { return String(1); }
  static bool accepts(const Type& t) { return t.kind() == TypeKind::string; }
  static void bind(driver::Statement& s, int i, const Level& v, const Type&) {
    s.bind_text_ref(i, v == Level::low ? "L" : "H");
  }
  static void read(driver::Statement& s, int col, Level& v, const Type&) {
    v = s.get_text(col) == "L" ? Level::low : Level::high;
  }
  static void encode(const Level& v, std::string& out) {
    out.push_back(v == Level::low ? 'L' : 'H');
  }
  static bool same(const Level& v, const char*& p) { return *p++ == (v == Level::low ? 'L' : 'H'); }
  static void decode(const char*& p, Level& v) { v = *p++ == 'L' ? Level::low : Level::high; }
  static Value to_value(const Level& v, const Type&) { return Value(v == Level::low ? "L" : "H"); }
  static void from_value(const Value& v, Level& out, const Type&) {
    out = v.as<std::string>() == "L" ? Level::low : Level::high;
  }
};

namespace retort_test {
namespace {

struct Alarm {
  std::int64_t id = 0;
  Level level = Level::low;
  static auto mapping() {
    return rt::model<Alarm>("deco_alarm")
        .column("id", &Alarm::id, rt::primary_key)
        .column("level", &Alarm::level);
  }
};

struct Account {
  std::int64_t id = 0;
  std::string owner{};
  Money balance{};
  std::optional<Money> overdraft{};
  Ipv4 last_login_from{};
  static auto mapping() {
    return rt::model<Account>("deco_account")
        .column("id", &Account::id, rt::primary_key)
        .column("owner", &Account::owner, rt::String(40))
        .column("balance", &Account::balance)
        .column("overdraft", &Account::overdraft)
        .column("last_login_from", &Account::last_login_from);
  }
};

class TypeDecorators : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::registry().add<Account>();
    drop_tables(conn(), {"deco_account"});
    rt::registry().metadata().create_all(conn(), {.tables = {"deco_account"}});
  }
  Account account(std::string owner, std::int64_t cents, std::string ip) {
    return Account{
        .owner = std::move(owner), .balance = {cents}, .last_login_from = Ipv4::parse(ip)};
  }
};

TEST_P(TypeDecorators, ColumnsTakeTheStoredType) {
  rt::Inspector inspector(conn());
  std::map<std::string, std::string> types;
  for (const auto& c : inspector.table("deco_account").columns) {
    types[c.name] = rt::to_table(inspector.table("deco_account")).column(c.name).type.describe();
  }
  EXPECT_EQ(rt::to_table(inspector.table("deco_account")).column("balance").type.kind(),
            rt::TypeKind::big_integer)
      << types["balance"];
  EXPECT_EQ(rt::to_table(inspector.table("deco_account")).column("last_login_from").type,
            rt::String(15))
      << types["last_login_from"];
}

TEST_P(TypeDecorators, ObjectsRoundTripAndChangesAreWritten) {
  {
    rt::Session session(engine());
    session.add(rt::make_ref(account("ann", 12345, "192.168.0.1")));
    auto bob = rt::make_ref(account("bob", -5, "10.0.0.255"));
    bob->overdraft = Money{50000};
    session.add(bob);
    session.commit();
  }
  rt::Session session(engine());
  auto ann = session.query<Account>().where(rt::c(&Account::owner) == "ann").one();
  EXPECT_EQ(ann->balance, Money{12345});
  EXPECT_EQ(ann->overdraft, std::nullopt);
  EXPECT_EQ(ann->last_login_from.str(), "192.168.0.1");
  auto bob = session.query<Account>().where(rt::c(&Account::owner) == "bob").one();
  EXPECT_EQ(bob->overdraft, Money{50000});

  // Nothing changed: nothing written. A changed Money or address: one UPDATE each.
  {
    rt::StatementCounter counter(engine());
    session.flush();
    EXPECT_EQ(counter.count(), 0u);
  }
  ann->balance.cents += 1;
  bob->last_login_from.octets[3] = 1;
  session.commit();

  rt::Session fresh(engine());
  EXPECT_EQ(fresh.get<Account>(ann->id)->balance, Money{12346});
  EXPECT_EQ(fresh.get<Account>(bob->id)->last_login_from.str(), "10.0.0.1");
}

TEST_P(TypeDecorators, TypedExpressionsBindTheStoredForm) {
  rt::Session session(engine());
  for (int i = 0; i < 10; ++i) {
    session.add(
        rt::make_ref(account("u" + std::to_string(i), i * 1000, "10.0.0." + std::to_string(i))));
  }
  session.commit();

  auto rich = session.query<Account>()
                  .where(rt::c(&Account::balance) >= Money{7000})
                  .order_by(rt::c(&Account::balance).desc())
                  .all();
  ASSERT_EQ(rich.size(), 3u);
  EXPECT_EQ(rich[0]->balance, Money{9000});
  EXPECT_EQ(session.query<Account>()
                .where(rt::c(&Account::last_login_from) == Ipv4::parse("10.0.0.4"))
                .one()
                ->owner,
            "u4");
  EXPECT_EQ(session.query<Account>()
                .where(rt::c(&Account::balance).in_(std::vector<Money>{{0}, {2000}, {123}}))
                .count(),
            2);

  // Core: a Money binds as its cents and reads back as Money.
  auto conn = engine().connect();
  auto row_total = conn.execute("SELECT sum(balance) FROM deco_account WHERE balance > ?",
                                {rt::Value(Money{4000})})
                       .scalar<Money>();
  EXPECT_EQ(row_total, Money{5000 + 6000 + 7000 + 8000 + 9000});
  EXPECT_EQ(rt::Value(Ipv4::parse("1.2.3.4")).as<Ipv4>(), Ipv4::parse("1.2.3.4"));
}

TEST_P(TypeDecorators, ValuesTheTypeRefusesAreErrorsNotDefaults) {
  conn().execute(
      "INSERT INTO deco_account (owner, balance, last_login_from) VALUES ('eve', 1, "
      "'300.1.1.1')");
  rt::Session session(engine());
  try {
    session.query<Account>().all();
    FAIL() << "an address that is not one was read";
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("Account.last_login_from: '300.1.1.1' is not an IPv4 "
                                         "address"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Ipv4::parse("1.2.3"), rt::DataError);
  EXPECT_THROW(Ipv4::parse("1.2.3.4.5"), rt::DataError);
  EXPECT_THROW(Ipv4::parse(std::string("1.2.3.4\0", 8)), rt::DataError);
}

// Random balances (the int64 extremes among them) and addresses through inserts, updates
// and deletes, checked against a map of what the table should hold.
TEST_P(TypeDecorators, RandomChangesMatchAModel) {
  std::mt19937_64 rng(20261130);
  auto random_money = [&] {
    switch (rng() % 4) {
      case 0:
        return Money{INT64_MIN};
      case 1:
        return Money{INT64_MAX};
      default:
        return Money{static_cast<std::int64_t>(rng())};
    }
  };
  auto random_ip = [&] {
    Ipv4 a;
    for (auto& o : a.octets)
      o = static_cast<std::uint8_t>(rng());
    return a;
  };
  std::map<std::int64_t, std::pair<Money, Ipv4>> model;
  rt::Session session(engine());
  std::vector<rt::Ref<Account>> live;
  for (int round = 0; round < 20; ++round) {
    for (int op = 0; op < 20; ++op) {
      const auto choice = rng() % 3;
      if (choice == 0 || live.empty()) {
        auto a = rt::make_ref(
            Account{.owner = "r", .balance = random_money(), .last_login_from = random_ip()});
        session.add(a);
        live.push_back(a);
      } else if (choice == 1) {
        auto& a = live[rng() % live.size()];
        a->balance = random_money();
        a->last_login_from = random_ip();
      } else {
        const auto i = rng() % live.size();
        session.delete_(live[i]);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    session.commit();
    model.clear();
    for (const auto& a : live)
      model[a->id] = {a->balance, a->last_login_from};

    auto rows = engine().connect().execute(
        "SELECT id, balance, last_login_from FROM deco_account ORDER BY id");
    std::map<std::int64_t, std::pair<Money, Ipv4>> stored;
    for (const auto& row : rows) {
      stored[row.get<std::int64_t>(0)] = {row.get<Money>(1), row.get<Ipv4>(2)};
    }
    ASSERT_EQ(stored, model) << "round " << round;
  }
}

TEST_P(TypeDecorators, AnEnumWithACodecOfItsOwnUsesIt) {
  rt::registry().add<Alarm>();
  drop_tables(conn(), {"deco_alarm"});
  rt::registry().metadata().create_all(conn(), {.tables = {"deco_alarm"}});
  {
    rt::Session session(engine());
    session.add(rt::make_ref(Alarm{.level = Level::high}));
    session.add(rt::make_ref(Alarm{.level = Level::low}));
    session.commit();
    auto first = session.query<Alarm>().order_by(rt::c(&Alarm::id)).first();
    EXPECT_EQ(first->level, Level::high);
    first->level = Level::low;
    session.commit();
  }
  std::vector<std::string> stored;
  for (const auto& row : conn().execute("SELECT level FROM deco_alarm ORDER BY id"))
    stored.push_back(row.get<std::string>(0));
  EXPECT_EQ(stored, (std::vector<std::string>{"L", "L"}));
}

RETORT_INSTANTIATE_FOR_BACKEND(TypeDecorators);

}  // namespace
}  // namespace retort_test
