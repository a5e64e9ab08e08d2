// Retort::testing on each backend: a temporary database, a scope per test that undoes
// what the code under test committed, and factories.
#include <filesystem>

#include "backend_test.hpp"
#include "retort/service.hpp"
#include "retort/testing.hpp"
#include "service_models.hpp"

namespace retort_test {
namespace {

namespace rt = retort;
using namespace service_models;

class Testing : public testing::TestWithParam<Backend> {
 protected:
  rt::testing::TemporaryDatabaseOptions options() const {
    models().add<User, UserRole>();
    return {.url = GetParam().url(),
            .metadata = &models().metadata(),
            .session = {.registry = &models()}};
  }
  // A user factory as a test suite would declare it.
  static rt::testing::Factory<User> user_factory() {
    return rt::testing::factory<User>()
        .set(&User::name, rt::testing::sequence("user{}"))
        .set(&User::email, [](int n) { return "user" + std::to_string(n) + "@example.org"; })
        .set(&User::phone, "555-0100");
  }
  static std::int64_t count(rt::Engine& engine, const std::string& table) {
    auto conn = engine.connect();
    return conn.execute("SELECT COUNT(*) FROM " + table).scalar<std::int64_t>();
  }
};

TEST_P(Testing, AScopeUndoesWhatTheTestCommitted) {
  rt::testing::TemporaryDatabase temp(options());
  for (int round = 0; round < 2; ++round) {
    rt::testing::TestScope scope(temp);
    auto users = scope.db().model<User>();
    EXPECT_EQ(users.count(), 0) << "each test starts clean, round " << round;
    users.save(person("committed"));  // commits (a savepoint)
    scope.db().transaction([&] { users.save(person("in a transaction")); });
    {
      rt::Session own = scope.session();
      own.add(person("own session"));
      own.commit();
      own.add(person("rolled back"));
      own.rollback();
    }
    EXPECT_THROW(scope.db().transaction([&] {
      users.save(person("failed"));
      throw std::runtime_error("the code under test fails");
    }),
                 std::runtime_error);
    EXPECT_EQ(users.count(), 3) << "the test sees its own commits";
  }
  EXPECT_TRUE(temp.tables_with_rows().empty()) << testing::PrintToString(temp.tables_with_rows());
}

TEST_P(Testing, DeleteRowsLetsSeveralConnectionsCommit) {
  rt::testing::TemporaryDatabase temp(options());
  {
    rt::testing::TestScope scope(temp, rt::testing::Isolation::delete_rows);
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t] {
        rt::Session session(scope.engine(), {.registry = &models()});
        session.add(person("t" + std::to_string(t)));
        session.commit();
      });
    }
    for (auto& t : threads)
      t.join();
    EXPECT_EQ(count(scope.engine(), "\"user\""), 3);
  }
  EXPECT_TRUE(temp.tables_with_rows().empty());
}

TEST_P(Testing, TheDatabaseIsGoneAfterwards) {
  std::string url;
  {
    rt::testing::TemporaryDatabase temp(options());
    url = temp.url().render(false);
    EXPECT_NE(url, GetParam().url());
    temp.db().model<User>().save(person("x"));
  }
  if (GetParam().name == "sqlite") {
    EXPECT_FALSE(std::filesystem::exists(rt::URL::parse(url).database()));
  } else {
    auto engine = rt::create_engine(url);
    EXPECT_THROW(engine.connect(), rt::OperationalError);
  }
}

TEST_P(Testing, FactoriesBuildCreateAndCount) {
  auto& temp = rt::testing::TemporaryDatabase::shared(options());
  rt::testing::TestScope scope(temp);
  auto users = user_factory();
  const User built = users.build();
  EXPECT_EQ(built.name, "user1");
  EXPECT_EQ(built.email, "user1@example.org");
  EXPECT_EQ(built.phone, "555-0100");
  EXPECT_EQ(built.id, 0) << "built, not saved";
  EXPECT_EQ(scope.db().model<User>().count(), 0);

  rt::Session& session = scope.db().session();
  rt::Ref<User> created = users.create(session, [](User& u) { u.email = "chosen@example.org"; });
  EXPECT_NE(created->id, 0);
  EXPECT_EQ(created->name, "user2");
  EXPECT_EQ(created->email, "chosen@example.org");
  EXPECT_EQ(created->phone, "5550100") << "on_set hooks run as for any object";

  auto copy = users;  // copies share the sequence, as a factory class does
  EXPECT_EQ(copy.build().name, "user3");
  auto batch = users.create_batch(3, scope.db());
  EXPECT_EQ(batch.back()->name, "user6");
  users.reset_sequence();
  EXPECT_EQ(users.build().name, "user1");

  // A sub-factory: each role comes with a user of its own, saved with it.
  auto roles = rt::testing::factory<UserRole>()
                   .set(&UserRole::role, rt::testing::sequence("role{}"))
                   .sub(&UserRole::user, users);
  const UserRole unsaved = roles.build();
  ASSERT_TRUE(unsaved.user.get());
  EXPECT_EQ(unsaved.user.get()->name, "user2");
  auto role = roles.create(session);
  EXPECT_NE(role->user_id, 0);
  EXPECT_EQ(role->user.get()->id, role->user_id);
  session.commit();
  EXPECT_EQ(scope.db().model<User>().count(), 5);  // user2, user4..6 and the role's
  EXPECT_EQ(scope.db().model<UserRole>().count(), 1);
}

RETORT_INSTANTIATE_FOR_BACKEND(Testing);

}  // namespace
}  // namespace retort_test
