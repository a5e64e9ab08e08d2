// Tables in a schema other than the default one, through the whole ORM: a PostgreSQL
// schema, and on SQLite a database file attached under that name on every connection
// (EngineOptions::on_connect). Both databases run the same tests.
#include <unistd.h>

#include <filesystem>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

constexpr const char* kSchema = "rt_app";

struct SqDept;
struct SqProject;
struct SqEmp {
  std::int64_t id = 0;
  std::string name{};
  std::string kind{};
  std::optional<std::int64_t> dept_id{};
  rt::One<SqDept> dept{};
  rt::Many<SqProject> projects{};
  static auto mapping();
};
struct SqManager : SqEmp {
  std::string budget{};
  static auto mapping() {
    return rt::model<SqManager>("sq_manager", {.schema = kSchema})
        .inherits<SqEmp>("manager")
        .column("budget", &SqManager::budget, rt::String(20));
  }
};
struct SqDept {
  std::int64_t id = 0;
  std::string name{};
  rt::Many<SqEmp> emps{};
  static auto mapping() {
    return rt::model<SqDept>("sq_dept", {.schema = kSchema})
        .column("id", &SqDept::id, rt::primary_key)
        .column("name", &SqDept::name, rt::String(40), rt::unique)
        .relationship("emps", &SqDept::emps, rt::back_populates("dept"), rt::order_by(&SqEmp::id));
  }
};
inline const rt::Table& sq_emp_project() {
  static const rt::Table table(
      "sq_emp_project",
      {rt::Column("emp_id", rt::BigInteger(), rt::ForeignKey("rt_app.sq_emp.id")),
       rt::Column("project_id", rt::BigInteger(), rt::ForeignKey("rt_app.sq_project.id")),
       rt::PrimaryKeyConstraint({"emp_id", "project_id"})},
      {.schema = kSchema});
  return table;
}
struct SqProject {
  std::int64_t id = 0;
  std::string title{};
  rt::Many<SqEmp> members{};
  static auto mapping() {
    return rt::model<SqProject>("sq_project", {.schema = kSchema})
        .column("id", &SqProject::id, rt::primary_key)
        .column("title", &SqProject::title, rt::String(40), rt::index)
        .relationship("members", &SqProject::members, rt::secondary(sq_emp_project()),
                      rt::back_populates("projects"), rt::order_by(&SqEmp::id));
  }
};
inline auto SqEmp::mapping() {
  return rt::model<SqEmp>("sq_emp", {.schema = kSchema})
      .column("id", &SqEmp::id, rt::primary_key)
      .column("name", &SqEmp::name, rt::String(40))
      .column("kind", &SqEmp::kind, rt::String(20))
      .column("dept_id", &SqEmp::dept_id, rt::ForeignKey("rt_app.sq_dept.id"))
      .relationship("dept", &SqEmp::dept, rt::back_populates("emps"))
      .relationship("projects", &SqEmp::projects, rt::secondary(sq_emp_project()),
                    rt::back_populates("members"), rt::order_by(&SqProject::id))
      .polymorphic_on(&SqEmp::kind, "employee");
}

const std::vector<std::string> kTables = {"rt_app.sq_dept", "rt_app.sq_emp", "rt_app.sq_manager",
                                          "rt_app.sq_project", "rt_app.sq_emp_project"};

class SchemaQualified : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::EngineOptions options;
    if (postgres()) {
      conn().execute("CREATE SCHEMA IF NOT EXISTS rt_app");
    } else {
      attached_ = std::filesystem::temp_directory_path() /
                  ("retort_rt_app_" + std::to_string(::getpid()) + ".db");
      std::filesystem::remove(attached_);
      options.on_connect = [file = attached_.string()](rt::driver::Connection& c) {
        c.execute_script("ATTACH DATABASE '" + file + "' AS rt_app");
      };
    }
    schema_engine_.emplace(make_engine(options));
    rt::registry().add<SqDept, SqEmp, SqManager, SqProject>();
    auto& md = rt::registry().metadata();
    if (!md.find("rt_app.sq_emp_project")) md.add(sq_emp_project());
    auto c = schema_engine_->connect();
    rt::registry().metadata().drop_all(c, {.tables = kTables});
    rt::registry().metadata().create_all(c, {.tables = kTables});
  }
  void TearDown() override {
    if (schema_engine_) {
      {
        auto c = schema_engine_->connect();
        rt::registry().metadata().drop_all(c, {.tables = kTables});
      }
      schema_engine_->dispose();
    }
    if (!attached_.empty()) std::filesystem::remove(attached_);
    BackendTest::TearDown();
  }
  rt::Engine& db() { return *schema_engine_; }

  std::optional<rt::Engine> schema_engine_;
  std::filesystem::path attached_;
};

TEST_P(SchemaQualified, TablesAreCreatedInTheSchemaAndNotInTheDefaultOne) {
  auto c = db().connect();
  rt::Inspector inspector(c);
  const auto in_schema = inspector.table_names(kSchema);
  for (const char* t : {"sq_dept", "sq_emp", "sq_manager", "sq_project", "sq_emp_project"}) {
    EXPECT_NE(std::find(in_schema.begin(), in_schema.end(), t), in_schema.end()) << t;
    EXPECT_FALSE(inspector.has_table(t)) << t << " is in the default schema";
  }
  // Reflected back with schema-qualified foreign keys and the index.
  rt::MetaData reflected;
  reflected.reflect(c, {}, kSchema);
  const auto& emp = reflected.get("rt_app.sq_emp");
  EXPECT_EQ(emp.schema(), kSchema);
  ASSERT_EQ(emp.foreign_keys().size(), 1u);
  EXPECT_EQ(emp.foreign_keys()[0].referred_table, "rt_app.sq_dept");
  const auto& project = reflected.get("rt_app.sq_project");
  ASSERT_EQ(project.indexes().size(), 1u);
  EXPECT_EQ(project.indexes()[0].columns, std::vector<std::string>{"title"});
  EXPECT_THROW(inspector.table("sq_emp"), rt::ArgumentError);
}

// Many rows with keys given go in at once (COPY on PostgreSQL), into the schema's table.
TEST_P(SchemaQualified, ManyRowsWithTheirKeysReachTheSchema) {
  {
    rt::Session session(db());
    for (int k = 1; k <= 1200; ++k)
      session.add(SqDept{.id = k, .name = "dept " + std::to_string(k)});
    rt::StatementCounter counter(db());
    session.commit();
    bool copied = false;
    for (const auto& sql : counter.statements())
      copied = copied || sql.starts_with("COPY rt_app.sq_dept ");
    EXPECT_EQ(copied, postgres());
  }
  rt::Session session(db());
  EXPECT_EQ(session.query<SqDept>().count(), 1200);
  EXPECT_EQ(session.get<SqDept>(777)->name, "dept 777");
}

TEST_P(SchemaQualified, EveryOrmStatementReachesTheSchema) {
  std::int64_t ann_id = 0, bob_id = 0;
  {
    rt::Session session(db());
    auto dept = rt::make_ref(SqDept{.name = "R&D"});
    auto ann = rt::make_ref(SqEmp{.name = "ann"});
    auto bob = rt::make_ref(SqManager{});
    bob->name = "bob";
    bob->budget = "1M";
    auto apollo = rt::make_ref(SqProject{.title = "apollo"});
    dept->emps.push_back(ann);
    dept->emps.push_back(bob);
    ann->projects.push_back(apollo);
    bob->projects.push_back(apollo);
    session.add(dept);
    session.commit();
    ann_id = ann->id;
    bob_id = bob->id;
  }
  {
    rt::Session session(db());
    // get, lazy many-to-one, one-to-many, many-to-many, polymorphic load.
    auto ann = session.get<SqEmp>(ann_id);
    ASSERT_TRUE(ann);
    EXPECT_EQ(ann->dept->name, "R&D");
    ASSERT_EQ(ann->dept->emps.size(), 2u);
    const auto& emps_of_dept = ann->dept->emps;
    auto bob = rt::ref_cast<SqManager>(emps_of_dept[emps_of_dept[0]->id == ann_id ? 1 : 0]);
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->budget, "1M");
    ASSERT_EQ(ann->projects.size(), 1u);
    EXPECT_EQ(ann->projects[0]->members.size(), 2u);
    // Eager loaders.
    session.expire_all();
    auto depts = session.query<SqDept>().options(rt::selectin(&SqDept::emps)).all();
    ASSERT_EQ(depts.size(), 1u);
    EXPECT_EQ(depts[0]->emps.size(), 2u);
    auto emps = session.query<SqEmp>()
                    .options(rt::joined(&SqEmp::dept), rt::selectin(&SqEmp::projects))
                    .order_by(rt::c(&SqEmp::id))
                    .all();
    ASSERT_EQ(emps.size(), 2u);
    EXPECT_EQ(emps[0]->projects.size(), 1u);
    EXPECT_EQ(emps[1]->projects.size(), 1u);
    auto anne = emps[0]->id == ann_id ? emps[0] : emps[1];
    auto manager = emps[0]->id == ann_id ? emps[1] : emps[0];

    // update, link-row delete, delete with the joined subclass row.
    anne->name = "anne";
    anne->projects.clear();
    session.delete_(manager);
    session.commit();
  }
  rt::Session session(db());
  EXPECT_EQ(session.get<SqEmp>(ann_id)->name, "anne");
  EXPECT_FALSE(session.get<SqEmp>(bob_id));
  EXPECT_EQ(session.query<SqEmp>().count(), 1);
  EXPECT_EQ(session.query<SqProject>().one()->members.size(), 0u);

  // Bulk statements.
  EXPECT_EQ(session.query<SqEmp>()
                .where(rt::c(&SqEmp::name) == "anne")
                .update({{"name", rt::Value("ann")}}),
            1);
  EXPECT_EQ(session.query<SqProject>().delete_(), 1);
  session.commit();
  auto c = db().connect();
  EXPECT_EQ(c.execute("SELECT name FROM rt_app.sq_emp").scalar<std::string>(), "ann");
  EXPECT_EQ(c.execute("SELECT count(*) FROM rt_app.sq_project").scalar<int>(), 0);
}

RETORT_INSTANTIATE_FOR_BACKEND(SchemaQualified);

}  // namespace
}  // namespace retort_test
