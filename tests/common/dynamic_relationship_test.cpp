// Query-backed collections on both databases: the seed's followers example (a
// self-referential many-to-many, both sides rt::DynamicMany) with pinned statement counts,
// a user with 100,000 followers whose memory does not grow with them, a one-to-many and
// a write-only collection, and random follow / unfollow sequences checked against a model.
#include <algorithm>
#include <atomic>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "backend_test.hpp"
#include "dynamic_models.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"
#include "retort/service.hpp"

namespace retort_test {
namespace {

using namespace dyn;

class DynamicRelationships : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    register_all();
    auto& md = rt::registry().metadata();
    md.drop_all(conn(), {.tables = tables()});
    md.create_all(conn(), {.tables = tables()});
    conn().close();
  }
  std::size_t count_in(const std::function<void()>& fn) {
    rt::StatementCounter counter(engine());
    fn();
    return counter.count();
  }
  std::int64_t scalar(const std::string& sql) {
    return engine().connect().execute(sql).scalar<std::int64_t>();
  }
  // Through the session's connection: flushed rows are not committed yet.
  std::set<std::pair<std::int64_t, std::int64_t>> follow_rows(rt::Session& session) {
    std::set<std::pair<std::int64_t, std::int64_t>> out;
    auto rows = session.connection().execute("SELECT follower_id, followed_id FROM dyn_followers");
    while (rows.next())
      out.emplace(rows.row().get<std::int64_t>(0), rows.row().get<std::int64_t>(1));
    return out;
  }
};

TEST_P(DynamicRelationships, FollowUnfollowAndFollowedPostsAsTheSeedWritesThem) {
  rt::Session session(engine());
  auto susan = session.add(User{.username = "susan"});
  auto john = session.add(User{.username = "john"});
  auto david = session.add(User{.username = "david"});
  session.add(Post{.body = "susan's", .timestamp = 10, .author = susan});
  session.add(Post{.body = "john's", .timestamp = 20, .author = john});
  session.add(Post{.body = "david's", .timestamp = 30, .author = david});
  session.commit();
  (void)john->id, (void)susan->id, (void)david->id;  // reloaded after the commit

  EXPECT_EQ(count_in([&] { john->followed.add(susan); }), 0u) << "add loads nothing";
  EXPECT_EQ(susan->followers.pending_additions().size(), 1u) << "back_populates, in memory";
  bool following = false;
  EXPECT_EQ(count_in([&] { following = is_following(john, susan); }), 2u)
      << "autoflush (the association row), then one SELECT count(*)";
  EXPECT_TRUE(following);
  EXPECT_TRUE(susan->followers.pending_additions().empty()) << "written, forgotten";
  EXPECT_EQ(count_in([&] { following = is_following(susan, john); }), 1u);
  EXPECT_FALSE(following);

  follow(john, susan);  // already following: no second row
  std::int64_t n = 0;
  EXPECT_EQ(count_in([&] { n = susan->followers.count(); }), 1u);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(susan->followers.first(), john) << "the same object, through the identity map";
  EXPECT_TRUE(susan->followers.contains(john));
  EXPECT_FALSE(susan->followers.contains(david));
  auto eve = session.add(User{.username = "eve"});
  eve->followed.add(susan);
  EXPECT_TRUE(susan->followers.contains(eve)) << "a new follower is flushed for its key";
  eve->followed.remove(susan);
  session.flush();

  std::vector<rt::Ref<Post>> posts;
  EXPECT_EQ(count_in([&] { posts = followed_posts(session, john); }), 1u);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0]->body, "john's") << "newest first";
  EXPECT_EQ(posts[1]->body, "susan's");

  EXPECT_EQ(count_in([&] { unfollow(john, susan); }), 1u) << "one SELECT; remove loads nothing";
  EXPECT_EQ(count_in([&] { session.flush(); }), 1u) << "one DELETE of the association row";
  EXPECT_FALSE(is_following(john, susan));
  EXPECT_EQ(followed_posts(session, john).size(), 1u);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_followers"), 0);
}

TEST_P(DynamicRelationships, AHundredThousandFollowersAreNeverLoaded) {
  constexpr std::int64_t kFollowers = 100000;
  {
    auto conn = engine().connect();
    auto tx = conn.begin();
    conn.execute("INSERT INTO dyn_user (username) VALUES ('star')");
    conn.execute(
        "INSERT INTO dyn_user (username) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        "FROM n WHERE i < " +
        std::to_string(kFollowers) + ") SELECT 'fan' || i FROM n");
    conn.execute(
        "INSERT INTO dyn_followers (follower_id, followed_id) SELECT f.id, s.id FROM dyn_user f, "
        "dyn_user s WHERE s.username = 'star' AND f.username <> 'star'");
    tx.commit();
  }
  const int alive_before = Alive<User>::count;
  rt::Session session(engine());
  auto star = session.query<User>().where(rt::c(&User::username) == "star").one();

  std::int64_t n = 0;
  EXPECT_EQ(count_in([&] { n = star->followers.count(); }), 1u);
  EXPECT_EQ(n, kFollowers);
  bool any = false;
  EXPECT_EQ(count_in([&] { any = star->followers.exists(); }), 1u);
  EXPECT_TRUE(any);
  std::vector<rt::Ref<User>> page;
  EXPECT_EQ(count_in([&] { page = star->followers.order_by(&User::id).page(3, 50).all(); }), 1u);
  ASSERT_EQ(page.size(), 50u);
  EXPECT_EQ(page[0]->username, "fan101");
  auto fans = star->followers.where(rt::c(&User::username).like("fan9999%")).all();
  EXPECT_EQ(fans.size(), 11u);  // fan9999, fan99990 ... fan99999
  EXPECT_LE(Alive<User>::count - alive_before, 70) << "only the pages read are in memory";

  auto newbie = session.add(User{.username = "newbie"});
  EXPECT_EQ(count_in([&] { newbie->followed.add(star); }), 0u);
  EXPECT_EQ(count_in([&] { n = star->followers.count(); }), 3u)
      << "autoflush: the user and the association row, then the count";
  EXPECT_EQ(n, kFollowers + 1);
  EXPECT_EQ(count_in([&] { star->followers.remove(newbie); }), 0u);
  EXPECT_EQ(count_in([&] { n = star->followers.count(); }), 2u);
  EXPECT_EQ(n, kFollowers);
  EXPECT_EQ(newbie->followed.count(), 0);

  // Deleting the star deletes its association rows with one statement per side, and its
  // posts and notifications with the rows the database lists: no follower is loaded.
  session.delete_(star);
  EXPECT_LE(count_in([&] { session.flush(); }), 5u);
  EXPECT_LE(Alive<User>::count - alive_before, 70);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_followers"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_user"), kFollowers + 1);
}

TEST_P(DynamicRelationships, OneToManyAddsRemovesOrphansAndMovesChildren) {
  rt::Session session(engine());
  auto ann = session.add(User{.username = "ann"});
  auto bob = session.add(User{.username = "bob"});
  auto first = rt::make_ref(Post{.body = "first", .timestamp = 1});
  ann->posts.add(first);
  EXPECT_EQ(first->author.get(), ann) << "back_populates sets the child's side";
  Post second{.body = "second", .timestamp = 2};
  second.author = ann;  // from the child's side
  auto second_ref = session.add(std::move(second));
  EXPECT_EQ(ann->posts.count(), 2) << "pending posts show after autoflush";
  EXPECT_EQ(ann->posts.all()[0], first) << "order_by(&Post::id)";
  EXPECT_EQ(first->user_id, ann->id);

  // A post of another user is not in ann's collection: removing it changes nothing.
  auto bobs = session.add(Post{.body = "bob's", .timestamp = 3, .author = bob});
  session.flush();
  ann->posts.remove(bobs);
  session.flush();
  EXPECT_EQ(bobs->user_id, bob->id);
  EXPECT_EQ(bob->posts.count(), 1);

  second_ref->author = bob;  // moves it
  EXPECT_EQ(ann->posts.count(), 1);
  EXPECT_EQ(bob->posts.count(), 2);
  EXPECT_EQ(second_ref->user_id, bob->id);

  ann->posts.remove(first);  // delete-orphan
  EXPECT_EQ(first->author.get(), nullptr);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_post WHERE body = 'first'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_post"), 2);

  // A new user's additions are written with it; deleting a user deletes its posts (the
  // cascade finds them with one query).
  auto cy = rt::make_ref(User{.username = "cy"});
  cy->posts.add(rt::make_ref(Post{.body = "cy's", .timestamp = 4}));
  session.add(cy);
  session.commit();
  EXPECT_EQ(cy->posts.count(), 1);
  session.delete_(bob);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_post"), 1);
}

// any() and contains() over collections that are never loaded, as over rt::Many.
TEST_P(DynamicRelationships, QueriesFilterAlongNeverLoadedCollections) {
  rt::Session session(engine());
  auto ann = session.add(User{.username = "ann"});
  auto bob = session.add(User{.username = "bob"});
  session.add(User{.username = "cy"});
  auto hello = rt::make_ref(Post{.body = "hello", .timestamp = 1});
  ann->posts.add(hello);
  bob->posts.add(rt::make_ref(Post{.body = "other", .timestamp = 2}));
  ann->notifications.add(rt::make_ref(Notification{.name = "seen"}));
  session.flush();
  auto names = [](const std::vector<rt::Ref<User>>& users) {
    std::vector<std::string> out;
    for (const auto& u : users)
      out.push_back(u->username);
    return out;
  };
  auto by_name = rt::c(&User::username).asc();
  EXPECT_EQ(names(session.query<User>().where(rt::any(&User::posts)).order_by(by_name).all()),
            (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(
      names(
          session.query<User>().where(rt::any(&User::posts, rt::c(&Post::body) == "hello")).all()),
      (std::vector<std::string>{"ann"}));
  EXPECT_EQ(names(session.query<User>().where(rt::contains(&User::posts, hello)).all()),
            (std::vector<std::string>{"ann"}));
  EXPECT_EQ(
      names(session.query<User>().where(!rt::any(&User::notifications)).order_by(by_name).all()),
      (std::vector<std::string>{"bob", "cy"}));
}

TEST_P(DynamicRelationships, WriteOnlyIsAddedToAndQueriedExplicitly) {
  rt::Session session(engine());
  auto ann = session.add(User{.username = "ann"});
  std::vector<rt::Ref<Notification>> many;
  for (int i = 0; i < 40; ++i)
    many.push_back(rt::make_ref(Notification{.name = "n" + std::to_string(i)}));
  ann->notifications.add_all(many);
  ann->notifications.add(many[0]);  // once only
  EXPECT_EQ(ann->notifications.pending_additions().size(), 40u);
  EXPECT_EQ(ann->notifications.query().count(), 40);
  EXPECT_EQ(ann->notifications.query().where(rt::c(&Notification::name) == "n7").one(), many[7]);
  ann->notifications.remove(many[7]);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_notification"), 39);
  EXPECT_EQ(ann->notifications.query().offset(38).all().size(), 1u);
  session.delete_(ann);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM dyn_notification"), 0);
}

TEST_P(DynamicRelationships, MisuseIsAClearError) {
  rt::Session session(engine());
  auto ann = session.add(User{.username = "ann"});
  session.commit();
  EXPECT_THROW(session.query<User>().options(rt::selectin(&User::followers)).all(),
               rt::ArgumentError);
  auto detached = rt::make_ref(User{.username = "nobody"});
  EXPECT_THROW(detached->followers.count(), rt::ObjectStateError);
  EXPECT_THROW(rt::update(ann, rt::Dict{{"username", "x"}, {"followers", rt::Dict::array()}}),
               rt::ArgumentError);
  EXPECT_EQ(ann->username, "ann") << "update() checks everything before it changes anything";
  const rt::Dict d = rt::to_dict(ann, {.relationships = true});
  EXPECT_FALSE(d.contains("followers")) << "to_dict loads nothing from a query-backed collection";
}

// Users signing up and following the same star from many threads at once, each with its
// own session: every follow is written, none is lost to a busy database.
TEST_P(DynamicRelationships, FollowsFromManyThreadsAreAllWritten) {
  std::int64_t star_id = 0;
  {
    rt::Session session(engine());
    auto star = session.add(User{.username = "star"});
    session.commit();
    star_id = star->id;
  }
  constexpr int kThreads = 8, kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kEach; ++i) {
          rt::Session session(engine());
          auto star = session.get<User>(star_id);
          ASSERT_TRUE(star);
          auto fan = session.add(User{.username = "fan" + std::to_string(t * kEach + i)});
          fan->followed.add(star);
          session.commit();
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  rt::Session session(engine());
  auto star = session.get<User>(star_id);
  ASSERT_TRUE(star);
  EXPECT_EQ(star->followers.count(), kThreads * kEach);
}

// Random follows and unfollows from either side, with flushes between, against a model of
// the association rows: the table holds exactly the model after each flush.
TEST_P(DynamicRelationships, RandomFollowsFromEitherSideMatchAModel) {
  std::mt19937 rng(20261201);
  rt::Session session(engine());
  std::vector<rt::Ref<User>> users;
  for (int i = 0; i < 6; ++i)
    users.push_back(session.add(User{.username = "u" + std::to_string(i)}));
  session.flush();
  std::set<std::pair<std::int64_t, std::int64_t>> model;
  for (int step = 0; step < 400; ++step) {
    auto& a = users[rng() % users.size()];
    auto& b = users[rng() % users.size()];
    const std::pair<std::int64_t, std::int64_t> pair{a->id, b->id};
    switch (rng() % 7) {
      case 0:  // follow, as the seed does (a query first)
        follow(a, b);
        model.insert(pair);
        break;
      case 1:
        unfollow(a, b);
        model.erase(pair);
        break;
      case 2:
        if (!model.count(pair)) a->followed.add(b);
        model.insert(pair);
        break;
      case 3:
        if (!model.count(pair)) b->followers.add(a);
        model.insert(pair);
        break;
      case 4:
        a->followed.remove(b);  // a pair that does not exist removes nothing
        model.erase(pair);
        break;
      case 5:
        b->followers.remove(a);
        model.erase(pair);
        break;
      case 6:
        session.flush();
        ASSERT_EQ(follow_rows(session), model) << "after step " << step;
        if (rng() % 4 == 0) session.commit();
        break;
    }
  }
  session.commit();
  EXPECT_EQ(follow_rows(session), model);
  for (auto& u : users) {
    const auto followed =
        std::count_if(model.begin(), model.end(), [&](const auto& p) { return p.first == u->id; });
    EXPECT_EQ(u->followed.count(), followed);
  }
}

}  // namespace

RETORT_INSTANTIATE_FOR_BACKEND(DynamicRelationships);

}  // namespace retort_test
