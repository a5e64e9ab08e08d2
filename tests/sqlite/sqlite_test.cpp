// SQLite-only behaviour: memory databases, file options, opening errors.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "databases.hpp"

namespace rt = retort;

namespace retort_test {

TEST(SqliteEngine, MemoryDatabaseIsSharedThroughTheStaticPool) {
  auto engine = rt::create_engine("sqlite://");
  {
    auto c = engine.connect();
    c.execute("CREATE TABLE t (x INTEGER)");
    c.execute("INSERT INTO t VALUES (1)");
  }
  auto a = engine.connect();
  auto b = engine.connect();  // the same one connection
  EXPECT_EQ(&a.driver(), &b.driver());
  EXPECT_EQ(b.execute("SELECT count(*) FROM t").scalar<int>(), 1);
  EXPECT_EQ(engine.pool_status().checked_out, 1);
}

TEST(SqliteEngine, MissingDirectoryIsNamed) {
  auto engine = rt::create_engine("sqlite:///no/such/directory/app.db");
  try {
    engine.connect();
    FAIL();
  } catch (const rt::OperationalError& e) {
    EXPECT_NE(std::string(e.what()).find("directory 'no/such/directory' does not exist"),
              std::string::npos)
        << e.what();
  }
}

TEST(SqliteEngine, UrlOptions) {
  const auto url = sqlite_url();
  {
    auto engine = rt::create_engine(url +
                                    "?journal_mode=wal&timeout=2&synchronous=normal"
                                    "&cache_size=-65536&mmap_size=1048576");
    auto c = engine.connect();
    EXPECT_EQ(c.execute("PRAGMA journal_mode").scalar<std::string>(), "wal");
    EXPECT_EQ(c.execute("PRAGMA cache_size").scalar<int>(), -65536);
    EXPECT_EQ(c.execute("PRAGMA mmap_size").scalar<int>(), 1048576);
    EXPECT_EQ(c.execute("PRAGMA foreign_keys").scalar<int>(), 1);
    c.execute("CREATE TABLE t (x INTEGER)");
  }
  auto ro = rt::create_engine(url + "?mode=ro&foreign_keys=off");
  auto c = ro.connect();
  EXPECT_EQ(c.execute("PRAGMA foreign_keys").scalar<int>(), 0);
  EXPECT_THROW(c.execute("INSERT INTO t VALUES (1)"), rt::OperationalError);

  EXPECT_THROW(rt::create_engine(url + "?colour=blue").connect(), rt::ArgumentError);
  EXPECT_THROW(rt::create_engine(url + "?journal_mode=wal;DROP").connect(), rt::ArgumentError);
  EXPECT_THROW(rt::create_engine(url + "?timeout=soon").connect(), rt::ArgumentError);
  for (const char* bad : {"cache_size=lots", "cache_size=1;DROP", "cache_size=",
                          "cache_size=99999999999999999999", "mmap_size=-1", "mmap_size=1e9"}) {
    try {
      rt::create_engine(url + "?" + bad).connect();
      ADD_FAILURE() << bad;
    } catch (const rt::ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(bad).substr(0, 10)), std::string::npos)
          << e.what();
    }
  }
}

// The two bytes of a SQLite file's header that say whether it is in write-ahead-log mode
// (2, 2) or not (1, 1).
std::string journal_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string header(20, '\0');
  in.read(header.data(), 20);
  return std::to_string(header[18]) + "," + std::to_string(header[19]);
}

TEST(SqliteEngine, AnExistingFileKeepsItsJournalModeAndANewOneGetsWal) {
  const auto url = sqlite_url();
  const std::string path = rt::URL::parse(url).database();
  {
    // Made by another program, in rollback-journal mode.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)", nullptr, nullptr,
                 nullptr);
    sqlite3_close(db);
  }
  ASSERT_EQ(journal_bytes(path), "1,1");
  {
    auto engine = rt::create_engine(url);
    auto c = engine.connect();
    EXPECT_EQ(c.execute("SELECT count(*) FROM t").scalar<int>(), 1);
    c.execute("INSERT INTO t VALUES (2)");
    EXPECT_EQ(c.execute("PRAGMA journal_mode").scalar<std::string>(), "delete");
  }
  EXPECT_EQ(journal_bytes(path), "1,1") << "the file is as it was";
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  // Asked for, it changes.
  rt::create_engine(url + "?journal_mode=wal").connect().execute("SELECT 1");
  EXPECT_EQ(journal_bytes(path), "2,2");

  // A database the engine creates (or an empty file) is made in write-ahead-log mode.
  for (const bool empty_file : {false, true}) {
    const auto fresh = sqlite_url();
    const std::string fresh_path = rt::URL::parse(fresh).database();
    if (empty_file) std::ofstream(fresh_path).flush();
    auto c = rt::create_engine(fresh).connect();
    EXPECT_EQ(c.execute("PRAGMA journal_mode").scalar<std::string>(), "wal") << empty_file;
  }
}

TEST(SqliteEngine, ImmutableOpensReadOnlyWithoutLocks) {
  const auto url = sqlite_url();
  const std::string path = rt::URL::parse(url).database();
  rt::create_engine(url + "?journal_mode=delete")
      .connect()
      .execute_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7)");
  const auto before = std::filesystem::last_write_time(path);
  auto c = rt::create_engine(url + "?immutable=1").connect();
  EXPECT_EQ(c.execute("SELECT x FROM t").scalar<int>(), 7);
  EXPECT_THROW(c.execute("INSERT INTO t VALUES (8)"), rt::OperationalError);
  EXPECT_EQ(std::filesystem::last_write_time(path), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-journal"));
  EXPECT_THROW(rt::create_engine(url + "?immutable=maybe").connect(), rt::ArgumentError);
}

TEST(SqliteEngine, IsolationLevels) {
  EXPECT_NO_THROW(rt::create_engine(sqlite_url(), {.isolation_level = "READ UNCOMMITTED"})
                      .connect()
                      .execute("SELECT 1"));
  EXPECT_THROW(rt::create_engine(sqlite_url(), {.isolation_level = "REPEATABLE READ"}).connect(),
               rt::ArgumentError);
}

TEST(SqliteEngine, LockedDatabaseIsOperational) {
  const auto url = sqlite_url() + "?timeout=0.05";
  auto a = rt::create_engine(url).connect();
  a.execute("CREATE TABLE t (x INTEGER)");
  auto tx = a.begin();
  a.execute("INSERT INTO t VALUES (1)");
  auto b = rt::create_engine(url).connect();
  EXPECT_THROW(b.execute("INSERT INTO t VALUES (2)"), rt::OperationalError);
  tx.commit();
  b.execute("INSERT INTO t VALUES (2)");
  EXPECT_EQ(b.execute("SELECT count(*) FROM t").scalar<int>(), 2);
}

}  // namespace retort_test
