// The retort command-line tool, run as a subprocess on databases made with plain SQL.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "databases.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Run {
  int status;
  std::string out;
};

// Runs `retort args...` (stderr folded into the output).
Run retort(const std::string& args) {
  const std::string command = std::string(RETORT_CLI_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  Run run{-1, {}};
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

// Child first: the dump must still put the parent table first.
void make_database(rt::Connection& conn, bool postgres) {
  conn.execute_script("DROP TABLE IF EXISTS cli_child; DROP TABLE IF EXISTS cli_parent");
  if (postgres) {
    conn.execute_script(
        "CREATE TABLE cli_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "CREATE TABLE cli_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES cli_parent "
        "(id), "
        "  note TEXT, data BYTEA, born DATE, seen TIMESTAMP WITH TIME ZONE, price NUMERIC(10, 2), "
        "meta JSONB, "
        "  active BOOLEAN);"
        "INSERT INTO cli_parent VALUES (1, 'Zoë ✓ 日本'), (2, 'say \"hi\"' || chr(10) || 'bye');"
        "INSERT INTO cli_child VALUES (10, 1, 'a', '\\x00ff10', '2024-02-29', '2024-02-29 "
        "13:45:00.25+00', "
        "  12.50, '{\"a\": [1, 2]}', true),"
        "  (11, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  } else {
    conn.execute_script(
        "CREATE TABLE cli_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES cli_parent "
        "(id), "
        "  note TEXT, data BLOB, born DATE, seen TIMESTAMP, price NUMERIC(10, 2), meta JSON, "
        "active BOOLEAN);"
        "CREATE TABLE cli_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "INSERT INTO cli_parent VALUES (1, 'Zoë ✓ 日本'), (2, 'say \"hi\"' || char(10) || 'bye');"
        "INSERT INTO cli_child VALUES (10, 1, 'a', X'00FF10', '2024-02-29', '2024-02-29 "
        "13:45:00.25', "
        "  '12.50', '{\"a\": [1, 2]}', 1),"
        "  (11, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  }
}

std::string expected_dump(bool postgres) {
  return std::string("{\n") +
         "  \"cli_parent\": [\n"
         "    {\"id\": 1, \"name\": \"Zoë ✓ 日本\"},\n"
         "    {\"id\": 2, \"name\": \"say \\\"hi\\\"\\nbye\"}\n"
         "  ],\n"
         "  \"cli_child\": [\n"
         "    {\"id\": 10, \"parent_id\": 1, \"note\": \"a\", \"data\": \"AP8Q\", \"born\": "
         "\"2024-02-29\", "
         "\"seen\": \"2024-02-29T13:45:00.250000" +
         (postgres ? "Z" : "") +
         "\", \"price\": \"12.50\", \"meta\": {\"a\":[1,2]}, \"active\": true},\n"
         "    {\"id\": 11, \"parent_id\": 2, \"note\": null, \"data\": null, \"born\": null, "
         "\"seen\": null, "
         "\"price\": null, \"meta\": null, \"active\": null}\n"
         "  ]\n"
         "}\n";
}

TEST(Cli, DumpOfASqliteDatabaseMadeWithPlainSql) {
  const auto url = sqlite_url();
  {
    auto conn = rt::create_engine(url).connect();
    make_database(conn, false);
  }
  auto run = retort("dump " + quote(url));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out, expected_dump(false));
  // --output writes the same to a file.
  const auto file = std::filesystem::temp_directory_path() / "retort-cli-dump.json";
  EXPECT_EQ(retort("dump " + quote(url) + " --output " + file.string()).status, 0);
  std::FILE* f = std::fopen(file.c_str(), "rb");
  std::string written(4096, '\0');
  written.resize(std::fread(written.data(), 1, written.size(), f));
  std::fclose(f);
  std::filesystem::remove(file);
  EXPECT_EQ(written, expected_dump(false));
}

TEST(Cli, DumpOfAPostgresDatabaseMadeWithPlainSql) {
  const auto url = postgres_url();
  auto engine = rt::create_engine(url);
  {
    auto conn = engine.connect();
    make_database(conn, true);
  }
  auto run = retort("dump " + quote(url) + " --tables cli_child,cli_parent");
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out, expected_dump(true));
  engine.connect().execute_script("DROP TABLE cli_child; DROP TABLE cli_parent");
}

TEST(Cli, DumpTablesFilterAndEmptyTables) {
  const auto url = sqlite_url();
  {
    auto conn = rt::create_engine(url).connect();
    make_database(conn, false);
    conn.execute("CREATE TABLE cli_empty (id INTEGER PRIMARY KEY)");
  }
  EXPECT_EQ(retort("dump " + quote(url) + " --tables cli_empty").out,
            "{\n  \"cli_empty\": []\n}\n");
  auto unknown = retort("dump " + quote(url) + " --tables nope");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.out.find("nope"), std::string::npos) << unknown.out;
}

TEST(Cli, InspectPrintsTheSchema) {
  const auto url = sqlite_url();
  {
    auto conn = rt::create_engine(url).connect();
    make_database(conn, false);
  }
  auto run = retort("inspect " + quote(url));
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("table cli_parent"), std::string::npos) << run.out;
  EXPECT_LT(run.out.find("table cli_parent"), run.out.find("table cli_child"))
      << "dependency order";
  EXPECT_NE(run.out.find("column name"), std::string::npos);
  EXPECT_NE(run.out.find("Text"), std::string::npos);
  EXPECT_NE(run.out.find("foreign key (parent_id) -> cli_parent (id)"), std::string::npos)
      << run.out;
  auto only = retort("inspect " + quote(url) + " --tables cli_parent");
  EXPECT_EQ(only.out.find("cli_child"), std::string::npos);
}

TEST(Cli, BadInputGivesOneLineAndAnExitStatus) {
  auto bad_url = retort("dump not-a-url");
  EXPECT_EQ(bad_url.status, 1);
  EXPECT_NE(bad_url.out.find("malformed database URL"), std::string::npos) << bad_url.out;
  auto refused = retort("dump postgresql://u:hunter2@127.0.0.1:1/db");
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.out.find("hunter2"), std::string::npos) << refused.out;
  EXPECT_EQ(std::count(refused.out.begin(), refused.out.end(), '\n'), 1) << refused.out;
  EXPECT_EQ(retort("").status, 2);
  EXPECT_EQ(retort("dump").status, 2);
}

}  // namespace
}  // namespace retort_test
