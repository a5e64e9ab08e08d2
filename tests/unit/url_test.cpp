#include <gtest/gtest.h>

#include "retort/core/error.hpp"
#include "retort/core/url.hpp"

namespace rt = retort;

TEST(URL, SqliteMemory) {
  auto url = rt::URL::parse("sqlite://");
  EXPECT_EQ(url.backend(), "sqlite");
  EXPECT_EQ(url.database(), "");
  EXPECT_EQ(url.render(), "sqlite://");
  EXPECT_EQ(rt::URL::parse("sqlite:///:memory:").database(), ":memory:");
}

TEST(URL, SqliteRelativeAndAbsolutePaths) {
  auto rel = rt::URL::parse("sqlite:///relative.db");
  EXPECT_EQ(rel.database(), "relative.db");
  EXPECT_FALSE(rel.host());
  EXPECT_EQ(rel.render(), "sqlite:///relative.db");

  auto abs = rt::URL::parse("sqlite:////absolute/path.db");
  EXPECT_EQ(abs.database(), "/absolute/path.db");
  EXPECT_EQ(abs.render(), "sqlite:////absolute/path.db");
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
  EXPECT_EQ(rt::URL::parse("postgres://h/db").backend(), "postgres");
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

TEST(URL, PasswordsWithSlashesQuestionMarksAndAts) {
  const auto a = rt::URL::parse("postgresql://admin:S3cr3tPW/x@db/app");
  EXPECT_EQ(a.password(), "S3cr3tPW/x");
  EXPECT_EQ(a.host(), "db");
  EXPECT_EQ(a.database(), "app");
  const auto b = rt::URL::parse("postgresql://admin:pa?ss#w/rd@db:5433/app?application_name=a@b");
  EXPECT_EQ(b.password(), "pa?ss#w/rd");
  EXPECT_EQ(b.port(), 5433);
  EXPECT_EQ(b.query_value("application_name"), "a@b");
  const auto c = rt::URL::parse("postgresql://u:p@ss@host/db");
  EXPECT_EQ(c.password(), "p@ss");
  EXPECT_EQ(c.host(), "host");
  EXPECT_FALSE(rt::URL::parse("sqlite:///data/a@b.db").username());
  EXPECT_FALSE(rt::URL::parse("postgresql://host/db?x=a@b").username());
}

TEST(URL, NoRejectionEchoesAnyPartOfThePassword) {
  // Random passwords built from the characters that separate URL parts, each in a URL
  // that is wrong elsewhere: the error never holds the password or a piece of it.
  const std::string alphabet = "ab/?#@:%[]&=+ 9";
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  for (int i = 0; i < 2000; ++i) {
    std::string password = "Zq";
    for (std::size_t n = next() % 10; n > 0; --n)
      password += alphabet[next() % alphabet.size()];
    password += "Xj";
    for (const std::string& url : {"postgresql://admin:" + password + "@db:notaport/app",
                                   "postgresql://admin:" + password + "@[::1/app",
                                   "postgresql://admin:" + password + "@db/app?novalue"}) {
      try {
        rt::URL::parse(url);
      } catch (const rt::ArgumentError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find("Zq"), std::string::npos) << what;
        EXPECT_EQ(what.find("Xj"), std::string::npos) << what << " from " << url;
      }
    }
  }
}
