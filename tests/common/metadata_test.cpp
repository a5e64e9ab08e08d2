// MetaData: dependency order, cycles, create_all / drop_all.
#include <algorithm>

#include "backend_test.hpp"
#include "retort/schema.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

std::vector<std::string> names(const std::vector<rt::Table>& tables) {
  std::vector<std::string> out;
  for (const auto& t : tables)
    out.push_back(t.name());
  return out;
}

class MetaDataTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (postgres()) {
      conn().execute_script("ALTER TABLE IF EXISTS md_a DROP CONSTRAINT IF EXISTS fk_md_a_b");
    }
    drop_tables(conn(), {"md_c", "md_b", "md_a", "md_child", "md_parent", "md_lone"});
    if (postgres()) conn().execute("DROP TYPE IF EXISTS md_colour CASCADE");
  }
  bool exists(const std::string& table) { return rt::Inspector(conn()).has_table(table); }
};

TEST_P(MetaDataTest, SortedTablesPutParentsFirst) {
  rt::MetaData md;
  md.table("md_child", {rt::Column("id", rt::Integer(), rt::primary_key),
                        rt::Column("parent_id", rt::Integer(), rt::ForeignKey("md_parent.id"))});
  md.table("md_lone", {rt::Column("id", rt::Integer(), rt::primary_key)});
  md.table("md_parent", {rt::Column("id", rt::Integer(), rt::primary_key),
                         rt::Column("self_id", rt::Integer(), rt::ForeignKey("md_parent.id"))});
  EXPECT_EQ(names(md.sorted_tables()),
            (std::vector<std::string>{"md_lone", "md_parent", "md_child"}));
}

TEST_P(MetaDataTest, CyclesAreNamedUnlessAKeyIsAddedLater) {
  auto make = [](bool use_alter) {
    auto md = std::make_unique<rt::MetaData>();
    // Depends on the cycle without being part of it: not named in the error.
    md->table("md_child", {rt::Column("id", rt::Integer(), rt::primary_key),
                           rt::Column("a_id", rt::Integer(), rt::ForeignKey("md_a.id"))});
    md->table(
        "md_a",
        {rt::Column("id", rt::Integer(), rt::primary_key),
         rt::Column("b_id", rt::Integer(),
                    rt::ForeignKey("md_b.id", {.name = "fk_md_a_b", .use_alter = use_alter}))});
    md->table("md_b", {rt::Column("id", rt::Integer(), rt::primary_key),
                       rt::Column("c_id", rt::Integer(), rt::ForeignKey("md_c.id"))});
    md->table("md_c", {rt::Column("id", rt::Integer(), rt::primary_key),
                       rt::Column("a_id", rt::Integer(), rt::ForeignKey("md_a.id"))});
    return md;
  };
  try {
    (void)make(false)->sorted_tables();
    FAIL();
  } catch (const rt::ArgumentError& e) {
    const std::string message = e.what();
    for (const char* t : {"md_a", "md_b", "md_c"})
      EXPECT_NE(message.find(t), std::string::npos) << message;
    EXPECT_NE(message.find("use_alter"), std::string::npos) << message;
    EXPECT_EQ(message.find("md_child"), std::string::npos) << message;
  }
  auto md = make(true);
  EXPECT_EQ(names(md->sorted_tables()),
            (std::vector<std::string>{"md_a", "md_child", "md_c", "md_b"}));
  md->create_all(conn());
  EXPECT_TRUE(exists("md_a") && exists("md_b") && exists("md_c") && exists("md_child"));
  // The key added afterwards is there.
  auto fks = rt::Inspector(conn()).table("md_a").foreign_keys;
  ASSERT_EQ(fks.size(), 1u);
  EXPECT_EQ(fks[0].referred_table, "md_b");
  md->drop_all(conn());
  EXPECT_FALSE(exists("md_a"));
}

// A key added after the tables but given no name: the database names it, and drop_all
// still has to find it to break the cycle.
TEST_P(MetaDataTest, UnnamedKeyAddedLaterIsDroppedWithTheCycle) {
  for (const bool convention : {false, true}) {
    SCOPED_TRACE(convention ? "named by convention" : "named by the database");
    rt::MetaData md(convention ? rt::NamingConvention{.fk = "fk_{table}_{column_0}"}
                               : rt::NamingConvention{});
    md.table("md_a",
             {rt::Column("id", rt::Integer(), rt::primary_key),
              rt::Column("b_id", rt::Integer(), rt::ForeignKey("md_b.id", {.use_alter = true}))});
    md.table("md_b", {rt::Column("id", rt::Integer(), rt::primary_key),
                      rt::Column("a_id", rt::Integer(), rt::ForeignKey("md_a.id"))});
    md.create_all(conn());
    ASSERT_EQ(rt::Inspector(conn()).table("md_a").foreign_keys.size(), 1u);
    if (convention) {
      EXPECT_EQ(rt::Inspector(conn()).table("md_a").foreign_keys[0].name, "fk_md_a_b_id");
    }
    md.drop_all(conn());
    EXPECT_FALSE(exists("md_a"));
    EXPECT_FALSE(exists("md_b"));
  }
}

TEST_P(MetaDataTest, CreateAllChecksFirstAndTakesSubsets) {
  rt::MetaData md;
  md.table("md_parent", {rt::Column("id", rt::Integer(), rt::primary_key),
                         rt::Column("colour", rt::Enum({"red", "green"}, "md_colour"))});
  md.table("md_child", {rt::Column("id", rt::Integer(), rt::primary_key),
                        rt::Column("parent_id", rt::Integer(), rt::ForeignKey("md_parent.id"))});
  md.create_all(conn(), {.tables = {"md_parent"}});
  EXPECT_TRUE(exists("md_parent"));
  EXPECT_FALSE(exists("md_child"));
  md.create_all(conn());  // md_parent exists: skipped
  EXPECT_TRUE(exists("md_child"));
  EXPECT_NO_THROW(md.create_all(conn())) << "everything exists: nothing to do";
  EXPECT_THROW(md.create_all(conn(), {.checkfirst = false}), rt::ProgrammingError);
  conn().execute("INSERT INTO md_parent (id, colour) VALUES (1, 'red')");
  EXPECT_THROW(conn().execute("INSERT INTO md_parent (id, colour) VALUES (2, 'blue')"),
               rt::DatabaseError);
  md.drop_all(conn(), {.tables = {"md_child"}});
  EXPECT_FALSE(exists("md_child"));
  EXPECT_TRUE(exists("md_parent"));
  md.drop_all(conn());
  EXPECT_FALSE(exists("md_parent"));
  if (postgres()) {
    EXPECT_EQ(
        conn().execute("SELECT count(*) FROM pg_type WHERE typname = 'md_colour'").scalar<int>(), 0)
        << "the enum type goes with its table";
  }
}

TEST_P(MetaDataTest, EnumTypeSharedByTablesIsCreatedOnceAndDroppedWithTheLast) {
  const auto colour = rt::Enum({"red", "green"}, "md_colour");
  rt::MetaData md;
  md.table("md_parent",
           {rt::Column("id", rt::Integer(), rt::primary_key), rt::Column("colour", colour)});
  md.table("md_lone",
           {rt::Column("id", rt::Integer(), rt::primary_key), rt::Column("shade", colour)});
  auto types = [&] {
    return postgres() ? conn()
                            .execute("SELECT count(*) FROM pg_type WHERE typname = 'md_colour'")
                            .scalar<int>()
                      : 0;
  };
  md.create_all(conn());
  if (postgres()) {
    EXPECT_EQ(types(), 1);
  }
  conn().execute("INSERT INTO md_lone (id, shade) VALUES (1, 'green')");
  EXPECT_THROW(conn().execute("INSERT INTO md_lone (id, shade) VALUES (2, 'blue')"),
               rt::DatabaseError);

  // md_parent still uses the type.
  md.drop_all(conn(), {.tables = {"md_lone"}});
  EXPECT_FALSE(exists("md_lone"));
  if (postgres()) {
    EXPECT_EQ(types(), 1);
  }
  // The type exists already; the table is made again without a second CREATE TYPE.
  md.create_all(conn());
  EXPECT_TRUE(exists("md_lone"));
  // A table of another MetaData uses the type too: it stays until that one is dropped.
  rt::MetaData other;
  other.table("md_elsewhere",
              {rt::Column("id", rt::Integer(), rt::primary_key), rt::Column("tint", colour)});
  other.create_all(conn());
  md.drop_all(conn());
  EXPECT_FALSE(exists("md_parent"));
  EXPECT_FALSE(exists("md_lone"));
  if (postgres()) {
    EXPECT_EQ(types(), 1);
  }
  other.drop_all(conn());
  EXPECT_FALSE(exists("md_elsewhere"));
  if (postgres()) {
    EXPECT_EQ(types(), 0);
  }
}

TEST_P(MetaDataTest, NamingConventions) {
  rt::MetaData md({.ix = "ix_{table}_{columns}",
                   .uq = "uq_{table}_{columns}",
                   .ck = "ck_{table}_{constraint}",
                   .fk = "fk_{table}_{column_0}_{referred_table}",
                   .pk = "pk_{table}"});
  md.table("md_parent", {rt::Column("id", rt::Integer(), rt::primary_key),
                         rt::Column("code", rt::String(5), rt::unique),
                         rt::CheckConstraint("id > 0", "positive")});
  md.table("md_child",
           {rt::Column("id", rt::Integer(), rt::primary_key),
            rt::Column("parent_id", rt::Integer(), rt::ForeignKey("md_parent.id"), rt::index)});
  md.create_all(conn());
  rt::Inspector inspector(conn());
  auto parent = inspector.table("md_parent");
  auto child = inspector.table("md_child");
  EXPECT_EQ(parent.primary_key.name, "pk_md_parent");
  ASSERT_EQ(parent.unique_constraints.size(), 1u);
  EXPECT_EQ(parent.unique_constraints[0].name, "uq_md_parent_code");
  ASSERT_EQ(parent.check_constraints.size(), 1u);
  EXPECT_EQ(parent.check_constraints[0].name, "ck_md_parent_positive");
  ASSERT_EQ(child.foreign_keys.size(), 1u);
  EXPECT_EQ(child.foreign_keys[0].name, "fk_md_child_parent_id_md_parent");
  ASSERT_EQ(child.indexes.size(), 1u);
  EXPECT_EQ(child.indexes[0].name, "ix_md_child_parent_id");
  md.drop_all(conn());
}

RETORT_INSTANTIATE_FOR_BACKEND(MetaDataTest);

}  // namespace
}  // namespace retort_test
