// Inheritance on both databases: the seed's Employee / Engineer / Manager hierarchy with a
// third level (SeniorEngineer), mapped joined-table and single-table.
#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

// Joined-table: one table per class.
struct JDepartment;
struct JEmployee {
  std::int64_t id = 0;
  std::string name{};
  std::string type{};
  std::optional<std::int64_t> department_id{};
  rt::One<JDepartment> department{};
  static auto mapping();
};
struct JEngineer : JEmployee {
  std::string engineer_info{};
  static auto mapping() {
    return rt::model<JEngineer>("inh_engineer")
        .inherits<JEmployee>("engineer")
        .column("engineer_info", &JEngineer::engineer_info, rt::String(50));
  }
};
struct JSeniorEngineer : JEngineer {
  int level = 0;
  static auto mapping() {
    return rt::model<JSeniorEngineer>("inh_senior_engineer")
        .inherits<JEngineer>("senior_engineer")
        .column("level", &JSeniorEngineer::level);
  }
};
struct JManager : JEmployee {
  std::string manager_data{};
  static auto mapping() {
    return rt::model<JManager>("inh_manager")
        .inherits<JEmployee>("manager")
        .column("manager_data", &JManager::manager_data, rt::String(50));
  }
};
struct JDepartment {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<JEmployee> employees{};
  static auto mapping() {
    return rt::model<JDepartment>("inh_department")
        .column("id", &JDepartment::id, rt::primary_key)
        .column("name", &JDepartment::name, rt::String(50))
        .relationship("employees", &JDepartment::employees, rt::back_populates("department"),
                      rt::order_by(&JEmployee::id));
  }
};
inline auto JEmployee::mapping() {
  return rt::model<JEmployee>("inh_employee")
      .column("id", &JEmployee::id, rt::primary_key)
      .column("name", &JEmployee::name, rt::String(50))
      .column("type", &JEmployee::type, rt::String(20))
      .column("department_id", &JEmployee::department_id, rt::ForeignKey("inh_department.id"))
      .relationship("department", &JEmployee::department, rt::back_populates("employees"))
      .polymorphic_on(&JEmployee::type, "employee");
}
// A relationship to a subclass.
struct JProject {
  std::int64_t id = 0;
  std::optional<std::int64_t> lead_id{};
  rt::One<JEngineer> lead{};
  static auto mapping() {
    return rt::model<JProject>("inh_project")
        .column("id", &JProject::id, rt::primary_key)
        .column("lead_id", &JProject::lead_id, rt::ForeignKey("inh_engineer.id"))
        .relationship("lead", &JProject::lead);
  }
};

// Single-table, mapped classically over the seed's one table: each class maps the
// columns it uses (SQLAlchemy's exclude_properties).
const rt::Table& sti_employee() {
  static const rt::Table table(
      "sti_employee",
      {rt::Column("id", rt::Integer(), rt::primary_key), rt::Column("name", rt::String(50)),
       rt::Column("type", rt::String(20)), rt::Column("manager_data", rt::String(50)),
       rt::Column("engineer_info", rt::String(50)), rt::Column("level", rt::Integer()),
       rt::Column("team_id", rt::Integer())});
  return table;
}
struct SEmployee {
  std::int64_t id = 0;
  std::string name{};
  std::string type{};
  std::optional<std::int64_t> team_id{};
};
struct SEngineer : SEmployee {
  std::optional<std::string> engineer_info{};
};
struct SSeniorEngineer : SEngineer {
  std::optional<int> level{};
};
struct SManager : SEmployee {
  std::optional<std::string> manager_data{};
};
struct STeam {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<SEmployee> members{};
  static auto mapping() {
    return rt::model<STeam>("sti_team")
        .column("id", &STeam::id, rt::primary_key)
        .column("name", &STeam::name, rt::String(50))
        .relationship("members", &STeam::members, rt::join_on(&STeam::id, &SEmployee::team_id),
                      rt::order_by(&SEmployee::id));
  }
};

void register_models() {
  auto& r = rt::registry();
  r.add<JEmployee, JEngineer, JSeniorEngineer, JManager, JDepartment, JProject, STeam>();
  if (!r.find<SEmployee>()) {
    r.add(rt::model<SEmployee>(sti_employee())
              .column("id", &SEmployee::id)
              .column("name", &SEmployee::name)
              .column("type", &SEmployee::type)
              .column("team_id", &SEmployee::team_id)
              .polymorphic_on(&SEmployee::type, "employee"));
    r.add(rt::model<SEngineer>()
              .inherits<SEmployee>("engineer")
              .column("engineer_info", &SEngineer::engineer_info));
    r.add(rt::model<SSeniorEngineer>()
              .inherits<SEngineer>("senior_engineer")
              .column("level", &SSeniorEngineer::level));
    r.add(rt::model<SManager>().inherits<SEmployee>("manager").column("manager_data",
                                                                      &SManager::manager_data));
  }
}

const std::vector<std::string> kTables = {"inh_department",      "inh_employee", "inh_engineer",
                                          "inh_senior_engineer", "inh_manager",  "inh_project",
                                          "sti_employee",        "sti_team"};

class Inheritance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    register_models();
    auto& md = rt::registry().metadata();
    md.drop_all(conn(), {.tables = kTables});
    md.create_all(conn(), {.tables = kTables});
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
  // Grace (a senior engineer, "compilers"), Linus (an engineer, "kernels"), Ada (a
  // manager) and Bob (an employee), committed; Grace's and Linus's keys.
  std::pair<std::int64_t, std::int64_t> add_staff() {
    rt::Session session(engine());
    JSeniorEngineer g;
    g.name = "Grace";
    g.engineer_info = "compilers";
    g.level = 3;
    auto grace = session.add(std::move(g));
    JEngineer l;
    l.name = "Linus";
    l.engineer_info = "kernels";
    auto linus = session.add(std::move(l));
    session.add(JManager{{.name = "Ada"}, "budget"});
    session.add(JEmployee{.name = "Bob"});
    session.commit();
    return {grace->id, linus->id};
  }
};

TEST_P(Inheritance, JoinedInsertWritesEveryTableInOneFlush) {
  rt::Session session(engine());
  auto senior = session.add(JSeniorEngineer{});
  senior->name = "Grace";
  senior->engineer_info = "compilers";
  senior->level = 3;
  session.add(JManager{{.name = "Ada"}, "budget"});
  session.add(JEmployee{.name = "Bob"});
  // per class, one INSERT per table: employee; employee + manager; employee + engineer +
  // senior_engineer
  EXPECT_EQ(count_in([&] { session.flush(); }), 6u);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer"), 1);
  EXPECT_EQ(
      scalar("SELECT level FROM inh_senior_engineer WHERE id = " + std::to_string(senior->id)), 3);
  auto conn = engine().connect();
  EXPECT_EQ(conn.execute("SELECT type FROM inh_employee WHERE id = ?", {senior->id})
                .scalar<std::string>(),
            "senior_engineer")
      << "the discriminator is written from the class";
}

// A subclass object that reaches the session through a relationship to the base class
// (cascade) is still written as the subclass: its discriminator and its own table's row.
TEST_P(Inheritance, ASubclassObjectAddedThroughTheBaseStaysASubclass) {
  rt::Session session(engine());
  auto dept = session.add(JDepartment{.name = "ops"});
  auto ada = rt::make_ref(JManager{{.name = "Ada"}, "budget"});
  dept->employees.push_back(ada);
  auto senior = rt::make_ref<JSeniorEngineer>();
  senior->name = "Grace";
  senior->level = 4;
  dept->employees.push_back(senior);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_manager"), 1);
  EXPECT_EQ(scalar("SELECT level FROM inh_senior_engineer"), 4);
  auto conn = engine().connect();
  EXPECT_EQ(
      conn.execute("SELECT type FROM inh_employee WHERE id = ?", {ada->id}).scalar<std::string>(),
      "manager");
}

TEST_P(Inheritance, JoinedPolymorphicQueryUpdateAndDelete) {
  const std::int64_t grace = add_staff().first;
  rt::Session session(engine());
  std::vector<rt::Ref<JEmployee>> everyone;
  EXPECT_EQ(count_in([&] {
              everyone = session.query<JEmployee>().order_by(rt::c(&JEmployee::name)).all();
            }),
            1u)
      << "subclass columns come with the same statement";
  ASSERT_EQ(everyone.size(), 4u);
  auto ada = rt::ref_cast<JManager>(everyone[0]);
  ASSERT_TRUE(ada);
  EXPECT_EQ(ada->manager_data, "budget");
  EXPECT_FALSE(rt::ref_cast<JEngineer>(everyone[0]));
  EXPECT_FALSE(rt::ref_cast<JManager>(everyone[1])) << "Bob is a plain employee";
  auto g = rt::ref_cast<JSeniorEngineer>(everyone[2]);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->engineer_info, "compilers");
  EXPECT_EQ(g->level, 3);
  EXPECT_TRUE(rt::ref_cast<JEngineer>(everyone[3]));

  // A subclass query joins its tables and returns its subclasses too.
  auto engineers = session.query<JEngineer>().order_by(rt::c(&JEmployee::name)).all();
  ASSERT_EQ(engineers.size(), 2u);
  EXPECT_EQ(rt::Ref<JEmployee>(engineers[0]), everyone[2])
      << "one object per row, whatever class queried";
  EXPECT_EQ(session.get<JSeniorEngineer>(grace), g);
  EXPECT_FALSE(session.get<JManager>(grace));
  auto kernels =
      session.query<JEngineer>().where(rt::c(&JEngineer::engineer_info) == "kernels").one();
  EXPECT_EQ(kernels->name, "Linus");

  // Updates go to the table of each changed column.
  g->name = "Grace H.";
  g->level = 4;
  kernels->engineer_info = "git";
  EXPECT_EQ(count_in([&] { session.flush(); }), 3u);
  session.commit();
  EXPECT_EQ(scalar("SELECT level FROM inh_senior_engineer"), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee WHERE name = 'Grace H.'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer WHERE engineer_info = 'git'"), 1);

  session.delete_(g);
  session.delete_(ada);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_senior_engineer"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_manager"), 0);
}

// A joined class's bulk update sets each column in its own table, for the rows its
// query selects (subclasses included); a bulk delete takes the rows out of every table
// they are in, the subclasses' tables first.
TEST_P(Inheritance, JoinedBulkUpdateAndDeleteReachEveryTable) {
  const auto [grace, linus] = add_staff();
  rt::Session session(engine());
  JEngineer ken;
  ken.name = "Ken";
  ken.engineer_info = "unix";
  session.add(std::move(ken));
  session.commit();
  const auto everyone = session.query<JEmployee>().all();
  auto held = rt::ref_cast<JEngineer>(session.get<JEmployee>(linus));
  ASSERT_TRUE(held);

  // Columns of both tables, and a condition on the base table's.
  EXPECT_EQ(session.query<JEngineer>()
                .where(rt::c(&JEmployee::name) == "Linus")
                .update({{"name", rt::Value("Linus T.")}, {"engineer_info", rt::Value("git")}}),
            1);
  EXPECT_EQ(held->name, "Linus T.") << "the loaded object takes the new values";
  EXPECT_EQ(held->engineer_info, "git");
  // A condition on the subclass table, a column of the base table: the senior engineer
  // is an engineer too.
  EXPECT_EQ(session.query<JEngineer>()
                .where(rt::c(&JEngineer::engineer_info) != "git")
                .update({{"department_id", rt::Value()}, {"name", rt::Value("E")}}),
            2);
  EXPECT_EQ(session.query<JSeniorEngineer>().update({{"level", rt::Value(5)}}), 1);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee WHERE name = 'Linus T.'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer WHERE engineer_info = 'git'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee WHERE name = 'E'"), 2);
  EXPECT_EQ(scalar("SELECT level FROM inh_senior_engineer"), 5);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee WHERE name IN ('Ada', 'Bob')"), 2)
      << "rows outside the query keep their values";

  EXPECT_EQ(session.query<JEngineer>().where(rt::c(&JEngineer::engineer_info) != "unix").delete_(),
            2);
  EXPECT_FALSE(session.get<JEmployee>(grace));
  EXPECT_FALSE(session.get<JEmployee>(linus));
  EXPECT_EQ(session.query<JEmployee>().where(rt::c(&JEmployee::name) == "Ada").delete_(), 1);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_senior_engineer"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_manager"), 0);
  EXPECT_EQ(session.query<JEmployee>().count(), 2);

  // More rows than one statement's list of keys holds.
  for (int i = 0; i < 1100; ++i) {
    JEngineer e;
    e.name = "n" + std::to_string(i);
    session.add(std::move(e));
  }
  session.commit();
  EXPECT_EQ(session.query<JEngineer>()
                .where(rt::c(&JEmployee::name).startswith("n"))
                .update({{"engineer_info", rt::Value("many")}}),
            1100);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer WHERE engineer_info = 'many'"), 1100);
  EXPECT_EQ(session.query<JEngineer>().where(rt::c(&JEngineer::engineer_info) == "many").delete_(),
            1100);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_engineer"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM inh_employee"), 2);
}

TEST_P(Inheritance, JoinedRelationshipsToTheBaseAndToASubclass) {
  {
    rt::Session session(engine());
    auto dept = session.add(JDepartment{.name = "R&D"});
    JEngineer e;
    e.name = "Linus";
    e.department = dept;
    auto linus = session.add(std::move(e));
    JManager m;
    m.name = "Ada";
    m.department = dept;
    session.add(std::move(m));
    session.add(JProject{.lead = linus});
    session.commit();
  }
  rt::Session session(engine());
  auto dept = session.query<JDepartment>().options(rt::selectin(&JDepartment::employees)).one();
  ASSERT_EQ(dept->employees.size(), 2u);
  EXPECT_TRUE(rt::ref_cast<JEngineer>(dept->employees[0]));
  EXPECT_EQ(rt::ref_cast<JManager>(dept->employees[1])->manager_data, "");
  auto project = session.query<JProject>().one();
  ASSERT_TRUE(project->lead);
  EXPECT_EQ(rt::Ref<JEmployee>(project->lead.get()), dept->employees[0]);
  EXPECT_EQ(session.query<JDepartment>()
                .where(rt::any(&JDepartment::employees, rt::c(&JEmployee::name) == "Ada"))
                .count(),
            1);
}

TEST_P(Inheritance, SingleTableHierarchy) {
  std::int64_t team_id = 0;
  {
    rt::Session session(engine());
    auto team = session.add(STeam{.name = "core"});
    session.flush();
    team_id = team->id;
    SSeniorEngineer grace;
    grace.name = "Grace";
    grace.engineer_info = "compilers";
    grace.level = 3;
    grace.team_id = team_id;
    session.add(std::move(grace));
    SManager ada;
    ada.name = "Ada";
    ada.manager_data = "budget";
    ada.team_id = team_id;
    session.add(std::move(ada));
    session.add(SEmployee{.name = "Bob", .team_id = team_id});
    EXPECT_EQ(count_in([&] { session.flush(); }), 3u) << "one INSERT per class, all into one table";
    session.commit();
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM sti_employee"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM sti_employee WHERE manager_data IS NULL"), 2);

  rt::Session session(engine());
  auto everyone = session.query<SEmployee>().order_by(rt::c(&SEmployee::name)).all();
  ASSERT_EQ(everyone.size(), 3u);
  EXPECT_EQ(rt::ref_cast<SManager>(everyone[0])->manager_data, "budget");
  auto grace = rt::ref_cast<SSeniorEngineer>(everyone[2]);
  ASSERT_TRUE(grace);
  EXPECT_EQ(grace->level, 3);

  // A subclass query filters by its identities (its own and its subclasses').
  EXPECT_EQ(session.query<SEngineer>().count(), 1);
  EXPECT_EQ(session.query<SManager>().one()->name, "Ada");
  EXPECT_EQ(session.query<SSeniorEngineer>().where(rt::c(&SSeniorEngineer::level) > 2).count(), 1);
  EXPECT_FALSE(session.get<SManager>(grace->id));

  grace->level = 5;
  grace->name = "Grace Hopper";
  session.commit();
  EXPECT_EQ(scalar("SELECT level FROM sti_employee WHERE name = 'Grace Hopper'"), 5);

  auto team = session.get<STeam>(team_id);
  std::size_t n = 0;
  EXPECT_EQ(count_in([&] { n = team->members.size(); }), 1u);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(team->members[1], everyone[2]) << "Bob, Grace, Ada by id: Grace is the same object";

  session.delete_(grace);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM sti_employee"), 2);
}

TEST_P(Inheritance, UnknownDiscriminatorNamesValueAndTable) {
  conn() = engine().connect();
  conn().execute("INSERT INTO sti_employee (id, name, type) VALUES (1, 'Zed', 'contractor')");
  rt::Session session(engine());
  try {
    (void)session.query<SEmployee>().all();
    FAIL() << "expected rt::MappingError";
  } catch (const rt::MappingError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'contractor'"), std::string::npos) << message;
    EXPECT_NE(message.find("sti_employee"), std::string::npos) << message;
  }
}

// The same table read through a hierarchy that loads unknown classes as its base.
struct SLenientEmployee {
  std::int64_t id = 0;
  std::string name{};
  std::string type{};
};

TEST_P(Inheritance, UnknownDiscriminatorCanLoadAsTheBase) {
  if (!rt::registry().find<SLenientEmployee>()) {
    rt::registry().add(rt::model<SLenientEmployee>(sti_employee())
                           .column("id", &SLenientEmployee::id)
                           .column("name", &SLenientEmployee::name)
                           .column("type", &SLenientEmployee::type)
                           .polymorphic_on(&SLenientEmployee::type, "employee", true));
  }
  conn() = engine().connect();
  conn().execute("INSERT INTO sti_employee (id, name, type) VALUES (1, 'Zed', 'contractor')");
  rt::Session session(engine());
  auto zed = session.query<SLenientEmployee>().one();
  EXPECT_EQ(zed->name, "Zed");
  EXPECT_EQ(zed->type, "contractor");
}

RETORT_INSTANTIATE_FOR_BACKEND(Inheritance);

}  // namespace
}  // namespace retort_test
