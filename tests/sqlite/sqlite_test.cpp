// SQLite-only behaviour: memory databases, file options, opening errors.
#include <filesystem>

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
    auto engine = rt::create_engine(url + "?journal_mode=wal&timeout=2&synchronous=normal");
    auto c = engine.connect();
    EXPECT_EQ(c.execute("PRAGMA journal_mode").scalar<std::string>(), "wal");
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
