// The Database facade (sqlservice) on each backend: the seed's walk-through line for line,
// upserts against a model of the rows, dictionaries and JSON of every column type,
// nestable transactions, export and import, cloning.
#include <algorithm>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/service.hpp"
#include "retort/testing.hpp"
#include "service_models.hpp"

namespace retort_test {
namespace {

namespace rt = retort;
using rt::Dict;
using namespace service_models;

enum class Color { red, green, blue };

// One column of every type.
struct Sample {
  std::int64_t id = 0;
  std::int32_t i32 = 0;
  std::int16_t i16 = 0;
  bool flag = false;
  float f = 0;
  double d = 0;
  rt::Decimal amount{"0"};
  std::string name;
  std::string text;
  std::chrono::year_month_day day{};
  rt::Timestamp at{};
  rt::TimeOfDay time{};
  rt::Blob blob;
  rt::JsonText doc{"null"};
  rt::Uuid uuid{};
  Color color = Color::red;
  std::optional<std::string> maybe;

  static auto mapping() {
    return rt::model<Sample>("service_sample")
        .column("id", &Sample::id, rt::primary_key)
        .column("i32", &Sample::i32)
        .column("i16", &Sample::i16)
        .column("flag", &Sample::flag)
        .column("f", &Sample::f)
        .column("d", &Sample::d)
        .column("amount", &Sample::amount, rt::Numeric(14, 2))
        .column("name", &Sample::name, rt::String(64))
        .column("text", &Sample::text, rt::Text())
        .column("day", &Sample::day)
        .column("at", &Sample::at)
        .column("time", &Sample::time)
        .column("blob", &Sample::blob)
        .column("doc", &Sample::doc)
        .column("uuid", &Sample::uuid)
        .column("color", &Sample::color, rt::Enum({"red", "green", "blue"}, "service_color"))
        .column("maybe", &Sample::maybe, rt::String(64));
  }
};

// A random value of every column. nul: whether text may hold NUL bytes (PostgreSQL's
// text cannot, and refuses them).
Sample random_sample(std::mt19937_64& rng, bool nul) {
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  static const std::vector<std::string> pieces = {"a",  "Z",  "é", "日本", "😀", "'",  "\"",
                                                  "\\", "\n", " ", "%",    "_", "{}", "0"};
  auto text = [&](int max) {
    std::string s;
    const auto n = pick(0, max);
    for (std::int64_t i = 0; i < n; ++i)
      s += nul && pick(0, 9) == 0 ? std::string(1, '\0') : pieces[pick(0, pieces.size() - 1)];
    return s;
  };
  Sample s;
  s.i32 = static_cast<std::int32_t>(pick(INT32_MIN, INT32_MAX));
  s.i16 = static_cast<std::int16_t>(pick(INT16_MIN, INT16_MAX));
  s.flag = pick(0, 1) == 1;
  s.f = static_cast<float>(pick(-1000000, 1000000)) / 64.0f;
  s.d = std::ldexp(static_cast<double>(pick(-(1LL << 52), 1LL << 52)),
                   static_cast<int>(pick(-60, 60)));
  s.amount =
      rt::Decimal{std::to_string(pick(-99999999, 99999999)) + "." + std::to_string(pick(10, 99))};
  s.name = text(8);
  s.text = text(40);
  s.day = std::chrono::sys_days(std::chrono::days(pick(-25567, 47482)));  // 1900..2100
  s.at = rt::Timestamp(std::chrono::microseconds(pick(0, 4102444800000000LL)));
  s.time = rt::TimeOfDay(std::chrono::microseconds(pick(0, 86399999999LL)));
  for (auto n = pick(0, 20); n > 0; --n)
    s.blob.push_back(static_cast<std::uint8_t>(pick(0, 255)));
  s.doc =
      rt::JsonText{"{\"k\": " + std::to_string(pick(-5, 5)) + ", \"list\": [true, null, \"x\"]}"};
  s.uuid = rt::Uuid::random();
  s.color = static_cast<Color>(pick(0, 2));
  if (pick(0, 1)) s.maybe = text(6);
  return s;
}

const rt::MetaData& tables() {
  models().add<User, UserRole, Sample>();
  return models().metadata();
}

class Service : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<rt::testing::TemporaryDatabase>(rt::testing::TemporaryDatabaseOptions{
        .url = GetParam().url(), .metadata = &tables(), .session = {.registry = &models()}});
  }
  void TearDown() override { temp_.reset(); }

  // The seed's configuration, on this test's database.
  rt::DatabaseConfig config() const {
    return {{"SQL_DATABASE_URI", temp_->url().render(false)},
            {"SQL_ECHO", false},
            {"SQL_ECHO_POOL", false},
            {"SQL_POOL_SIZE", 5},
            {"SQL_POOL_RECYCLE", 3600},
            {"SQL_AUTOCOMMIT", false},
            {"SQL_AUTOFLUSH", true}};
  }
  std::unique_ptr<rt::Database> database() const {
    rt::DatabaseSettings settings = rt::parse_config(config());
    settings.session.registry = &models();
    return std::make_unique<rt::Database>(std::move(settings));
  }
  // A column as stored, read with plain SQL.
  std::string stored(const std::string& sql) {
    auto conn = temp_->engine().connect();
    return conn.execute(sql).scalar<std::string>();
  }
  bool postgres() const { return GetParam().name == "postgresql"; }

  std::unique_ptr<rt::testing::TemporaryDatabase> temp_;
};

TEST_P(Service, TheSeedsWalkThroughLineForLine) {
  auto db = database();
  db->add<User, UserRole>().create_all();
  auto users = db->model<User>();

  Dict data = {{"name", "Jenny"}, {"email", ""}, {"phone", "555-867-5309"}};
  rt::Ref<User> user = users.save(data);

  EXPECT_EQ(user, users.get(1));
  EXPECT_EQ(user, users.find_one({{"id", 1}}));
  EXPECT_EQ(user, users.find(models().c(&User::name) == "Jenny").at(0));

  const Dict expected = {{"id", 1}, {"name", "Jenny"}, {"email", ""}, {"phone", "5558675309"}};
  EXPECT_EQ(rt::to_dict(user), expected);
  EXPECT_EQ(rt::to_json(user), R"({"id":1,"name":"Jenny","email":"","phone":"5558675309"})");
  EXPECT_EQ(stored("SELECT phone FROM \"user\""), "5558675309");

  user->phone = "222-867-5309";
  users.save(user);
  EXPECT_EQ(stored("SELECT phone FROM \"user\""), "2228675309");

  // Upsert on the primary key: the same object comes back, updated.
  EXPECT_EQ(user, users.save(expected));
  EXPECT_EQ(user->phone, "5558675309");
  EXPECT_EQ(stored("SELECT phone FROM \"user\""), "5558675309");
  EXPECT_EQ(users.count(), 1);

  EXPECT_EQ(users.destroy(user), 1);
  EXPECT_EQ(users.count(), 0);
  EXPECT_EQ(stored("SELECT COUNT(*) FROM \"user\""), "0");
}

TEST_P(Service, EveryFormOfDestroyDeletesAndCounts) {
  auto db = database();
  auto users = db->model<User>();
  const Dict jenny = {{"id", 1}, {"name", "Jenny"}, {"email", ""}, {"phone", "5558675309"}};
  const std::vector<std::function<std::int64_t(const rt::Ref<User>&)>> forms = {
      [&](const rt::Ref<User>& u) { return users.destroy(u); },
      [&](const rt::Ref<User>& u) { return users.destroy(std::vector<rt::Ref<User>>{u}); },
      [&](const rt::Ref<User>& u) { return users.destroy(u->id); },
      [&](const rt::Ref<User>& u) { return users.destroy(std::vector<std::int64_t>{u->id}); },
      [&](const rt::Ref<User>& u) { return users.destroy(rt::to_dict(u)); },
      [&](const rt::Ref<User>& u) { return users.destroy(std::vector<Dict>{rt::to_dict(u)}); },
  };
  for (std::size_t i = 0; i < forms.size(); ++i) {
    auto user = users.save(jenny);
    users.save(Dict{{"name", "Other"}, {"email", "o@x"}, {"phone", "1"}});
    EXPECT_EQ(forms[i](user), 1) << "form " << i;
    EXPECT_EQ(users.count(), 1) << "form " << i;
    EXPECT_FALSE(users.get(1)) << "form " << i;
    EXPECT_EQ(users.destroy(std::int64_t{1}), 0) << "nothing left to delete, form " << i;
    users.destroy(users.find());
  }
  EXPECT_THROW(users.destroy(Dict{{"name", "Jenny"}}), rt::ArgumentError) << "no key";
}

// Random batches of saves, by either mode, against a model of the rows.
TEST_P(Service, SaveUpsertsAgainstAModelOfTheRows) {
  auto db = database();
  auto users = db->model<User>();
  std::mt19937_64 rng(7);
  std::map<std::int64_t, std::string> model;  // id -> name
  for (int round = 0; round < 30; ++round) {
    std::vector<User> batch;
    const int size = static_cast<int>(rng() % 6) + 1;
    for (int i = 0; i < size; ++i) {
      User u;
      u.id = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 12) + 1;
      u.name = "n" + std::to_string(rng() % 1000);
      u.email = "e";
      u.phone = "(555) " + std::to_string(rng() % 100);
      batch.push_back(u);
    }
    const bool on_conflict = round % 2 == 1;
    auto saved = users.save(batch, {.on_conflict = on_conflict});
    ASSERT_EQ(saved.size(), batch.size());
    std::map<std::int64_t, std::string> last;  // a key given twice: the last one wins
    for (const auto& u : batch) {
      if (u.id != 0) last[u.id] = u.name;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      ASSERT_TRUE(saved[i]);
      EXPECT_EQ(saved[i]->name, batch[i].id ? last[batch[i].id] : batch[i].name);
      EXPECT_EQ(saved[i]->phone.find_first_not_of("0123456789"), std::string::npos);
      if (batch[i].id != 0) {
        EXPECT_EQ(saved[i]->id, batch[i].id);
      }
      model[saved[i]->id] = saved[i]->name;
    }
    db->session().expire_all();
    std::map<std::int64_t, std::string> rows;
    for (const auto& u : users.find())
      rows[u->id] = u->name;
    ASSERT_EQ(rows, model) << "round " << round << (on_conflict ? " (on_conflict)" : "");
  }
}

TEST_P(Service, ASaveOfKnownKeysReadsThemInOneSelect) {
  auto db = database();
  auto users = db->model<User>();
  std::vector<User> batch;
  for (int i = 1; i <= 40; ++i)
    batch.push_back(person("u" + std::to_string(i), i));
  users.save(batch);
  db->remove();
  for (auto& u : batch)
    u.name += "!";
  batch.push_back(person("new", 41));
  rt::StatementCounter counter(db->engine());
  users.save(batch);
  const auto statements = counter.statements();
  EXPECT_EQ(std::count_if(statements.begin(), statements.end(),
                          [](const std::string& s) { return s.rfind("SELECT \"user\".", 0) == 0; }),
            1)
      << testing::PrintToString(statements);
  EXPECT_EQ(users.count(), 41);
  EXPECT_EQ(users.get(7)->name, "u7!");
}

TEST_P(Service, FindPaginatesEveryRowOnce) {
  auto db = database();
  auto users = db->model<User>();
  std::vector<User> all;
  for (int i = 0; i < 23; ++i)
    all.push_back(person("u" + std::to_string(i % 5)));
  users.save(all);
  for (std::int64_t per_page : {1, 4, 5, 23, 50}) {
    std::vector<std::int64_t> seen;
    std::int64_t page = 1;
    for (;;) {
      auto p = users.paginate(page, per_page, {}, {.order_by = {models().c(&User::id).asc()}});
      EXPECT_EQ(p.total, 23);
      EXPECT_EQ(p.pages, (23 + per_page - 1) / per_page);
      EXPECT_EQ(p.has_prev(), page > 1);
      for (const auto& u : p.items)
        seen.push_back(u->id);
      if (!p.has_next()) break;
      page = *p.next_num();
    }
    EXPECT_EQ(seen.size(), 23u) << per_page;
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  }
  EXPECT_EQ(users.count({{"name", "u3"}}), 4);
  EXPECT_EQ(users.find({{"name", "u3"}}, {.limit = 2}).size(), 2u);
  EXPECT_FALSE(users.find_one({{"name", "nobody"}}));
  EXPECT_THROW(users.one({{"name", "u3"}}), rt::MultipleResultsError);
  EXPECT_THROW(users.one({{"name", "nobody"}}), rt::NoResultError);
  EXPECT_THROW(users.find({{"nickname", "x"}}), rt::ArgumentError);
  EXPECT_THROW(users.paginate(0, 10), rt::ArgumentError);
}

TEST_P(Service, RelationshipsGoThroughDictionaries) {
  auto db = database();
  auto users = db->model<User>();
  auto ann = users.save(Dict{{"name", "Ann"},
                             {"email", "ann@x"},
                             {"phone", "1"},
                             {"roles", {{{"role", "admin"}}, {{"role", "editor"}}}}});
  const std::int64_t ann_id = ann->id;
  db->remove();
  ann = users.get(ann_id);
  EXPECT_FALSE(rt::to_dict(ann, {.relationships = true}).contains("roles")) << "not loaded";
  ASSERT_EQ(ann->roles.size(), 2u);
  const Dict full = rt::to_dict(ann, {.relationships = true});
  ASSERT_EQ(full.at("roles").size(), 2u);
  EXPECT_EQ(full.at("roles")[0]["role"], "admin");
  EXPECT_EQ(full.at("roles")[1]["user_id"], ann->id);
  EXPECT_FALSE(full.at("roles")[0].contains("user")) << "the way back to the user is a cycle";
  EXPECT_FALSE(rt::to_dict(ann, {.relationships = true, .max_depth = 0}).contains("roles"));
  EXPECT_EQ(rt::to_dict(ann, {.relationships = true, .exclude = {"roles.user_id", "email"}}),
            (Dict{{"id", ann->id},
                  {"name", "Ann"},
                  {"phone", "1"},
                  {"roles",
                   {{{"id", full.at("roles")[0]["id"]}, {"role", "admin"}},
                    {{"id", full.at("roles")[1]["id"]}, {"role", "editor"}}}}}));
  EXPECT_EQ(rt::to_dict(ann, {.include = {"name"}}), (Dict{{"name", "Ann"}}));

  // Keep the editor (found by key, renamed), drop the admin (an orphan), add a viewer.
  Dict change = {
      {"phone", "(2) 2"},
      {"roles", {{{"id", full.at("roles")[1]["id"]}, {"role", "chief"}}, {{"role", "viewer"}}}}};
  db->transaction([&] { rt::update(ann, change); });
  db->remove();
  EXPECT_EQ(stored("SELECT phone FROM \"user\""), "22");
  auto again = users.get(ann_id);
  std::vector<std::string> roles;
  for (const auto& r : again->roles)
    roles.push_back(r->role);
  EXPECT_EQ(roles, (std::vector<std::string>{"chief", "viewer"}));
  EXPECT_EQ(stored("SELECT COUNT(*) FROM user_role"), "2");

  // A user made from a dictionary with nested roles, saved with them.
  User made = rt::from_dict<User>(
      Dict{{"name", "Bo"}, {"email", ""}, {"phone", "3"}, {"roles", {{{"role", "x"}}}}}, models());
  auto bo = users.save(std::move(made));
  EXPECT_EQ(bo->roles.size(), 1u);
  EXPECT_EQ(stored("SELECT COUNT(*) FROM user_role"), "3");
}

TEST_P(Service, UpdateErrorsNameThePathAndChangeNothing) {
  auto db = database();
  auto users = db->model<User>();
  auto ann = users.save(
      Dict{{"name", "Ann"}, {"email", ""}, {"phone", "1"}, {"roles", {{{"role", "a"}}}}});
  const Dict before = rt::to_dict(ann, {.relationships = true});
  const auto error = [&](const Dict& change) {
    try {
      rt::update(ann, change);
    } catch (const rt::ArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error({{"name", "Bea"}, {"roles", {{{"role", "a"}}, {{"role", 3}}}}}),
            "roles[1].role: expected a string, got 3");
  EXPECT_EQ(error({{"id", "one"}}), "id: expected an integer, got \"one\"");
  EXPECT_EQ(error({{"id", 1.5}}), "id: expected an integer, got 1.5");
  EXPECT_EQ(error({{"name", nullptr}}), "name: expected a string, got null");
  EXPECT_EQ(error({{"roles", Dict::array({Dict::array({"role", "a"})})}}),
            "roles[0]: expected an object, got [\"role\",\"a\"]");
  EXPECT_EQ(error({{"roles", "admin"}}), "roles: expected a list, got \"admin\"");
  EXPECT_EQ(error(Dict::array()), "the dictionary: expected an object, got []");
  EXPECT_EQ(error({{"id", 18446744073709551615ULL}}),
            "id: expected a number that fits 64 bits, got 18446744073709551615");
  const std::string unknown = error({{"nickname", "x"}});
  EXPECT_EQ(unknown.rfind("nickname: ", 0), 0u) << unknown;
  EXPECT_NE(unknown.find("User has no column or relationship 'nickname'; its keys are: id, name, "
                         "email, phone, roles"),
            std::string::npos)
      << unknown;
  // Hostile input: nesting without end, text that is not JSON, bytes that are not UTF-8.
  Dict deep = {{"name", "x"}};
  for (int i = 0; i < 200; ++i)
    deep = Dict{{"roles", Dict::array({Dict{{"user", deep}}})}};
  EXPECT_NE(error(deep).find("nested more than 64 levels deep"), std::string::npos);
  std::string text = "{\"name\": \"x\"}";
  for (int i = 0; i < 20000; ++i)
    text = "{\"roles\": [{\"user\": " + text + "}]}";
  EXPECT_THROW(rt::from_json<User>(text, models()), rt::ArgumentError);
  EXPECT_THROW(rt::from_json<User>("{\"name\": ", models()), rt::ArgumentError);
  EXPECT_THROW(rt::from_json<User>("[]", models()), rt::ArgumentError);
  User bad = person("\xff\xfe");
  EXPECT_THROW(rt::to_json(bad, {}, models()), rt::DataError);
  EXPECT_EQ(rt::from_json<User>(R"({"name": "a\u0000b"})", models()).name, std::string("a\0b", 3));

  EXPECT_EQ(rt::to_dict(ann, {.relationships = true}), before)
      << "a refused update changes nothing";
  db->commit();
  EXPECT_EQ(stored("SELECT name FROM \"user\""), "Ann");
  EXPECT_EQ(stored("SELECT COUNT(*) FROM user_role"), "1");
}

TEST_P(Service, EveryColumnTypeRoundTripsThroughJsonAndTheDatabase) {
  auto db = database();
  auto samples = db->model<Sample>();
  std::mt19937_64 rng(11);
  for (int i = 0; i < 40; ++i) {
    // Without the database: text may hold NUL bytes, doubles may be NaN or infinite.
    Sample loose = random_sample(rng, true);
    loose.d = std::vector<double>{NAN, INFINITY, -INFINITY, loose.d}[i % 4];
    const Dict loose_dict = rt::to_dict(loose, {}, models());
    const Sample back = rt::from_json<Sample>(rt::to_json(loose, {}, models()), models());
    EXPECT_EQ(rt::to_dict(back, {}, models()).dump(), loose_dict.dump());

    Sample s = random_sample(rng, !postgres());
    const Dict want = rt::to_dict(s, {}, models());
    const std::int64_t id = samples.save(rt::from_dict<Sample>(want, models()))->id;
    db->remove();
    Dict got = rt::to_dict(samples.get(id));
    got["id"] = 0;
    ASSERT_EQ(got, want) << "sample " << i;
  }
}

TEST_P(Service, AnInnerFailureRollsBackEverythingOnce) {
  auto db = database();
  auto users = db->model<User>();
  rt::StatementCounter counter(db->engine(), true);
  EXPECT_THROW(db->transaction([&] {
    users.save(person("outer"));
    db->transaction([&] {
      users.save(person("inner"));
      throw std::runtime_error("inner failure");
    });
  }),
               std::runtime_error);
  const auto statements = counter.statements();
  EXPECT_EQ(std::count(statements.begin(), statements.end(), "ROLLBACK"), 1)
      << testing::PrintToString(statements);
  EXPECT_EQ(std::count(statements.begin(), statements.end(), "COMMIT"), 0);
  EXPECT_EQ(users.count(), 0);

  // Caught inside: the outer scope then refuses to commit what came after.
  EXPECT_THROW(db->transaction([&] {
    try {
      db->transaction([&] {
        users.save(person("inner"));
        throw std::runtime_error("inner failure");
      });
    } catch (const std::runtime_error&) {
    }
    users.save(person("after"));
  }),
               rt::ObjectStateError);
  EXPECT_EQ(users.count(), 0);

  // Only the outermost scope commits.
  db->transaction([&] {
    db->transaction([&] { users.save(person("a")); });
    EXPECT_EQ(stored("SELECT COUNT(*) FROM \"user\""), "0") << "not committed yet";
  });
  EXPECT_EQ(stored("SELECT COUNT(*) FROM \"user\""), "1");
}

TEST_P(Service, ASavepointScopeKeepsTheOuterWork) {
  auto db = database();
  auto users = db->model<User>();
  db->transaction([&] {
    users.save(person("kept"));
    EXPECT_THROW(db->transaction(
                     [&] {
                       users.save(person("undone"));
                       throw std::runtime_error("inner failure");
                     },
                     {.savepoint = true}),
                 std::runtime_error);
    db->transaction([&] { users.save(person("also kept")); }, {.savepoint = true});
  });
  db->remove();
  std::vector<std::string> names;
  for (const auto& u : users.find({}, {.order_by = {models().c(&User::id).asc()}}))
    names.push_back(u->name);
  EXPECT_EQ(names, (std::vector<std::string>{"kept", "also kept"}));
}

TEST_P(Service, EachThreadWorksInItsOwnSession) {
  auto db = database();
  auto users = db->model<User>();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 10; ++i) {
          auto u = users.save(person("t" + std::to_string(t)));
          if (&db->session() != &db->session() || !users.get(u->id)) ++failures;
        }
        db->remove();
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(users.count(), 40);
}

TEST_P(Service, ExportThenImportGivesTheSameDump) {
  auto db = database();
  auto users = db->model<User>();
  users.save(
      Dict{{"name", "Ann"}, {"email", "a@x"}, {"phone", "1"}, {"roles", {{{"role", "admin"}}}}});
  users.save(Dict{{"name", "Bo"}, {"email", ""}, {"phone", "2"}});
  std::mt19937_64 rng(5);
  for (int i = 0; i < 30; ++i)
    db->model<Sample>().save(random_sample(rng, !postgres()));
  std::vector<std::pair<std::string, std::int64_t>> progress;
  std::ostringstream first;
  rt::export_json(
      *db, first,
      {.progress = {.report =
                        [&](const std::string& table, std::int64_t done, std::int64_t total) {
                          progress.emplace_back(table, done);
                          EXPECT_LE(done, total);
                        },
                    .every = 10}});
  EXPECT_NE(std::find(progress.begin(), progress.end(),
                      std::pair<std::string, std::int64_t>("service_sample", 20)),
            progress.end());
  const Dict dump = Dict::parse(first.str());
  std::vector<std::string> order;
  for (const auto& [name, rows] : dump.items())
    order.push_back(name);
  EXPECT_LT(std::find(order.begin(), order.end(), "user"),
            std::find(order.begin(), order.end(), "user_role"))
      << "parents first";

  rt::testing::TemporaryDatabase other({.url = GetParam().url(), .metadata = &tables()});
  std::istringstream in(first.str());
  EXPECT_EQ(rt::import_json(other.engine(), in), 33);
  EXPECT_EQ(rt::export_json(other.engine()), first.str());

  // Keys go on after the imported ones.
  rt::Database again(other.url().render(false), {}, {.registry = &models()});
  EXPECT_EQ(again.model<User>().save(person("Cy"))->id, 3);

  // Into tables that hold rows: refused, nothing written.
  std::istringstream twice(first.str());
  EXPECT_THROW(rt::import_json(other.engine(), twice), rt::ArgumentError);
  EXPECT_EQ(again.model<User>().count(), 3);
}

TEST_P(Service, AnImportThatFailsWritesNothing) {
  rt::testing::TemporaryDatabase target({.url = GetParam().url(), .metadata = &tables()});
  const auto refused = [&](const std::string& text) {
    std::istringstream in(text);
    try {
      rt::import_json(target.engine(), in);
    } catch (const rt::ArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(refused(R"({"user": [{"id": 1, "name": "a", "email": "", "phone": ""},
                                 {"id": 2, "name": 7, "email": "", "phone": ""}]})"),
            "user[1].name: expected a string, got 7");
  EXPECT_EQ(refused(R"({"user": [{"id": 1, "name": "a", "email": "", "phone": "", "x": 1}]})"),
            "user[0].x: table 'user' has no such column");
  EXPECT_EQ(refused(R"({"nope": []})"), "the database has no table 'nope'");
  EXPECT_EQ(refused(R"({"user": {}})"), "user: expected a list of rows, got {}");
  EXPECT_EQ(refused("[1, 2"), "import_json: the input is not valid JSON");
  EXPECT_EQ(refused(R"({"user": [{"id": 1, "name": "a", "email": "", "phone": ""}],
                         "user_role": [{"id": 1, "user_id": 1, "role": null}]})"),
            "user_role[0].role: expected a string, got null");
  EXPECT_TRUE(target.tables_with_rows().empty());
}

TEST_P(Service, CloneCopiesEverythingButTheKey) {
  auto db = database();
  auto users = db->model<User>();
  auto ann = users.save(Dict{{"name", "Ann"},
                             {"email", "a@x"},
                             {"phone", "1"},
                             {"roles", {{{"role", "admin"}}, {{"role", "editor"}}}}});
  const std::int64_t ann_id = ann->id;
  ASSERT_EQ(ann->roles.size(), 2u);
  const Dict before = rt::to_dict(ann, {.relationships = true});

  User copy = rt::clone(ann, {{"email", "copy@x"}});
  EXPECT_EQ(copy.id, 0);
  EXPECT_EQ(copy.name, "Ann");
  EXPECT_EQ(copy.email, "copy@x");
  auto saved = users.save(std::move(copy));
  EXPECT_NE(saved->id, ann->id);
  EXPECT_EQ(saved->roles.size(), 0u) << "children only on request";

  auto deep = users.save(rt::clone(ann, {}, {.children = true}));
  ASSERT_EQ(deep->roles.size(), 2u);
  EXPECT_EQ(deep->roles[0]->role, "admin");
  EXPECT_EQ(deep->roles[0]->user_id, deep->id);
  db->remove();
  auto original = users.get(ann_id);
  ASSERT_EQ(original->roles.size(), 2u);
  EXPECT_EQ(rt::to_dict(original, {.relationships = true}), before) << "the original is as it was";
  EXPECT_EQ(stored("SELECT COUNT(*) FROM user_role"), "4");

  // A role cloned keeps its user.
  auto role = db->model<UserRole>().save(rt::clone(original->roles[0]));
  EXPECT_EQ(role->user_id, ann_id);
  EXPECT_THROW(rt::clone(original, {{"phone", 5}}), rt::ArgumentError);
}

TEST_P(Service, EchoLogsStatementsAndHidesValues) {
  rt::DatabaseSettings settings = rt::parse_config(config());
  settings.engine.echo = true;
  settings.engine.echo_pool = true;
  settings.session.registry = &models();
  std::vector<std::string> lines;
  std::mutex mutex;
  settings.engine.logger = [&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  };
  rt::Database db(std::move(settings));
  db.model<User>().save(person("secret-name"));
  const std::string all = testing::PrintToString(lines);
  EXPECT_NE(all.find("INSERT INTO"), std::string::npos) << all;
  EXPECT_NE(all.find("[parameters hidden]"), std::string::npos) << all;
  EXPECT_EQ(all.find("secret-name"), std::string::npos) << all;
  EXPECT_NE(all.find("pool: connection checked out"), std::string::npos) << all;
  EXPECT_TRUE(db.ping());
}

RETORT_INSTANTIATE_FOR_BACKEND(Service);

}  // namespace
}  // namespace retort_test
