// The expression language against real databases: each construct of
// tests/unit/sql_compile_test.cpp executed, with the rows it must return.
#include "retort/sql.hpp"
#include <random>
#include <sstream>

#include "backend_test.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {

class SqlExecution : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    drop_tables(conn(), {"sq_post", "sq_task", "sq_user", "Odd\"Table; --"});
    md.create_all(conn());
    // users: ada 36, bob NULL, cleo 17, dan 70
    conn().execute(
        rt::insert(user).values({"id", "login", "age", "score"}, {{1, "ada", 36, 9.5},
                                                                  {2, "bob", rt::null, 3.0},
                                                                  {3, "cleo", 17, rt::null},
                                                                  {4, "dan", 70, 1.0}}));
    conn().execute(rt::insert(post).values(
        {"id", "author_id", "title", "order"},
        {{1, 1, "a1", 1}, {2, 1, "a2", 2}, {3, 1, "a3", 3}, {4, 2, "b1", 1}, {5, 4, "d1", 1}}));
    conn().execute(rt::insert(task).values(
        {"id", "parent_id", "name"},
        {{1, rt::null, "root"}, {2, 1, "child"}, {3, 2, "grandchild"}, {4, rt::null, "other"}}));
    if (postgres()) {
      // Explicit ids do not advance the identity sequence.
      conn().execute("SELECT setval(pg_get_serial_sequence('sq_user', 'id'), 4)");
    }
  }

  template <class S>
  std::vector<std::string> strings(const S& stmt) {
    return conn().execute(stmt).template scalars<std::string>();
  }
  template <class S>
  std::vector<int> ints(const S& stmt) {
    return conn().execute(stmt).template scalars<int>();
  }

  rt::MetaData md;
  rt::Table& user =
      md.table("sq_user", {rt::Column("id", rt::Integer(), rt::primary_key),
                           rt::Column("login", rt::String(32), rt::not_null, rt::unique),
                           rt::Column("age", rt::Integer()), rt::Column("score", rt::Double())});
  rt::Table& post =
      md.table("sq_post", {rt::Column("id", rt::Integer(), rt::primary_key),
                           rt::Column("author_id", rt::Integer(), rt::ForeignKey("sq_user.id")),
                           rt::Column("title", rt::Text()), rt::Column("order", rt::Integer())});
  rt::Table& task =
      md.table("sq_task", {rt::Column("id", rt::Integer(), rt::primary_key),
                           rt::Column("parent_id", rt::Integer(), rt::ForeignKey("sq_task.id")),
                           rt::Column("name", rt::String(40))});
};

TEST_P(SqlExecution, WhereOperators) {
  auto by_id = [&](const rt::Expr<bool>& cond) {
    return ints(rt::select(user.c("id")).where(cond).order_by(user.c("id")));
  };
  EXPECT_EQ(by_id(user.c("age") >= 18 && user.c("age") < 65), (std::vector<int>{1}));
  EXPECT_EQ(by_id(user.c("login") == "bob" || user.c("age") > 60), (std::vector<int>{2, 4}));
  EXPECT_EQ(by_id(!(user.c("age") > 20)), (std::vector<int>{3}));
  EXPECT_EQ(by_id(user.c("age") == rt::null), (std::vector<int>{2}));
  EXPECT_EQ(by_id(user.c("age").is_not_null()), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(by_id(user.c("age").is_distinct_from(36)), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(by_id(user.c("login").like("%a%")), (std::vector<int>{1, 4}));
  EXPECT_EQ(by_id(user.c("login").ilike("A%")), (std::vector<int>{1}));
  EXPECT_EQ(by_id(user.c("login").not_like("%a%")), (std::vector<int>{2, 3}));
  EXPECT_EQ(by_id(user.c("id").in_({2, 4, 9})), (std::vector<int>{2, 4}));
  EXPECT_EQ(by_id(user.c("id").not_in({2, 4})), (std::vector<int>{1, 3}));
  EXPECT_EQ(by_id(user.c("id").in_(std::vector<int>{})), (std::vector<int>{}));
  EXPECT_EQ(by_id(user.c("id").in_(rt::select(post.c("author_id")))), (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(by_id(user.c("age").between(17, 36)), (std::vector<int>{1, 3}));
  EXPECT_EQ(by_id(rt::text("age > :min", {{"min", 40}})), (std::vector<int>{4}));
}

TEST_P(SqlExecution, LikeEscapesPatternCharacters) {
  conn().execute(rt::insert(user).values({{"id", 9}, {"login", "a_%z"}}));
  EXPECT_EQ(ints(rt::select(user.c("id")).where(user.c("login").startswith("a_%"))),
            (std::vector<int>{9}));
  EXPECT_EQ(ints(rt::select(user.c("id")).where(user.c("login").contains("_%"))),
            (std::vector<int>{9}));
}

TEST_P(SqlExecution, ArithmeticAndFunctions) {
  auto row =
      conn()
          .execute(rt::select((user.c("age") + 4) * 2, user.c("age") % 5, user.c("login") + "!",
                              rt::upper(user.c("login")), rt::length(user.c("login")),
                              rt::coalesce(user.c("score"), 0.0))
                       .where(user.c("id") == 3))
          .one();
  EXPECT_EQ(row.get<int>(0), 42);
  EXPECT_EQ(row.get<int>(1), 2);
  EXPECT_EQ(row.get<std::string>(2), "cleo!");
  EXPECT_EQ(row.get<std::string>(3), "CLEO");
  EXPECT_EQ(row.get<int>(4), 4);
  EXPECT_EQ(row.get<double>(5), 0.0);

  auto agg =
      conn()
          .execute(rt::select(rt::count(), rt::count(user.c("age")), rt::sum(user.c("age")),
                              rt::min(user.c("age")), rt::max(user.c("age")),
                              rt::avg(user.c("age")), rt::count_distinct(post.c("author_id")))
                       .select_from(user.join(post, post.c("author_id") == user.c("id"))))
          .one();
  EXPECT_EQ(agg.get<int>(0), 5);
  EXPECT_EQ(agg.get<int>(1), 4);  // bob's age is NULL
  EXPECT_EQ(agg.get<int>(2), 36 * 3 + 70);
  EXPECT_EQ(agg.get<int>(3), 36);
  EXPECT_EQ(agg.get<int>(4), 70);
  EXPECT_NEAR(agg.get<double>(5), (36.0 * 3 + 70) / 4, 1e-9);
  EXPECT_EQ(agg.get<int>(6), 3);
}

TEST_P(SqlExecution, JoinsOfEveryKind) {
  auto on = post.c("author_id") == user.c("id");
  EXPECT_EQ(
      conn().execute(rt::select(user.c("login"), post.c("title")).join(post, on)).all().size(), 5u);
  EXPECT_EQ(strings(rt::select(user.c("login")).outerjoin(post, on).where(post.c("id").is_null())),
            (std::vector<std::string>{"cleo"}));
  conn().execute(
      rt::insert(post).values({{"id", 9}, {"author_id", rt::null}, {"title", "orphan"}}));
  EXPECT_EQ(
      conn().execute(rt::select(user.c("login"), post.c("title")).full_join(post, on)).all().size(),
      7u);
  EXPECT_EQ(conn()
                .execute(rt::select(user.c("id"), post.c("id")).select_from(user.cross_join(post)))
                .all()
                .size(),
            24u);
  auto parent = task.alias("parent");
  auto rows =
      conn()
          .execute(rt::select(task.c("name"), parent.c("name").label("parent_name"))
                       .select_from(task.outerjoin(parent, task.c("parent_id") == parent.c("id")))
                       .order_by(task.c("id")))
          .all();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[2].get<std::string>("parent_name"), "child");
  EXPECT_EQ(rows[0].get<std::optional<std::string>>("parent_name"), std::nullopt);
}

TEST_P(SqlExecution, GroupingOrderingPaging) {
  auto n = rt::count(post.c("id"));
  auto rows = conn()
                  .execute(rt::select(post.c("author_id"), n.label("n"))
                               .group_by(post.c("author_id"))
                               .having(n >= 1)
                               .order_by(n.label("n").desc(), post.c("author_id")))
                  .all();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].get<int>("author_id"), 1);
  EXPECT_EQ(rows[0].get<int>("n"), 3);
  EXPECT_EQ(ints(rt::select(user.c("id")).order_by(user.c("age").desc().nulls_first())),
            (std::vector<int>{2, 4, 1, 3}));
  EXPECT_EQ(ints(rt::select(user.c("id")).order_by(user.c("age").asc().nulls_last())),
            (std::vector<int>{3, 1, 4, 2}));
  EXPECT_EQ(ints(rt::select(user.c("id")).order_by(user.c("id")).limit(2).offset(1)),
            (std::vector<int>{2, 3}));
  EXPECT_EQ(ints(rt::select(user.c("id")).order_by(user.c("id")).offset(3)), (std::vector<int>{4}));
  EXPECT_EQ(ints(rt::select(post.c("author_id")).distinct().order_by(post.c("author_id"))),
            (std::vector<int>{1, 2, 4}));
  if (postgres()) {
    EXPECT_EQ(ints(rt::select(post.c("id"))
                       .distinct_on(post.c("author_id"))
                       .order_by(post.c("author_id"), post.c("id").desc())),
              (std::vector<int>{3, 4, 5}));
  }
}

TEST_P(SqlExecution, CaseCastAndWindows) {
  auto bracket = rt::case_()
                     .when(user.c("age") < 18, "minor")
                     .when(user.c("age") < 65, "adult")
                     .else_("senior");
  EXPECT_EQ(strings(rt::select(bracket).where(user.c("age").is_not_null()).order_by(user.c("id"))),
            (std::vector<std::string>{"adult", "minor", "senior"}));
  EXPECT_EQ(strings(rt::select(user.c("age").cast(rt::String(10))).where(user.c("id") == 1)),
            (std::vector<std::string>{"36"}));
  auto rank = rt::row_number().over(
      rt::window().partition_by(post.c("author_id")).order_by(post.c("id").desc()));
  EXPECT_EQ(ints(rt::select(rank).where(post.c("author_id") == 1).order_by(post.c("id"))),
            (std::vector<int>{3, 2, 1}));
  auto running = rt::sum(post.c("order")).over(rt::window().order_by(post.c("id")));
  EXPECT_EQ(ints(rt::select(running).order_by(post.c("id"))), (std::vector<int>{1, 3, 6, 7, 8}));
}

TEST_P(SqlExecution, SubqueriesAndExists) {
  auto counts = rt::select(post.c("author_id"), rt::count().label("n"))
                    .group_by(post.c("author_id"))
                    .subquery("counts");
  auto rows = conn()
                  .execute(rt::select(user.c("login"), counts.c("n"))
                               .join(counts, counts.c("author_id") == user.c("id"))
                               .order_by(user.c("id")))
                  .all();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].get<int>("n"), 3);
  auto posts_of =
      rt::select(rt::count()).select_from(post).where(post.c("author_id") == user.c("id"));
  EXPECT_EQ(ints(rt::select(posts_of.scalar_subquery<std::int64_t>()).order_by(user.c("id"))),
            (std::vector<int>{3, 1, 0, 1}));
  auto has_posts = rt::select(post.c("id")).where(post.c("author_id") == user.c("id")).exists();
  EXPECT_EQ(strings(rt::select(user.c("login")).where(!has_posts)),
            (std::vector<std::string>{"cleo"}));
}

TEST_P(SqlExecution, CommonTableExpressions) {
  auto adults = rt::select(user.c("id"), user.c("login")).where(user.c("age") >= 18).cte("adults");
  EXPECT_EQ(strings(rt::select(adults.c("login")).order_by(adults.c("id"))),
            (std::vector<std::string>{"ada", "dan"}));
  auto tree = rt::select(task.c("id"), task.c("name")).where(task.c("id") == 1).cte("tree", true);
  tree.union_all(
      rt::select(task.c("id"), task.c("name")).join(tree, task.c("parent_id") == tree.c("id")));
  EXPECT_EQ(strings(rt::select(tree.c("name")).order_by(tree.c("id"))),
            (std::vector<std::string>{"root", "child", "grandchild"}));
}

TEST_P(SqlExecution, CompoundSelects) {
  auto young = rt::select(user.c("id")).where(user.c("age") < 20);
  auto old = rt::select(user.c("id")).where(user.c("age") > 60);
  auto authors = rt::select(post.c("author_id"));
  EXPECT_EQ(ints(rt::union_(young, old).order_by(user.c("id"))), (std::vector<int>{3, 4}));
  // A compound's ORDER BY names its result columns (the first select's).
  EXPECT_EQ(ints(rt::union_all(authors, old).order_by(post.c("author_id").desc()).limit(3)),
            (std::vector<int>{4, 4, 2}));
  EXPECT_EQ(ints(rt::intersect(authors, old)), (std::vector<int>{4}));
  EXPECT_EQ(ints(rt::except_(rt::select(user.c("id")), authors).order_by(user.c("id"))),
            (std::vector<int>{3}));
}

TEST_P(SqlExecution, InsertReturningUpdateDelete) {
  auto inserted = conn().execute(rt::insert(user)
                                     .values({{"login", "eve"}, {"age", 20}})
                                     .returning(user.c("id"), user.c("login")));
  auto rec = inserted.one();
  EXPECT_EQ(rec.get<int>("id"), 5);
  EXPECT_EQ(rec.get<std::string>("login"), "eve");

  auto updated = conn().execute(rt::update(user)
                                    .values({{"age", user.c("age") + 1}})
                                    .where(user.c("age") > 30)
                                    .returning(user.c("age")));
  auto ages = updated.scalars<int>();
  std::sort(ages.begin(), ages.end());
  EXPECT_EQ(ages, (std::vector<int>{37, 71}));
  EXPECT_EQ(conn()
                .execute(rt::update(user).values({{"score", rt::null}}).where(user.c("id") == 1))
                .rows_affected(),
            1);
  EXPECT_EQ(conn().execute(rt::delete_(post).where(post.c("author_id") == 1)).rows_affected(), 3);
  EXPECT_EQ(ints(rt::delete_(post).where(post.c("id") > 4).returning(post.c("id"))),
            (std::vector<int>{5}));

  conn().execute(rt::insert(post).from_select(
      {"author_id", "title"}, rt::select(user.c("id"), user.c("login")).where(user.c("id") == 3)));
  EXPECT_EQ(strings(rt::select(post.c("title")).where(post.c("author_id") == 3)),
            (std::vector<std::string>{"cleo"}));
}

TEST_P(SqlExecution, Upserts) {
  auto ins = rt::insert(user).values({{"id", 1}, {"login", "ada"}, {"age", 1}});
  conn().execute(ins.on_conflict_do_nothing({"id"}));
  EXPECT_EQ(ints(rt::select(user.c("age")).where(user.c("id") == 1)), (std::vector<int>{36}));
  conn().execute(ins.on_conflict_do_update({"id"}, {{"age", user.c("age") + ins.excluded("age")}}));
  EXPECT_EQ(ints(rt::select(user.c("age")).where(user.c("id") == 1)), (std::vector<int>{37}));
  // The WHERE of DO UPDATE can refuse the update.
  conn().execute(
      ins.on_conflict_do_update({"id"}, {{"age", ins.excluded("age")}}, user.c("age") < 10));
  EXPECT_EQ(ints(rt::select(user.c("age")).where(user.c("id") == 1)), (std::vector<int>{37}));
  auto fresh = rt::insert(user).values({{"id", 7}, {"login", "gus"}, {"age", 5}});
  conn().execute(fresh.on_conflict_do_update({"id"}, {{"age", fresh.excluded("age")}}));
  EXPECT_EQ(ints(rt::select(user.c("age")).where(user.c("id") == 7)), (std::vector<int>{5}));
}

TEST_P(SqlExecution, BindParametersAreSuppliedAtExecution) {
  auto by_login = rt::select(user.c("id")).where(user.c("login") == rt::bindparam("login"));
  EXPECT_EQ(conn().execute(by_login, {{"login", "cleo"}}).scalar<int>(), 3);
  EXPECT_EQ(conn().execute(by_login, {{"login", "dan"}}).scalar<int>(), 4);
  EXPECT_THROW(conn().execute(by_login), rt::ArgumentError);
  auto typed = rt::select(user.c("id")).where(user.c("age") == rt::bindparam("age", rt::Integer()));
  EXPECT_THROW(conn().execute(typed, {{"age", "old"}}), rt::DataError);
}

TEST_P(SqlExecution, ClientDefaultsAreComputedPerExecution) {
  drop_tables(conn(), {"sq_token"});
  rt::MetaData extra;
  auto& token =
      extra.table("sq_token", {rt::Column("id", rt::UUID(), rt::primary_key,
                                          rt::default_factory([] { return rt::Uuid::random(); })),
                               rt::Column("kind", rt::String(10), rt::default_value("plain")),
                               rt::Column("note", rt::Text())});
  extra.create_all(conn());
  auto stmt = rt::insert(token).values({{"note", "x"}});
  conn().execute(stmt);
  conn().execute(stmt);
  auto rows = conn().execute(rt::select(token.c("id"), token.c("kind"))).all();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].get<rt::Uuid>("id"), rows[1].get<rt::Uuid>("id"));
  EXPECT_EQ(rows[0].get<std::string>("kind"), "plain");
  drop_tables(conn(), {"sq_token"});
}

TEST_P(SqlExecution, ValuesAndIdentifiersCannotInject) {
  const std::string evil = "x'); DROP TABLE sq_user; -- /* ";
  conn().execute(rt::insert(user).values({{"id", 20}, {"login", evil}}));
  EXPECT_EQ(strings(rt::select(user.c("login")).where(user.c("id") == 20)),
            (std::vector<std::string>{evil}));
  EXPECT_EQ(ints(rt::select(user.c("id")).where(user.c("login") == "' OR '1'='1")),
            (std::vector<int>{}));
  EXPECT_EQ(ints(rt::select(user.c("id")).where(user.c("login").like("%'); DROP%"))),
            (std::vector<int>{20}));

  rt::MetaData odd_md;
  auto& odd = odd_md.table("Odd\"Table; --", {rt::Column("select", rt::Integer(), rt::primary_key),
                                              rt::Column("it's", rt::String(20))});
  odd_md.create_all(conn());
  conn().execute(rt::insert(odd).values({{"select", 1}, {"it's", "a;b"}}));
  EXPECT_EQ(strings(rt::select(odd.c("it's"))), (std::vector<std::string>{"a;b"}));
  EXPECT_EQ(conn().execute(rt::select(rt::count()).select_from(user)).scalar<int>(), 5);
  odd_md.drop_all(conn());
}

// A custom type: temperatures stored as text like "21.5C".
struct Celsius : rt::CustomType {
  std::string name() const override { return "Celsius"; }
  std::string ddl(std::string_view) const override { return "VARCHAR(16)"; }
  rt::Value to_db(const rt::Value& v) const override {
    if (v.is_null()) return v;
    if (v.type() != rt::ValueType::real && v.type() != rt::ValueType::integer) {
      throw rt::DataError("Celsius takes a number");
    }
    std::ostringstream out;
    out << v.as<double>() << "C";
    return rt::Value(out.str());
  }
  rt::Value from_db(const rt::Value& v) const override {
    if (v.is_null()) return v;
    const auto text = v.as<std::string>();
    return rt::Value(std::stod(text.substr(0, text.size() - 1)));
  }
};

TEST_P(SqlExecution, CustomTypes) {
  drop_tables(conn(), {"sq_weather"});
  rt::MetaData extra;
  const rt::Type celsius = rt::custom_type(std::make_shared<Celsius>());
  auto& weather = extra.table("sq_weather", {rt::Column("id", rt::Integer(), rt::primary_key),
                                             rt::Column("temp", celsius)});
  extra.create_all(conn());
  conn().execute(rt::insert(weather).values({{"id", 1}, {"temp", 21.5}}));
  EXPECT_EQ(conn().execute("SELECT temp FROM sq_weather").scalar<std::string>(), "21.5C");
  // A select of the expression language reads the column through its type; text SQL
  // gets what is stored.
  EXPECT_EQ(conn().execute(rt::select(weather.c("temp"))).one()[0].as<double>(), 21.5);
  EXPECT_EQ(conn().execute(rt::select(weather.c("temp"))).scalar<double>(), 21.5);
  const auto stored = conn().execute("SELECT temp FROM sq_weather").one()[0];
  EXPECT_EQ(celsius.from_db(stored).as<double>(), 21.5);
  EXPECT_EQ(
      conn().execute(rt::select(weather.c("id")).where(weather.c("temp") == 21.5)).scalar<int>(),
      1);
  EXPECT_THROW(rt::insert(weather).values({{"temp", "warm"}}), rt::DataError);
  EXPECT_EQ(celsius.describe(), "Celsius");
  drop_tables(conn(), {"sq_weather"});
}

// An aggregate's result has its argument's type: a Numeric sum is a Decimal of the
// column's scale on both databases (SQLite computes it in binary floating point), as are
// the rows of any select of typed columns.
TEST_P(SqlExecution, AggregatesReadAsTheirColumnsType) {
  drop_tables(conn(), {"sq_invoice"});
  rt::MetaData extra;
  auto& invoice = extra.table(
      "sq_invoice", {rt::Column("id", rt::Integer(), rt::primary_key),
                     rt::Column("total", rt::Numeric(10, 2)), rt::Column("due", rt::Date())});
  extra.create_all(conn());
  // Random cents, summed exactly as the reference.
  std::mt19937 random(7);
  long long cents = 0;
  for (int i = 1; i <= 200; ++i) {
    const long long c = std::uniform_int_distribution<long long>(1, 99999)(random);
    cents += c;
    const std::string text =
        std::to_string(c / 100) + "." + (c % 100 < 10 ? "0" : "") + std::to_string(c % 100);
    conn().execute(rt::insert(invoice).values(
        {{"id", i},
         {"total", rt::Decimal{text}},
         {"due", std::chrono::year_month_day(std::chrono::year(2024), std::chrono::month(1),
                                             std::chrono::day(1 + i % 28))}}));
  }
  const std::string expected = std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
                               std::to_string(cents % 100);
  const auto total = invoice.c("total");
  EXPECT_EQ(conn().execute(rt::select(rt::sum(total))).scalar<rt::Decimal>().text, expected);
  const rt::Value v = conn().execute(rt::select(rt::sum(total).label("s"))).one()[0];
  ASSERT_EQ(v.type(), rt::ValueType::decimal);
  EXPECT_EQ(v.get<rt::Decimal>().text, expected);
  EXPECT_EQ(conn().execute(rt::select(rt::max(invoice.c("due")))).one()[0].type(),
            rt::ValueType::date);
  // Every row reads as written.
  for (const rt::Row& row : conn().execute(rt::select(invoice.c("total"), invoice.c("due")))) {
    EXPECT_EQ(row.value(0).type(), rt::ValueType::decimal);
    EXPECT_EQ(row.get<rt::Decimal>(0).text.find('.') + 3, row.get<std::string>(0).size());
    EXPECT_EQ(row.value(1).type(), rt::ValueType::date);
  }
  drop_tables(conn(), {"sq_invoice"});
}

RETORT_INSTANTIATE_FOR_BACKEND(SqlExecution);

}  // namespace retort_test
