// SQLite under threads: sessions that read then write, many at once, on one file; an
// in-memory database used from many threads; hostile timeouts. (CTest label
// concurrency: also run under ThreadSanitizer.)
#include <atomic>
#include <thread>

#include "databases.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Counter {
  std::int64_t id = 0;
  std::string name{};
  int value = 0;
  static auto mapping() {
    return rt::model<Counter>("cc_counter")
        .column("id", &Counter::id, rt::primary_key)
        .column("name", &Counter::name, rt::String(20), rt::unique)
        .column("value", &Counter::value);
  }
};
struct Visit {
  std::int64_t id = 0;
  std::int64_t counter_id = 0;
  static auto mapping() {
    return rt::model<Visit>("cc_visit")
        .column("id", &Visit::id, rt::primary_key)
        .column("counter_id", &Visit::counter_id, rt::ForeignKey("cc_counter.id"));
  }
};

void create_tables(rt::Engine& engine) {
  rt::registry().add<Counter, Visit>();
  auto c = engine.connect();
  rt::registry().metadata().create_all(c, {.tables = {"cc_counter", "cc_visit"}});
}

// The tables and one counter row, "hits", at 0.
void create_tables_with_counter(rt::Engine& engine) {
  create_tables(engine);
  rt::Session session(engine);
  session.add(Counter{.name = "hits"});
  session.commit();
}

// Each thread: many sessions that read a row, then write (the login pattern: look the
// user up, then store a token).
void read_then_write(rt::Engine& engine, int threads, int sessions, std::atomic<int>& failures,
                     std::string& first_error) {
  std::mutex error_mutex;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < sessions; ++i) {
        try {
          rt::Session session(engine);
          auto counter = session.query<Counter>().where(rt::c(&Counter::name) == "hits").one();
          session.add(Visit{.counter_id = counter->id});
          session.commit();
        } catch (const std::exception& e) {
          if (failures++ == 0) {
            std::lock_guard lock(error_mutex);
            first_error = e.what();
          }
        }
      }
    });
  }
  for (auto& w : workers)
    w.join();
}

TEST(SqliteConcurrency, SessionsThatReadThenWriteWaitForTheLock) {
  auto engine = rt::create_engine(sqlite_url(), {.pool_size = 8});
  create_tables_with_counter(engine);
  std::atomic<int> failures = 0;
  std::string first_error;
  read_then_write(engine, 8, 100, failures, first_error);
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_EQ(engine.connect().execute("SELECT count(*) FROM cc_visit").scalar<int>(), 800);
}

TEST(SqliteConcurrency, IncrementsFromManyThreadsAreNotLost) {
  // A read-modify-write of one column: with begin=immediate every transaction holds the
  // write lock from its start, so no increment is lost.
  auto engine = rt::create_engine(sqlite_url() + "?begin=immediate", {.pool_size = 8});
  create_tables_with_counter(engine);
  std::vector<std::thread> workers;
  std::atomic<int> failures = 0;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        try {
          rt::Session session(engine);
          auto counter = session.query<Counter>().one();
          counter->value += 1;
          session.commit();
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : workers)
    w.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(engine.connect().execute("SELECT value FROM cc_counter").scalar<int>(), 400);
}

TEST(SqliteConcurrency, AReadThenWriteTransactionKeepsItsSavepoints) {
  auto engine = rt::create_engine(sqlite_url());
  create_tables(engine);
  auto c = engine.connect();
  auto tx = c.begin();
  EXPECT_EQ(c.execute("SELECT count(*) FROM cc_counter").scalar<int>(), 0);
  {
    auto sp = c.begin_nested();
    c.execute("INSERT INTO cc_counter (name, value) VALUES ('a', 1)");
    sp.rollback();
  }
  c.execute("INSERT INTO cc_counter (name, value) VALUES ('b', 2)");
  tx.commit();
  EXPECT_EQ(engine.connect().execute("SELECT name FROM cc_counter").scalars<std::string>(),
            std::vector<std::string>{"b"});
}

TEST(SqliteConcurrency, AMemoryDatabaseServesManyThreadsOneAtATime) {
  auto engine = rt::create_engine("sqlite://", {.pool_timeout = std::chrono::seconds(30)});
  create_tables_with_counter(engine);
  std::atomic<int> failures = 0;
  std::string first_error;
  read_then_write(engine, 16, 20, failures, first_error);
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_EQ(engine.connect().execute("SELECT count(*) FROM cc_visit").scalar<int>(), 320);
}

TEST(SqliteConcurrency, AMemoryDatabaseHeldByAnotherThreadTimesOut) {
  auto engine = rt::create_engine("sqlite://", {.pool_timeout = std::chrono::milliseconds(50)});
  auto held = engine.connect();
  held.execute("SELECT 1");
  auto again = engine.connect();  // the same thread shares it
  EXPECT_EQ(again.execute("SELECT 2").scalar<int>(), 2);
  std::thread other([&] { EXPECT_THROW(engine.connect(), rt::TimeoutError); });
  other.join();
}

TEST(SqliteConcurrency, TimeoutsOutOfRangeAreRefused) {
  for (const char* bad : {"1e300", "nan", "inf", "-1", "5s", "86401"}) {
    EXPECT_THROW(rt::create_engine(sqlite_url() + "?timeout=" + bad).connect(), rt::ArgumentError)
        << bad;
  }
  EXPECT_NO_THROW(rt::create_engine(sqlite_url() + "?timeout=0.5").connect());
}

}  // namespace
}  // namespace retort_test
