// The ORM on both databases: mapping, Session methods, the unit of work, queries.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct OrmUser {
  std::int64_t id = 0;
  std::string login{};
  std::optional<std::string> email{};
  int score = 0;
  static auto mapping() {
    return rt::model<OrmUser>("orm_user")
        .column("id", &OrmUser::id, rt::primary_key)
        .column("login", &OrmUser::login, rt::String(64), rt::unique)
        .column("email", &OrmUser::email, rt::String(128))
        .column("score", &OrmUser::score);
  }
};

// A chain of three tables with client-assigned keys: country <- city <- street.
struct Country {
  int code = 0;
  std::string name{};
  static auto mapping() {
    return rt::model<Country>("orm_country")
        .column("code", &Country::code, rt::primary_key, rt::no_autoincrement)
        .column("name", &Country::name, rt::String(40));
  }
};
struct City {
  int id = 0;
  int country = 0;
  std::string name{};
  static auto mapping() {
    return rt::model<City>("orm_city")
        .column("id", &City::id, rt::primary_key, rt::no_autoincrement)
        .column("country", &City::country, rt::ForeignKey("orm_country.code"))
        .column("name", &City::name, rt::String(40));
  }
};
struct Street {
  int id = 0;
  int city = 0;
  std::string name{};
  static auto mapping() {
    return rt::model<Street>("orm_street")
        .column("id", &Street::id, rt::primary_key, rt::no_autoincrement)
        .column("city", &Street::city, rt::ForeignKey("orm_city.id"))
        .column("name", &Street::name, rt::String(40));
  }
};

enum class Status { draft, published, archived };

// Every kind of member: composite key, UUID, enum, chrono, optional, blob, decimal, JSON.
struct Document {
  std::string tenant{};
  rt::Uuid id = rt::Uuid::random();
  Status status = Status::draft;
  std::chrono::sys_time<std::chrono::seconds> created{};
  std::optional<std::chrono::year_month_day> due{};
  rt::Blob body{};
  rt::Decimal price{"0.00"};
  rt::JsonText meta{"{}"};
  double weight = 0;
  bool flag = false;
  static auto mapping() {
    return rt::model<Document>("orm_document")
        .column("tenant", &Document::tenant, rt::String(20), rt::primary_key)
        .column("id", &Document::id, rt::primary_key)
        .column("status", &Document::status,
                rt::Enum({"draft", "published", "archived"}, "orm_status"))
        .column("created", &Document::created)
        .column("due", &Document::due)
        .column("body", &Document::body)
        .column("price", &Document::price, rt::Numeric(10, 2))
        .column("meta", &Document::meta)
        .column("weight", &Document::weight)
        .column("flag", &Document::flag);
  }
};

// Hooks and validation.
struct Contact {
  std::int64_t id = 0;
  std::string phone{};
  int version = 0;
  static inline std::vector<std::string> log;
  static auto mapping() {
    return rt::model<Contact>("orm_contact")
        .column("id", &Contact::id, rt::primary_key)
        .column("phone", &Contact::phone, rt::String(20))
        .column("version", &Contact::version)
        .on_set(&Contact::phone,
                [](Contact&, std::string& v) {
                  std::string digits;
                  for (char c : v) {
                    if (c >= '0' && c <= '9') digits += c;
                  }
                  v = digits;
                })
        .before_insert([](Contact& c) { log.push_back("before_insert " + c.phone); })
        .after_insert([](Contact& c) { log.push_back("after_insert " + std::to_string(c.id)); })
        .before_update([](Contact& c) { ++c.version; })
        .after_update(
            [](Contact& c) { log.push_back("after_update v" + std::to_string(c.version)); })
        .before_delete([](Contact& c) { log.push_back("before_delete " + std::to_string(c.id)); })
        .after_delete([](Contact&) { log.push_back("after_delete"); })
        .on_load([](Contact& c) { log.push_back("load " + c.phone); });
  }
};

// A load hook that looks up another class through the session the test sets: a get()
// made while the session is inside a get() of its own.
struct NoteWriter {
  std::int64_t id = 0;
  std::string name{};
  static auto mapping() {
    return rt::model<NoteWriter>("orm_note_writer")
        .column("id", &NoteWriter::id, rt::primary_key)
        .column("name", &NoteWriter::name, rt::String(40));
  }
};
struct HookedNote {
  std::int64_t id = 0;
  std::int64_t writer_id = 0;
  std::string text{};
  static inline rt::Session* session = nullptr;
  static inline std::vector<std::string> seen;
  static auto mapping() {
    return rt::model<HookedNote>("orm_hooked_note")
        .column("id", &HookedNote::id, rt::primary_key)
        .column("writer_id", &HookedNote::writer_id)
        .column("text", &HookedNote::text, rt::String(40))
        .on_load([](HookedNote& n) {
          if (session)
            seen.push_back(n.text + " by " + session->get<NoteWriter>(n.writer_id)->name);
        });
  }
};

class Orm : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::registry().add<OrmUser, Country, City, Street, Document, Contact>();
    drop_tables(conn(), {"orm_street", "orm_city", "orm_country", "orm_user", "orm_document",
                         "orm_contact"});
    if (postgres()) conn().execute("DROP TYPE IF EXISTS orm_status");
    rt::registry().metadata().create_all(
        conn(), {.tables = {"orm_user", "orm_country", "orm_city", "orm_street", "orm_document",
                            "orm_contact"}});
    conn().close();
    Contact::log.clear();
  }
  // Engine with a statement counter attached.
  std::size_t count_in(const std::function<void()>& fn, bool control = false) {
    rt::StatementCounter counter(engine(), control);
    fn();
    return counter.count();
  }
  std::int64_t rows(const std::string& table) {
    return engine().connect().execute("SELECT count(*) FROM " + table).scalar<std::int64_t>();
  }
};

TEST_P(Orm, AddCommitAssignsGeneratedKeysInOrder) {
  rt::Session session(engine());
  std::vector<rt::Ref<OrmUser>> users;
  for (int i = 0; i < 1200; ++i)
    users.push_back(session.add(OrmUser{.login = "u" + std::to_string(i)}));
  session.commit();
  auto conn = engine().connect();
  for (int i : {0, 1, 599, 1199}) {
    const auto login =
        conn.execute("SELECT login FROM orm_user WHERE id = ?", {users[i].peek()->id})
            .scalar<std::string>();
    EXPECT_EQ(login, "u" + std::to_string(i));
  }
}

TEST_P(Orm, GetUsesTheIdentityMapFirst) {
  rt::Session session(engine());
  auto alice = session.add(OrmUser{.login = "alice"});
  session.flush();
  const auto id = alice->id;
  EXPECT_EQ(count_in([&] { EXPECT_EQ(session.get<OrmUser>(id), alice); }), 0u);
  session.commit();

  rt::Session fresh(engine());
  rt::Ref<OrmUser> first, second;
  const auto n = count_in([&] {
    first = fresh.get<OrmUser>(id);
    second = fresh.get<OrmUser>(id);
  });
  EXPECT_EQ(n, 1u) << "the second get is served by the identity map";
  EXPECT_EQ(first, second);
  EXPECT_EQ(first->login, "alice");
  EXPECT_FALSE(fresh.get<OrmUser>(id + 1000));
}

// A get() that misses the identity map flushes first: an object added under that key is
// what it finds, not a second object for the same row.
TEST_P(Orm, GetFindsTheObjectItsAutoflushWrote) {
  rt::Session session(engine());
  session.add(Country{.code = 33, .name = "France"});
  auto paris = session.add(City{.id = 7, .country = 33, .name = "Paris"});
  auto got = session.get<City>(7);
  EXPECT_EQ(got, paris);
  got->name = "Paris, France";
  session.commit();
  rt::Session fresh(engine());
  EXPECT_EQ(fresh.get<City>(7)->name, "Paris, France");
}

// get() inside get(): the inner one may make the session's statement for its class while
// the outer one is still reading its row.
TEST_P(Orm, GetFromALoadHookLeavesTheOuterGetWhole) {
  // The note's class first, so that the writer's statement comes after it.
  rt::registry().add<HookedNote>();
  rt::registry().add<NoteWriter>();
  {
    auto c = engine().connect();
    drop_tables(c, {"orm_hooked_note", "orm_note_writer"});
    rt::registry().metadata().create_all(c, {.tables = {"orm_hooked_note", "orm_note_writer"}});
  }
  {
    rt::Session setup(engine());
    for (int i = 1; i <= 3; ++i) {
      setup.add(NoteWriter{.id = i, .name = "w" + std::to_string(i)});
      setup.add(HookedNote{.id = i, .writer_id = 4 - i, .text = "n" + std::to_string(i)});
    }
    setup.commit();
  }
  rt::Session session(engine());
  HookedNote::session = &session;
  HookedNote::seen.clear();
  struct Unset {
    ~Unset() { HookedNote::session = nullptr; }
  } unset;
  for (int i = 1; i <= 3; ++i) {
    auto note = session.get<HookedNote>(i);
    ASSERT_TRUE(note);
    EXPECT_EQ(note->text, "n" + std::to_string(i));
    EXPECT_EQ(session.get<NoteWriter>(4 - i)->name, "w" + std::to_string(4 - i));
  }
  EXPECT_EQ(HookedNote::seen, (std::vector<std::string>{"n1 by w3", "n2 by w2", "n3 by w1"}));
  EXPECT_EQ(session.get<HookedNote>(2), session.get<HookedNote>(2));
}

// The identity map against a model over random adds, key changes, deletes, flushes and
// commits, with keys that share table slots (multiples of 2^20, of 4096 plus one,
// negative): get() finds the model's object for every key and nothing for the others.
TEST_P(Orm, IdentityMapKeepsOneObjectPerKeyOverRandomOperations) {
  std::mt19937 rng(20261202);
  std::vector<int> keys;
  for (int i = 1; i <= 40; ++i) {
    for (int k : {i, -i, i << 20, i * 4096 + 1})
      keys.push_back(k);
  }
  auto pick = [&] { return keys[rng() % keys.size()]; };
  rt::Session session(engine());
  std::map<int, rt::Ref<Country>> model;
  for (int step = 0; step < 800; ++step) {
    const int k = pick();
    const auto it = model.find(k);
    switch (rng() % 6) {
      case 0:
      case 1:
        if (it == model.end()) model[k] = session.add(Country{.code = k, .name = "c"});
        break;
      case 2:  // a new key for some object
        if (it == model.end() && !model.empty()) {
          auto moved = std::next(model.begin(), static_cast<long>(rng() % model.size()));
          rt::Ref<Country> c = moved->second;
          model.erase(moved);
          c->code = k;
          model[k] = c;
          session.flush();  // until then get() finds it under the key it was loaded with
        }
        break;
      case 3:
        if (it != model.end()) {
          session.delete_(it->second);
          model.erase(it);
          session.flush();  // before the key can come back
        }
        break;
      case 4:
        session.flush();
        break;
      default:
        if (rng() % 4 == 0) session.commit();
    }
    const int probe = pick();
    const auto want = model.find(probe);
    const rt::Ref<Country> got = session.get<Country>(probe);
    if (want == model.end()) {
      ASSERT_FALSE(got) << "step " << step << ": nothing has key " << probe;
    } else {
      ASSERT_EQ(got, want->second) << "step " << step << ": key " << probe;
    }
  }
  session.commit();
  const auto all = session.query<Country>().all();
  ASSERT_EQ(all.size(), model.size());
  for (const auto& c : all)
    EXPECT_EQ(model.at(c->code), c);
}

// A rollback undoes flushed key changes: the object is the row with its old key again,
// however the change went (a swap through a third key, in a savepoint, or with a change
// still pending after it), and a row that now has the new key is another object's.
TEST_P(Orm, RollbackPutsBackTheKeysItsFlushesChanged) {
  rt::Session session(engine());
  auto a = session.add(Country{.code = 1, .name = "a"});
  auto b = session.add(Country{.code = 2, .name = "b"});
  session.commit();

  a->code = 10;
  session.flush();
  session.rollback();
  engine().connect().execute("INSERT INTO orm_country (code, name) VALUES (10, 'other')");
  EXPECT_EQ(session.get<Country>(1), a);
  EXPECT_EQ(a->code, 1);
  EXPECT_EQ(a->name, "a") << "not the row that now has key 10";
  EXPECT_EQ(session.get<Country>(10)->name, "other");
  EXPECT_NE(session.get<Country>(10), a);
  session.commit();

  // A swap through a third key, over two flushes.
  a->code = 3;
  session.flush();
  b->code = 1;
  session.flush();
  a->code = 2;
  session.flush();
  session.rollback();
  EXPECT_EQ(a->code, 1);
  EXPECT_EQ(b->code, 2);
  EXPECT_EQ(session.get<Country>(1), a);
  EXPECT_EQ(session.get<Country>(2), b);
  EXPECT_FALSE(session.get<Country>(3));

  // In a savepoint: only its change goes back.
  b->name = "b2";
  session.flush();
  {
    auto sp = session.begin_nested();
    a->code = 20;
    session.flush();
    sp.rollback();
  }
  EXPECT_EQ(a->code, 1);
  EXPECT_EQ(session.get<Country>(1), a);
  session.commit();
  EXPECT_EQ(b->name, "b2");

  // A failed flush rolls the transaction back but keeps the changes not yet written: the
  // key moved on after the flushed change is written from the old key.
  a->code = 30;
  session.flush();
  a->code = 40;
  a->name = "a4";
  auto taken = session.add(Country{.code = 2, .name = "taken"});
  EXPECT_THROW(session.flush(), rt::IntegrityError);
  session.expunge(taken);
  EXPECT_EQ(session.get<Country>(1), a) << "the row's key is 1 again";
  EXPECT_EQ(a->code, 40);
  EXPECT_EQ(a->name, "a4");
  session.commit();
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute("SELECT name FROM orm_country WHERE code = 40").scalar<std::string>(),
            "a4");
  EXPECT_EQ(
      conn.execute("SELECT count(*) FROM orm_country WHERE code IN (1, 30)").scalar<std::int64_t>(),
      0);
  EXPECT_EQ(conn.execute("SELECT name FROM orm_country WHERE code = 2").scalar<std::string>(),
            "b2");

  // A composite key of text and a UUID.
  const rt::Uuid id = rt::Uuid::random();
  auto d = session.add(Document{.tenant = "acme", .id = id, .weight = 1});
  session.commit();
  d->tenant = "globex";
  session.flush();
  session.rollback();
  EXPECT_EQ(session.get<Document>("acme", id), d);
  EXPECT_FALSE(session.get<Document>("globex", id));
  EXPECT_EQ(d->tenant, "acme");
  d->weight = 2;
  session.commit();
  EXPECT_EQ(engine()
                .connect()
                .execute("SELECT weight FROM orm_document WHERE tenant = 'acme'")
                .scalar<double>(),
            2);
}

// Random key changes, each flushed, in transactions and savepoints that commit or roll
// back, against a model of each object's key: after every commit or rollback each object
// has its model key, get() finds it there, and the table holds exactly the model's keys.
TEST_P(Orm, KeysOverRandomFlushesAndRollbacksMatchAModel) {
  std::mt19937 rng(20261203);
  rt::Session session(engine());
  std::vector<rt::Ref<Country>> objects;
  for (int i = 1; i <= 12; ++i)
    objects.push_back(session.add(Country{.code = i, .name = "n" + std::to_string(i)}));
  session.commit();
  std::vector<int> committed, current, at_savepoint;
  for (int i = 1; i <= 12; ++i)
    committed.push_back(i);
  current = committed;
  auto move_one = [&] {
    const std::size_t o = rng() % objects.size();
    int k = 0;
    do {
      k = static_cast<int>(rng() % 40) - 10;
    } while (std::find(current.begin(), current.end(), k) != current.end());
    objects[o]->code = k;
    current[o] = k;
    session.flush();
  };
  auto check = [&](int step) {
    for (std::size_t o = 0; o < objects.size(); ++o) {
      ASSERT_EQ(objects[o]->code, committed[o]) << "step " << step << ", object " << o;
      ASSERT_EQ(session.get<Country>(committed[o]), objects[o]) << "step " << step;
    }
    std::vector<int> want = committed, rows;
    std::sort(want.begin(), want.end());
    auto result = engine().connect().execute("SELECT code FROM orm_country ORDER BY code");
    while (result.next())
      rows.push_back(result.row().get<int>(0));
    ASSERT_EQ(rows, want) << "step " << step;
  };
  for (int step = 0; step < 300; ++step) {
    switch (rng() % 4) {
      case 0:
      case 1:
        move_one();
        break;
      case 2: {
        auto sp = session.begin_nested();
        at_savepoint = current;
        for (unsigned n = 1 + rng() % 3; n > 0; --n)
          move_one();
        if (rng() % 2) {
          sp.commit();
        } else {
          sp.rollback();
          current = at_savepoint;
          for (std::size_t o = 0; o < objects.size(); ++o)
            ASSERT_EQ(objects[o]->code, current[o]) << "step " << step << ", savepoint";
        }
        break;
      }
      default:
        if (rng() % 2) {
          session.commit();
          committed = current;
        } else {
          session.rollback();
          current = committed;
        }
        check(step);
    }
  }
}

TEST_P(Orm, QueriesGoThroughTheIdentityMap) {
  rt::Session session(engine());
  auto a = session.add(OrmUser{.login = "a", .score = 1});
  session.add(OrmUser{.login = "b", .score = 2});
  session.flush();
  a->score = 10;  // not flushed
  {
    auto no = session.no_autoflush();
    auto all = session.query<OrmUser>().order_by(rt::c(&OrmUser::login)).all();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], a) << "same object";
    EXPECT_EQ(all[0]->score, 10) << "not overwritten by the row";
  }
  auto refreshed =
      session.query<OrmUser>().where(rt::c(&OrmUser::login) == "a").populate_existing().one();
  EXPECT_EQ(refreshed, a);
  EXPECT_EQ(a->score, 10) << "autoflush wrote the change before the query";
}

TEST_P(Orm, FlushOrdersInsertsAndDeletesByForeignKeys) {
  rt::Session session(engine());
  // Added children first: the unit of work still inserts parents first.
  auto street = session.add(Street{.id = 1, .city = 10, .name = "Main"});
  auto city = session.add(City{.id = 10, .country = 100, .name = "Springfield"});
  auto country = session.add(Country{.code = 100, .name = "Freedonia"});
  session.commit();
  EXPECT_EQ(rows("orm_street"), 1);
  // And deletes children first, whatever the order of delete() calls.
  session.delete_(country);
  session.delete_(city);
  session.delete_(street);
  session.commit();
  EXPECT_EQ(rows("orm_country"), 0);
}

TEST_P(Orm, UpdatesOnlyChangedColumns) {
  rt::Session session(engine());
  auto u = session.add(OrmUser{.login = "ada", .email = "a@x", .score = 1});
  session.commit();
  (void)u->login;  // reload after commit
  rt::StatementCounter counter(engine());
  u->score = 2;
  session.flush();
  ASSERT_EQ(counter.count(), 1u);
  EXPECT_EQ(counter.statements()[0], "UPDATE orm_user SET score = ? WHERE orm_user.id = ?");
  counter.clear();
  u->email = std::nullopt;
  u->login = "ada2";
  session.flush();
  ASSERT_EQ(counter.count(), 1u);
  EXPECT_EQ(counter.statements()[0],
            "UPDATE orm_user SET login = ?, email = ? WHERE orm_user.id = ?");
  counter.clear();
  u->score = 2;  // same value: nothing to write
  session.flush();
  EXPECT_EQ(counter.count(), 0u);
  session.commit();
  auto row = engine().connect().execute("SELECT login, email, score FROM orm_user").one();
  EXPECT_EQ(row.get<std::string>("login"), "ada2");
  EXPECT_EQ(row.get<std::optional<std::string>>("email"), std::nullopt);
}

TEST_P(Orm, ManyChangesFlushTogether) {
  rt::Session session(engine());
  std::vector<rt::Ref<OrmUser>> users;
  for (int i = 0; i < 1200; ++i)
    users.push_back(session.add(OrmUser{.login = "m" + std::to_string(i)}));
  session.commit();
  for (auto& u : users)
    u->score = 7;
  for (int i = 0; i < 1200; i += 100)
    users[i]->login = "renamed" + std::to_string(i);
  rt::StatementCounter counter(engine());
  session.commit();
  // Batches of rows per UPDATE: 1,200 changed scores in three, 12 renames in one.
  EXPECT_LE(counter.count(), 4u);
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute("SELECT count(*) FROM orm_user WHERE score = 7").scalar<int>(), 1200);
  EXPECT_EQ(conn.execute("SELECT count(*) FROM orm_user WHERE login LIKE 'renamed%'").scalar<int>(),
            12);
  EXPECT_EQ(conn.execute("SELECT login FROM orm_user WHERE id = ?", {users[100].peek()->id})
                .scalar<std::string>(),
            "renamed100");
}

TEST_P(Orm, FailedFlushRollsBackAndKeepsPendingObjectsPending) {
  rt::Session session(engine());
  session.add(OrmUser{.login = "taken"});
  session.commit();

  auto fresh = session.add(OrmUser{.login = "fresh"});
  auto clash = session.add(OrmUser{.login = "taken"});
  try {
    session.commit();
    FAIL() << "the unique constraint must fail the flush";
  } catch (const rt::IntegrityError& e) {
    EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::unique);
    EXPECT_EQ(e.constraint(), postgres() ? "orm_user_login_key" : "orm_user.login");
  }
  EXPECT_EQ(fresh.peek()->id, 0) << "generated key undone";
  EXPECT_EQ(rows("orm_user"), 1) << "nothing half-written";
  // Fix the problem and retry: both pending objects go in.
  clash->login = "other";
  session.commit();
  EXPECT_EQ(rows("orm_user"), 3);
  EXPECT_NE(fresh.peek()->id, 0);
}

TEST_P(Orm, RollbackRestoresTheSession) {
  rt::Session session(engine());
  auto kept = session.add(OrmUser{.login = "kept", .score = 1});
  session.commit();
  kept->score = 99;
  auto added = session.add(OrmUser{.login = "added"});
  session.flush();
  session.rollback();
  EXPECT_EQ(kept->score, 1) << "expired and reloaded";
  EXPECT_EQ(added.state()->session, nullptr) << "new objects leave the session";
  EXPECT_EQ(rows("orm_user"), 1);
}

TEST_P(Orm, SavepointsRollBackOnlyTheirPart) {
  rt::Session session(engine());
  session.add(OrmUser{.login = "outer"});
  {
    auto sp = session.begin_nested();
    session.add(OrmUser{.login = "inner"});
    session.flush();
    sp.rollback();
  }
  {
    auto sp = session.begin_nested();
    session.add(OrmUser{.login = "kept"});
    sp.commit();
  }
  session.commit();
  auto logins = engine()
                    .connect()
                    .execute("SELECT login FROM orm_user ORDER BY login")
                    .scalars<std::string>();
  // The object added in the rolled-back savepoint left the session, as in SQLAlchemy.
  EXPECT_EQ(logins, (std::vector<std::string>{"kept", "outer"}));
}

TEST_P(Orm, DeleteMergeExpungeRefreshExpire) {
  rt::Session session(engine());
  auto a = session.add(OrmUser{.login = "a"});
  auto b = session.add(OrmUser{.login = "b"});
  session.commit();
  const auto a_id = a->id;

  session.delete_(b);
  session.flush();
  EXPECT_EQ(rows("orm_user"), 2) << "not committed yet";
  session.commit();
  EXPECT_EQ(rows("orm_user"), 1);

  // merge: copy a detached value onto the tracked object of the same key.
  auto merged = session.merge(OrmUser{.id = a_id, .login = "a2", .score = 7});
  EXPECT_EQ(merged, a);
  EXPECT_EQ(a->login, "a2");
  auto created = session.merge(OrmUser{.login = "new"});
  session.commit();
  EXPECT_NE(created->id, 0);
  session.commit();

  // refresh / expire: a change made behind the session's back (after the session's
  // transaction ended, so that it can see it).
  engine().connect().execute("UPDATE orm_user SET score = 42 WHERE id = ?", {a_id});
  session.refresh(a);
  EXPECT_EQ(a->score, 42);
  session.commit();
  engine().connect().execute("UPDATE orm_user SET score = 43 WHERE id = ?", {a_id});
  session.expire(a);
  EXPECT_EQ(a->score, 43);

  // expunge: the object leaves the session; a get loads a new one.
  session.expunge(a);
  auto again = session.get<OrmUser>(a_id);
  EXPECT_NE(again, a);
  EXPECT_EQ(again->login, "a2");
  session.close();
  EXPECT_EQ(again->login, "a2") << "a closed session's objects keep their values";
  EXPECT_THROW(session.refresh(again), rt::ObjectStateError);
  session.expire_all();
  EXPECT_NE(session.get<OrmUser>(a_id), again)
      << "the session is usable again, with a new identity map";
}

TEST_P(Orm, ExpireOnCommitReloadsOnAccess) {
  rt::Session session(engine());
  auto u = session.add(OrmUser{.login = "x"});
  session.commit();
  EXPECT_EQ(count_in([&] { EXPECT_EQ(u->login, "x"); }), 1u);
  EXPECT_EQ(count_in([&] { EXPECT_EQ(u->login, "x"); }), 0u);
  rt::Session keep(engine(), {.expire_on_commit = false});
  auto v = keep.add(OrmUser{.login = "y"});
  keep.commit();
  EXPECT_EQ(count_in([&] { EXPECT_EQ(v->login, "y"); }), 0u);
}

TEST_P(Orm, QueryMethods) {
  rt::Session session(engine());
  for (int i = 1; i <= 25; ++i) {
    session.add(OrmUser{.login = "user" + std::to_string(i), .score = i % 5});
  }
  session.commit();
  auto q = session.query<OrmUser>().where(rt::c(&OrmUser::score) >= 3);
  EXPECT_EQ(q.count(), 10);
  EXPECT_TRUE(q.exists());
  EXPECT_FALSE(session.query<OrmUser>().where(rt::c(&OrmUser::score) > 10).exists());
  EXPECT_EQ(q.order_by(rt::c(&OrmUser::id)).first()->login, "user3");
  EXPECT_FALSE(session.query<OrmUser>().where(rt::c(&OrmUser::login) == "nobody").first());
  EXPECT_EQ(session.query<OrmUser>().where(rt::c(&OrmUser::login) == "user7").one()->score, 2);
  EXPECT_THROW(session.query<OrmUser>().where(rt::c(&OrmUser::login) == "nobody").one(),
               rt::NoResultError);
  EXPECT_THROW(q.one(), rt::MultipleResultsError);
  EXPECT_FALSE(session.query<OrmUser>().where(rt::c(&OrmUser::login) == "nobody").one_or_none());
  auto page2 = session.query<OrmUser>().order_by(rt::c(&OrmUser::id)).page(2, 10).all();
  ASSERT_EQ(page2.size(), 10u);
  EXPECT_EQ(page2.front()->login, "user11");
  // A member orders ascending, as its column does.
  auto by_member = session.query<OrmUser>().order_by(&OrmUser::score, &OrmUser::id).all();
  ASSERT_FALSE(by_member.empty());
  EXPECT_EQ(by_member.front()->login, "user5");
  EXPECT_EQ(by_member.back()->login, "user24");
  EXPECT_EQ(q.scalar(rt::max(rt::c(&OrmUser::score))), 4);
  EXPECT_EQ(session.query<OrmUser>().where(rt::c(&OrmUser::login).in_({"user1", "user2"})).count(),
            2);
  EXPECT_EQ(session.query<OrmUser>().where(rt::c(&OrmUser::email).is_null()).count(), 25);
}

TEST_P(Orm, PlainQueriesWithoutASession) {
  {
    rt::Session session(engine());
    for (int i = 0; i < 5; ++i)
      session.add(OrmUser{.login = "p" + std::to_string(i), .score = i});
    session.commit();
  }
  auto conn = engine().connect();
  std::vector<OrmUser> users = rt::query<OrmUser>()
                                   .where(rt::c(&OrmUser::score) > 1)
                                   .order_by(rt::c(&OrmUser::score))
                                   .all(conn);
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].login, "p2");
  EXPECT_EQ(rt::query<OrmUser>().count(conn), 5);
  EXPECT_EQ(rt::query<OrmUser>().where(rt::c(&OrmUser::login) == "p4").one(conn).score, 4);
  EXPECT_FALSE(rt::query<OrmUser>().where(rt::c(&OrmUser::login) == "zz").first(conn));
}

// Plain queries read each row as the session does, both the columns the driver reads
// in its own loop and those it leaves to the attributes (UUID, enum, times, blob,
// decimal, JSON between a text and a real): random documents, some dates NULL.
TEST_P(Orm, PlainQueriesReadEveryRowAsTheSessionDoes) {
  using namespace std::chrono;
  std::mt19937_64 rng(11);
  std::map<std::string, Document> docs;
  {
    rt::Session session(engine());
    for (int i = 0; i < 300; ++i) {
      Document d{
          .tenant = "t" + std::to_string(rng() % 7),
          .status = static_cast<Status>(rng() % 3),
          .created = sys_seconds(seconds(1'600'000'000 + static_cast<long>(rng() % 1'000'000))),
          .due =
              rng() % 3 ? std::optional(year_month_day(sys_days(days(19000 + i)))) : std::nullopt,
          .body = rt::Blob(rng() % 6, static_cast<std::uint8_t>(rng() % 256)),
          .price =
              rt::Decimal{std::to_string(rng() % 100000) + "." + std::to_string(10 + rng() % 90)},
          .meta = rt::JsonText{R"({"n": )" + std::to_string(i) + "}"},
          .weight = static_cast<double>(rng() % 1000) / 8,
          .flag = rng() % 2 == 0};
      docs.emplace(d.tenant + d.id.str(), d);
      session.add(d);
    }
    session.commit();
  }
  auto conn = engine().connect();
  const std::vector<Document> plain = rt::query<Document>().all(conn);
  ASSERT_EQ(plain.size(), docs.size());
  for (const Document& p : plain) {
    const auto it = docs.find(p.tenant + p.id.str());
    ASSERT_NE(it, docs.end());
    const Document& d = it->second;
    EXPECT_EQ(p.status, d.status);
    EXPECT_EQ(p.created, d.created);
    EXPECT_EQ(p.due, d.due);
    EXPECT_EQ(p.body, d.body);
    EXPECT_EQ(p.price.text, d.price.text);
    EXPECT_EQ(p.meta.text, d.meta.text);
    EXPECT_EQ(p.weight, d.weight);
    EXPECT_EQ(p.flag, d.flag);
  }
}

// A result the driver holds whole (PostgreSQL's) is read into a vector sized for it at
// once, for a session's query as for a plain one; every row still arrives once.
TEST_P(Orm, QueriesMakeRoomForAKnownResultAtOnce) {
  std::mt19937_64 rng(3);
  std::size_t total = 0;
  for (int round = 0; round < 6; ++round) {
    {
      rt::Session session(engine());
      const auto more = static_cast<std::size_t>(rng() % 400 + 9);
      for (std::size_t i = 0; i < more; ++i)
        session.add(OrmUser{.login = "r" + std::to_string(total + i)});
      session.commit();
      total += more;
    }
    auto conn = engine().connect();
    const std::vector<OrmUser> plain = rt::query<OrmUser>().all(conn);
    rt::Session session(engine());
    const auto refs = session.query<OrmUser>().all();
    ASSERT_EQ(plain.size(), total);
    ASSERT_EQ(refs.size(), total);
    std::set<std::string> logins;
    for (const auto& u : plain)
      logins.insert(u.login);
    for (const auto& u : refs)
      EXPECT_EQ(logins.count(u->login), 1u);
    EXPECT_EQ(logins.size(), total);
    if (postgres()) {
      EXPECT_EQ(plain.capacity(), total);
      EXPECT_EQ(refs.capacity(), total);
    }
  }
}

// A table whose keys the database does not enforce, mapped with a primary key: a result
// may name one object twice. `price` is NUMERIC, which the attribute converts.
struct Loose {
  std::int64_t id = 0;
  std::string label{};
  std::optional<std::int32_t> n{};
  double price = 0;
  static auto mapping() {
    return rt::model<Loose>("orm_loose")
        .column("id", &Loose::id, rt::primary_key)
        .column("label", &Loose::label, rt::String(20))
        .column("n", &Loose::n)
        .column("price", &Loose::price);
  }
};

void make_loose_table(rt::Connection& conn) {
  drop_tables(conn, {"orm_loose"});
  conn.execute(
      "CREATE TABLE orm_loose (id BIGINT, label VARCHAR(20), n BIGINT, price NUMERIC(10, 2))");
}

// Objects come out the same whether the session held none of their class before (the
// driver then reads each row into a new object before its key is looked up) or some: a
// key repeated in the result names the object of its first row, in both.
TEST_P(Orm, RepeatedKeysNameOneObjectInFreshAndUsedSessions) {
  rt::registry().add<Loose>();
  auto conn = engine().connect();
  make_loose_table(conn);
  std::mt19937_64 rng(17);
  struct Row {
    std::int64_t id;
    std::optional<std::int32_t> n;
    double price;
  };
  std::vector<Row> rows;
  auto insert = conn.prepare("INSERT INTO orm_loose (id, label, n, price) VALUES (?, ?, ?, ?)");
  for (int i = 0; i < 400; ++i) {
    Row r{static_cast<std::int64_t>(rng() % 150) - 20, std::nullopt,
          static_cast<double>(rng() % 2000) / 4};
    if (rng() % 3) r.n = static_cast<std::int32_t>(rng() % 1000) - 500;
    char label[8];
    std::snprintf(label, sizeof label, "r%04d", i);
    insert.execute({r.id, std::string(label), r.n ? rt::Value(*r.n) : rt::Value(), r.price});
    rows.push_back(r);
  }
  conn.close();
  // The model: each key's object holds its first row's values.
  std::map<std::int64_t, Row> first;
  for (const Row& r : rows)
    first.try_emplace(r.id, r);
  auto check = [&](const std::vector<rt::Ref<Loose>>& all) {
    ASSERT_EQ(all.size(), rows.size());
    std::map<std::int64_t, const Loose*> objects;
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Loose& got = *all[i];
      ASSERT_EQ(got.id, rows[i].id) << "row " << i;
      const auto [it, fresh] = objects.emplace(got.id, &got);
      EXPECT_EQ(it->second, &got) << "key " << got.id << " names one object";
      const Row& want = first.at(got.id);
      EXPECT_EQ(got.n, want.n) << "key " << got.id;
      EXPECT_EQ(got.price, want.price) << "key " << got.id;
    }
    EXPECT_EQ(objects.size(), first.size());
  };
  const auto in_order = [](rt::Session& session) {
    return session.query<Loose>().order_by(rt::c(&Loose::label)).all();
  };
  {
    rt::Session fresh(engine());
    check(in_order(fresh));
  }
  {
    rt::Session used(engine());
    const auto held = used.query<Loose>().order_by(rt::c(&Loose::label)).first();
    ASSERT_TRUE(held);
    check(in_order(used));
  }
}

// A query's rows refresh the objects the session holds expired, and with
// populate_existing() the others too; it keeps the values of the others. What it read is
// then readable without another statement.
TEST_P(Orm, QueriesRefreshExpiredObjectsAndKeepTheOthers) {
  std::mt19937_64 rng(23);
  std::map<std::string, int> scores;  // the model: each login's score in the database
  {
    rt::Session session(engine());
    for (int i = 0; i < 80; ++i) {
      const std::string login = "e" + std::to_string(i);
      scores[login] = static_cast<int>(rng() % 1000);
      session.add(OrmUser{.login = login, .score = scores[login]});
    }
    session.commit();
  }
  auto read_all = [&](const std::vector<rt::Ref<OrmUser>>& users) {
    std::map<std::string, int> seen;
    const auto statements = count_in([&] {
      for (const auto& u : users)
        seen[u->login] = u->score;
    });
    EXPECT_EQ(statements, 0u) << "the query left objects to load again";
    return seen;
  };
  rt::Session session(engine());
  const auto held = session.query<OrmUser>().all();
  EXPECT_EQ(read_all(held), scores);
  for (int round = 0; round < 4; ++round) {
    // Some objects expired, then the rows changed behind the session's back.
    std::set<std::string> expired;
    for (const auto& u : held) {
      if (rng() % 2) {
        session.expire(u);
        expired.insert(u.peek()->login);
      }
    }
    const int add = 1 + static_cast<int>(rng() % 50);
    session.execute(std::string("UPDATE orm_user SET score = score + ?"), {add});
    const bool populate = round % 2 == 1;
    const auto again = populate ? session.query<OrmUser>().populate_existing().all()
                                : session.query<OrmUser>().all();
    ASSERT_EQ(again.size(), held.size());
    const auto seen = read_all(again);
    for (auto& [login, score] : scores) {
      const bool refreshed = populate || expired.count(login);
      EXPECT_EQ(seen.at(login), refreshed ? score + add : score) << login << ", round " << round;
      score += add;
    }
    // Every object now holds what the database holds.
    if (!populate) session.query<OrmUser>().populate_existing().all();
    EXPECT_EQ(read_all(again), scores);
  }
}

// A row the attributes cannot read ends the query with the error of the member it names,
// in a fresh session as in one that holds objects, and the session goes on working.
TEST_P(Orm, UnreadableRowsRaiseInFreshAndUsedSessions) {
  rt::registry().add<Loose>();
  auto conn = engine().connect();
  make_loose_table(conn);
  for (int i = 0; i < 50; ++i) {
    conn.execute("INSERT INTO orm_loose (id, label, n, price) VALUES (?, ?, ?, ?)",
                 {i, "ok", i, 1.5});
  }
  conn.execute("INSERT INTO orm_loose (id, label, n, price) VALUES (?, ?, ?, ?)",
               {1000, "too large", std::int64_t{1} << 40, 1.5});
  conn.execute("INSERT INTO orm_loose (id, label, n, price) VALUES (NULL, 'no key', 1, 1.5)");
  conn.close();
  for (const bool holding : {false, true}) {
    rt::Session session(engine());
    rt::Ref<Loose> held;
    if (holding) held = session.get<Loose>(3);
    try {
      (void)session.query<Loose>().where(rt::c(&Loose::id) >= 0).all();
      FAIL() << "an int32 member read a value beyond its range";
    } catch (const rt::MappingError& e) {
      EXPECT_NE(std::string(e.what()).find("Loose.n"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)session.query<Loose>().where(rt::c(&Loose::label) == "no key").all(),
                 rt::DataError);
    const auto ok = session.query<Loose>().where(rt::c(&Loose::label) == "ok").all();
    EXPECT_EQ(ok.size(), 50u);
    if (holding) {
      EXPECT_EQ(held->n, 3);
    }
  }
}

// A query does not read the row of an object the session holds unexpired, as load()
// does not: values changed behind the session's back stay as the object has them, even
// ones its members could not read, wherever the object's row comes in the result. An
// expired object's row is read again, and raises.
TEST_P(Orm, RowsOfHeldObjectsGoUnreadUntilExpired) {
  rt::registry().add<Loose>();
  auto conn = engine().connect();
  make_loose_table(conn);
  const int rows = 120;
  for (int i = 0; i < rows; ++i) {
    conn.execute("INSERT INTO orm_loose (id, label, n, price) VALUES (?, ?, ?, ?)",
                 {i, "r" + std::to_string(i), i, 1.5});
  }
  conn.close();
  std::mt19937 rng(11);
  for (int round = 0; round < 4; ++round) {
    rt::Session session(engine());
    std::map<std::int64_t, rt::Ref<Loose>> held;
    // Held objects all over, or only after a long run of new rows.
    const int first_held = round % 2 ? 90 : 0;
    for (int i = first_held; i < rows; ++i) {
      if (rng() % 3 == 0) held[i] = session.get<Loose>(i);
    }
    if (held.empty()) held[rows - 1] = session.get<Loose>(rows - 1);
    for (const auto& [id, ref] : held) {
      session.execute(std::string("UPDATE orm_loose SET label = 'changed', n = ? WHERE id = ?"),
                      {std::int64_t{1} << 40, id});
    }
    const auto all = session.query<Loose>().order_by(rt::c(&Loose::id)).all();
    ASSERT_EQ(all.size(), static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      const auto& u = all[static_cast<std::size_t>(i)];
      EXPECT_EQ(u->label, "r" + std::to_string(i)) << "round " << round;
      EXPECT_EQ(u->n, i);
      const auto it = held.find(i);
      if (it != held.end()) {
        EXPECT_EQ(u.state(), it->second.state()) << "one object per key";
      }
    }
    auto it = held.begin();
    std::advance(it, static_cast<long>(rng() % held.size()));
    session.expire(it->second);
    try {
      (void)session.query<Loose>().all();
      FAIL() << "an expired object's row was not read again";
    } catch (const rt::MappingError& e) {
      EXPECT_NE(std::string(e.what()).find("Loose.n"), std::string::npos) << e.what();
    }
    EXPECT_EQ(session.query<Loose>().where(rt::c(&Loose::label) != "changed").all().size(),
              rows - held.size());
  }
}

TEST_P(Orm, BulkStatementsSynchroniseTheSession) {
  rt::Session session(engine());
  std::vector<OrmUser> many;
  for (int i = 0; i < 50; ++i)
    many.push_back(OrmUser{.login = "b" + std::to_string(i), .score = i});
  session.bulk_insert(many);
  EXPECT_NE(many[49].id, 0);
  EXPECT_EQ(rows("orm_user"), 0) << "not committed yet";
  auto low = session.get<OrmUser>(many[3].id);
  auto high = session.get<OrmUser>(many[40].id);
  EXPECT_EQ(session.query<OrmUser>().where(rt::c(&OrmUser::score) < 10).update({{"score", 0}}), 10);
  EXPECT_EQ(low->score, 0) << "a loaded object takes the new value";
  EXPECT_EQ(session.query<OrmUser>().where(rt::c(&OrmUser::score) >= 40).delete_(), 10);
  EXPECT_EQ(high.state()->session, this->engine_ ? high.state()->session : nullptr);
  EXPECT_FALSE(session.get<OrmUser>(many[40].id)) << "deleted rows are gone from the session";
  session.commit();
  EXPECT_EQ(rows("orm_user"), 40);
}

TEST_P(Orm, EveryMemberTypeRoundTrips) {
  using namespace std::chrono;
  Document doc{.tenant = "acme",
               .status = Status::published,
               .created = time_point_cast<seconds>(sys_days(year{2024} / 5 / 6) + hours(7)),
               .due = year{2024} / 12 / 24,
               .body = rt::Blob{0, 1, 255},
               .price = rt::Decimal{"12.50"},
               .meta = rt::JsonText{R"({"a": 1})"},
               .weight = 2.5,
               .flag = true};
  const auto id = doc.id;
  {
    rt::Session session(engine());
    session.add(doc);
    session.commit();
  }
  rt::Session session(engine());
  auto loaded = session.get<Document>("acme", id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->status, Status::published);
  EXPECT_EQ(loaded->created, doc.created);
  EXPECT_EQ(loaded->due, doc.due);
  EXPECT_EQ(loaded->body, doc.body);
  EXPECT_EQ(loaded->price.text, "12.50");
  EXPECT_EQ(loaded->meta.text, R"({"a": 1})");
  EXPECT_EQ(loaded->weight, 2.5);
  EXPECT_TRUE(loaded->flag);
  EXPECT_EQ(engine().connect().execute("SELECT status FROM orm_document").scalar<std::string>(),
            "published");
  loaded->status = Status::archived;
  loaded->due = std::nullopt;
  session.commit();
  EXPECT_EQ(session.query<Document>().where(rt::c(&Document::status) == Status::archived).count(),
            1);
}

TEST_P(Orm, HooksAndValidation) {
  rt::Session session(engine());
  auto c = session.add(Contact{.phone = "555-867-5309"});
  session.flush();
  EXPECT_EQ(c->phone, "5558675309") << "on_set ran at flush";
  c->phone = "(1) 234";
  session.flush();
  EXPECT_EQ(c->phone, "1234");
  EXPECT_EQ(c->version, 1);
  const auto id = c->id;
  session.delete_(c);
  session.commit();
  std::vector<std::string> expected = {"before_insert 555-867-5309",
                                       "after_insert " + std::to_string(id), "after_update v1",
                                       "before_delete " + std::to_string(id), "after_delete"};
  EXPECT_EQ(Contact::log, expected);
  // The dynamic path runs the hook too.
  Contact plain;
  session.mapper<Contact>().set(&plain, "phone", rt::Value("+44 (0) 20"));
  EXPECT_EQ(plain.phone, "44020");
}

TEST_P(Orm, StreamingAMillionRowsKeepsMemoryFlat) {
  auto conn = engine().connect();
  const char* fill =
      postgres()
          ? "INSERT INTO orm_user (login, score) SELECT 'u' || g, g % 100 FROM generate_series(1, "
            "1000000) AS g"
          : "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 1000000) "
            "INSERT INTO orm_user (login, score) SELECT 'u' || g, g % 100 FROM s";
  conn.execute(fill);
  conn.close();
  auto resident_kb = [] {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * 4;
  };
  rt::Session session(engine());
  std::int64_t n = 0, sum = 0;
  long start_kb = 0, peak_kb = 0;
  for (const rt::Ref<OrmUser>& u : session.query<OrmUser>().yield_per(1000)) {
    ++n;
    sum += u.peek()->score;
    if (n == 10000) start_kb = resident_kb();
    if (n % 100000 == 0) peak_kb = std::max(peak_kb, resident_kb());
  }
  EXPECT_EQ(n, 1000000);
  EXPECT_EQ(sum, 49500000);
  // Objects let go of are freed: memory after 10,000 rows and after 1,000,000 are alike.
  // (AddressSanitizer holds freed memory in quarantine, so resident memory says nothing
  // there; the identity map's size still does.)
  RecordProperty("resident_growth_kb", std::to_string(peak_kb - start_kb));
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(peak_kb - start_kb, 20 * 1024)
      << "resident memory grew from " << start_kb << " kB to " << peak_kb << " kB";
#endif
  EXPECT_EQ(session.core().identity_size(), 0u);
}

// The same table mapped classically, by a struct that knows nothing of the ORM.
struct PlainUser {
  std::int64_t id = 0;
  std::string login{};
  std::optional<std::string> email{};
  int score = 0;
};

TEST_P(Orm, ClassicalAndDeclarativeMappingsOfOneTable) {
  rt::Registry classical;
  classical.add(rt::model<PlainUser>(rt::registry().metadata().get("orm_user"))
                    .column("id", &PlainUser::id)
                    .column("login", &PlainUser::login)
                    .column("email", &PlainUser::email)
                    .column("score", &PlainUser::score));
  {
    rt::Session declarative(engine());
    declarative.add(OrmUser{.login = "from-declarative", .score = 1});
    declarative.commit();
  }
  rt::Session session(engine(), {.registry = &classical});
  auto loaded =
      session.query<PlainUser>().where(classical.c(&PlainUser::login) == "from-declarative").one();
  EXPECT_EQ(loaded->score, 1);
  loaded->score = 2;
  session.add(PlainUser{.login = "from-classical"});
  session.commit();
  rt::Session check(engine());
  EXPECT_EQ(check.query<OrmUser>().where(rt::c(&OrmUser::login) == "from-declarative").one()->score,
            2);
  EXPECT_EQ(check.query<OrmUser>().count(), 2);
}

TEST_P(Orm, MappingErrorsAreReportedAtRegistration) {
  struct Twice {
    int id = 0;
    std::string name{};
  };
  struct NoKey {
    int id = 0;
  };
  struct WrongType {
    int id = 0;
    std::string name{};
  };
  rt::Registry r;
  try {
    r.add(rt::model<Twice>("twice")
              .column("id", &Twice::id, rt::primary_key)
              .column("name", &Twice::name)
              .column("alias", &Twice::name));
    FAIL();
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("mapped twice"), std::string::npos) << e.what();
  }
  try {
    r.add(rt::model<NoKey>("nokey").column("id", &NoKey::id));
    FAIL();
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("no primary key"), std::string::npos) << e.what();
  }
  try {
    r.add(rt::model<WrongType>("wrong")
              .column("id", &WrongType::id, rt::primary_key)
              .column("name", &WrongType::name, rt::Integer()));
    FAIL();
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot hold a member of type std::string"),
              std::string::npos)
        << e.what();
  }
  rt::Session session(engine(), {.registry = &r});
  EXPECT_THROW(session.query<NoKey>(), rt::MappingError);
}

RETORT_INSTANTIATE_FOR_BACKEND(Orm);

}  // namespace
}  // namespace retort_test
