// The retort command-line tool, run as a subprocess on databases made with plain SQL (as
// another program would have made them), its output compared with the exact text.
//
// On PostgreSQL the commands name their tables with --tables: the server is shared with
// other test binaries that create and drop tables of their own meanwhile.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.hpp"
#include "databases.hpp"

namespace rt = retort;
namespace fs = std::filesystem;

namespace retort_test {
namespace {

// One line, naming the problem.
void expect_one_line_error(const CliRun& run, const std::string& names) {
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(run.err.starts_with("retort: ")) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(names), std::string::npos) << run.err;
}

// The child table is declared first, so that only the foreign key puts the parent first
// in the dump. Rows go in out of key order; the dump sorts them.
constexpr const char* sqlite_schema = R"sql(
  CREATE TABLE cli_child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL REFERENCES cli_parent (id) ON DELETE CASCADE,
    note TEXT, data BLOB, born DATE, seen TIMESTAMP, alarm TIME,
    price NUMERIC(10, 2), amount NUMERIC, ratio REAL, meta JSON, active BOOLEAN);
  CREATE TABLE cli_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                           CONSTRAINT ck_cli_parent_name CHECK (length(name) > 0));
  CREATE INDEX ix_cli_child_born ON cli_child (born);
  INSERT INTO cli_parent VALUES (2, 'say "hi"' || char(10) || 'it''s me\'), (1, 'Zoë ✓ 日本');
  INSERT INTO cli_child VALUES
    (12, 1, '', X'', 'someday', NULL, NULL, 'n/a', 7, 1e300, 'not json', 0),
    (10, 1, 'tab' || char(9) || 'bell' || char(7), X'00FF10FB', '2024-02-29',
     '2024-02-29 13:45:00.25', '07:30', '12.50', '12.50', 0.1,
     '{"b": [1, 2.50, "x"], "a": null, "n": 12345678901234567890123}', 1),
    (11, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
)sql";

// SQLite's NUMERIC affinity stores '12.50' as the REAL 12.5: NUMERIC(10, 2) shows it with
// its two decimals again, a bare NUMERIC as "12.5". Text that is no number ('n/a') stays
// text, and so does a DATE that is no date; JSON keeps its key order and exact numbers.
constexpr const char* sqlite_dump = R"json({
  "cli_parent": [
    {"id": 1, "name": "Zoë ✓ 日本"},
    {"id": 2, "name": "say \"hi\"\nit's me\\"}
  ],
  "cli_child": [
    {"id": 10, "parent_id": 1, "note": "tab\tbell\u0007", "data": "AP8Q+w==", "born": "2024-02-29", "seen": "2024-02-29T13:45:00.250000", "alarm": "07:30:00", "price": "12.50", "amount": "12.5", "ratio": 0.1, "meta": {"b":[1,2.50,"x"],"a":null,"n":12345678901234567890123}, "active": true},
    {"id": 11, "parent_id": 2, "note": null, "data": null, "born": null, "seen": null, "alarm": null, "price": null, "amount": null, "ratio": null, "meta": null, "active": null},
    {"id": 12, "parent_id": 1, "note": "", "data": "", "born": "someday", "seen": null, "alarm": null, "price": "n/a", "amount": "7", "ratio": 1e+300, "meta": "not json", "active": false}
  ]
}
)json";

// PostgreSQL cannot declare a foreign key to a table that does not exist yet: the child
// comes first all the same, its key added afterwards.
constexpr const char* postgres_schema = R"sql(
  DROP TABLE IF EXISTS cli_child; DROP TABLE IF EXISTS cli_parent;
  CREATE TABLE cli_child (
    id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL,
    note TEXT, data BYTEA, born DATE, seen TIMESTAMP WITH TIME ZONE, alarm TIME,
    price NUMERIC(10, 2), amount NUMERIC, ratio DOUBLE PRECISION, meta JSONB, active BOOLEAN,
    token UUID);
  CREATE TABLE cli_parent (id INTEGER PRIMARY KEY,
                           name TEXT NOT NULL UNIQUE CHECK (length(name) > 0));
  ALTER TABLE cli_child ADD CONSTRAINT cli_child_parent_fk FOREIGN KEY (parent_id)
    REFERENCES cli_parent (id) ON DELETE CASCADE;
  CREATE INDEX ix_cli_child_born ON cli_child (born);
  INSERT INTO cli_parent VALUES (2, 'say "hi"' || chr(10) || 'it''s me\'), (1, 'Zoë ✓ 日本');
  INSERT INTO cli_child VALUES
    (12, 1, '', '\x', 'infinity', NULL, NULL, 'NaN', 7, 'Infinity', '[]', false, NULL),
    (10, 1, 'tab' || chr(9) || 'bell' || chr(7), '\x00ff10fb', '2024-02-29',
     '2024-02-29 15:45:00.25+02', '07:30', 12.5, 12.50, 0.1,
     '{"b": [1, 2.50, "x"], "a": null, "n": 12345678901234567890123}', true,
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (11, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
)sql";

// The time-zone-aware column in UTC with "Z"; jsonb orders keys its own way (shorter
// first) but keeps the numbers; NUMERIC keeps the scale it was given; 'infinity' has no
// calendar date and is written as PostgreSQL prints it.
constexpr const char* postgres_dump = R"json({
  "cli_parent": [
    {"id": 1, "name": "Zoë ✓ 日本"},
    {"id": 2, "name": "say \"hi\"\nit's me\\"}
  ],
  "cli_child": [
    {"id": 10, "parent_id": 1, "note": "tab\tbell\u0007", "data": "AP8Q+w==", "born": "2024-02-29", "seen": "2024-02-29T13:45:00.250000Z", "alarm": "07:30:00", "price": "12.50", "amount": "12.50", "ratio": 0.1, "meta": {"a":null,"b":[1,2.50,"x"],"n":12345678901234567890123}, "active": true, "token": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
    {"id": 11, "parent_id": 2, "note": null, "data": null, "born": null, "seen": null, "alarm": null, "price": null, "amount": null, "ratio": null, "meta": null, "active": null, "token": null},
    {"id": 12, "parent_id": 1, "note": "", "data": "", "born": "infinity", "seen": null, "alarm": null, "price": "NaN", "amount": "7", "ratio": "Infinity", "meta": [], "active": false, "token": null}
  ]
}
)json";

std::string sqlite_database() {
  const auto url = sqlite_url();
  rt::create_engine(url).connect().execute_script(sqlite_schema);
  return url;
}

class CliPostgres : public testing::Test {
 protected:
  void SetUp() override {
    url = postgres_url();
    rt::create_engine(url).connect().execute_script(postgres_schema);
  }
  void TearDown() override {
    if (!url.empty())
      rt::create_engine(url).connect().execute_script(
          "DROP TABLE IF EXISTS cli_child; DROP TABLE IF EXISTS cli_parent");
  }
  std::string url;
};

TEST(CliDump, SqliteDatabaseMadeWithPlainSql) {
  const auto url = sqlite_database();
  const auto run = retort({"dump", url});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, sqlite_dump);
}

TEST_F(CliPostgres, DumpOfADatabaseMadeWithPlainSql) {
  const auto run = retort({"dump", url, "--tables", "cli_child,cli_parent"});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, postgres_dump);
}

TEST(CliDump, TablesOptionKeepsDependencyOrderAndSkipsTheRest) {
  const auto url = sqlite_database();
  rt::create_engine(url).connect().execute("CREATE TABLE cli_empty (id INTEGER PRIMARY KEY)");
  EXPECT_EQ(retort({"dump", url, "--tables", "cli_empty"}).out, "{\n  \"cli_empty\": []\n}\n");
  const auto run = retort({"dump", url, "--tables", "cli_empty,cli_child,cli_parent,cli_child"});
  EXPECT_EQ(run.status, 0) << run.err;
  const auto parent = run.out.find("\"cli_parent\"");
  ASSERT_NE(parent, std::string::npos) << run.out;
  EXPECT_LT(run.out.find("\"cli_empty\""), parent);
  EXPECT_LT(parent, run.out.find("\"cli_child\""));
  EXPECT_EQ(run.out.find("\"cli_child\"", run.out.find("\"cli_child\"") + 1), std::string::npos)
      << "a table named twice is dumped once";
}

TEST(CliDump, EmptyDatabase) {
  const auto url = sqlite_url();
  rt::create_engine(url).connect();  // creates the file
  const auto run = retort({"dump", url});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "{}\n");
}

TEST(CliDump, OutputFileIsReplacedOnlyBySuccess) {
  const auto url = sqlite_database();
  const auto file = scratch("dump.json");
  auto run = retort({"dump", url, "--output", file.string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(read_file(file), sqlite_dump);
  run = retort({"dump", url, "-o", file.string(), "--tables", "nope"});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(read_file(file), sqlite_dump) << "a failed dump keeps the previous file";
  EXPECT_FALSE(fs::exists(file.string() + ".partial"));
  fs::remove(file);
  expect_one_line_error(retort({"dump", url, "-o", "/nonexistent-dir/dump.json"}),
                        "cannot write /nonexistent-dir/dump.json");
}

TEST(CliDump, ForeignKeyCycleStillDumpsEveryTable) {
  const auto url = sqlite_url();
  rt::create_engine(url).connect().execute_script(
      "CREATE TABLE cli_a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES cli_b (id));"
      "CREATE TABLE cli_b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES cli_a (id));"
      "CREATE TABLE cli_c (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES cli_a (id));"
      "INSERT INTO cli_a VALUES (1, NULL)");
  const auto run = retort({"dump", url});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out,
            "{\n  \"cli_a\": [\n    {\"id\": 1, \"b_id\": null}\n  ],\n  \"cli_b\": [],\n"
            "  \"cli_c\": []\n}\n");
  EXPECT_EQ(run.err,
            "retort: warning: foreign keys form a cycle; table 'cli_a' comes before a table "
            "it refers to\n");
}

TEST(CliDump, LeavesTheSqliteFileAlone) {
  // A mistyped path is an error, not a new empty database.
  const auto missing = scratch("missing.db");
  expect_one_line_error(retort({"dump", "sqlite:///" + missing.string()}),
                        "no SQLite database at '" + missing.string() + "'");
  EXPECT_FALSE(fs::exists(missing));
  // Opening with Retort's defaults would switch the file to write-ahead logging.
  const auto url = sqlite_url();
  rt::create_engine(url + "?journal_mode=delete").connect().execute_script(sqlite_schema);
  EXPECT_EQ(retort({"dump", url}).status, 0);
  EXPECT_EQ(retort({"inspect", url}).status, 0);
  auto conn = rt::create_engine(url + "?mode=ro").connect();
  EXPECT_EQ(conn.execute("PRAGMA journal_mode").scalar<std::string>(), "delete");
}

TEST(CliInspect, SqliteSchema) {
  const auto url = sqlite_database();
  const auto run = retort({"inspect", url});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "database " + url + " (sqlite)\n" + R"(
table cli_parent
  column id    Integer  NOT NULL  [INTEGER] autoincrement
  column name  Text     NOT NULL  [TEXT]
  primary key (id)
  unique (name)
  check ck_cli_parent_name (length(name) > 0)

table cli_child
  column id         Integer         NOT NULL  [INTEGER] autoincrement
  column parent_id  Integer         NOT NULL  [INTEGER]
  column note       Text            NULL      [TEXT]
  column data       LargeBinary     NULL      [BLOB]
  column born       Date            NULL      [DATE]
  column seen       DateTime        NULL      [TIMESTAMP]
  column alarm      Time            NULL      [TIME]
  column price      Numeric(10, 2)  NULL      [NUMERIC(10, 2)]
  column amount     Numeric         NULL      [NUMERIC]
  column ratio      Float           NULL      [REAL]
  column meta       JSON            NULL      [JSON]
  column active     Boolean         NULL      [BOOLEAN]
  primary key (id)
  foreign key (parent_id) -> cli_parent (id) ON DELETE CASCADE
  index ix_cli_child_born (born)
)");
  const auto only = retort({"inspect", url, "--tables", "cli_parent"});
  EXPECT_EQ(only.status, 0) << only.err;
  EXPECT_NE(only.out.find("table cli_parent\n"), std::string::npos);
  EXPECT_EQ(only.out.find("cli_child"), std::string::npos) << only.out;
}

TEST_F(CliPostgres, InspectShowsTheSchema) {
  const auto run = retort({"inspect", url, "--tables", "cli_child,cli_parent"});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.find(rt::URL::parse(url).password().value()), std::string::npos);
  const auto parent = run.out.find("\ntable cli_parent\n");
  ASSERT_NE(parent, std::string::npos) << run.out;
  EXPECT_LT(parent, run.out.find("\ntable cli_child\n")) << run.out;
  for (const char* line : {
           "  column name  Text     NOT NULL  [text]\n",
           "  check cli_parent_name_check (length(name) > 0)\n",
           "  unique cli_parent_name_key (name)\n",
           "  column seen       DateTime(timezone)  NULL      [timestamp with time zone]\n",
           "  column meta       JSON                NULL      [jsonb]\n",
           "  primary key cli_child_pkey (id)\n",
           "  foreign key cli_child_parent_fk (parent_id) -> cli_parent (id) ON DELETE CASCADE\n",
           "  index ix_cli_child_born (born)\n",
       }) {
    EXPECT_NE(run.out.find(line), std::string::npos) << line << "\nnot in\n" << run.out;
  }
}

TEST(CliErrors, OneLineOnStandardErrorAndExitStatusOne) {
  const auto url = sqlite_database();
  expect_one_line_error(retort({"dump", "not-a-url"}), "malformed database URL");
  expect_one_line_error(retort({"inspect", "mysql://u@h/db"}), "mysql");
  expect_one_line_error(retort({"dump", url, "--tables", "cli_parent,nope"}), "no table 'nope'");
  expect_one_line_error(retort({"inspect", url, "--tables", "nope"}), "no table 'nope'");
  expect_one_line_error(retort({"dump", url + "?bogus=1"}), "bogus");
}

TEST(CliErrors, ADirectoryOrAFileThatIsNotADatabaseSaysSo) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("retort-cli-not-a-database-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  expect_one_line_error(retort({"dump", "sqlite:///" + dir.string()}), "it is a directory");
  const auto junk = dir / "junk.db";
  std::ofstream(junk) << std::string(4096, 'x');
  const auto run = retort({"inspect", "sqlite:///" + junk.string()});
  expect_one_line_error(run, "'" + junk.string() + "' is not a SQLite database");
  EXPECT_EQ(run.err.find("SELECT"), std::string::npos) << "no internal SQL: " << run.err;

  // A database whose pages are damaged after its header.
  const auto damaged = dir / "damaged.db";
  {
    auto conn = rt::create_engine("sqlite:///" + damaged.string()).connect();
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)");
    for (int i = 0; i < 200; ++i)
      conn.execute("INSERT INTO t (s) VALUES (?)", {std::string(100, 'x')});
  }
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f << std::string(8000, '\x0d');
  }
  for (const char* command : {"inspect", "dump"}) {
    const auto broken = retort({command, "sqlite:///" + damaged.string()});
    expect_one_line_error(broken, "malformed");
    EXPECT_EQ(broken.err.find("SELECT"), std::string::npos) << "no internal SQL: " << broken.err;
  }
  std::filesystem::remove_all(dir);
}

TEST(CliErrors, UnreachableServerWithoutThePassword) {
  const auto run = retort({"dump", "postgresql://someone:hunter2@127.0.0.1:1/db"});
  expect_one_line_error(run, "postgresql://someone:***@127.0.0.1:1/db");
  EXPECT_EQ(run.err.find("hunter2"), std::string::npos) << run.err;
}

TEST(CliErrors, UsageMistakesExitWithTwo) {
  const auto url = sqlite_database();
  EXPECT_EQ(retort({}).status, 2);
  const auto missing = retort({"dump"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(missing.err, "retort: url is required (retort --help)\n");
  const auto unknown = retort({"frobnicate", url});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(unknown.err.rfind("retort: unknown command 'frobnicate'; the commands are init, "
                              "revision, upgrade,",
                              0),
            0u)
      << unknown.err;
  EXPECT_EQ(retort({"--url", "sqlite:///x.db", "history2"})
                .err.rfind("retort: unknown command 'history2'", 0),
            0u);
  EXPECT_EQ(retort({"dump", url, "--no-such-option"}).status, 2);
  EXPECT_EQ(retort({"inspect", url, "--output", "x.json"}).status, 2);
  const auto help = retort({"dump", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--tables"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace retort_test
