// Golden SQL: every construct of the expression language compiled for both dialects.
// (tests/common/sql_test.cpp runs the same statements against the databases.)
#include <gtest/gtest.h>

#include "retort/core/error.hpp"
#include "retort/schema.hpp"
#include "retort/sql.hpp"

namespace rt = retort;

namespace {

struct Schema {
  rt::MetaData md;
  rt::Table& user = md.table(
      "user", {rt::Column("id", rt::Integer(), rt::primary_key),
               rt::Column("login", rt::String(32), rt::not_null), rt::Column("age", rt::Integer()),
               rt::Column("score", rt::Double()), rt::Column("Nick Name", rt::String(20))});
  rt::Table& post =
      md.table("post", {rt::Column("id", rt::Integer(), rt::primary_key),
                        rt::Column("author_id", rt::Integer(), rt::ForeignKey("user.id")),
                        rt::Column("title", rt::Text()), rt::Column("order", rt::Integer())});
  rt::Table& task =
      md.table("task", {rt::Column("id", rt::Integer(), rt::primary_key),
                        rt::Column("parent_id", rt::Integer(), rt::ForeignKey("task.id")),
                        rt::Column("name", rt::String(40))});
};

void expect_sql(const rt::sql::Executable& stmt, const std::string& sqlite,
                const std::string& postgresql) {
  EXPECT_EQ(stmt.sql("sqlite"), sqlite);
  EXPECT_EQ(stmt.sql("postgresql"), postgresql);
}

void expect_sql(const rt::sql::Executable& stmt, const std::string& both) {
  expect_sql(stmt, both, both);
}

class SqlCompile : public testing::Test {
 protected:
  Schema s;
  rt::Table& user = s.user;
  rt::Table& post = s.post;
  rt::Table& task = s.task;
};

TEST_F(SqlCompile, SelectColumnsAndTables) {
  expect_sql(rt::select(user),
             "SELECT \"user\".id, \"user\".login, \"user\".age, \"user\".score, \"user\".\"Nick "
             "Name\" FROM \"user\"");
  expect_sql(rt::select(post.c("title"), post.c("order")),
             "SELECT post.title, post.\"order\" FROM post");
  expect_sql(rt::select(rt::count()).select_from(user), "SELECT count(*) FROM \"user\"");
  expect_sql(rt::select(user.c("login")).distinct(),
             "SELECT DISTINCT \"user\".login FROM \"user\"");
}

TEST_F(SqlCompile, ComparisonsAndBooleanOperators) {
  auto q = rt::select(user.c("id"))
               .where(user.c("age") >= 18 && user.c("age") < 65 &&
                      (user.c("login") == "ada" || user.c("login") != "bob"));
  expect_sql(q,
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age >= ? AND \"user\".age < ? AND "
             "(\"user\".login = ? OR \"user\".login != ?)");
  expect_sql(rt::select(user.c("id")).where(!(user.c("age") > 3) || user.c("age") <= 1),
             "SELECT \"user\".id FROM \"user\" WHERE NOT \"user\".age > ? OR \"user\".age <= ?");
  expect_sql(rt::select(user.c("id")).where(user.c("age") == rt::null),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age IS NULL");
  expect_sql(rt::select(user.c("id")).where(user.c("age") != std::optional<int>()),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age IS NOT NULL");
  expect_sql(
      rt::select(user.c("id")).where(user.c("age").is_null() && user.c("score").is_not_null()),
      "SELECT \"user\".id FROM \"user\" WHERE \"user\".age IS NULL AND \"user\".score IS NOT NULL");
  expect_sql(rt::select(user.c("id"))
                 .where(rt::and_(user.c("age") > 1, user.c("age") < 9))
                 .where(user.c("id") > 0),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age > ? AND \"user\".age < ? AND "
             "\"user\".id > ?");
  expect_sql(rt::select(user.c("id"))
                 .where(rt::or_(user.c("age") > 1, user.c("age") < 9))
                 .where(user.c("id") > 0),
             "SELECT \"user\".id FROM \"user\" WHERE (\"user\".age > ? OR \"user\".age < ?) AND "
             "\"user\".id > ?");
  expect_sql(rt::select(user.c("id")).where(user.c("age").is_distinct_from(3)),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age IS NOT ?",
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age IS DISTINCT FROM ?");
}

TEST_F(SqlCompile, LikeInBetween) {
  expect_sql(rt::select(user.c("id")).where(user.c("login").like("a%")),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".login LIKE ?");
  expect_sql(rt::select(user.c("id")).where(user.c("login").ilike("A%")),
             "SELECT \"user\".id FROM \"user\" WHERE lower(\"user\".login) LIKE lower(?)",
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".login ILIKE ?");
  expect_sql(rt::select(user.c("id")).where(user.c("login").startswith("a_b")),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".login LIKE ? ESCAPE '\\'");
  expect_sql(rt::select(user.c("id")).where(user.c("id").in_({1, 2, 3})),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".id IN (?, ?, ?)");
  expect_sql(rt::select(user.c("id")).where(user.c("id").not_in({1})),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".id NOT IN (?)");
  expect_sql(rt::select(user.c("id")).where(user.c("id").in_(std::vector<int>{})),
             "SELECT \"user\".id FROM \"user\" WHERE 1 != 1");
  expect_sql(
      rt::select(user.c("id")).where(user.c("id").in_(rt::select(post.c("author_id")))),
      "SELECT \"user\".id FROM \"user\" WHERE \"user\".id IN (SELECT post.author_id FROM post)");
  expect_sql(rt::select(user.c("id")).where(user.c("age").between(18, 30)),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age BETWEEN ? AND ?");
  expect_sql(rt::select(user.c("id")).where(user.c("age").not_between(18, 30)),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age NOT BETWEEN ? AND ?");
}

TEST_F(SqlCompile, ArithmeticAndConcatenation) {
  expect_sql(rt::select((user.c("age") + 1) * 2 - user.c("score") / 4, user.c("age") % 7),
             "SELECT (\"user\".age + ?) * ? - \"user\".score / ?, \"user\".age % ? FROM \"user\"");
  expect_sql(rt::select(user.c("login") + "!", user.c("login").concat(user.c("Nick Name")),
                        -user.c("age")),
             "SELECT \"user\".login || ?, \"user\".login || \"user\".\"Nick Name\", -\"user\".age "
             "FROM \"user\"");
}

TEST_F(SqlCompile, Joins) {
  auto on = post.c("author_id") == user.c("id");
  expect_sql(
      rt::select(user.c("login"), post.c("title")).join(post, on),
      "SELECT \"user\".login, post.title FROM \"user\" JOIN post ON post.author_id = \"user\".id");
  expect_sql(rt::select(user.c("login"), post.c("title")).outerjoin(post, on),
             "SELECT \"user\".login, post.title FROM \"user\" LEFT OUTER JOIN post ON "
             "post.author_id = \"user\".id");
  expect_sql(rt::select(user.c("login"), post.c("title")).full_join(post, on),
             "SELECT \"user\".login, post.title FROM \"user\" FULL OUTER JOIN post ON "
             "post.author_id = \"user\".id");
  expect_sql(rt::select(user.c("login"), post.c("title")).select_from(user.cross_join(post)),
             "SELECT \"user\".login, post.title FROM \"user\" CROSS JOIN post");
  auto parent = task.alias("parent");
  expect_sql(rt::select(task.c("name"), parent.c("name").label("parent_name"))
                 .select_from(task.outerjoin(parent, task.c("parent_id") == parent.c("id"))),
             "SELECT task.name, parent.name AS parent_name FROM task LEFT OUTER JOIN task AS "
             "parent ON task.parent_id = parent.id");
}

TEST_F(SqlCompile, JoinsFindTheirConditionFromTheForeignKey) {
  const std::string joined =
      "SELECT \"user\".login, post.title FROM \"user\" JOIN post ON post.author_id = "
      "\"user\".id";
  expect_sql(rt::select(user.c("login"), post.c("title")).join(post), joined);
  expect_sql(rt::select(user.c("login"), post.c("title")).select_from(user.join(post)), joined);
  expect_sql(rt::select(user.c("login"), post.c("title")).select_from(rt::join(user, post)),
             joined);
  // Either side may hold the key, and an alias stands for its table.
  auto p = post.alias("p");
  expect_sql(rt::select(p.c("title")).select_from(p.outerjoin(user)),
             "SELECT p.title FROM post AS p LEFT OUTER JOIN \"user\" ON p.author_id = "
             "\"user\".id");
  // A join's left side is searched whole.
  rt::MetaData md;
  auto& comment =
      md.table("comment", {rt::Column("id", rt::Integer(), rt::primary_key),
                           rt::Column("post_id", rt::Integer(), rt::ForeignKey("post.id"))});
  expect_sql(rt::select(user.c("login")).select_from(user.join(post).join(comment)),
             "SELECT \"user\".login FROM \"user\" JOIN post ON post.author_id = \"user\".id "
             "JOIN comment ON comment.post_id = post.id");
  // No key, or two (a table and an alias of itself): the condition must be given.
  try {
    (void)user.join(task);
    FAIL();
  } catch (const rt::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("no foreign key links table 'task' with table 'user'"),
              std::string::npos)
        << e.what();
  }
  try {
    (void)task.join(task.alias("parent"));
    FAIL();
  } catch (const rt::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("several foreign keys"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)user.join(user.join(post)), rt::ArgumentError);
}

TEST_F(SqlCompile, GroupHavingOrderLimit) {
  auto n = rt::count(post.c("id"));
  auto q = rt::select(post.c("author_id"), n.label("n"))
               .group_by(post.c("author_id"))
               .having(n > 2)
               .order_by(n.label("n").desc(), post.c("author_id").asc().nulls_first())
               .limit(10)
               .offset(20);
  expect_sql(q,
             "SELECT post.author_id, count(post.id) AS n FROM post GROUP BY post.author_id HAVING "
             "count(post.id) > ? ORDER BY n DESC, post.author_id NULLS FIRST LIMIT ? OFFSET ?");
  expect_sql(
      rt::select(user.c("id")).order_by(user.c("age").desc().nulls_last()).offset(5),
      "SELECT \"user\".id FROM \"user\" ORDER BY \"user\".age DESC NULLS LAST LIMIT -1 OFFSET ?",
      "SELECT \"user\".id FROM \"user\" ORDER BY \"user\".age DESC NULLS LAST OFFSET ?");
  EXPECT_EQ(
      rt::select(user.c("login"), user.c("age")).distinct_on(user.c("login")).sql("postgresql"),
      "SELECT DISTINCT ON (\"user\".login) \"user\".login, \"user\".age FROM \"user\"");
  EXPECT_THROW(rt::select(user.c("login")).distinct_on(user.c("login")).sql("sqlite"),
               rt::ArgumentError);
  EXPECT_EQ(rt::select(user.c("id")).where(user.c("id") == 1).for_update().sql("postgresql"),
            "SELECT \"user\".id FROM \"user\" WHERE \"user\".id = ? FOR UPDATE");
}

TEST_F(SqlCompile, Functions) {
  expect_sql(rt::select(rt::sum(user.c("age")), rt::min(user.c("age")), rt::max(user.c("age")),
                        rt::avg(user.c("score")), rt::count_distinct(user.c("age"))),
             "SELECT sum(\"user\".age), min(\"user\".age), max(\"user\".age), avg(\"user\".score), "
             "count(DISTINCT \"user\".age) FROM \"user\"");
  expect_sql(rt::select(rt::coalesce(user.c("age"), 0), rt::lower(user.c("login")),
                        rt::upper(user.c("login")), rt::length(user.c("login")),
                        rt::abs(user.c("age")), rt::func("round", user.c("score"))),
             "SELECT coalesce(\"user\".age, ?), lower(\"user\".login), upper(\"user\".login), "
             "length(\"user\".login), abs(\"user\".age), round(\"user\".score) FROM \"user\"");
}

TEST_F(SqlCompile, CaseCastWindow) {
  auto bracket = rt::case_()
                     .when(user.c("age") < 18, "minor")
                     .when(user.c("age") < 65, "adult")
                     .else_("senior");
  expect_sql(rt::select(bracket.label("bracket")),
             "SELECT CASE WHEN \"user\".age < ? THEN ? WHEN \"user\".age < ? THEN ? ELSE ? END AS "
             "bracket FROM \"user\"");
  expect_sql(
      rt::select(user.c("age").cast(rt::String(10)), user.c("login").cast<double>(rt::Double())),
      "SELECT CAST(\"user\".age AS VARCHAR(10)), CAST(\"user\".login AS DOUBLE PRECISION) FROM "
      "\"user\"");
  auto rank =
      rt::rank().over(rt::window().partition_by(post.c("author_id")).order_by(post.c("id").desc()));
  expect_sql(rt::select(post.c("id"), rank.label("r")),
             "SELECT post.id, rank() OVER (PARTITION BY post.author_id ORDER BY post.id DESC) AS r "
             "FROM post");
  auto running = rt::sum(post.c("id"))
                     .over(rt::window()
                               .order_by(post.c("id"))
                               .frame("ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"));
  expect_sql(rt::select(running),
             "SELECT sum(post.id) OVER (ORDER BY post.id ROWS BETWEEN UNBOUNDED PRECEDING AND "
             "CURRENT ROW) FROM post");
}

TEST_F(SqlCompile, SubqueriesExistsAndCorrelation) {
  auto counts = rt::select(post.c("author_id"), rt::count().label("n"))
                    .group_by(post.c("author_id"))
                    .subquery("counts");
  expect_sql(rt::select(user.c("login"), counts.c("n"))
                 .join(counts, counts.c("author_id") == user.c("id")),
             "SELECT \"user\".login, counts.n FROM \"user\" JOIN (SELECT post.author_id, count(*) "
             "AS n FROM post GROUP BY post.author_id) AS counts ON counts.author_id = \"user\".id");
  // The inner select correlates with the outer "user".
  auto posts_of_user =
      rt::select(rt::count()).select_from(post).where(post.c("author_id") == user.c("id"));
  expect_sql(
      rt::select(user.c("login"), posts_of_user.scalar_subquery<std::int64_t>().label("posts")),
      "SELECT \"user\".login, (SELECT count(*) FROM post WHERE post.author_id = \"user\".id) AS "
      "posts FROM \"user\"");
  expect_sql(
      rt::select(user.c("login"))
          .where(rt::exists(rt::select(post.c("id")).where(post.c("author_id") == user.c("id")))),
      "SELECT \"user\".login FROM \"user\" WHERE EXISTS (SELECT post.id FROM post WHERE "
      "post.author_id = \"user\".id)");
  expect_sql(
      rt::select(user.c("login"))
          .where(!rt::select(post.c("id")).where(post.c("author_id") == user.c("id")).exists()),
      "SELECT \"user\".login FROM \"user\" WHERE NOT EXISTS (SELECT post.id FROM post WHERE "
      "post.author_id = \"user\".id)");
}

TEST_F(SqlCompile, CommonTableExpressions) {
  auto adults = rt::select(user.c("id"), user.c("login")).where(user.c("age") >= 18).cte("adults");
  expect_sql(rt::select(adults.c("login")).where(adults.c("id") > 3),
             "WITH adults AS (SELECT \"user\".id, \"user\".login FROM \"user\" WHERE \"user\".age "
             ">= ?) SELECT adults.login FROM adults WHERE adults.id > ?");
  auto tree = rt::select(task.c("id"), task.c("name")).where(task.c("id") == 1).cte("tree", true);
  tree.union_all(
      rt::select(task.c("id"), task.c("name")).join(tree, task.c("parent_id") == tree.c("id")));
  expect_sql(rt::select(tree.c("name")),
             "WITH RECURSIVE tree AS (SELECT task.id, task.name FROM task WHERE task.id = ? UNION "
             "ALL SELECT task.id, task.name FROM task JOIN tree ON task.parent_id = tree.id) "
             "SELECT tree.name FROM tree");
}

TEST_F(SqlCompile, CompoundSelects) {
  auto a = rt::select(user.c("id")).where(user.c("age") < 20);
  auto b = rt::select(user.c("id")).where(user.c("age") > 60);
  expect_sql(rt::union_(a, b),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age < ? UNION SELECT \"user\".id "
             "FROM \"user\" WHERE \"user\".age > ?");
  expect_sql(rt::union_all(a, b).order_by(user.c("id").desc()).limit(3),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age < ? UNION ALL SELECT \"user\".id "
             "FROM \"user\" WHERE \"user\".age > ? ORDER BY id DESC LIMIT ?");
  expect_sql(rt::intersect(a, b),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age < ? INTERSECT SELECT \"user\".id "
             "FROM \"user\" WHERE \"user\".age > ?");
  expect_sql(rt::except_(a, b),
             "SELECT \"user\".id FROM \"user\" WHERE \"user\".age < ? EXCEPT SELECT \"user\".id "
             "FROM \"user\" WHERE \"user\".age > ?");
}

TEST_F(SqlCompile, TextFragments) {
  expect_sql(rt::select(user.c("id"))
                 .where(rt::text("age > :min AND login <> ':not_a_param'", {{"min", 18}})),
             "SELECT \"user\".id FROM \"user\" WHERE age > ? AND login <> ':not_a_param'");
  auto bound = rt::select(user.c("id")).where(rt::text("age > :min", {{"min", 18}})).bind("sqlite");
  ASSERT_EQ(bound.params.size(), 1u);
  EXPECT_EQ(bound.params[0], rt::Value(18));
}

TEST_F(SqlCompile, InsertUpdateDelete) {
  expect_sql(rt::insert(user).values({{"login", "ada"}, {"age", 36}}).returning(user.c("id")),
             "INSERT INTO \"user\" (login, age) VALUES (?, ?) RETURNING id");
  expect_sql(rt::insert(user).values({"login", "age"}, {{"ada", 36}, {"bob", rt::null}}),
             "INSERT INTO \"user\" (login, age) VALUES (?, ?), (?, ?)");
  expect_sql(
      rt::insert(post).from_select({"author_id", "title"},
                                   rt::select(user.c("id"), user.c("login"))),
      "INSERT INTO post (author_id, title) SELECT \"user\".id, \"user\".login FROM \"user\"");
  expect_sql(
      rt::update(user)
          .values({{"age", user.c("age") + 1}, {"login", "x"}})
          .where(user.c("id") == 7)
          .returning(user.c("age")),
      "UPDATE \"user\" SET age = age + ?, login = ? WHERE \"user\".id = ? RETURNING age",
      "UPDATE \"user\" SET age = \"user\".age + ?, login = ? WHERE \"user\".id = ? RETURNING age");
  expect_sql(rt::delete_(post).where(post.c("order") > 3).returning(post.c("id")),
             "DELETE FROM post WHERE post.\"order\" > ? RETURNING id");
}

// A list of values as one parameter (PostgreSQL arrays): rows zipped from one array per
// column, and membership in an array. SQLite has no arrays and says so.
TEST_F(SqlCompile, ArraysOfValuesBindAsOneParameter) {
  const auto rows = rt::sql::unnest("v", {{"id", rt::Integer()}, {"login", rt::String(32)}});
  const auto update = rt::update(user)
                          .from(rows)
                          .values({{"login", rows.c("login")}})
                          .where(user.c("id") == rows.c("id"));
  const auto remove = rt::delete_(user).where(
      user.c("id") == rt::sql::any(rt::sql::placeholder_array(rt::Integer())));
  EXPECT_EQ(update.sql("postgresql"),
            "UPDATE \"user\" SET login = v.login FROM unnest(CAST(? AS INTEGER[]), CAST(? AS "
            "VARCHAR(32)[])) AS v (id, login) WHERE \"user\".id = v.id");
  EXPECT_EQ(remove.sql("postgresql"),
            "DELETE FROM \"user\" WHERE \"user\".id = ANY(CAST(? AS INTEGER[]))");
  EXPECT_THROW((void)update.sql("sqlite"), rt::ArgumentError);
  EXPECT_THROW((void)remove.sql("sqlite"), rt::ArgumentError);
}

TEST_F(SqlCompile, Upserts) {
  auto ins = rt::insert(user).values({{"id", 1}, {"login", "ada"}, {"age", 1}});
  expect_sql(ins.on_conflict_do_nothing({"id"}),
             "INSERT INTO \"user\" (id, login, age) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING");
  expect_sql(
      ins.on_conflict_do_update(
          {"id"}, {{"age", user.c("age") + ins.excluded("age")}, {"login", ins.excluded("login")}},
          user.c("age") < 100),
      "INSERT INTO \"user\" (id, login, age) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET age = "
      "age + excluded.age, login = excluded.login WHERE age < ?",
      "INSERT INTO \"user\" (id, login, age) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET age = "
      "\"user\".age + excluded.age, login = excluded.login WHERE \"user\".age < ?");
}

TEST_F(SqlCompile, IdentifiersAreQuotedWhenNeeded) {
  rt::Table odd("Mixed\"Case; --", {rt::Column("select", rt::Integer(), rt::primary_key),
                                    rt::Column("plain_name", rt::Integer())});
  expect_sql(rt::select(odd),
             "SELECT \"Mixed\"\"Case; --\".\"select\", \"Mixed\"\"Case; --\".plain_name FROM "
             "\"Mixed\"\"Case; --\"");
}

TEST_F(SqlCompile, CompiledOncePerDialect) {
  auto q = rt::select(user.c("id")).where(user.c("id") == rt::bindparam("id"));
  const auto* first = &q.compile("sqlite");
  EXPECT_EQ(&q.compile("sqlite"), first);
  EXPECT_NE(&q.compile("postgresql"), first);
  auto bound = q.bind("postgresql", {{"id", 5}});
  EXPECT_EQ(bound.params[0], rt::Value(5));
  EXPECT_THROW(q.bind("postgresql"), rt::ArgumentError);
}

TEST_F(SqlCompile, BadInputIsReported) {
  EXPECT_THROW(user.c("nope"), rt::ArgumentError);
  EXPECT_THROW(rt::insert(user).values({{"nope", 1}}), rt::ArgumentError);
  EXPECT_THROW(rt::insert(user).values({{"age", "not a number"}}), rt::DataError);
  EXPECT_THROW(rt::insert(user).values({{"login", std::string(40, 'x')}}), rt::DataError);
  EXPECT_THROW(rt::update(user).values({{"age", 1.5}}), rt::DataError);
  EXPECT_THROW((void)(user.c("age") == "abc"), rt::DataError);
  rt::Table e("e", {rt::Column("s", rt::Enum({"on", "off"}))});
  try {
    rt::insert(e).values({{"s", "dim"}});
    FAIL();
  } catch (const rt::DataError& error) {
    EXPECT_STREQ(error.what(), "column e.s: 'dim' is not one of 'on', 'off'");
  }
  try {
    (void)user.c("nope");
  } catch (const rt::ArgumentError& error) {
    EXPECT_STREQ(
        error.what(),
        "table 'user' has no column 'nope'; its columns are: id, login, age, score, Nick Name");
  }
  EXPECT_THROW(rt::sql::dialect("oracle"), rt::ArgumentError);
}

}  // namespace

namespace {

TEST_F(SqlCompile, FunctionsTakePlainValuesAndOrderByTakesLabelNames) {
  const auto q = rt::select(rt::func<double>("round", user.c("score"), 2).label("rounded"),
                            rt::count().label("n"))
                     .select_from(user)
                     .group_by(user.c("score"))
                     .order_by(rt::desc("n"), rt::asc("rounded"), rt::desc(user.c("score")));
  expect_sql(q,
             "SELECT round(\"user\".score, ?) AS rounded, count(*) AS n FROM \"user\" GROUP BY "
             "\"user\".score ORDER BY n DESC, rounded, \"user\".score DESC");
  ASSERT_EQ(q.compile("sqlite").binds.size(), 1u);
  // A plain name orders by that label, ascending.
  expect_sql(rt::select(rt::count().label("n")).select_from(user).order_by("n"),
             "SELECT count(*) AS n FROM \"user\" ORDER BY n");
  expect_sql(rt::select(rt::count().label("n")).select_from(user).order_by(std::string("n")),
             "SELECT count(*) AS n FROM \"user\" ORDER BY n");
  expect_sql(rt::select(rt::func("coalesce", user.c("login"), "nobody")).select_from(user),
             "SELECT coalesce(\"user\".login, ?) FROM \"user\"");
}

}  // namespace
