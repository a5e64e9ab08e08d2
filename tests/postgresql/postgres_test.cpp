// PostgreSQL-only behaviour: login errors, the pool under load and after the server
// dropped its connections.
#include <thread>

#include "databases.hpp"
#include "retort/orm.hpp"

namespace rt = retort;
using namespace std::chrono_literals;

namespace retort_test {
namespace {

// A URL for the test server tagged with an application_name, so that the server-side
// sessions of one engine can be counted and killed.
std::string tagged_url(const std::string& tag) {
  auto url = rt::URL::parse(postgres_url());
  url.set_query_value("application_name", tag);
  return url.render(false);
}

int server_sessions(const std::string& tag) {
  auto admin = rt::create_engine(postgres_url(), {.poolclass = rt::PoolKind::null});
  return admin.connect()
      .execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", {tag})
      .scalar<int>();
}

// Waits (briefly) for the server to agree on the number of sessions.
int settle_sessions(const std::string& tag, int expected) {
  int n = -1;
  for (int i = 0; i < 100; ++i) {
    n = server_sessions(tag);
    if (n == expected) break;
    std::this_thread::sleep_for(20ms);
  }
  return n;
}

void kill_sessions(const std::string& tag) {
  auto admin = rt::create_engine(postgres_url(), {.poolclass = rt::PoolKind::null});
  admin.connect().execute(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?", {tag});
  ASSERT_EQ(settle_sessions(tag, 0), 0);
}

// The first statement on a connection the server killed fails and invalidates it.
void expect_killed(rt::Connection& c) {
  try {
    c.execute("SELECT 1");
    FAIL() << "a killed connection cannot answer";
  } catch (const rt::OperationalError& e) {
    EXPECT_TRUE(e.connection_invalidated()) << e.what();
  }
}

// Opens n connections at once and returns them, so that n sit idle in the pool.
void fill_pool(rt::Engine& engine, int n) {
  std::vector<rt::Connection> held;
  for (int i = 0; i < n; ++i)
    held.push_back(engine.connect());
  for (auto& c : held)
    c.execute("SELECT 1");
}

}  // namespace

TEST(PostgresEngine, WrongPasswordIsOperationalAndNotEchoed) {
  auto url = rt::URL::parse(postgres_url());
  url.set_password("definitely-wrong-pw");
  try {
    rt::create_engine(url).connect();
    FAIL();
  } catch (const rt::OperationalError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
    EXPECT_EQ(message.find("definitely-wrong-pw"), std::string::npos) << message;
    EXPECT_NE(message.find("***"), std::string::npos) << message;
  }
}

TEST(PostgresEngine, UnreachableServerIsOperational) {
  auto url = rt::URL::parse(postgres_url());
  url.set_port(1);
  EXPECT_THROW(rt::create_engine(url).connect(), rt::OperationalError);
  url = rt::URL::parse(postgres_url());
  url.set_database("no_such_database");
  EXPECT_THROW(rt::create_engine(url).connect(), rt::OperationalError);
}

TEST(PostgresEngine, BadOptionIsAnArgumentError) {
  EXPECT_THROW(rt::create_engine(postgres_url() + "?colour=blue").connect(), rt::ArgumentError);
  EXPECT_THROW(rt::create_engine(postgres_url(), {.isolation_level = "SOMETIMES"}).connect(),
               rt::ArgumentError);
}

TEST(PostgresEngine, IsolationLevelApplies) {
  auto engine = rt::create_engine(postgres_url(), {.isolation_level = "SERIALIZABLE"});
  auto c = engine.connect();
  auto tx = c.begin();
  EXPECT_EQ(c.execute("SHOW transaction_isolation").scalar<std::string>(), "serializable");
}

TEST(PostgresEngine, StreamingBlocksOtherStatementsUntilFinished) {
  auto c = rt::create_engine(postgres_url()).connect();
  auto stream = c.stream("SELECT g FROM generate_series(1, 1000) AS g");
  ASSERT_TRUE(stream.next());
  EXPECT_THROW(c.execute("SELECT 1"), rt::ProgrammingError);
  int n = 1;
  while (stream.next())
    ++n;
  EXPECT_EQ(n, 1000);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int>(), 1);
}

TEST(PostgresEngine, DataErrorsFromTheServer) {
  auto c = rt::create_engine(postgres_url()).connect();
  EXPECT_THROW(c.execute("SELECT CAST(? AS integer)", {"abc"}), rt::DataError);
  EXPECT_THROW(c.execute("SELECT 1 / 0"), rt::DataError);
}

TEST(PostgresPool, StressWithSixteenThreadsLeaksNothing) {
  const std::string tag = "retort_stress";
  auto engine =
      rt::create_engine(tagged_url(tag), {.pool_size = 4, .max_overflow = 4, .pool_timeout = 60s});
  std::atomic<int> ok{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto c = engine.connect();
        const int out = engine.pool_status().checked_out;
        int seen = peak.load();
        while (out > seen && !peak.compare_exchange_weak(seen, out)) {
        }
        if (c.execute("SELECT ?::int + 1", {t * 10000 + i}).scalar<int>() == t * 10000 + i + 1) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ok, 16 * 2000);
  EXPECT_LE(peak, 8);

  const auto status = engine.pool_status();
  EXPECT_EQ(status.checked_out, 0);
  EXPECT_EQ(status.overflow, 0);
  EXPECT_LE(status.idle, 4);
  EXPECT_EQ(settle_sessions(tag, status.idle), status.idle);
  engine.dispose();
  EXPECT_EQ(settle_sessions(tag, 0), 0);
}

TEST(PostgresPool, PrePingReplacesKilledConnections) {
  const std::string tag = "retort_preping";
  auto engine = rt::create_engine(tagged_url(tag), {.pool_size = 3, .pool_pre_ping = true});
  fill_pool(engine, 3);
  ASSERT_EQ(settle_sessions(tag, 3), 3);
  kill_sessions(tag);

  auto c = engine.connect();
  EXPECT_EQ(c.execute("SELECT 41 + 1").scalar<int>(), 42);
  c.close();
  fill_pool(engine, 3);
  EXPECT_EQ(engine.pool_status().idle, 3);
  engine.dispose();
  EXPECT_EQ(settle_sessions(tag, 0), 0);
}

TEST(PostgresPool, WithoutPrePingTheFirstFailureInvalidatesAndTheRetrySucceeds) {
  const std::string tag = "retort_noping";
  auto engine = rt::create_engine(tagged_url(tag), {.pool_size = 3});
  fill_pool(engine, 3);
  ASSERT_EQ(settle_sessions(tag, 3), 3);
  kill_sessions(tag);

  {
    auto c = engine.connect();
    expect_killed(c);
    EXPECT_THROW(c.execute("SELECT 1"), rt::OperationalError);
  }
  // The retry gets a fresh connection; so do later checkouts (the whole pool was older
  // than the failure).
  auto retry = engine.connect();
  EXPECT_EQ(retry.execute("SELECT 2").scalar<int>(), 2);
  retry.close();
  fill_pool(engine, 3);
  EXPECT_EQ(engine.pool_status().checked_out, 0);
  engine.dispose();
  EXPECT_EQ(settle_sessions(tag, 0), 0);
}

TEST(PostgresPool, TransactionIsRolledBackWhenTheServerDropsIt) {
  const std::string tag = "retort_droptx";
  auto engine = rt::create_engine(tagged_url(tag));
  auto c = engine.connect();
  c.execute("DROP TABLE IF EXISTS drop_tx");
  c.execute("CREATE TABLE drop_tx (x INTEGER)");
  {
    auto tx = c.begin();
    c.execute("INSERT INTO drop_tx VALUES (1)");
    kill_sessions(tag);
    EXPECT_THROW(c.execute("INSERT INTO drop_tx VALUES (2)"), rt::OperationalError);
  }  // the rollback on scope exit does not throw on a dead connection
  c.close();
  EXPECT_EQ(engine.connect().execute("SELECT count(*) FROM drop_tx").scalar<int>(), 0);
}

// A rollback goes out without waiting for its answer: the server ends the transaction
// at once, and the next use of the connection reads the answer before anything else.
TEST(PostgresPool, ARollbackEndsTheTransactionWithoutARoundTrip) {
  const std::string tag = "retort_rollback";
  auto engine = rt::create_engine(tagged_url(tag), {.pool_size = 1});
  engine.connect().execute("DROP TABLE IF EXISTS later_rollback");
  engine.connect().execute("CREATE TABLE later_rollback (x INTEGER)");
  auto state = [&] {
    auto admin = rt::create_engine(postgres_url(), {.poolclass = rt::PoolKind::null});
    return admin.connect()
        .execute("SELECT state FROM pg_stat_activity WHERE application_name = ?", {tag})
        .scalar<std::string>();
  };
  for (int round = 0; round < 20; ++round) {
    {
      auto c = engine.connect();
      auto tx = c.begin();
      c.execute("INSERT INTO later_rollback VALUES (?)", {round});
      EXPECT_EQ(state(), "idle in transaction");
      tx.rollback();
      EXPECT_FALSE(c.in_transaction());
      std::string now;
      for (int i = 0; i < 100 && (now = state()) != "idle"; ++i)
        std::this_thread::sleep_for(10ms);
      EXPECT_EQ(now, "idle") << "the server ended the transaction before the next statement";
      if (round % 2) continue;  // the pool's next checkout reads the answer
      EXPECT_EQ(c.execute("SELECT count(*) FROM later_rollback").scalar<int>(), 0);
    }
    rt::Session session(engine);  // a session's end rolls back the same way
    EXPECT_EQ(session.connection().execute("SELECT count(*) FROM later_rollback").scalar<int>(), 0);
  }
}

// The connection dies while its rollback's answer is unread: the next use fails as on
// any dead connection and invalidates it; with pre-ping the pool replaces it unseen.
TEST(PostgresPool, AConnectionKilledBeforeItsRollbackIsReadIsReplaced) {
  for (const bool ping : {false, true}) {
    const std::string tag = ping ? "retort_rb_ping" : "retort_rb_noping";
    auto engine = rt::create_engine(tagged_url(tag), {.pool_size = 1, .pool_pre_ping = ping});
    {
      auto c = engine.connect();
      auto tx = c.begin();
      c.execute("SELECT 1");
    }  // rolled back on the way back to the pool
    kill_sessions(tag);
    if (!ping) {
      auto c = engine.connect();
      expect_killed(c);
    }
    auto c = engine.connect();
    EXPECT_EQ(c.execute("SELECT 6 * 7").scalar<int>(), 42);
  }
}

// A statement that goes while its transaction has failed cannot be freed then; it is
// freed once the connection is idle again, so that errors do not pile statements up on
// the server.
TEST(PostgresEngine, StatementsDroppedInAFailedTransactionAreFreedLater) {
  auto c = rt::create_engine(postgres_url(), {.statement_cache_size = 0}).connect();
  auto prepared = [&] {
    return c.execute("SELECT count(*) FROM pg_prepared_statements").scalar<std::int64_t>();
  };
  const auto before = prepared();
  for (int i = 0; i < 5; ++i) {
    auto tx = c.begin();
    c.execute("SELECT 1");
    EXPECT_THROW(c.execute("SELECT 1 / (random() * 0)::int"), rt::DataError);
    tx.rollback();
  }
  EXPECT_EQ(prepared(), before);
}

TEST(PostgresValues, NulBytesInTextAreRefusedNotCut) {
  auto c = rt::create_engine(postgres_url()).connect();
  c.execute("DROP TABLE IF EXISTS nul_login");
  c.execute("CREATE TABLE nul_login (name TEXT NOT NULL)");
  c.execute("INSERT INTO nul_login VALUES ('user1')");
  const std::string hostile("user1\0admin", 11);
  try {
    c.execute("INSERT INTO nul_login VALUES (?)", {hostile});
    FAIL() << "a value with a NUL byte was stored";
  } catch (const rt::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
  }
  // A lookup with it must not find user1.
  EXPECT_THROW(c.execute("SELECT count(*) FROM nul_login WHERE name = ?", {hostile}),
               rt::DataError);
  EXPECT_EQ(c.execute("SELECT count(*) FROM nul_login").scalar<int>(), 1);
}

TEST(PostgresValues, AnEmptyBlobIsNotNull) {
  auto c = rt::create_engine(postgres_url()).connect();
  c.execute("DROP TABLE IF EXISTS empty_blob");
  c.execute("CREATE TABLE empty_blob (data BYTEA NOT NULL)");
  c.execute("INSERT INTO empty_blob VALUES (?)", {rt::Blob{}});
  auto stmt = c.prepare("INSERT INTO empty_blob VALUES (?)");
  stmt.raw().bind_blob_ref(0, {});
  stmt.run();
  EXPECT_EQ(c.execute("SELECT count(*) FROM empty_blob WHERE data = ''::bytea").scalar<int>(), 2);
}

TEST(PostgresValues, OversizedParametersAreRefusedBeforeSending) {
  auto c = rt::create_engine(postgres_url()).connect();
  auto stmt = c.prepare("SELECT length(?::bytea)");
  static const std::uint8_t byte = 0;
  // Only the length is looked at: a span claiming more than 2 GiB.
  const std::span<const std::uint8_t> huge(&byte, std::size_t{1} << 31);
  EXPECT_THROW(stmt.raw().bind_blob_ref(0, huge), rt::DataError);
}

TEST(PostgresValues, DataErrorsDoNotQuoteBoundValues) {
  auto c = rt::create_engine(postgres_url()).connect();
  try {
    c.execute("SELECT CAST(? AS integer)", {"hunter2-secret"});
    FAIL();
  } catch (const rt::DataError& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(PostgresStatements, AnAbandonedStreamOutsideATransactionIsCancelled) {
  auto c = rt::create_engine(postgres_url()).connect();
  {
    // Two billion rows: reading them all to drop them would take minutes.
    // (In the select list the rows stream; in FROM they would be gathered first.)
    auto stream = c.stream("SELECT generate_series(1, 2000000000) AS g");
    ASSERT_TRUE(stream.next());
  }
  EXPECT_EQ(c.execute("SELECT 1").scalar<int>(), 1);
}

TEST(PostgresStatements, AStalePlanIsPreparedAgain) {
  auto engine = rt::create_engine(postgres_url());
  auto other = engine.connect();
  other.execute("DROP TABLE IF EXISTS mig");
  other.execute("CREATE TABLE mig (id INTEGER PRIMARY KEY, v INTEGER)");
  other.execute("INSERT INTO mig VALUES (1, 10)");
  auto c = engine.connect();
  // The statement is prepared and cached on c's connection.
  EXPECT_EQ(c.execute("SELECT * FROM mig").scalar<std::int64_t>(), 1);

  // A migration from another connection changes what it returns.
  other.execute("ALTER TABLE mig ALTER COLUMN v TYPE BIGINT");
  other.execute("ALTER TABLE mig ADD COLUMN w TEXT");
  // Outside a transaction: prepared again and run, transparently.
  {
    auto r = c.execute("SELECT * FROM mig");
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.row().size(), 3u);
  }
  auto stream = c.stream("SELECT * FROM mig");
  ASSERT_TRUE(stream.next());
  while (stream.next()) {
  }

  // Inside a transaction the error aborts it: it says so, and the next try works.
  other.execute("ALTER TABLE mig DROP COLUMN w");
  {
    auto tx = c.begin();
    try {
      c.execute("SELECT * FROM mig");
      FAIL() << "a stale plan ran inside a transaction";
    } catch (const rt::OperationalError& e) {
      EXPECT_NE(std::string(e.what()).find("altered"), std::string::npos) << e.what();
    }
  }
  for (int i = 0; i < 2; ++i) {
    auto tx = c.begin();
    auto r = c.execute("SELECT * FROM mig");
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.row().size(), 2u);
  }
}

// BEGIN goes out with a transaction's first statement. Whatever that statement is, it
// runs inside the transaction: now() is the transaction's start, the same for every
// statement in it.
TEST(PostgresTransactions, TheFirstStatementRunsInsideTheTransaction) {
  auto engine = rt::create_engine(postgres_url());
  auto c = engine.connect();
  const auto twice = [&](auto first) {
    auto tx = c.begin();
    EXPECT_TRUE(c.in_transaction());
    const std::string a = first();
    std::this_thread::sleep_for(5ms);
    const std::string b = c.execute("SELECT now()::text").scalar<std::string>();
    EXPECT_EQ(a, b);
    tx.rollback();
  };
  twice([&] { return c.execute("SELECT now()::text").scalar<std::string>(); });
  twice([&] {
    auto stream = c.stream("SELECT now()::text");
    EXPECT_TRUE(stream.next());
    std::string out = stream.row().get<std::string>(0);
    while (stream.next()) {
    }
    return out;
  });
  twice([&] {
    c.execute_script("CREATE TEMPORARY TABLE tx_probe AS SELECT now()::text AS t");
    return c.execute("SELECT t FROM tx_probe").scalar<std::string>();
  });
  // The temporary table went with the rollback.
  EXPECT_THROW(c.execute("SELECT t FROM tx_probe"), rt::ProgrammingError);
}

// A first statement that fails aborts the transaction, as it would after its own BEGIN;
// a transaction that ran nothing commits and rolls back cleanly.
TEST(PostgresTransactions, AFailedFirstStatementAbortsTheTransaction) {
  auto engine = rt::create_engine(postgres_url());
  auto c = engine.connect();
  c.execute("DROP TABLE IF EXISTS tx_rows");
  c.execute("CREATE TABLE tx_rows (id INTEGER PRIMARY KEY)");
  {
    auto tx = c.begin();
    EXPECT_THROW(c.execute("INSERT INTO tx_rows VALUES (1), (1)"), rt::IntegrityError);
    EXPECT_TRUE(c.in_transaction());
    try {
      c.execute("SELECT 1");
      FAIL() << "the transaction must be aborted";
    } catch (const rt::DatabaseError& e) {
      EXPECT_NE(std::string(e.what()).find("aborted"), std::string::npos) << e.what();
    }
    tx.rollback();
  }
  EXPECT_FALSE(c.in_transaction());
  {
    auto tx = c.begin();
    tx.commit();
  }
  {
    auto tx = c.begin();
    tx.rollback();
  }
  EXPECT_FALSE(c.in_transaction());
  {
    auto tx = c.begin();
    c.execute("INSERT INTO tx_rows VALUES (2)");
    tx.commit();
  }
  EXPECT_EQ(c.execute("SELECT count(*) FROM tx_rows").scalar<int>(), 1);
  c.execute("DROP TABLE tx_rows");
}

}  // namespace retort_test
