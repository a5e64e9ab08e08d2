// Reflection: create_all, read the schema back, and find the same description.
#include <algorithm>
#include <cctype>
#include <set>

#include "backend_test.hpp"
#include "retort/schema.hpp"
#include "retort/sql/dialect.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

// SQL text without the spelling a database adds: spaces, parentheses, quotes, case,
// and PostgreSQL's casts of literals.
std::string normal(std::string s) {
  for (const char* cast : {"::text", "::character varying", "::integer", "::numeric", "::bigint"}) {
    for (auto at = s.find(cast); at != std::string::npos; at = s.find(cast))
      s.erase(at, std::string(cast).size());
  }
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '(' || c == ')' || c == '"') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::set<std::vector<std::string>> column_sets(const std::vector<rt::UniqueConstraint>& list) {
  std::set<std::vector<std::string>> out;
  for (const auto& u : list)
    out.insert(u.columns);
  return out;
}

// The reflected table describes the declared one, as this dialect stores it.
void expect_same(const rt::Table& declared, const rt::Table& reflected, const rt::sql::Dialect& d) {
  SCOPED_TRACE("table " + declared.name());
  ASSERT_EQ(declared.columns().size(), reflected.columns().size());
  const rt::Column* autoinc = declared.data().autoincrement_column();
  for (std::size_t i = 0; i < declared.columns().size(); ++i) {
    const auto& a = declared.columns()[i];
    const auto& b = reflected.columns()[i];
    SCOPED_TRACE("column " + a.name);
    EXPECT_EQ(a.name, b.name);
    rt::Type type = a.type;
    if (type.kind() == rt::TypeKind::enum_ && type.name().empty())
      type = rt::named_enum(type, declared.name() + "_" + a.name);
    const bool sqlite_rowid = &a == autoinc && d.name() == "sqlite";
    EXPECT_EQ(sqlite_rowid ? "INTEGER" : d.type_ddl(type), d.type_ddl(b.type));
    if (type.kind() == rt::TypeKind::enum_ && !d.enum_as_check()) {
      EXPECT_EQ(type.enum_values(), b.type.enum_values());
    }
    EXPECT_EQ(a.is_nullable(), b.is_nullable());
    if (a.server_default) {
      ASSERT_TRUE(b.server_default);
      EXPECT_EQ(normal(*a.server_default), normal(*b.server_default));
    }
    if (&a == autoinc) {
      EXPECT_EQ(b.autoincrement, rt::Autoincrement::yes);
    }
    if (!d.enum_as_check()) {
      EXPECT_EQ(a.comment, b.comment);
    }
  }
  EXPECT_EQ(declared.primary_key().columns, reflected.primary_key().columns);

  ASSERT_EQ(declared.foreign_keys().size(), reflected.foreign_keys().size());
  for (const auto& fk : declared.foreign_keys()) {
    auto match = std::find_if(reflected.foreign_keys().begin(), reflected.foreign_keys().end(),
                              [&](const auto& r) { return r.columns == fk.columns; });
    ASSERT_NE(match, reflected.foreign_keys().end()) << "foreign key on " << fk.columns.front();
    EXPECT_EQ(match->referred_table, fk.referred_table);
    EXPECT_EQ(match->referred_columns, fk.referred_columns);
    EXPECT_EQ(match->ondelete, fk.ondelete);
    EXPECT_EQ(match->onupdate, fk.onupdate);
    if (!fk.name.empty()) {
      EXPECT_EQ(match->name, fk.name);
    }
  }

  auto uniques = declared.unique_constraints();
  for (const auto& c : declared.columns()) {
    if (c.unique) uniques.push_back(rt::UniqueConstraint({c.name}));
  }
  EXPECT_EQ(column_sets(uniques), column_sets(reflected.unique_constraints()));
  for (const auto& u : declared.unique_constraints()) {
    if (u.name.empty()) continue;
    auto match =
        std::find_if(reflected.unique_constraints().begin(), reflected.unique_constraints().end(),
                     [&](const auto& r) { return r.columns == u.columns; });
    ASSERT_NE(match, reflected.unique_constraints().end());
    EXPECT_EQ(match->name, u.name);
  }

  std::vector<rt::Index> indexes = declared.indexes();
  for (const auto& c : declared.columns()) {
    if (c.index) indexes.push_back(rt::Index("ix_" + declared.name() + "_" + c.name, {c.name}));
  }
  ASSERT_EQ(indexes.size(), reflected.indexes().size());
  for (const auto& ix : indexes) {
    auto match = std::find_if(reflected.indexes().begin(), reflected.indexes().end(),
                              [&](const auto& r) { return r.name == ix.name; });
    ASSERT_NE(match, reflected.indexes().end()) << "index " << ix.name;
    std::vector<std::string> columns;
    for (const auto& c : match->columns)
      columns.push_back(normal(c));
    std::vector<std::string> expected;
    for (const auto& c : ix.columns)
      expected.push_back(normal(c));
    EXPECT_EQ(columns, expected);
    EXPECT_EQ(match->unique, ix.unique);
    EXPECT_EQ(normal(match->where), normal(ix.where));
  }

  std::size_t enum_checks = 0;
  for (const auto& c : declared.columns())
    enum_checks += c.type.kind() == rt::TypeKind::enum_ && d.enum_as_check();
  EXPECT_EQ(reflected.check_constraints().size(),
            declared.check_constraints().size() + enum_checks);
  for (const auto& ck : declared.check_constraints()) {
    auto match =
        std::find_if(reflected.check_constraints().begin(), reflected.check_constraints().end(),
                     [&](const auto& r) { return normal(r.sqltext) == normal(ck.sqltext); });
    ASSERT_NE(match, reflected.check_constraints().end()) << "check " << ck.sqltext;
    if (!ck.name.empty()) {
      EXPECT_EQ(match->name, ck.name);
    }
  }
}

class Reflection : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    drop_tables(conn(),
                {"refl_enrollment", "refl_student", "refl_class", "refl_node", "refl_composite",
                 "refl_all_types", "refl_odd", "refl_plain", "refl_shop", "refl_other"});
    if (postgres()) {
      conn().execute("DROP TYPE IF EXISTS refl_mood CASCADE");
      conn().execute("DROP TYPE IF EXISTS refl_all_types_level CASCADE");
    }
  }

  const rt::sql::Dialect& dialect() { return rt::sql::dialect(conn().dialect_name()); }

  // Reflects the tables, creates them again from what was read, and reads them once more:
  // what reflection gives must be good enough to rebuild the schema.
  void expect_round_trip(const std::vector<std::string>& tables) {
    rt::MetaData first;
    first.reflect(conn(), tables);
    first.drop_all(conn());
    for (const auto& t : tables)
      ASSERT_FALSE(rt::Inspector(conn()).has_table(t)) << t;
    first.create_all(conn());
    rt::MetaData second;
    second.reflect(conn(), tables);
    for (const auto& t : tables) {
      SCOPED_TRACE("round trip");
      expect_same(first.get(t), second.get(t), dialect());
    }
  }
};

TEST_P(Reflection, CreateAllThenReflectGivesBackTheSameDescription) {
  rt::MetaData md;
  md.table("refl_all_types",
           {rt::Column("id", rt::Integer(), rt::primary_key),
            rt::Column("big", rt::BigInteger(), rt::not_null, rt::server_default("0")),
            rt::Column("small", rt::SmallInteger()),
            rt::Column("flag", rt::Boolean()),
            rt::Column("ratio", rt::Float()),
            rt::Column("precise", rt::Double()),
            rt::Column("price", rt::Numeric(10, 2)),
            rt::Column("login", rt::String(256), rt::unique, rt::comment("who logs in")),
            rt::Column("bio", rt::Text()),
            rt::Column("born", rt::Date()),
            rt::Column("seen", rt::DateTime()),
            rt::Column("created", rt::DateTime(true), rt::server_default("CURRENT_TIMESTAMP")),
            rt::Column("alarm", rt::Time()),
            rt::Column("alarm_tz", rt::Time(true)),
            rt::Column("avatar", rt::LargeBinary()),
            rt::Column("extra", rt::JSON()),
            rt::Column("token", rt::UUID(), rt::index),
            rt::Column("mood", rt::Enum({"happy", "sad"}, "refl_mood"), rt::not_null),
            rt::Column("level", rt::Enum({"low", "high"})),
            rt::UniqueConstraint({"small", "flag"}, "uq_refl_small_flag"),
            rt::CheckConstraint("price > 0", "ck_refl_price"),
            rt::CheckConstraint("small < 1000"),
            rt::Index("ix_refl_born_seen", {"born", "seen"}, {.unique = true}),
            rt::Index("ix_refl_partial", {"login"}, {.where = "flag = true"})},
           {.comment = "every type"});
  md.table("refl_composite",
           {rt::Column("a", rt::Integer(), rt::primary_key),
            rt::Column("b", rt::String(10), rt::primary_key), rt::Column("c", rt::Integer())});
  md.table("refl_node", {rt::Column("id", rt::Integer(), rt::primary_key),
                         rt::Column("parent_id", rt::Integer(),
                                    rt::ForeignKey("refl_node.id", {.ondelete = "CASCADE",
                                                                    .name = "fk_node_parent"})),
                         rt::Column("name", rt::String(40), rt::not_null)});
  md.table("refl_student",
           {rt::Column("id", rt::Integer(), rt::primary_key), rt::Column("name", rt::String(40))});
  md.table("refl_class",
           {rt::Column("id", rt::Integer(), rt::primary_key), rt::Column("title", rt::String(40))});
  md.table("refl_enrollment",
           {rt::Column("student_id", rt::Integer(),
                       rt::ForeignKey("refl_student.id", {.ondelete = "CASCADE"})),
            rt::Column("class_id", rt::Integer(),
                       rt::ForeignKey("refl_class.id", {.onupdate = "CASCADE"})),
            rt::PrimaryKeyConstraint({"student_id", "class_id"})});
  md.create_all(conn());

  rt::MetaData reflected;
  reflected.reflect(conn(), {"refl_all_types", "refl_composite", "refl_node", "refl_student",
                             "refl_class", "refl_enrollment"});
  const auto& d = dialect();
  rt::Inspector inspector(conn());
  for (const auto& table : md.tables()) {
    expect_same(table, reflected.get(table.name()), d);
    SCOPED_TRACE("through the inspector");
    expect_same(table, rt::to_table(inspector.table(table.name())), d);
  }
  if (postgres()) {
    EXPECT_EQ(reflected.get("refl_all_types").comment(), "every type");
    const auto level = reflected.get("refl_all_types").column("level").type;
    EXPECT_EQ(level.kind(), rt::TypeKind::enum_);
    EXPECT_EQ(level.name(), "refl_all_types_level");
    EXPECT_EQ(level.enum_values(), (std::vector<std::string>{"low", "high"}));
  } else {
    // No enum type on SQLite: a VARCHAR long enough for the longest value, and a CHECK.
    EXPECT_EQ(reflected.get("refl_all_types").column("mood").type, rt::String(5));
  }
  EXPECT_TRUE(inspector.table("refl_all_types").columns.front().autoincrement);
  EXPECT_FALSE(inspector.table("refl_composite").columns.front().autoincrement);

  // Parents still come before children.
  std::vector<std::string> order;
  for (const auto& t : reflected.sorted_tables())
    order.push_back(t.name());
  EXPECT_LT(std::find(order.begin(), order.end(), "refl_student") - order.begin(),
            std::find(order.begin(), order.end(), "refl_enrollment") - order.begin());

  expect_round_trip({"refl_all_types", "refl_composite", "refl_node", "refl_student", "refl_class",
                     "refl_enrollment"});
  md.drop_all(conn());
}

// Hand-written DDL: column-level constraints, names that begin with keywords, an
// expression index, a partial index written across lines, a foreign key to a column that
// only a unique index covers.
TEST_P(Reflection, PlainSqlTables) {
  conn().execute_script(
      "CREATE TABLE refl_shop (id INTEGER PRIMARY KEY, code VARCHAR(10) NOT NULL);\n"
      "CREATE UNIQUE INDEX ix_refl_shop_code ON refl_shop (code);\n"
      "CREATE TABLE refl_plain (\n"
      "  id INTEGER PRIMARY KEY,\n"
      "  checksum VARCHAR(20) DEFAULT 'a, (b',\n"
      "  unique_code VARCHAR(10) CONSTRAINT uq_refl_plain_code UNIQUE,\n"
      "  constraint_note TEXT,\n"
      "  primary_colour TEXT,\n"
      "  foreign_keys_seen INTEGER,\n"
      "  price INTEGER CONSTRAINT ck_refl_plain_price CHECK (price > 0),\n"
      "  qty INTEGER NOT NULL DEFAULT -1 CHECK (qty + 1 >= 0),\n"
      "  -- a comment's words, CHECK (nothing) and 'quotes are not SQL\n"
      "  shop_id INTEGER CONSTRAINT fk_refl_plain_shop REFERENCES refl_shop (id)\n"
      "    ON DELETE SET NULL CHECK (shop_id > 0),\n"
      "  shop_code VARCHAR(10) REFERENCES refl_shop (code),\n"
      "  owner_id INTEGER /* the shop's key */ REFERENCES refl_shop,\n"
      "  CONSTRAINT ck_refl_plain_both CHECK (price < 1000 OR qty < 10)\n"
      ");\n"
      "CREATE INDEX ix_refl_plain_lower ON refl_plain (lower(unique_code));\n"
      "CREATE INDEX ix_refl_plain_note ON refl_plain (constraint_note)\n"
      "  WHERE constraint_note <> ' where '");
  // A plain INTEGER PRIMARY KEY is the rowid on SQLite; PostgreSQL generates nothing.
  const auto id_generated = postgres() ? rt::no_autoincrement : rt::autoincrement;
  rt::Table shop("refl_shop", {rt::Column("id", rt::Integer(), rt::primary_key, id_generated),
                               rt::Column("code", rt::String(10), rt::not_null),
                               rt::Index("ix_refl_shop_code", {"code"}, {.unique = true})});
  rt::Table plain(
      "refl_plain",
      {rt::Column("id", rt::Integer(), rt::primary_key, id_generated),
       rt::Column("checksum", rt::String(20), rt::server_default("'a, (b'")),
       rt::Column("unique_code", rt::String(10)), rt::Column("constraint_note", rt::Text()),
       rt::Column("primary_colour", rt::Text()), rt::Column("foreign_keys_seen", rt::Integer()),
       rt::Column("price", rt::Integer()), rt::Column("qty", rt::Integer(), rt::not_null),
       rt::Column(
           "shop_id", rt::Integer(),
           rt::ForeignKey("refl_shop.id", {.ondelete = "SET NULL", .name = "fk_refl_plain_shop"})),
       rt::Column("shop_code", rt::String(10), rt::ForeignKey("refl_shop.code")),
       rt::Column("owner_id", rt::Integer(), rt::ForeignKey("refl_shop.id")),
       rt::UniqueConstraint({"unique_code"}, "uq_refl_plain_code"),
       rt::CheckConstraint("price > 0", "ck_refl_plain_price"), rt::CheckConstraint("qty + 1 >= 0"),
       rt::CheckConstraint("shop_id > 0"),
       rt::CheckConstraint("price < 1000 OR qty < 10", "ck_refl_plain_both"),
       rt::Index("ix_refl_plain_lower", {"lower(unique_code)"}),
       rt::Index("ix_refl_plain_note", {"constraint_note"},
                 {.where = "constraint_note <> ' where '"})});
  rt::Inspector inspector(conn());
  expect_same(shop, rt::to_table(inspector.table("refl_shop")), dialect());
  expect_same(plain, rt::to_table(inspector.table("refl_plain")), dialect());
  expect_round_trip({"refl_shop", "refl_plain"});
}

TEST_P(Reflection, InspectorLists) {
  conn().execute("CREATE TABLE refl_node (id INTEGER PRIMARY KEY, name VARCHAR(10))");
  rt::Inspector inspector(conn());
  auto names = inspector.table_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "refl_node"), names.end());
  EXPECT_TRUE(inspector.has_table("refl_node"));
  auto t = inspector.table("refl_node");
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[1].type, rt::String(10));
  EXPECT_TRUE(t.columns[0].autoincrement || postgres());
  try {
    inspector.table("refl_missing");
    FAIL();
  } catch (const rt::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("refl_missing"), std::string::npos);
  }
}

TEST_P(Reflection, UnknownTypesComeBackOpaque) {
  conn().execute(
      postgres() ? "CREATE TABLE refl_odd (id INTEGER PRIMARY KEY, doc TSVECTOR, spot POINT)"
                 : "CREATE TABLE refl_odd (id INTEGER PRIMARY KEY, shape GEOMETRY, spot POINT)");
  rt::MetaData md;
  md.reflect(conn(), {"refl_odd"});
  const auto& t = md.get("refl_odd");
  EXPECT_EQ(t.columns()[1].type.kind(), rt::TypeKind::opaque);
  EXPECT_EQ(t.columns()[1].type.name(), postgres() ? "tsvector" : "GEOMETRY");
  EXPECT_EQ(t.columns()[2].type.kind(), rt::TypeKind::opaque);
  // The database's own name goes back into DDL unchanged.
  EXPECT_EQ(dialect().type_ddl(t.columns()[1].type), postgres() ? "tsvector" : "GEOMETRY");
  expect_round_trip({"refl_odd"});
}

TEST_P(Reflection, ReflectTakesOnlyTheListedTables) {
  conn().execute("CREATE TABLE refl_odd (id INTEGER PRIMARY KEY)");
  conn().execute("CREATE TABLE refl_other (id INTEGER PRIMARY KEY)");
  rt::MetaData md;
  md.reflect(conn(), {"refl_odd"});
  EXPECT_EQ(md.tables().size(), 1u);
  EXPECT_NE(md.find("refl_odd"), nullptr);
  EXPECT_EQ(md.find("refl_other"), nullptr);

  // Without a list: every table, these two among them.
  rt::MetaData all;
  all.reflect(conn());
  EXPECT_NE(all.find("refl_odd"), nullptr);
  EXPECT_NE(all.find("refl_other"), nullptr);

  rt::MetaData missing;
  try {
    missing.reflect(conn(), {"refl_missing"});
    FAIL() << "no error for a missing table";
  } catch (const rt::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("refl_missing"), std::string::npos) << e.what();
  }
}

RETORT_INSTANTIATE_FOR_BACKEND(Reflection);

}  // namespace
}  // namespace retort_test
