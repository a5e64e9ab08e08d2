// rt::Database's configuration map (sqlservice's SQL_* keys): every key reaches the
// engine, pool or sessions; unknown keys and bad values are errors that name them and
// never show the URL; the same keys come from the environment.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "retort/service.hpp"

namespace retort_test {
namespace {

namespace rt = retort;

std::string error_of(const rt::DatabaseConfig& config) {
  try {
    rt::parse_config(config);
  } catch (const rt::ArgumentError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ServiceConfig, EveryKeyIsApplied) {
  const rt::DatabaseConfig config = {
      {"SQL_DATABASE_URI", "sqlite:///app.db"},
      {"SQL_ECHO", true},
      {"SQL_ECHO_PARAMETERS", "yes"},
      {"SQL_ECHO_POOL", 1},
      {"SQL_POOL_SIZE", 7},
      {"SQL_POOL_TIMEOUT", 2.5},
      {"SQL_POOL_RECYCLE", 3600},
      {"SQL_POOL_PRE_PING", "true"},
      {"SQL_MAX_OVERFLOW", -1},
      {"SQL_AUTOFLUSH", false},
      {"SQL_EXPIRE_ON_COMMIT", "false"},
      {"SQL_ISOLATION_LEVEL", "read_committed"},
      {"SQL_AUTOCOMMIT", false},
  };
  rt::Database db(config);
  const rt::EngineOptions& e = db.engine().options();
  EXPECT_EQ(db.engine().url().database(), "app.db");
  EXPECT_TRUE(e.echo);
  EXPECT_TRUE(e.echo_parameters);
  EXPECT_TRUE(e.echo_pool);
  EXPECT_EQ(e.pool_size, 7);
  EXPECT_EQ(e.pool_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(e.pool_recycle, std::chrono::seconds(3600));
  EXPECT_TRUE(e.pool_pre_ping);
  EXPECT_EQ(e.max_overflow, -1);
  EXPECT_EQ(e.isolation_level, "READ COMMITTED");
  EXPECT_FALSE(db.session_options().autoflush);
  EXPECT_FALSE(db.session_options().expire_on_commit);

  // The defaults are SQLAlchemy's.
  const rt::DatabaseSettings plain = rt::parse_config({{"SQL_DATABASE_URI", "sqlite://"}});
  EXPECT_EQ(plain.engine.pool_size, 5);
  EXPECT_EQ(plain.engine.max_overflow, 10);
  EXPECT_FALSE(plain.engine.pool_recycle);
  EXPECT_TRUE(plain.session.autoflush);
  EXPECT_TRUE(plain.session.expire_on_commit);
  EXPECT_FALSE(rt::parse_config({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_POOL_RECYCLE", -1}})
                   .engine.pool_recycle);
}

TEST(ServiceConfig, UnknownKeysAndBadValuesAreNamed) {
  const std::string unknown = error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_POOLSIZE", 5}});
  EXPECT_NE(unknown.find("unknown database config key 'SQL_POOLSIZE'"), std::string::npos)
      << unknown;
  for (const auto& key : rt::config_keys())
    EXPECT_NE(unknown.find(key), std::string::npos) << "lists " << key;

  EXPECT_EQ(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_POOL_SIZE", "five"}}),
            "database config SQL_POOL_SIZE: expected a number, got 'five'");
  EXPECT_EQ(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_POOL_SIZE", -2}}),
            "database config SQL_POOL_SIZE: expected a whole number of at least 0, got -2");
  EXPECT_EQ(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_POOL_SIZE", 2.5}}),
            "database config SQL_POOL_SIZE: expected a whole number of at least 0, got 2.5");
  EXPECT_EQ(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_ECHO", "maybe"}}),
            "database config SQL_ECHO: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_POOL_TIMEOUT", "nan"}}),
            "database config SQL_POOL_TIMEOUT: expected a number, got 'nan'");
  EXPECT_NE(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_ISOLATION_LEVEL", "SOMETIMES"}})
                .find("SQL_ISOLATION_LEVEL: expected SERIALIZABLE"),
            std::string::npos);
  EXPECT_NE(error_of({{"SQL_DATABASE_URI", "sqlite://"}, {"SQL_AUTOCOMMIT", true}})
                .find("SQL_AUTOCOMMIT: true is not supported"),
            std::string::npos);
  EXPECT_EQ(error_of({{"SQL_ECHO", true}}), "database config: SQL_DATABASE_URI is required");
  EXPECT_EQ(error_of({{"SQL_DATABASE_URI", 5}}),
            "database config SQL_DATABASE_URI: expected a URL, got a value of type integer");
}

TEST(ServiceConfig, TheUrlAndItsPasswordAreNeverShown) {
  const std::string secret = "s3cr3t-pw";
  for (const rt::DatabaseConfig& config : std::vector<rt::DatabaseConfig>{
           {{"SQL_DATABASE_URI", "postgresql://app:" + secret + "@db:99999/x"}},
           {{"SQL_DATABASE_URI", "nosuchdb://app:" + secret + "@db/x"}},
           {{"SQL_DATABASE_URI", "postgresql://app:" + secret + "@db/x"}, {"SQL_POOL_SIZE", "x"}},
           {{"SQL_DATABASE_URI", "postgresql://app:" + secret + "@db/x"}, {"SQL_NOPE", 1}},
       }) {
    try {
      rt::Database db(config);
      ADD_FAILURE() << "accepted";
    } catch (const rt::Error& e) {
      EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    }
  }
}

TEST(ServiceConfig, KeysComeFromTheEnvironmentWithAPrefix) {
  const std::map<std::string, std::string> environment = {
      {"MYAPP_SQL_DATABASE_URI", "sqlite:///env.db"},
      {"MYAPP_SQL_POOL_SIZE", "3"},
      {"MYAPP_SQL_ECHO", "true"},
      {"SQL_POOL_SIZE", "99"},  // no prefix: not this application's
  };
  const auto lookup = [&](const char* name) -> const char* {
    auto it = environment.find(name);
    return it == environment.end() ? nullptr : it->second.c_str();
  };
  const rt::DatabaseConfig config =
      rt::config_from_env("MYAPP_", {{"SQL_POOL_SIZE", 1}, {"SQL_AUTOFLUSH", false}}, lookup);
  const rt::DatabaseSettings settings = rt::parse_config(config);
  EXPECT_EQ(settings.url, "sqlite:///env.db");
  EXPECT_EQ(settings.engine.pool_size, 3) << "the environment wins over the defaults";
  EXPECT_TRUE(settings.engine.echo);
  EXPECT_FALSE(settings.session.autoflush);

  // The real environment.
  ::setenv("RETORT_CONFIG_TEST_SQL_DATABASE_URI", "sqlite://", 1);
  ::setenv("RETORT_CONFIG_TEST_SQL_MAX_OVERFLOW", "4", 1);
  EXPECT_EQ(rt::parse_config(rt::config_from_env("RETORT_CONFIG_TEST_")).engine.max_overflow, 4);
  ::setenv("RETORT_CONFIG_TEST_SQL_MAX_OVERFLOW", "four", 1);
  EXPECT_THROW(rt::parse_config(rt::config_from_env("RETORT_CONFIG_TEST_")), rt::ArgumentError);
  ::unsetenv("RETORT_CONFIG_TEST_SQL_DATABASE_URI");
  ::unsetenv("RETORT_CONFIG_TEST_SQL_MAX_OVERFLOW");
}

}  // namespace
}  // namespace retort_test
