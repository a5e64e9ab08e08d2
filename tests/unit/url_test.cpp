#include <gtest/gtest.h>

#include "retort/core/error.hpp"
#include "retort/core/url.hpp"

namespace rt = retort;

TEST(URL, SqliteMemory) {
  auto url = rt::URL::parse("sqlite://");
  EXPECT_EQ(url.backend(), "sqlite");
  EXPECT_TRUE(url.is_sqlite_memory());
  EXPECT_EQ(url.render(), "sqlite://");
  EXPECT_TRUE(rt::URL::parse("sqlite:///:memory:").is_sqlite_memory());
}

TEST(URL, SqliteRelativeAndAbsolutePaths) {
  auto rel = rt::URL::parse("sqlite:///relative.db");
  EXPECT_EQ(rel.database(), "relative.db");
  EXPECT_FALSE(rel.host());
  EXPECT_EQ(rel.render(), "sqlite:///relative.db");

  auto abs = rt::URL::parse("sqlite:////absolute/path.db");
  EXPECT_EQ(abs.database(), "/absolute/path.db");
  EXPECT_EQ(abs.render(), "sqlite:////absolute/path.db");
  EXPECT_FALSE(abs.is_sqlite_memory());
}

TEST(URL, PostgresFull) {
  auto url = rt::URL::parse(
      "postgresql://user:pass@db.example.com:5432/app?sslmode=disable&application_name=api");
  EXPECT_EQ(url.backend(), "postgresql");
  EXPECT_EQ(url.driver(), "");
  EXPECT_EQ(url.username(), "user");
  EXPECT_EQ(url.password(), "pass");
  EXPECT_EQ(url.host(), "db.example.com");
  EXPECT_EQ(url.port(), 5432);
  EXPECT_EQ(url.database(), "app");
  ASSERT_EQ(url.query().size(), 2u);
  EXPECT_EQ(url.query_value("sslmode"), "disable");
  EXPECT_EQ(url.query_value("application_name"), "api");
  EXPECT_EQ(url.render(false),
            "postgresql://user:pass@db.example.com:5432/app?sslmode=disable&application_name=api");
}

TEST(URL, DriverName) {
  auto url = rt::URL::parse("postgresql+libpq://u@h/db");
  EXPECT_EQ(url.backend(), "postgresql");
  EXPECT_EQ(url.driver(), "libpq");
  EXPECT_EQ(url.render(), "postgresql+libpq://u@h/db");
  EXPECT_EQ(rt::URL::parse("postgres://h/db").backend(), "postgresql");
}

TEST(URL, PercentEncodedParts) {
  auto url = rt::URL::parse("postgresql://us%40er:p%40ss%3Aw%2Frd@host/my%20db");
  EXPECT_EQ(url.username(), "us@er");
  EXPECT_EQ(url.password(), "p@ss:w/rd");
  EXPECT_EQ(url.database(), "my db");
  // Round trip re-encodes.
  auto again = rt::URL::parse(url.render(false));
  EXPECT_EQ(again, url);
}

TEST(URL, Ipv6Host) {
  auto url = rt::URL::parse("postgresql://u:pw@[::1]:6543/db");
  EXPECT_EQ(url.host(), "::1");
  EXPECT_EQ(url.port(), 6543);
  EXPECT_EQ(url.render(false), "postgresql://u:pw@[::1]:6543/db");
  auto no_port = rt::URL::parse("postgresql://[fe80::1%25eth0]/db");
  EXPECT_EQ(no_port.host(), "fe80::1%25eth0");
  EXPECT_FALSE(no_port.port());
}

TEST(URL, TextFormHidesPassword) {
  auto url = rt::URL::parse("postgresql://scott:tiger@localhost/test");
  EXPECT_EQ(url.str(), "postgresql://scott:***@localhost/test");
  EXPECT_EQ(url.str().find("tiger"), std::string::npos);
}

TEST(URL, RoundTrips) {
  for (const char* text :
       {"sqlite://", "sqlite:///a.db", "sqlite:////tmp/x/y.db", "sqlite:///a.db?timeout=2",
        "postgresql://h/db", "postgresql://u@h:1/db", "postgresql+libpq://u:p@[::1]:5/d?x=1&y=2"}) {
    EXPECT_EQ(rt::URL::parse(text).render(false), text) << text;
  }
}

TEST(URL, Rejections) {
  for (const char* bad :
       {"", "sqlite", "no-scheme-here", "://host/db", "postgresql://h:99999/db",
        "postgresql://h:port/db", "postgresql://[::1/db", "postgresql://h/db?novalue",
        "postgresql://u:p%zz@h/db", "post gres://h/db"}) {
    EXPECT_THROW(rt::URL::parse(bad), rt::ArgumentError) << bad;
  }
}

TEST(URL, RejectionDoesNotEchoPassword) {
  try {
    rt::URL::parse("postgresql://u:sekrit@h:notaport/db");
    FAIL();
  } catch (const rt::ArgumentError& e) {
    EXPECT_EQ(std::string(e.what()).find("sekrit"), std::string::npos) << e.what();
  }
}
