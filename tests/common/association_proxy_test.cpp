// Association objects on both databases: who follows whom since when, as a model of its
// own (a link table with a column of its own and a many-to-one to each side), and
// rt::association_proxy showing the far side directly.
#include <algorithm>
#include <functional>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace retort_test {
namespace {

namespace rt = retort;

struct Follow;
struct Person {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<Follow> following{};  // the Follow rows whose follower is this person
  rt::Many<Follow> followed_by{};
  static auto mapping();
  // The far sides of following and followed_by.
  auto followed_people();
  auto followers();
};
struct Follow {
  std::int64_t follower_id = 0;
  std::int64_t followed_id = 0;
  std::int64_t since = 0;
  rt::One<Person> follower{};
  rt::One<Person> followed{};
  static auto mapping() {
    return rt::model<Follow>("assoc_follow")
        .column("follower_id", &Follow::follower_id, rt::primary_key,
                rt::ForeignKey("assoc_person.id"))
        .column("followed_id", &Follow::followed_id, rt::primary_key,
                rt::ForeignKey("assoc_person.id"))
        .column("since", &Follow::since)
        .relationship("follower", &Follow::follower, rt::join_on(&Follow::follower_id, &Person::id),
                      rt::back_populates("following"))
        .relationship("followed", &Follow::followed, rt::join_on(&Follow::followed_id, &Person::id),
                      rt::back_populates("followed_by"));
  }
};
inline auto Person::mapping() {
  return rt::model<Person>("assoc_person")
      .column("id", &Person::id, rt::primary_key)
      .column("name", &Person::name, rt::String(40))
      .relationship("following", &Person::following, rt::join_on(&Person::id, &Follow::follower_id),
                    rt::back_populates("follower"), rt::cascade::all_delete_orphan,
                    rt::order_by(&Follow::followed_id))
      .relationship("followed_by", &Person::followed_by,
                    rt::join_on(&Person::id, &Follow::followed_id), rt::back_populates("followed"),
                    rt::cascade::all_delete_orphan, rt::order_by(&Follow::follower_id));
}

inline auto Person::followed_people() {
  return rt::association_proxy(following, &Follow::followed, [](const rt::Ref<Person>& p) {
    return Follow{.since = 2026, .followed = p};
  });
}
inline auto Person::followers() {
  return rt::association_proxy(followed_by, &Follow::follower);
}

class AssociationObjects : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::registry().add<Person, Follow>();
    auto& md = rt::registry().metadata();
    md.drop_all(conn(), {.tables = {"assoc_person", "assoc_follow"}});
    md.create_all(conn(), {.tables = {"assoc_person", "assoc_follow"}});
    conn().close();
  }
  std::int64_t scalar(const std::string& sql) {
    return engine().connect().execute(sql).scalar<std::int64_t>();
  }
};

TEST_P(AssociationObjects, TheProxyShowsTheFarSideAndCreatesTheAssociation) {
  rt::Session session(engine());
  auto alice = session.add(Person{.name = "alice"});
  auto bob = session.add(Person{.name = "bob"});
  auto carol = session.add(Person{.name = "carol"});
  alice->followed_people().push_back(bob);
  alice->followed_people().push_back(carol);
  carol->followed_people().push_back(alice);
  ASSERT_EQ(alice->following.size(), 2u);
  EXPECT_EQ(alice->following[0]->follower.get(), alice) << "back_populates sets the owner";
  EXPECT_EQ(alice->following[0]->since, 2026) << "made by the creator";
  EXPECT_TRUE(bob->followers().contains(alice)) << "the other side, in memory";
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM assoc_follow"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM assoc_follow WHERE since = 2026"), 3);

  rt::Session fresh(engine());
  auto loaded = fresh.get<Person>(alice->id);
  auto far = loaded->followed_people().items();
  ASSERT_EQ(far.size(), 2u);
  EXPECT_EQ(far[0]->name, "bob") << "order_by(&Follow::followed_id)";
  EXPECT_EQ(far[1]->name, "carol");
  EXPECT_EQ(loaded->followers().size(), 1u);
  EXPECT_EQ(loaded->followers()[0]->name, "carol");
  std::vector<std::string> names;
  for (const rt::Ref<Person>& p : loaded->followed_people())
    names.push_back(p->name);
  EXPECT_EQ(names, (std::vector<std::string>{"bob", "carol"}));

  // Removing through the proxy takes the association object out: delete-orphan deletes
  // its row; the person stays.
  auto bob_again = fresh.get<Person>(bob->id);
  loaded->followed_people().remove(bob_again);
  EXPECT_FALSE(loaded->followed_people().contains(bob_again));
  EXPECT_TRUE(bob_again->followers().empty());
  fresh.commit();
  EXPECT_EQ(
      scalar("SELECT count(*) FROM assoc_follow WHERE follower_id = " + std::to_string(alice->id)),
      1);
  EXPECT_EQ(scalar("SELECT count(*) FROM assoc_person"), 3);

  // The association's own column changes as any column does.
  rt::Ref<Follow> follow = loaded->following[0];
  follow->since = 1999;
  fresh.commit();
  EXPECT_EQ(
      scalar("SELECT since FROM assoc_follow WHERE follower_id = " + std::to_string(alice->id)),
      1999);

  // Deleting a person deletes the associations on both of its sides.
  fresh.delete_(loaded);
  fresh.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM assoc_follow"), 0);
}

TEST_P(AssociationObjects, LoadedWithTheQueryTheProxyRunsNoStatement) {
  {
    rt::Session session(engine());
    std::vector<rt::Ref<Person>> people;
    for (int i = 0; i < 20; ++i)
      people.push_back(session.add(Person{.name = "p" + std::to_string(i)}));
    for (int i = 0; i < 20; ++i) {
      for (int j = 1; j <= 3; ++j)
        people[i]->followed_people().push_back(people[(i + j) % 20]);
    }
    session.commit();
  }
  rt::Session session(engine());
  rt::StatementCounter counter(engine());
  auto people = session.query<Person>()
                    .options(rt::selectin(&Person::following).then(&Follow::followed))
                    .order_by(&Person::id)
                    .all();
  std::size_t seen = 0;
  for (auto& p : people) {
    for (const rt::Ref<Person>& q : p->followed_people())
      seen += q->name.empty() ? 0 : 1;
  }
  EXPECT_EQ(seen, 60u);
  EXPECT_EQ(counter.count(), 2u)
      << "people and their follows; the people they follow are in the identity map";
}

TEST_P(AssociationObjects, NullAndUnknownTargetsChangeNothing) {
  rt::Session session(engine());
  auto alice = session.add(Person{.name = "alice"});
  auto bob = session.add(Person{.name = "bob"});
  alice->followed_people().push_back(rt::Ref<Person>());
  alice->followed_people().remove(bob);
  EXPECT_TRUE(alice->followed_people().empty());
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM assoc_follow"), 0);
}

}  // namespace

RETORT_INSTANTIATE_FOR_BACKEND(AssociationObjects);

}  // namespace retort_test
