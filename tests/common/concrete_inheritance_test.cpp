// Concrete-table inheritance on both databases: the seed's Employee / Engineer / Manager
// hierarchy with a third level (SeniorEngineer), each class a complete table of its own.
#include <map>
#include <random>
#include <tuple>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct CCompany;
struct CEmployee {
  std::int64_t id = 0;
  std::string name{};
  std::optional<std::int64_t> company_id{};
  rt::One<CCompany> company{};  // every class's table has company_id: each inherits it
  static auto mapping();
};
struct CEngineer : CEmployee {
  std::string engineer_info{};
  static auto mapping() {
    return rt::model<CEngineer>("cti_engineer")
        .concrete<CEmployee>("engineer")
        .column("engineer_info", &CEngineer::engineer_info, rt::String(50));
  }
};
struct CSeniorEngineer : CEngineer {
  int level = 0;
  static auto mapping() {
    return rt::model<CSeniorEngineer>("cti_senior_engineer")
        .concrete<CEngineer>("senior_engineer")
        .column("level", &CSeniorEngineer::level);
  }
};
struct CManager : CEmployee {
  std::string manager_data{};
  static auto mapping() {
    return rt::model<CManager>("cti_manager")
        .concrete<CEmployee>("manager")
        .column("manager_data", &CManager::manager_data, rt::String(50));
  }
};
// A collection of the base class holds the rows of every class's table.
struct CCompany {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<CEmployee> employees{};
  static auto mapping() {
    return rt::model<CCompany>("cti_company")
        .column("id", &CCompany::id, rt::primary_key)
        .column("name", &CCompany::name, rt::String(50))
        .relationship("employees", &CCompany::employees, rt::back_populates("company"),
                      rt::order_by(&CEmployee::name));
  }
};
inline auto CEmployee::mapping() {
  return rt::model<CEmployee>("cti_employee")
      .column("id", &CEmployee::id, rt::primary_key)
      .column("name", &CEmployee::name, rt::String(50))
      .column("company_id", &CEmployee::company_id, rt::ForeignKey("cti_company.id"))
      .relationship("company", &CEmployee::company, rt::back_populates("employees"))
      .concrete_base("employee");
}

const std::vector<std::string> kTables = {"cti_company", "cti_employee", "cti_engineer",
                                          "cti_senior_engineer", "cti_manager"};

class ConcreteInheritance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::registry().add<CEmployee, CEngineer, CSeniorEngineer, CManager, CCompany>();
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
  // Bob (employee), Ada (manager), Linus (engineer), Grace (senior engineer): each the
  // first row of its table, so all four have the key 1.
  void add_staff() {
    rt::Session session(engine());
    session.add(CEmployee{.name = "Bob"});
    session.add(CManager{{.name = "Ada"}, "budget"});
    session.add(CEngineer{{.name = "Linus"}, "kernels"});
    CSeniorEngineer grace;
    grace.name = "Grace";
    grace.engineer_info = "compilers";
    grace.level = 3;
    session.add(std::move(grace));
    session.commit();
  }
};

TEST_P(ConcreteInheritance, EachClassWritesOnlyItsOwnCompleteTable) {
  rt::Session session(engine());
  auto grace = session.add(CSeniorEngineer{});
  grace->name = "Grace";
  grace->engineer_info = "compilers";
  grace->level = 3;
  session.add(CManager{{.name = "Ada"}, "budget"});
  session.add(CEmployee{.name = "Bob"});
  EXPECT_EQ(count_in([&] { session.flush(); }), 3u) << "one INSERT per object, one table each";
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_employee"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_engineer"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_manager WHERE name = 'Ada' AND "
                   "manager_data = 'budget'"),
            1)
      << "the subclass table holds the base's columns too";
  EXPECT_EQ(scalar("SELECT level FROM cti_senior_engineer WHERE name = 'Grace' AND "
                   "engineer_info = 'compilers'"),
            3);
  EXPECT_EQ(grace->id, 1) << "each table has its own keys";
}

TEST_P(ConcreteInheritance, PolymorphicQueryReadsEveryTableThroughOneUnion) {
  add_staff();
  rt::Session session(engine());
  std::vector<rt::Ref<CEmployee>> everyone;
  EXPECT_EQ(count_in([&] {
              everyone = session.query<CEmployee>().order_by(rt::c(&CEmployee::name)).all();
            }),
            1u);
  ASSERT_EQ(everyone.size(), 4u);
  auto ada = rt::ref_cast<CManager>(everyone[0]);
  ASSERT_TRUE(ada);
  EXPECT_EQ(ada->manager_data, "budget");
  EXPECT_FALSE(rt::ref_cast<CManager>(everyone[1])) << "Bob is a plain employee";
  EXPECT_FALSE(rt::ref_cast<CEngineer>(everyone[1]));
  auto grace = rt::ref_cast<CSeniorEngineer>(everyone[2]);
  ASSERT_TRUE(grace);
  EXPECT_EQ(grace->engineer_info, "compilers");
  EXPECT_EQ(grace->level, 3);
  auto linus = rt::ref_cast<CEngineer>(everyone[3]);
  ASSERT_TRUE(linus);
  EXPECT_FALSE(rt::ref_cast<CSeniorEngineer>(everyone[3]));
  EXPECT_EQ(linus->engineer_info, "kernels");

  // Conditions on the base's members apply to every table; a subclass's query reads its
  // table and those below it.
  EXPECT_EQ(session.query<CEmployee>().where(rt::c(&CEmployee::name).like("%a%")).count(), 2);
  auto engineers = session.query<CEngineer>().order_by(rt::c(&CEngineer::name)).all();
  ASSERT_EQ(engineers.size(), 2u);
  EXPECT_EQ(rt::Ref<CEmployee>(engineers[0]), everyone[2]) << "one object per row";
  EXPECT_EQ(rt::Ref<CEmployee>(engineers[1]), everyone[3]);
  EXPECT_EQ(session.query<CEngineer>().where(rt::c(&CEngineer::engineer_info) == "kernels").one(),
            linus);
  EXPECT_EQ(session.query<CManager>().where(rt::c(&CManager::name) == "Ada").one(), ada)
      << "a base member's column names the class's own table";
  EXPECT_EQ(session.query<CSeniorEngineer>().where(rt::c(&CSeniorEngineer::level) > 2).count(), 1);
  EXPECT_EQ(session.query<CEmployee>().where(rt::c(&CManager::manager_data) == "budget").one(),
            everyone[0])
      << "a subclass's column in the base's query: NULL in the other tables' rows";
}

TEST_P(ConcreteInheritance, GetByIdUsesEachClassesOwnKeys) {
  add_staff();
  rt::Session session(engine());
  auto ada = session.get<CManager>(1);
  ASSERT_TRUE(ada);
  EXPECT_EQ(ada->name, "Ada");
  auto grace = session.get<CSeniorEngineer>(1);
  ASSERT_TRUE(grace);
  EXPECT_EQ(grace->level, 3);
  EXPECT_FALSE(session.get<CManager>(2));
  EXPECT_EQ(count_in([&] { EXPECT_EQ(session.get<CManager>(1), ada); }), 0u)
      << "the identity map of the class answers";
  // Four tables have a row with key 1: through the base, the key is ambiguous.
  EXPECT_THROW(session.get<CEmployee>(1), rt::MultipleResultsError);
  EXPECT_THROW(session.get<CEngineer>(1), rt::MultipleResultsError);
  // Objects already loaded through the base are the ones get() returns.
  auto everyone = session.query<CEmployee>().all();
  EXPECT_EQ(everyone.size(), 4u);
  for (const auto& e : everyone) {
    if (rt::ref_cast<CManager>(e)) {
      EXPECT_EQ(e, rt::Ref<CEmployee>(ada));
    }
    if (rt::ref_cast<CSeniorEngineer>(e)) {
      EXPECT_EQ(e, rt::Ref<CEmployee>(grace));
    }
  }
  // With a key only one table has, the base finds it as its class.
  {
    rt::Session add(engine());
    add.add(CManager{{.name = "Marie"}, "research"});
    add.commit();
  }
  session.commit();  // a new transaction sees Marie
  auto marie = session.get<CEmployee>(2);
  ASSERT_TRUE(marie);
  ASSERT_TRUE(rt::ref_cast<CManager>(marie));
  EXPECT_EQ(rt::ref_cast<CManager>(marie)->manager_data, "research");
}

TEST_P(ConcreteInheritance, UpdateAndDeleteTouchOnlyTheClassesTable) {
  add_staff();
  rt::Session session(engine());
  auto grace = session.get<CSeniorEngineer>(1);
  auto linus = session.get<CEngineer>(2);
  EXPECT_FALSE(linus);
  linus = session.query<CEngineer>().where(rt::c(&CEngineer::name) == "Linus").one();
  grace->name = "Grace H.";
  grace->level = 4;
  linus->engineer_info = "git";
  EXPECT_EQ(count_in([&] { session.flush(); }), 2u) << "one UPDATE per object";
  session.commit();
  EXPECT_EQ(scalar("SELECT level FROM cti_senior_engineer WHERE name = 'Grace H.'"), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_engineer WHERE engineer_info = 'git'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_employee WHERE name = 'Bob'"), 1);

  session.delete_(grace);
  EXPECT_EQ(count_in([&] { session.flush(); }), 1u);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_senior_engineer"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_engineer"), 1)
      << "the row with the same key in another class's table stays";
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_employee"), 1);
  EXPECT_EQ(session.query<CEmployee>().count(), 3);

  // Bulk statements: on a class without subclasses, through its own table.
  EXPECT_EQ(session.query<CManager>().where(rt::c(&CManager::name) == "Ada").delete_(), 1);
  session.commit();
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_manager"), 0);
  EXPECT_EQ(session.query<CEngineer>().count(), 1);
  EXPECT_THROW(session.query<CEmployee>().delete_(), rt::ArgumentError);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_employee"), 1);
}

TEST_P(ConcreteInheritance, ACollectionOfTheBaseHoldsEveryClass) {
  {
    rt::Session session(engine());
    auto acme = session.add(CCompany{.name = "Acme"});
    acme->employees.push_back(rt::make_ref(CManager{{.name = "Ada"}, "budget"}));
    acme->employees.push_back(rt::make_ref(CEmployee{.name = "Bob"}));
    auto grace = rt::make_ref<CSeniorEngineer>();
    grace->name = "Grace";
    grace->level = 5;
    acme->employees.push_back(grace);
    session.add(CCompany{.name = "Other"})
        ->employees.push_back(rt::make_ref(CEngineer{{.name = "Linus"}, "kernels"}));
    session.commit();
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_manager WHERE company_id IS NOT NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM cti_senior_engineer WHERE company_id IS NOT NULL"), 1);

  for (bool selectin : {true, false}) {
    rt::Session session(engine());
    auto query = session.query<CCompany>().where(rt::c(&CCompany::name) == "Acme");
    if (selectin) query = query.options(rt::selectin(&CCompany::employees));
    auto acme = query.one();
    std::vector<std::string> names;
    EXPECT_EQ(count_in([&] {
                for (const auto& e : acme->employees)
                  names.push_back(e->name);
              }),
              selectin ? 0u : 1u);
    EXPECT_EQ(names, (std::vector<std::string>{"Ada", "Bob", "Grace"}));
    auto grace = rt::ref_cast<CSeniorEngineer>(acme->employees[2]);
    ASSERT_TRUE(grace);
    EXPECT_EQ(grace->level, 5);
    EXPECT_EQ(grace->company.get(), acme) << "the inherited many-to-one, back to the company";
    // Moving an engineer to Acme writes its own table's foreign key.
    auto linus = session.query<CEngineer>().where(rt::c(&CEngineer::name) == "Linus").one();
    if (!selectin) {
      acme->employees.push_back(linus);
      session.commit();
      EXPECT_EQ(scalar("SELECT count(*) FROM cti_engineer WHERE company_id = " +
                       std::to_string(acme->id)),
                1);
    }
  }
}

// A concrete class inherits its base's many-to-ones (their columns are copied to its
// table); a collection keyed on the base's table would hold other rows, and is refused.
struct CBadEmployee;
struct CBadBadge {
  std::int64_t id = 0;
  std::optional<std::int64_t> owner_id{};
  static auto mapping() {
    return rt::model<CBadBadge>("cti_bad_badge")
        .column("id", &CBadBadge::id, rt::primary_key)
        .column("owner_id", &CBadBadge::owner_id, rt::ForeignKey("cti_bad_employee.id"));
  }
};
struct CBadEmployee {
  std::int64_t id = 0;
  rt::Many<CBadBadge> badges{};
  static auto mapping() {
    return rt::model<CBadEmployee>("cti_bad_employee")
        .column("id", &CBadEmployee::id, rt::primary_key)
        .relationship("badges", &CBadEmployee::badges)
        .concrete_base("employee");
  }
};
struct CBadManager : CBadEmployee {
  static auto mapping() {
    return rt::model<CBadManager>("cti_bad_manager").concrete<CBadEmployee>("manager");
  }
};
struct CJoinedEmployee {
  std::int64_t id = 0;
  std::string type{};
  static auto mapping() {
    return rt::model<CJoinedEmployee>("cti_joined_employee")
        .column("id", &CJoinedEmployee::id, rt::primary_key)
        .column("type", &CJoinedEmployee::type, rt::String(20))
        .polymorphic_on(&CJoinedEmployee::type, "employee");
  }
};
struct CConcreteBelowJoined : CJoinedEmployee {
  static auto mapping() {
    return rt::model<CConcreteBelowJoined>("cti_below_joined").concrete<CJoinedEmployee>("manager");
  }
};

TEST_P(ConcreteInheritance, MappingMistakesAreClearErrors) {
  try {
    rt::Registry registry;
    registry.add<CBadEmployee, CBadManager>();
    registry.prepare(*registry.find<CBadManager>());
    ADD_FAILURE() << "a collection keyed on the base's table was inherited";
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("CBadManager.badges"), std::string::npos) << e.what();
  }
  try {
    rt::Registry registry;
    registry.add<CJoinedEmployee, CConcreteBelowJoined>();
    ADD_FAILURE() << "concrete<>() below a joined-table base was accepted";
  } catch (const rt::MappingError& e) {
    EXPECT_NE(std::string(e.what()).find("concrete_base()"), std::string::npos) << e.what();
  }
}

// Random adds, changes and deletes of every class, checked after each commit against a
// model of the rows: the polymorphic query returns each class's rows as that class.
TEST_P(ConcreteInheritance, RandomChangesMatchAModel) {
  std::mt19937 rng(20261201);
  // (class, id) -> name
  std::map<std::pair<std::string, std::int64_t>, std::string> model;
  const char* classes[] = {"employee", "engineer", "senior_engineer", "manager"};
  auto class_of = [](const rt::Ref<CEmployee>& e) -> std::string {
    if (rt::ref_cast<CSeniorEngineer>(e)) return "senior_engineer";
    if (rt::ref_cast<CEngineer>(e)) return "engineer";
    if (rt::ref_cast<CManager>(e)) return "manager";
    return "employee";
  };
  for (int round = 0; round < 12; ++round) {
    rt::Session session(engine());
    auto existing = session.query<CEmployee>().all();
    for (int op = 0; op < 8; ++op) {
      const int what = static_cast<int>(rng() % 3);
      const std::string name = "n" + std::to_string(rng() % 1000);
      if (what == 0 || existing.empty()) {
        switch (rng() % 4) {
          case 0:
            existing.push_back(session.add(CEmployee{.name = name}));
            break;
          case 1:
            existing.push_back(session.add(CEngineer{{.name = name}, "x"}));
            break;
          case 2: {
            CSeniorEngineer s;
            s.name = name;
            existing.push_back(session.add(std::move(s)));
            break;
          }
          default:
            existing.push_back(session.add(CManager{{.name = name}, "y"}));
            break;
        }
      } else {
        const std::size_t i = rng() % existing.size();
        if (what == 1) {
          existing[i]->name = name;
        } else {
          session.delete_(existing[i]);
          existing.erase(existing.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
    }
    session.commit();
    model.clear();
    for (const auto& e : existing)
      model[{class_of(e), e->id}] = e->name;

    rt::Session check(engine());
    std::map<std::pair<std::string, std::int64_t>, std::string> seen;
    for (const auto& e : check.query<CEmployee>().all())
      seen[{class_of(e), e->id}] = e->name;
    ASSERT_EQ(seen, model) << "round " << round;
    std::int64_t in_tables = 0;
    for (const char* c : classes)
      in_tables += scalar(std::string("SELECT count(*) FROM cti_") + c);
    ASSERT_EQ(in_tables, static_cast<std::int64_t>(model.size()));
  }
}

RETORT_INSTANTIATE_FOR_BACKEND(ConcreteInheritance);

}  // namespace
}  // namespace retort_test
