// No change is ever lost: relationship changes on handles that were not loaded yet, a
// retry after a failed commit, relationships set in initializers, and entity queries
// across joins. Each case is the tutorial's (movies, actors, stuntmen, contact details).
#include "backend_test.hpp"
#include "relationship_models.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace retort_test {
namespace {

using namespace rel;

// The tutorial's project managers (declared on the project's side only in initializers).
struct Project;
struct ProjectManager {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<Project> projects{};
  static auto mapping();
};
struct Project {
  std::int64_t id = 0;
  std::string title{};
  std::optional<std::int64_t> project_manager_id{};
  rt::One<ProjectManager> project_manager{};
  static auto mapping() {
    return rt::model<Project>("sc_project")
        .column("id", &Project::id, rt::primary_key)
        .column("title", &Project::title, rt::String(80))
        .column("project_manager_id", &Project::project_manager_id,
                rt::ForeignKey("sc_project_manager.id"))
        .relationship("project_manager", &Project::project_manager, rt::back_populates("projects"));
  }
};
inline auto ProjectManager::mapping() {
  return rt::model<ProjectManager>("sc_project_manager")
      .column("id", &ProjectManager::id, rt::primary_key)
      .column("name", &ProjectManager::name, rt::String(80))
      .relationship("projects", &ProjectManager::projects, rt::back_populates("project_manager"));
}

class SessionChanges : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    register_all();
    rt::registry().add<ProjectManager, Project>();
    auto tables = rel::tables();
    tables.push_back("sc_project_manager");
    tables.push_back("sc_project");
    auto& md = rt::registry().metadata();
    drop_tables(conn(), {"sc_award"});
    md.drop_all(conn(), {.tables = tables});
    md.create_all(conn(), {.tables = tables});
    conn().close();

    // Two movies, two actors (each with a stuntman and a contact), one link.
    rt::Session session(engine());
    auto mark = session.add(Actor{.name = "Mark"});
    auto dwayne = session.add(Actor{.name = "Dwayne"});
    auto pain = session.add(Movie{.title = "Pain & Gain"});
    session.add(Movie{.title = "Ballers"});
    pain->actors.push_back(mark);
    session.add(Stuntman{.name = "Mark's stuntman", .actor = mark});
    session.add(Stuntman{.name = "Dwayne's stuntman", .actor = dwayne});
    mark->contact_details.push_back(rt::make_ref(ContactDetails{.phone_number = "1"}));
    dwayne->contact_details.push_back(rt::make_ref(ContactDetails{.phone_number = "2"}));
    session.commit();
  }
  std::int64_t scalar(const std::string& sql) {
    return engine().connect().execute(sql).scalar<std::int64_t>();
  }
  std::int64_t links(const std::string& movie, const std::string& actor) {
    return scalar(
        "SELECT count(*) FROM rel_movies_actors l JOIN rel_movie m ON m.id = l.movie_id "
        "JOIN rel_actor a ON a.id = l.actor_id WHERE m.title = '" +
        movie + "' AND a.name = '" + actor + "'");
  }
  // Fresh objects from queries: none of their relationships loaded.
  template <class T, class M>
  static rt::Ref<T> find(rt::Session& s, M T::*member, const std::string& value) {
    return s.query<T>().where(rt::c(member) == value).one();
  }
};

TEST_P(SessionChanges, AppendToAnUnloadedManyToManyIsWritten) {
  rt::Session session(engine());
  auto ballers = find(session, &Movie::title, "Ballers");
  auto dwayne = find(session, &Actor::name, "Dwayne");
  ballers->actors.push_back(dwayne);
  session.commit();
  EXPECT_EQ(links("Ballers", "Dwayne"), 1);
}

TEST_P(SessionChanges, RemoveFromAnUnloadedManyToManyIsWritten) {
  rt::Session session(engine());
  auto pain = find(session, &Movie::title, "Pain & Gain");
  auto mark = find(session, &Actor::name, "Mark");
  pain->actors.remove(mark);
  session.commit();
  EXPECT_EQ(links("Pain & Gain", "Mark"), 0);
}

TEST_P(SessionChanges, ClearOfAnUnloadedManyToManyIsWritten) {
  rt::Session session(engine());
  auto pain = find(session, &Movie::title, "Pain & Gain");
  pain->actors.clear();
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_movies_actors"), 0);
}

TEST_P(SessionChanges, AssignmentToAnUnloadedManyToManyIsWritten) {
  rt::Session session(engine());
  auto pain = find(session, &Movie::title, "Pain & Gain");
  auto dwayne = find(session, &Actor::name, "Dwayne");
  pain->actors = {dwayne};
  session.commit();
  EXPECT_EQ(links("Pain & Gain", "Mark"), 0);
  EXPECT_EQ(links("Pain & Gain", "Dwayne"), 1);
}

TEST_P(SessionChanges, OneToManyChangesOnAnUnloadedCollectionAreWritten) {
  {
    rt::Session session(engine());
    auto dwayne = find(session, &Actor::name, "Dwayne");
    auto contact = find(session, &ContactDetails::phone_number, "1");  // Mark's
    dwayne->contact_details.push_back(contact);
    session.commit();
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_contact_details c JOIN rel_actor a ON a.id = "
                   "c.actor_id WHERE a.name = 'Dwayne'"),
            2);
  {
    rt::Session session(engine());
    auto dwayne = find(session, &Actor::name, "Dwayne");
    auto contact = find(session, &ContactDetails::phone_number, "2");
    dwayne->contact_details.remove(contact);
    session.commit();
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_contact_details WHERE phone_number = '2'"), 0)
      << "delete-orphan";
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_contact_details"), 1);
}

TEST_P(SessionChanges, ManyToOneAssignedBeforeLoadingIsWritten) {
  rt::Session session(engine());
  auto stuntman = find(session, &Stuntman::name, "Mark's stuntman");
  auto dwayne = find(session, &Actor::name, "Dwayne");
  auto other = find(session, &Stuntman::name, "Dwayne's stuntman");
  other->actor = nullptr;  // the one-to-one's unique key must be free first
  stuntman->actor = dwayne;
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_stuntman s JOIN rel_actor a ON a.id = s.actor_id "
                   "WHERE s.name = 'Mark''s stuntman' AND a.name = 'Dwayne'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_stuntman WHERE actor_id IS NULL"), 1);
}

TEST_P(SessionChanges, RetryAfterAFailedCommitWritesEverything) {
  // A row the ORM does not know refers to Mark: deleting him fails.
  engine().connect().execute(
      "CREATE TABLE sc_award (id INTEGER PRIMARY KEY, actor_id INTEGER NOT NULL "
      "REFERENCES rel_actor (id))");
  engine().connect().execute(
      "INSERT INTO sc_award (id, actor_id) SELECT 1, id FROM rel_actor WHERE name = 'Mark'");

  rt::Session session(engine());
  auto mark = find(session, &Actor::name, "Mark");
  session.delete_(mark);
  EXPECT_THROW(session.commit(), rt::IntegrityError);
  session.rollback();

  session.connection().execute("DELETE FROM sc_award");
  session.delete_(mark);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_actor WHERE name = 'Mark'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_stuntman WHERE actor_id IS NULL"), 1)
      << "his stuntman stays, without him";
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_contact_details"), 1) << "his contact went with him";
  EXPECT_EQ(scalar("SELECT count(*) FROM rel_movies_actors"), 0);
  engine().connect().execute("DROP TABLE sc_award");
}

TEST_P(SessionChanges, RelationshipsSetInInitializersReachTheOtherSide) {
  auto john = rt::make_ref(ProjectManager{.name = "John"});
  auto m = rt::make_ref(Project{.title = "M", .project_manager = john});
  ASSERT_EQ(john->projects.size(), 1u);
  EXPECT_EQ(john->projects[0], m);

  rt::Session session(engine());
  session.add(john);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM sc_project p JOIN sc_project_manager pm ON pm.id = "
                   "p.project_manager_id WHERE p.title = 'M' AND pm.name = 'John'"),
            1);

  // And from the collection's side.
  auto k = rt::make_ref(Project{.title = "K"});
  auto jane = rt::make_ref(ProjectManager{.name = "Jane", .projects = {k}});
  EXPECT_EQ(k->project_manager.get(), jane);
  session.add(k);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM sc_project p JOIN sc_project_manager pm ON pm.id = "
                   "p.project_manager_id WHERE p.title = 'K' AND pm.name = 'Jane'"),
            1);
}

TEST_P(SessionChanges, EntityQueriesAcrossJoinsReturnEachObjectOnce) {
  {
    rt::Session session(engine());
    auto mark = find(session, &Actor::name, "Mark");
    mark->contact_details.push_back(rt::make_ref(ContactDetails{.phone_number = "3"}));
    mark->contact_details.push_back(rt::make_ref(ContactDetails{.phone_number = "4"}));
    session.commit();
  }
  rt::Session session(engine());
  auto actors =
      session.query<Actor>().join(&Actor::contact_details).order_by(rt::c(&Actor::name)).all();
  ASSERT_EQ(actors.size(), 2u);
  EXPECT_EQ(actors[0]->name, "Dwayne");
  EXPECT_EQ(actors[1]->name, "Mark");
  EXPECT_EQ(session.query<Actor>().join(&Actor::contact_details).count(), 4)
      << "count() counts rows, as SQL does";
}

TEST_P(SessionChanges, ObjectsLoadedByAFailedQueryAreFreed) {
  const int before = Alive<Branch>::count;
  {
    rt::Session session(engine());
    session.add(Branch{.name = "loaded, then the query fails"});
    session.commit();
  }
  // The branches load, then the selectin query for their leaves fails.
  engine().connect().execute("ALTER TABLE rel_leaf RENAME TO rel_leaf_away");
  {
    rt::Session session(engine());
    EXPECT_THROW(session.query<Branch>().options(rt::selectin(&Branch::leaves)).all(), rt::Error);
  }
  engine().connect().execute("ALTER TABLE rel_leaf_away RENAME TO rel_leaf");
  EXPECT_EQ(Alive<Branch>::count, before);
}

RETORT_INSTANTIATE_FOR_BACKEND(SessionChanges);

}  // namespace
}  // namespace retort_test
