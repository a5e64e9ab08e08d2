// Executing SQL text: parameters, results, prepared statements, echo and events.
#include <random>

#include "backend_test.hpp"

namespace rt = retort;

namespace retort_test {

using CoreExecution = BackendTest;

class CoreExecutionData : public CoreExecution {
 protected:
  void SetUp() override {
    CoreExecution::SetUp();
    drop_tables(conn(), {"person"});
    conn().execute(
        "CREATE TABLE person (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, age INTEGER)");
    auto tx = conn().begin();
    auto insert = conn().prepare("INSERT INTO person (id, name, age) VALUES (?, ?, ?)");
    insert.execute({1, "Ada", 36});
    insert.execute({2, "Brian", rt::null});
    insert.execute({3, "Cleo", 29});
    tx.commit();
  }
};

TEST_P(CoreExecution, PositionalAndNamedParameters) {
  // PostgreSQL infers a parameter's type from its context; give it one where there is
  // none.
  EXPECT_EQ(conn().execute("SELECT CAST(? AS INTEGER) + ?", {40, 2}).scalar<int>(), 42);
  EXPECT_EQ(
      conn().execute("SELECT CAST(:a AS INTEGER) * :b + :a", {{"a", 3}, {"b", 4}}).scalar<int>(),
      15);
  // "::" is a cast on PostgreSQL, never a parameter; quoted text is left alone.
  if (postgres()) {
    EXPECT_EQ(conn().execute("SELECT '5'::integer + :x", {{"x", 1}}).scalar<int>(), 6);
  }
  EXPECT_EQ(conn().execute("SELECT 'a ? and :b' || CAST(? AS TEXT)", {"!"}).scalar<std::string>(),
            "a ? and :b!");
  EXPECT_EQ(conn().execute("SELECT \"x?\" FROM (SELECT 1 AS \"x?\") AS s -- ?\n").scalar<int>(), 1);
}

TEST_P(CoreExecution, ParameterMistakesAreArgumentErrors) {
  EXPECT_THROW(conn().execute("SELECT ?, ?", {1}), rt::ArgumentError);
  EXPECT_THROW(conn().execute("SELECT ?", {1, 2}), rt::ArgumentError);
  EXPECT_THROW(conn().execute("SELECT :a, :b", {{"a", 1}}), rt::ArgumentError);
  EXPECT_THROW(conn().execute("SELECT :a", {1}), rt::ArgumentError);
  EXPECT_THROW(conn().execute("SELECT ?", {{"a", 1}}), rt::ArgumentError);
  EXPECT_THROW(conn().execute("SELECT ? + :a", {1}), rt::ArgumentError);
  EXPECT_THROW(conn().execute("SELECT $99999999999999999999", {1}), rt::ArgumentError);
  try {
    conn().execute("SELECT :alpha, :beta", {{"alpha", 1}});
    FAIL();
  } catch (const rt::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find(":beta"), std::string::npos) << e.what();
  }
  // The connection is still fine afterwards.
  EXPECT_EQ(conn().execute("SELECT 1").scalar<int>(), 1);
}

TEST_P(CoreExecution, BadSqlIsAProgrammingErrorNamingTheStatement) {
  try {
    conn().execute("SELEC 1");
    FAIL();
  } catch (const rt::ProgrammingError& e) {
    EXPECT_EQ(e.statement(), "SELEC 1");
    EXPECT_NE(std::string(e.what()).find("SELEC 1"), std::string::npos);
  }
  EXPECT_THROW(conn().execute("SELECT * FROM no_such_table"), rt::ProgrammingError);
  EXPECT_THROW(conn().execute("SELECT 1; DROP TABLE person"), rt::ProgrammingError);
  EXPECT_EQ(conn().execute("SELECT 2").scalar<int>(), 2);
}

TEST_P(CoreExecutionData, IteratesRowsInOrder) {
  std::vector<std::string> names;
  for (const rt::Row& row : conn().execute("SELECT name FROM person ORDER BY id")) {
    names.push_back(row.get<std::string>(0));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Ada", "Brian", "Cleo"}));
}

TEST_P(CoreExecutionData, ResultShortcuts) {
  auto one = conn().execute("SELECT id, name, age FROM person WHERE id = ?", {2}).one();
  EXPECT_EQ(one.get<std::string>("name"), "Brian");
  EXPECT_EQ(one.get<std::optional<int>>("age"), std::nullopt);
  EXPECT_EQ(one.columns(), (std::vector<std::string>{"id", "name", "age"}));

  EXPECT_THROW(conn().execute("SELECT id FROM person WHERE id > 10").one(), rt::NoResultError);
  EXPECT_THROW(conn().execute("SELECT id FROM person").one(), rt::MultipleResultsError);
  EXPECT_EQ(conn().execute("SELECT id FROM person WHERE id > 10").one_or_none(), std::nullopt);
  EXPECT_EQ(conn().execute("SELECT id FROM person ORDER BY id").first()->get<int>(0), 1);
  EXPECT_EQ(conn().execute("SELECT id FROM person WHERE id > 10").first(), std::nullopt);
  EXPECT_THROW(conn().execute("SELECT id FROM person WHERE id > 10").scalar<int>(),
               rt::NoResultError);
  EXPECT_EQ(conn().execute("SELECT age FROM person WHERE id = 2").scalar<std::optional<int>>(),
            std::nullopt);
  EXPECT_EQ(conn().execute("SELECT id FROM person ORDER BY id DESC").scalars<int>(),
            (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(conn().execute("SELECT id, name FROM person").columns(),
            (std::vector<std::string>{"id", "name"}));
}

// rows_ahead() lets a reader make room for a result at once: it never counts more rows
// than are left, and counts exactly those of a result the driver already holds whole (a
// buffered PostgreSQL result, not a stream; SQLite steps row by row and knows none).
TEST_P(CoreExecution, RowsAheadNeverCountsMoreThanAreLeft) {
  const std::string series =
      "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < CAST(? AS "
      "INTEGER)) SELECT g FROM s";
  std::mt19937_64 rng(5);
  for (int round = 0; round < 20; ++round) {
    const auto n = static_cast<std::size_t>(rng() % 300 + 1);
    const bool stream = round % 4 == 3;
    auto result = stream ? conn().stream(series, {static_cast<int>(n)})
                         : conn().execute(series, {static_cast<int>(n)});
    for (std::size_t left = n;; --left) {
      const std::size_t ahead = result.rows_ahead();
      EXPECT_LE(ahead, left);
      if (postgres() && !stream) {
        EXPECT_EQ(ahead, left);
      }
      if (!result.next()) break;
      ASSERT_GT(left, 0u);
    }
    EXPECT_EQ(result.rows_ahead(), 0u) << "a finished result has none";
  }
}

// Row (the cursor's view) and Record (the copy) read the same way.
TEST_P(CoreExecutionData, RowsAndRecordsShareOneApi) {
  const std::string sql = "SELECT id, name, age FROM person ORDER BY id";
  const auto records = conn().execute(sql).all();
  std::size_t i = 0;
  for (const rt::Row& row : conn().execute(sql)) {
    const rt::Record& rec = records.at(i++);
    ASSERT_EQ(row.size(), rec.size());
    EXPECT_EQ(row.columns(), rec.columns());
    EXPECT_EQ(row.columns(), (std::vector<std::string>{"id", "name", "age"}));
    for (std::size_t c = 0; c < row.size(); ++c) {
      EXPECT_EQ(row[c], rec[c]);
      EXPECT_EQ(row.value(static_cast<int>(c)), rec.value(c));
      EXPECT_EQ(row[row.columns()[c]], rec[rec.column_name(c)]);
      EXPECT_EQ(row.is_null(static_cast<int>(c)), rec.is_null(c));
    }
    EXPECT_EQ(row.get<std::string>("name"), rec.get<std::string>("name"));
    EXPECT_EQ(row.items(), rec.items());
    EXPECT_EQ(row.to_json(), rec.to_json());
    EXPECT_THROW(row[3], rt::ArgumentError);
    EXPECT_THROW(rec[3], rt::ArgumentError);
    EXPECT_THROW(row["nope"], rt::ArgumentError);
    EXPECT_THROW(rec["nope"], rt::ArgumentError);
  }
  EXPECT_EQ(i, 3u);
  EXPECT_EQ(records[0].to_json(), R"({"id":1,"name":"Ada","age":36})");
  EXPECT_EQ(records[1].to_json(), R"({"id":2,"name":"Brian","age":null})");
  for (const auto& [name, value] : records[2].items())
    EXPECT_FALSE(name.empty() || value.is_null());
  // Two columns of one name: one would hide the other in an object.
  EXPECT_THROW(conn().execute("SELECT id, name AS id FROM person WHERE id = 1").one().to_json(),
               rt::ArgumentError);
}

TEST_P(CoreExecutionData, RowsAffected) {
  EXPECT_EQ(conn().execute("UPDATE person SET age = 1 WHERE age IS NOT NULL").rows_affected(), 2);
  EXPECT_EQ(conn().execute("DELETE FROM person WHERE id = 99").rows_affected(), 0);
  EXPECT_FALSE(conn().execute("DELETE FROM person WHERE id = 99").returns_rows());
  EXPECT_EQ(conn().execute_many("INSERT INTO person (id, name) VALUES (?, ?)",
                                {{10, "x"}, {11, "y"}, {12, "z"}}),
            3);
  auto returning =
      conn().execute("INSERT INTO person (id, name) VALUES (20, 'r'), (21, 's') RETURNING id");
  EXPECT_EQ(returning.scalars<int>(), (std::vector<int>{20, 21}));
  EXPECT_EQ(returning.rows_affected(), 2);
}

TEST_P(CoreExecutionData, ValuesAreBoundNeverSpliced) {
  const std::string evil = "x'); DROP TABLE person; --";
  conn().execute("INSERT INTO person (id, name) VALUES (?, ?)", {50, evil});
  EXPECT_EQ(conn().execute("SELECT name FROM person WHERE id = 50").scalar<std::string>(), evil);
  EXPECT_EQ(conn()
                .execute("SELECT count(*) FROM person WHERE name = :n", {{"n", "' OR '1'='1"}})
                .scalar<int>(),
            0);
  EXPECT_EQ(conn().execute("SELECT count(*) FROM person").scalar<int>(), 4);
}

TEST_P(CoreExecutionData, PreparedStatementsAreCachedPerConnection) {
  auto a = conn().prepare("SELECT name FROM person WHERE id = ?");
  rt::driver::Statement* first = &a.raw();
  a = rt::Statement();
  auto b = conn().prepare("SELECT name FROM person WHERE id = ?");
  EXPECT_EQ(&b.raw(), first) << "the second prepare is served from the cache";
  EXPECT_EQ(b.execute({3}).scalar<std::string>(), "Cleo");
  EXPECT_EQ(b.execute({1}).scalar<std::string>(), "Ada");

  // The same SQL while the cached statement is busy gets a statement of its own.
  auto outer = conn().execute("SELECT id FROM person ORDER BY id");
  std::size_t visited = 0;
  while (outer.next()) {
    auto inner = conn().execute("SELECT id FROM person ORDER BY id").scalars<int>();
    ASSERT_EQ(inner.size(), 3u);
    EXPECT_EQ(outer.row().get<int>(0), inner[visited]);
    ++visited;
  }
  EXPECT_EQ(visited, 3u);
}

TEST_P(CoreExecutionData, ReexecutingAStatementSupersedesItsOldResult) {
  auto stmt = conn().prepare("SELECT id FROM person WHERE id >= ? ORDER BY id");
  auto first = stmt.execute({1});
  ASSERT_TRUE(first.next());
  auto second = stmt.execute({2});
  EXPECT_THROW(first.next(), rt::ArgumentError);
  EXPECT_EQ(second.scalars<int>(), (std::vector<int>{2, 3}));
}

TEST_P(CoreExecutionData, TypedBindingThroughRawStatement) {
  auto stmt = conn().prepare("SELECT name FROM person WHERE id = ? AND name <> ?");
  const std::string not_this = "nobody";
  stmt.raw().bind_int64(0, 3);
  stmt.raw().bind_text_ref(1, not_this);
  EXPECT_EQ(stmt.run().scalar<std::string>(), "Cleo");
  EXPECT_EQ(stmt.parameter_count(), 2);
}

TEST_P(CoreExecutionData, ResultKeepsItsConnectionCheckedOut) {
  auto result = engine().connect().execute("SELECT name FROM person ORDER BY id");
  EXPECT_EQ(engine().pool_status().checked_out, 2);  // conn() and the result's
  EXPECT_EQ(result.scalars<std::string>().size(), 3u);
  EXPECT_EQ(engine().pool_status().checked_out, 1);
}

TEST_P(CoreExecution, StreamingReadsEveryRow) {
  const char* sql = postgres() ? "SELECT g FROM generate_series(1, 20000) AS g"
                               : "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
                                 "WHERE g < 20000) SELECT g FROM s";
  std::int64_t sum = 0, count = 0;
  for (const rt::Row& row : conn().stream(sql)) {
    sum += row.get<std::int64_t>(0);
    ++count;
  }
  EXPECT_EQ(count, 20000);
  EXPECT_EQ(sum, 20000LL * 20001 / 2);

  // A stream abandoned half way leaves the connection usable.
  {
    auto partial = conn().stream(sql);
    ASSERT_TRUE(partial.next());
    ASSERT_TRUE(partial.next());
  }
  EXPECT_EQ(conn().execute("SELECT 7").scalar<int>(), 7);
}

TEST_P(CoreExecution, EchoLogsStatementsAndHidesParameters) {
  std::vector<std::string> lines;
  auto logger = [&lines](std::string_view line) { lines.emplace_back(line); };
  {
    auto echo = make_engine({.echo = true, .logger = logger});
    auto c = echo.connect();
    auto tx = c.begin();
    c.execute("SELECT ?", {"top-secret"});
    tx.commit();
  }
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines[0], "BEGIN");
  EXPECT_NE(lines[1].find("SELECT ?"), std::string::npos);
  EXPECT_EQ(lines[2], "[parameters hidden]");
  EXPECT_EQ(lines[3], "COMMIT");
  for (const auto& line : lines)
    EXPECT_EQ(line.find("top-secret"), std::string::npos);

  lines.clear();
  auto shown = make_engine({.echo = true, .echo_parameters = true, .logger = logger});
  shown.connect().execute("SELECT ?, ?", {"visible", 5});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "[parameters: ('visible', 5)]");
}

TEST_P(CoreExecution, StatementCounterSeesEveryStatement) {
  rt::StatementCounter counter(engine());
  conn().execute("SELECT 1");
  {
    auto tx = conn().begin();
    conn().execute("SELECT 2");
    tx.rollback();
  }
  EXPECT_EQ(counter.count(), 2u);
  EXPECT_EQ(counter.statements()[1], "SELECT 2");
  rt::StatementCounter with_control(engine(), true);
  auto tx = conn().begin();
  tx.commit();
  EXPECT_EQ(with_control.count(), 2u);
  EXPECT_EQ(counter.count(), 2u);
}

RETORT_INSTANTIATE_FOR_BACKEND(CoreExecution);
RETORT_INSTANTIATE_FOR_BACKEND(CoreExecutionData);

}  // namespace retort_test
