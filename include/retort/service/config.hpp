// Configuring a rt::Database from a map, as sqlservice's SQLClient is configured.
//
//   rt::Database db(rt::DatabaseConfig{
//       {"SQL_DATABASE_URI", "sqlite:///app.db"},
//       {"SQL_ECHO", true},
//       {"SQL_POOL_SIZE", 5},
//       {"SQL_POOL_RECYCLE", 3600},
//   });
//   rt::Database db(rt::config_from_env("MYAPP_"));   // MYAPP_SQL_DATABASE_URI, ...
//
// The keys and what they set:
//   SQL_DATABASE_URI      the database URL (required)
//   SQL_ECHO              log each statement (EngineOptions::echo)
//   SQL_ECHO_PARAMETERS   with SQL_ECHO, also log bound values (hidden otherwise)
//   SQL_ECHO_POOL         log pool checkouts and checkins
//   SQL_POOL_SIZE         idle connections kept
//   SQL_POOL_TIMEOUT      seconds a checkout waits for a free connection
//   SQL_POOL_RECYCLE      seconds after which a connection is replaced (-1: never)
//   SQL_POOL_PRE_PING     test each connection at checkout
//   SQL_MAX_OVERFLOW      connections beyond the pool size under load (-1: no limit)
//   SQL_AUTOFLUSH         flush before queries (SessionOptions::autoflush)
//   SQL_EXPIRE_ON_COMMIT  reload objects after commit
//   SQL_ISOLATION_LEVEL   SERIALIZABLE, REPEATABLE READ, READ COMMITTED, READ UNCOMMITTED
//                         or AUTOCOMMIT
//   SQL_AUTOCOMMIT        accepted for sqlservice configs; only false (the default) is
//                         supported: use SQL_ISOLATION_LEVEL=AUTOCOMMIT instead
// Values may be given as text ("true", "5"), as environment variables are. An unknown key
// or a value of the wrong kind is rt::ArgumentError naming the key (and listing the known
// keys); the URL is never shown.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "retort/core/engine.hpp"
#include "retort/core/value.hpp"
#include "retort/orm/session.hpp"

namespace retort {

using DatabaseConfig = std::map<std::string, Value, std::less<>>;

// What a config means: the URL and the engine's and sessions' options.
struct DatabaseSettings {
  std::string url;
  EngineOptions engine{};
  SessionOptions session{};
};

DatabaseSettings parse_config(const DatabaseConfig& config);

// The known keys, in the order above.
const std::vector<std::string>& config_keys();

// `defaults` with every known key that is set in the environment as prefix + key.
// getenv is the environment lookup (std::getenv unless given).
DatabaseConfig config_from_env(std::string_view prefix = "", DatabaseConfig defaults = {},
                               const std::function<const char*(const char*)>& getenv = {});

}  // namespace retort
