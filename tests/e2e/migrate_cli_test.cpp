// `retort` migration commands run as a user runs them, on both databases: the seed's
// Alembic walk-through (init, autogenerate, upgrade, a new column, check, downgrade), and
// a database made by Python's Alembic adopted with stamp.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli.hpp"
#include "databases.hpp"
#include "retort/core.hpp"
#include "retort/migrate/commands.hpp"
#include "retort/schema.hpp"

namespace rt = retort;
namespace mg = retort::migrate;

namespace retort_test {
namespace {

class MigrateCommands : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    url_ = GetParam().url();
    engine_.emplace(rt::create_engine(url_));
    dir_ = scratch(std::string("migrate-") +
                   testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ini_ = (dir_ / "retort.ini").string();
    clean();
  }
  void TearDown() override {
    clean();
    engine_->dispose();
    fs::remove_all(dir_);
  }
  void clean() {
    auto conn = engine_->connect();
    for (const auto& t : rt::Inspector(conn).table_names()) {
      if (t.starts_with("mgcli_") || t.starts_with("mgal_") || t == "alembic_version")
        conn.execute("DROP TABLE " + t);
    }
  }
  CliRun cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", ini_});
    return retort(args);
  }
  std::vector<std::string> column_names(const std::string& table) {
    auto conn = engine_->connect();
    std::vector<std::string> out;
    for (const auto& c : rt::Inspector(conn).table(table).columns)
      out.push_back(c.name);
    return out;
  }

  std::string url_;
  std::optional<rt::Engine> engine_;
  fs::path dir_;
  std::string ini_;
};

rt::MetaData users(bool email) {
  rt::MetaData m;
  std::vector<rt::TableElement> columns{
      rt::Column("id", rt::Integer(), rt::primary_key),
      rt::Column("username", rt::String(50), rt::not_null, rt::unique)};
  if (email) columns.emplace_back(rt::Column("email", rt::String(120)));
  m.table("mgcli_users", std::move(columns));
  return m;
}

TEST_P(MigrateCommands, TheSeedsWalkThrough) {
  auto r = cli({"init", (dir_ / "migrations").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  std::ofstream(ini_, std::ios::app) << "url = " << url_
                                     << "\nversion_table = mgcli_version\n"
                                        "include_tables = mgcli_*\nmodels = models.json\n";
  mg::write_models(users(false), dir_ / "models.json");

  r = cli({"revision", "--autogenerate", "-m", "create users"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("detected create_table mgcli_users"), std::string::npos) << r.out;
  EXPECT_EQ(cli({"check"}).status, 1);
  r = cli({"upgrade", "head"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("Running upgrade <base> -> "), std::string::npos) << r.err;
  r = cli({"check"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  engine_->connect().execute("INSERT INTO mgcli_users (username) VALUES ('ann')");

  mg::write_models(users(true), dir_ / "models.json");
  EXPECT_EQ(cli({"check"}).status, 1);
  r = cli({"revision", "--autogenerate", "-m", "add email"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("detected add_column mgcli_users.email"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;  // the file and the column
  ASSERT_EQ(cli({"upgrade"}).status, 0);
  EXPECT_EQ(cli({"check"}).status, 0);

  const mg::ScriptDirectory scripts(dir_ / "migrations" / "versions");
  const std::string head = scripts.heads().at(0);
  const std::string first = scripts.get(head).down_revisions.at(0);
  EXPECT_EQ(cli({"current"}).out, head + " (head)\n");
  EXPECT_EQ(cli({"history"}).out,
            first + " -> " + head + " (head), add email\n<base> -> " + first + ", create users\n");
  EXPECT_EQ(cli({"heads"}).out, head + ", add email\n");

  ASSERT_EQ(cli({"downgrade", "-1"}).status, 0);
  EXPECT_EQ(column_names("mgcli_users"), (std::vector<std::string>{"id", "username"}));
  EXPECT_EQ(cli({"current"}).out, first + "\n");
  ASSERT_EQ(cli({"upgrade", "head"}).status, 0);
  EXPECT_EQ(engine_->connect().execute("SELECT username FROM mgcli_users").scalar<std::string>(),
            "ann");

  r = cli({"upgrade", "--sql", "base:head"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("CREATE TABLE mgcli_version")) << r.out;
  EXPECT_NE(r.out.find("ADD COLUMN email VARCHAR(120)"), std::string::npos) << r.out;
}

TEST_P(MigrateCommands, ErrorsAreOneLineAndHideThePassword) {
  ASSERT_EQ(cli({"init", (dir_ / "migrations").string()}).status, 0);
  auto r = cli({"--url", "postgresql://app:s3cr3t@127.0.0.1:1/nowhere", "current"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.find("s3cr3t"), std::string::npos) << r.err;
  EXPECT_TRUE(r.err.starts_with("retort: ")) << r.err;
  r = cli({"--url", url_, "upgrade", "nosuchrevision"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no revision 'nosuchrevision'"), std::string::npos) << r.err;
  r = cli({"--url", url_, "check"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no models to compare"), std::string::npos) << r.err;
  r = cli({"upgrade", "--bogus"});
  EXPECT_EQ(r.status, 2);
}

// Python's Alembic made the database; Retort stamps it with its own first revision (the
// same table) and carries on from there.
TEST_P(MigrateCommands, ADatabaseMadeByAlembicIsAdopted) {
  const std::string command = "/usr/bin/python3 " + std::string(RETORT_SOURCE_DIR) +
                              "/tests/e2e/alembic_project.py " + (dir_ / "alembic").string() +
                              " '" + url_ + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_EQ(cli({"init", (dir_ / "migrations").string()}).status, 0);
  std::ofstream(ini_, std::ios::app) << "url = " << url_ << "\n";
  // Retort reads Alembic's version table as it is.
  EXPECT_EQ(cli({"current"}).out, "1975ea83b712\n");

  mg::Revision first{.id = "b1d2c3e4f5a6", .message = "create users"};
  first.upgrade = {mg::CreateTable{
      rt::Table("mgal_users", {rt::Column("id", rt::Integer(), rt::primary_key),
                               rt::Column("username", rt::String(50), rt::not_null, rt::unique)})}};
  first.downgrade = {mg::DropTable{"mgal_users"}};
  mg::Revision second{.id = "c2d3e4f5a6b7", .down_revisions = {first.id}, .message = "add email"};
  second.upgrade = {mg::AddColumn{"mgal_users", rt::Column("email", rt::String(120))}};
  second.downgrade = {mg::DropColumn{"mgal_users", "email"}};
  for (const auto& rev : {first, second})
    std::ofstream(dir_ / "migrations" / "versions" / mg::revision_file_name(rev))
        << mg::format_revision(rev);

  auto r = cli({"stamp", first.id});
  ASSERT_EQ(r.status, 0) << r.err;
  r = cli({"upgrade"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(cli({"current"}).out, second.id + " (head)\n");
  EXPECT_EQ(column_names("mgal_users"), (std::vector<std::string>{"id", "username", "email"}));
  EXPECT_EQ(engine_->connect().execute("SELECT username FROM mgal_users").scalar<std::string>(),
            "ann");
}

INSTANTIATE_TEST_SUITE_P(Backend, MigrateCommands,
                         testing::Values(sqlite_backend(), postgres_backend()), backend_name);

}  // namespace
}  // namespace retort_test
