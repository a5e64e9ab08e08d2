// RAII transactions and savepoints.
#include "backend_test.hpp"

namespace rt = retort;

namespace retort_test {

class CoreTransactions : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    drop_tables(conn(), {"ledger"});
    conn().execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)");
  }
  int rows() { return conn().execute("SELECT count(*) FROM ledger").scalar<int>(); }
  // What another connection sees (committed data only).
  int committed_rows() {
    return engine().connect().execute("SELECT count(*) FROM ledger").scalar<int>();
  }
};

TEST_P(CoreTransactions, CommitKeepsRollbackDiscards) {
  {
    auto tx = conn().begin();
    EXPECT_TRUE(tx.is_active());
    EXPECT_TRUE(conn().in_transaction());
    conn().execute("INSERT INTO ledger VALUES (1, 10)");
    tx.commit();
    EXPECT_FALSE(tx.is_active());
  }
  EXPECT_FALSE(conn().in_transaction());
  {
    auto tx = conn().begin();
    conn().execute("INSERT INTO ledger VALUES (2, 20)");
    EXPECT_EQ(rows(), 2);
    tx.rollback();
  }
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(committed_rows(), 1);
}

TEST_P(CoreTransactions, ScopeExitByExceptionRollsBack) {
  try {
    auto tx = conn().begin();
    conn().execute("INSERT INTO ledger VALUES (1, 10)");
    throw std::runtime_error("business rule failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(conn().in_transaction());
  EXPECT_EQ(rows(), 0);
}

TEST_P(CoreTransactions, EngineTransactionHelper) {
  engine().transaction([](rt::Connection& c) { c.execute("INSERT INTO ledger VALUES (1, 1)"); });
  EXPECT_THROW(engine().transaction([](rt::Connection& c) {
    c.execute("INSERT INTO ledger VALUES (2, 2)");
    c.execute("INSERT INTO ledger VALUES (1, 1)");  // duplicate key
  }),
               rt::IntegrityError);
  EXPECT_EQ(committed_rows(), 1);
  const int sum = engine().transaction(
      [](rt::Connection& c) { return c.execute("SELECT sum(amount) FROM ledger").scalar<int>(); });
  EXPECT_EQ(sum, 1);
}

TEST_P(CoreTransactions, SavepointsNest) {
  auto tx = conn().begin();
  conn().execute("INSERT INTO ledger VALUES (1, 10)");
  {
    auto sp1 = conn().begin_nested();
    EXPECT_TRUE(sp1.is_nested());
    conn().execute("INSERT INTO ledger VALUES (2, 20)");
    {
      auto sp2 = conn().begin_nested();
      conn().execute("INSERT INTO ledger VALUES (3, 30)");
      sp2.rollback();
    }
    EXPECT_EQ(rows(), 2);
    sp1.commit();
  }
  {
    auto sp3 = conn().begin_nested();
    conn().execute("INSERT INTO ledger VALUES (4, 40)");
  }  // rolled back when it went out of scope
  EXPECT_EQ(rows(), 2);
  tx.commit();
  EXPECT_EQ(committed_rows(), 2);
}

TEST_P(CoreTransactions, SavepointRecoversFromAnErrorInside) {
  auto tx = conn().begin();
  conn().execute("INSERT INTO ledger VALUES (1, 10)");
  {
    auto sp = conn().begin_nested();
    EXPECT_THROW(conn().execute("INSERT INTO ledger VALUES (1, 10)"), rt::IntegrityError);
    sp.rollback();
  }
  conn().execute("INSERT INTO ledger VALUES (2, 20)");
  tx.commit();
  EXPECT_EQ(committed_rows(), 2);
}

TEST_P(CoreTransactions, OuterEndEndsSavepoints) {
  auto tx = conn().begin();
  auto sp = conn().begin_nested();
  conn().execute("INSERT INTO ledger VALUES (1, 10)");
  tx.commit();
  EXPECT_FALSE(sp.is_active());
  EXPECT_THROW(sp.commit(), rt::ArgumentError);
  sp.rollback();  // a no-op once inactive
  EXPECT_EQ(committed_rows(), 1);
}

TEST_P(CoreTransactions, MisuseIsReported) {
  EXPECT_THROW(conn().begin_nested(), rt::ArgumentError);
  auto tx = conn().begin();
  EXPECT_THROW(conn().begin(), rt::ArgumentError);
  tx.commit();
  EXPECT_THROW(tx.commit(), rt::ArgumentError);
}

TEST_P(CoreTransactions, ReturningToThePoolRollsBack) {
  auto small = make_engine({.pool_size = 1, .max_overflow = 0});
  {
    auto c = small.connect();
    c.driver().begin();  // behind Core's back
    c.execute("INSERT INTO ledger VALUES (1, 10)");
  }
  auto again = small.connect();  // the same connection, reset on return
  EXPECT_FALSE(again.driver().in_transaction());
  EXPECT_EQ(committed_rows(), 0);
}

TEST_P(CoreTransactions, AutocommitIsolationMakesTransactionsNoOps) {
  auto autocommit = make_engine({.isolation_level = "AUTOCOMMIT"});
  auto c = autocommit.connect();
  auto tx = c.begin();
  c.execute("INSERT INTO ledger VALUES (1, 10)");
  tx.rollback();
  EXPECT_EQ(committed_rows(), 1);
}

RETORT_INSTANTIATE_FOR_BACKEND(CoreTransactions);

}  // namespace retort_test
