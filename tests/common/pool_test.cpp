// Pool behaviour that holds on every backend: laziness, reuse, limits, overflow, dispose.
#include <thread>

#include "backend_test.hpp"

namespace rt = retort;
using namespace std::chrono_literals;

namespace retort_test {

using CorePool = BackendTest;

TEST_P(CorePool, CreatingAnEngineDoesNotConnect) {
  auto e = make_engine({});
  EXPECT_EQ(e.pool_status().idle, 0);
  EXPECT_EQ(e.pool_status().checked_out, 0);
  // Even a hopeless URL is only tried on the first checkout.
  auto unreachable = rt::create_engine(postgres() ? "postgresql://u:pw@127.0.0.1:1/db"
                                                  : "sqlite:////no/such/dir/x.db");
  EXPECT_THROW(unreachable.connect(), rt::OperationalError);
  EXPECT_EQ(unreachable.pool_status().checked_out, 0);
}

TEST_P(CorePool, ConnectionsAreReused) {
  auto e = make_engine({.pool_size = 2});
  rt::driver::Connection* first;
  {
    auto c = e.connect();
    first = &c.driver();
    EXPECT_EQ(e.pool_status().checked_out, 1);
  }
  EXPECT_EQ(e.pool_status().checked_out, 0);
  EXPECT_EQ(e.pool_status().idle, 1);
  auto c = e.connect();
  EXPECT_EQ(&c.driver(), first);
}

TEST_P(CorePool, OverflowIsClosedOnReturn) {
  auto e = make_engine({.pool_size = 1, .max_overflow = 2});
  {
    auto a = e.connect(), b = e.connect(), c = e.connect();
    EXPECT_EQ(e.pool_status().checked_out, 3);
    EXPECT_EQ(e.pool_status().overflow, 2);
  }
  EXPECT_EQ(e.pool_status().idle, 1);
  EXPECT_EQ(e.pool_status().overflow, 0);
}

TEST_P(CorePool, ExhaustionTimesOutNamingTheLimits) {
  auto e = make_engine({.pool_size = 1, .max_overflow = 1, .pool_timeout = 100ms});
  auto a = e.connect(), b = e.connect();
  const auto start = std::chrono::steady_clock::now();
  try {
    e.connect();
    FAIL();
  } catch (const rt::TimeoutError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("size 1"), std::string::npos) << message;
    EXPECT_NE(message.find("overflow 1"), std::string::npos) << message;
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(e.pool_status().checked_out, 2);
}

TEST_P(CorePool, WaitingCheckoutGetsAReturnedConnection) {
  auto e = make_engine({.pool_size = 1, .max_overflow = 0, .pool_timeout = 5s});
  auto held = std::make_unique<rt::Connection>(e.connect());
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    held.reset();
  });
  auto c = e.connect();
  EXPECT_EQ(c.execute("SELECT 1").scalar<int>(), 1);
  releaser.join();
}

TEST_P(CorePool, NullPoolKeepsNothing) {
  auto e = make_engine({.poolclass = rt::PoolKind::null});
  { e.connect().execute("SELECT 1"); }
  EXPECT_EQ(e.pool_status().idle, 0);
}

TEST_P(CorePool, DisposeClosesIdleAndRetiresCheckedOut) {
  auto e = make_engine({.pool_size = 3});
  rt::driver::Connection* old;
  {
    auto a = e.connect();
    auto b = e.connect();
    old = &a.driver();
  }
  EXPECT_EQ(e.pool_status().idle, 2);
  auto held = e.connect();
  e.dispose();
  EXPECT_EQ(e.pool_status().idle, 0);
  held.close();  // opened before dispose: closed, not kept
  EXPECT_EQ(e.pool_status().idle, 0);
  auto fresh = e.connect();
  EXPECT_EQ(fresh.execute("SELECT 1").scalar<int>(), 1);
  (void)old;
}

TEST_P(CorePool, InvalidatedConnectionIsNotReused) {
  auto e = make_engine({.pool_size = 1});
  rt::driver::Connection* first;
  {
    auto c = e.connect();
    first = &c.driver();
    c.invalidate();
    EXPECT_THROW(c.execute("SELECT 1"), rt::OperationalError);
  }
  EXPECT_EQ(e.pool_status().idle, 0);
  auto c = e.connect();
  EXPECT_EQ(c.execute("SELECT 1").scalar<int>(), 1);
  (void)first;
}

TEST_P(CorePool, ThreadsShareThePool) {
  auto e = make_engine({.pool_size = 2, .max_overflow = 1, .pool_timeout = 10s});
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto c = e.connect();
        if (c.execute("SELECT ?", {i}).scalar<int>() == i) ++done;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(done, 200);
  EXPECT_EQ(e.pool_status().checked_out, 0);
  EXPECT_LE(e.pool_status().idle, 2);
}

RETORT_INSTANTIATE_FOR_BACKEND(CorePool);

}  // namespace retort_test
