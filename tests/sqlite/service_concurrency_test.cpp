// One rt::Database shared by many threads on a SQLite file: each thread's own session and
// transaction scopes, upserts of the same keys from every thread, pings and a close at
// the end. (CTest label concurrency: also run under ThreadSanitizer.)
#include <atomic>
#include <thread>

#include "databases.hpp"
#include "retort/service.hpp"
#include "service_models.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

using namespace service_models;

TEST(ServiceThreads, ThreadsShareADatabaseAndEachKeepsItsSession) {
  models().add<User, UserRole>();
  rt::Database db(sqlite_url(), {.pool_size = 4}, {.registry = &models()});
  db.create_all();
  auto users = db.model<User>();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      try {
        rt::Session* mine = &db.session();
        for (int i = 0; i < 15; ++i) {
          // The same ten keys from every thread (negative: apart from the generated ones):
          // the database decides between INSERT and UPDATE (a SELECT first would let two
          // threads both see no row).
          db.transaction([&] {
            users.save(person("t" + std::to_string(t), -(i % 10 + 1)), {.on_conflict = true});
            users.save(rt::Dict{{"name", "new"}, {"email", ""}, {"phone", "(1) 2"}});
          });
          if (&db.session() != mine || !users.get(-(i % 10 + 1))) ++failures;
          if (t == 0) (void)db.ping();
        }
        db.remove();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(users.count(), 10 + 6 * 15);
  db.close();
}

}  // namespace
}  // namespace retort_test
