// Revision files and the revision graph without a database: every operation survives
// the trip through its file, and hostile files are refused with an error that names
// them, never a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "retort/core/error.hpp"
#include "retort/migrate/revision.hpp"
#include "retort/migrate/script_directory.hpp"

namespace rt = retort;
namespace mg = retort::migrate;
namespace fs = std::filesystem;

namespace {

fs::path folder(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("retort-rev-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

mg::Revision every_operation() {
  mg::Revision r{.id = "a1b2c3d4e5f6", .message = "every \"operation\"\nand a second line"};
  r.down_revisions = {"000000000001", "000000000002"};
  r.branch_labels = {"feature"};
  r.create_date = "2026-11-30 12:00:00 UTC";
  r.upgrade = {
      mg::CreateEnum{"mood", {"ok", "it's fine"}},
      mg::CreateTable{rt::Table(
          "weird \"name\"",
          {rt::Column("id", rt::BigInteger(), rt::primary_key),
           rt::Column("price", rt::Numeric(12, 3), rt::not_null, rt::server_default("0")),
           rt::Column("at", rt::DateTime(true), rt::comment("when")),
           rt::Column("mood", rt::Enum({"ok", "it's fine"}, "mood")),
           rt::Column("other", rt::opaque_type("tsvector")),
           rt::Column("owner", rt::Integer(), rt::ForeignKey("owner.id", {.ondelete = "CASCADE"})),
           rt::UniqueConstraint({"price", "at"}, "uq_x"), rt::CheckConstraint("price > 0", "ck_x"),
           rt::Index("ix_x", {"lower(mood)"}, {.unique = true, .where = "price > 1"})},
          {.comment = "a table", .schema = "app"})},
      mg::RenameTable{"a", "b"},
      mg::AddColumn{"t", rt::Column("c", rt::String(5), rt::ForeignKey("u.id"))},
      mg::DropColumn{"t", "c"},
      mg::AlterColumn{.table = "t",
                      .column = "c",
                      .type = rt::Text(),
                      .nullable = false,
                      .server_default = std::optional<std::string>(),
                      .new_name = "d"},
      mg::AlterColumn{.table = "t", .column = "c", .server_default = "'x'"},
      mg::CreateIndex{"t", rt::Index("ix", {"a", "b"})},
      mg::DropIndex{"t", "ix"},
      mg::AddConstraint{"t", rt::ForeignKeyConstraint({"a"}, "u", {"id"}, {.name = "fk"})},
      mg::AddConstraint{"t", rt::PrimaryKeyConstraint({"a"}, "pk")},
      mg::DropConstraint{"t", "fk"},
      mg::DropEnum{"mood"},
      mg::Execute{"SELECT 1; -- \"quoted\" \\ text", "postgresql"},
      mg::BulkInsert{"t", {{{"a", 1}, {"b", "x'y"}, {"c", rt::Value()}, {"d", 2.5}, {"e", true}}}},
      mg::Call{"fill"},
      mg::DropTable{"t"},
  };
  r.downgrade = {mg::DropTable{"app.weird \"name\""}};
  return r;
}

TEST(RevisionFiles, EveryOperationRoundTripsThroughItsFile) {
  const auto dir = folder("roundtrip");
  const mg::Revision r = every_operation();
  const auto path = dir / mg::revision_file_name(r);
  EXPECT_EQ(path.filename(), "a1b2c3d4e5f6_every_operation_and_a_second_line.json");
  const std::string text = mg::format_revision(r, {"a note for the author"});
  std::ofstream(path) << text;
  const mg::Revision back = mg::read_revision(path);
  EXPECT_EQ(back.id, r.id);
  EXPECT_EQ(back.down_revisions, r.down_revisions);
  EXPECT_EQ(back.branch_labels, r.branch_labels);
  EXPECT_EQ(back.message, r.message);
  ASSERT_EQ(back.upgrade.size(), r.upgrade.size());
  // Written again, the file is the same: nothing was lost on the way.
  EXPECT_EQ(mg::format_revision(back, {"a note for the author"}), text);
  EXPECT_NE(text.find("    // a note for the author\n"), std::string::npos) << text;
  const auto& table = std::get<mg::CreateTable>(back.upgrade[1]).table;
  EXPECT_EQ(table.fullname(), "app.weird \"name\"");
  EXPECT_EQ(table.column("price").type, rt::Numeric(12, 3));
  EXPECT_EQ(table.column("mood").type.enum_values(), (std::vector<std::string>{"ok", "it's fine"}));
  EXPECT_EQ(table.foreign_keys().at(0).ondelete, "CASCADE");
  EXPECT_EQ(table.indexes().at(0).where, "price > 1");
  const auto& rows = std::get<mg::BulkInsert>(back.upgrade[14]).rows;
  EXPECT_EQ(rows.at(0).at("b"), rt::Value("x'y"));
  EXPECT_TRUE(rows.at(0).at("c").is_null());
  fs::remove_all(dir);
}

// Random damage to a valid file: read back, or refused with rt::ArgumentError naming
// the file; nothing else.
TEST(RevisionFiles, DamagedFilesAreRefusedNotCrashedOn) {
  const auto dir = folder("damage");
  const std::string text = mg::format_revision(every_operation());
  std::mt19937 rng(20261130);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string damaged = text;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const auto at = rng() % damaged.size();
      switch (rng() % 3) {
        case 0:
          damaged[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          damaged.erase(at, 1 + rng() % 20);
          break;
        default:
          damaged.insert(at, std::string(1 + rng() % 3, "{}[]\",:0\\"[rng() % 9]));
      }
      if (damaged.empty()) damaged = "x";
    }
    const auto path = dir / "damaged.json";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    try {
      (void)mg::read_revision(path);
    } catch (const rt::ArgumentError& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find("damaged.json"), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(refused, 1000);
  fs::remove_all(dir);
}

TEST(RevisionFiles, HostileValuesAreRefused) {
  const auto dir = folder("hostile");
  const auto refuses = [&](const std::string& text, const std::string& says) {
    std::ofstream(dir / "h.json", std::ios::trunc) << text;
    try {
      (void)mg::read_revision(dir / "h.json");
      ADD_FAILURE() << "accepted " << text.substr(0, 200);
    } catch (const rt::ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refuses(std::string(100000, '['), "not valid JSON");
  refuses(R"({"revision": "../../etc"})", "revision id");
  refuses(
      R"js({"revision": "a", "upgrade": [{"op": "add_column", "table": "t", "column": {"name": "c", "type": "String(99999999999)"}}]})js",
      "bad number");
  refuses(
      R"js({"revision": "a", "upgrade": [{"op": "bulk_insert", "table": "t", "rows": [{"a": 18446744073709551615}]}]})js",
      "integer out of range");
  refuses(
      R"js({"revision": "a", "upgrade": [{"op": "bulk_insert", "table": "t", "rows": [{"a": [1, 2]}]}]})js",
      "a row value must be");
  refuses(
      R"js({"revision": "a", "upgrade": [{"op": "create_table", "table": "t", "columns": []}]})js",
      "non-empty list");
  refuses(R"js({"revision": "a", "upgrade": "drop everything"})js", "is not a list");
  refuses(R"js({"revision": "a", "down_revision": [1]})js", "down_revision");
  fs::remove_all(dir);
}

// JSON has no NaN: writing one as null would insert NULL where the model had a number.
TEST(RevisionFiles, NonFiniteNumbersAreRefusedWhenWritten) {
  for (const double d : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    mg::Revision r{.id = "a"};
    r.upgrade = {mg::BulkInsert{"t", {{{"a", d}}}}};
    try {
      (void)mg::format_revision(r);
      ADD_FAILURE() << "wrote " << d;
    } catch (const rt::ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("NaN and infinities"), std::string::npos) << e.what();
    }
  }
}

TEST(RevisionGraph, TargetsResolveAsAlembicsDo) {
  std::vector<mg::Revision> revs;
  const auto add = [&](std::string id, std::vector<std::string> down,
                       std::vector<std::string> labels = {}) {
    revs.push_back({.id = std::move(id),
                    .down_revisions = std::move(down),
                    .branch_labels = std::move(labels)});
  };
  add("a1", {});
  add("b1", {"a1"});
  add("c1", {"b1"}, {"left"});
  add("c2", {"b1"}, {"right"});
  add("d1", {"c1", "c2"});
  const mg::ScriptDirectory g(revs);
  const auto ids = [](const std::vector<const mg::Revision*>& path) {
    std::vector<std::string> out;
    for (const auto* r : path)
      out.push_back(r->id);
    return out;
  };
  EXPECT_EQ(g.heads(), std::vector<std::string>{"d1"});
  EXPECT_EQ(ids(g.upgrade_path({}, "head")),
            (std::vector<std::string>{"a1", "b1", "c1", "c2", "d1"}));
  EXPECT_EQ(ids(g.upgrade_path({"b1"}, "+2")), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(ids(g.upgrade_path({}, "left")), (std::vector<std::string>{"a1", "b1", "c1"}));
  EXPECT_EQ(ids(g.upgrade_path({"c1"}, "c2")), std::vector<std::string>{"c2"});
  EXPECT_EQ(ids(g.downgrade_path({"d1"}, "-2")), (std::vector<std::string>{"d1", "c2"}));
  EXPECT_EQ(ids(g.downgrade_path({"d1"}, "b")), (std::vector<std::string>{"d1", "c2", "c1"}));
  EXPECT_EQ(ids(g.downgrade_path({"c1", "c2"}, "left")), std::vector<std::string>{"c2"});
  EXPECT_EQ(g.heads_of(g.applied({"c1", "c2"})), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_THROW(g.upgrade_path({}, "+6"), rt::ArgumentError);
  EXPECT_THROW(g.downgrade_path({"b1"}, "c1"), rt::ArgumentError);  // not applied
  EXPECT_THROW(g.get("c"), rt::ArgumentError);                      // c1 or c2?
  EXPECT_THROW(g.upgrade_path({}, "+x"), rt::ArgumentError);
  EXPECT_THROW(mg::ScriptDirectory(std::vector<mg::Revision>{{.id = "x", .down_revisions = {"y"}}}),
               rt::ArgumentError);
}

}  // namespace
