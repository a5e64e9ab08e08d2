// Constraint violations surface as rt::IntegrityError with kind and constraint name.
#include "backend_test.hpp"

namespace rt = retort;

namespace retort_test {

class CoreIntegrity : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    drop_tables(conn(), {"item", "shop"});
    conn().execute_script(
        "CREATE TABLE shop (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, "
        "  CONSTRAINT uq_shop_name UNIQUE (name));"
        "CREATE TABLE item (id INTEGER PRIMARY KEY, "
        "  shop_id INTEGER CONSTRAINT fk_item_shop REFERENCES shop (id), "
        "  price INTEGER CONSTRAINT ck_item_price CHECK (price > 0))");
    conn().execute("INSERT INTO shop VALUES (1, 'corner')");
  }

  rt::IntegrityError violation(std::string_view sql) {
    try {
      conn().execute(sql);
    } catch (const rt::IntegrityError& e) {
      return e;
    }
    ADD_FAILURE() << "no IntegrityError from " << sql;
    return rt::IntegrityError(rt::IntegrityError::Kind::other, "", "", "", "");
  }
};

TEST_P(CoreIntegrity, Unique) {
  auto e = violation("INSERT INTO shop VALUES (2, 'corner')");
  EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::unique);
  EXPECT_EQ(e.constraint(), postgres() ? "uq_shop_name" : "shop.name");
  EXPECT_EQ(e.statement(), "INSERT INTO shop VALUES (2, 'corner')");
}

TEST_P(CoreIntegrity, PrimaryKey) {
  auto e = violation("INSERT INTO shop VALUES (1, 'other')");
  if (postgres()) {
    EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::unique);
    EXPECT_EQ(e.constraint(), "shop_pkey");
  } else {
    EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::primary_key);
    EXPECT_EQ(e.constraint(), "shop.id");
  }
}

TEST_P(CoreIntegrity, NotNull) {
  auto e = violation("INSERT INTO shop (id) VALUES (3)");
  EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::not_null);
  if (!postgres()) {
    EXPECT_EQ(e.constraint(), "shop.name");
  }
}

TEST_P(CoreIntegrity, ForeignKey) {
  auto e = violation("INSERT INTO item (id, shop_id, price) VALUES (1, 99, 5)");
  EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::foreign_key);
  if (postgres()) {
    EXPECT_EQ(e.constraint(), "fk_item_shop");
  }
}

TEST_P(CoreIntegrity, Check) {
  auto e = violation("INSERT INTO item (id, shop_id, price) VALUES (1, 1, -5)");
  EXPECT_EQ(e.kind(), rt::IntegrityError::Kind::check);
  EXPECT_EQ(e.constraint(), "ck_item_price");
}

TEST_P(CoreIntegrity, MessagesDoNotQuoteBoundValues) {
  try {
    conn().execute("INSERT INTO shop VALUES (?, ?)", {2, "corner"});
    FAIL();
  } catch (const rt::IntegrityError& e) {
    // PostgreSQL's DETAIL would say "Key (name)=(corner) already exists".
    EXPECT_EQ(std::string(e.what()).find("(corner)"), std::string::npos) << e.what();
  }
}

TEST_P(CoreIntegrity, FailedStatementLosesNothingCommitted) {
  auto tx = conn().begin();
  conn().execute("INSERT INTO shop VALUES (2, 'second')");
  tx.commit();
  EXPECT_THROW(conn().execute("INSERT INTO shop VALUES (3, 'second')"), rt::IntegrityError);
  EXPECT_EQ(conn().execute("SELECT count(*) FROM shop").scalar<int>(), 2);
}

RETORT_INSTANTIATE_FOR_BACKEND(CoreIntegrity);

}  // namespace retort_test
