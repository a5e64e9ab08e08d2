// The built-in drivers, found by a URL's backend name.
#include "dialects/postgresql/driver.hpp"
#include "dialects/sqlite/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::driver {

Driver& find_driver(const URL& url) {
  const auto& backend = url.backend();
  const auto& name = url.driver();
  if (backend == "sqlite" && (name.empty() || name == "pysqlite" || name == "sqlite3")) {
    return sqlite::driver();
  }
  if (backend == "postgresql" && (name.empty() || name == "libpq" || name == "psycopg2")) {
    return postgresql::driver();
  }
  std::string scheme = backend + (name.empty() ? "" : "+" + name);
  throw ArgumentError("unknown database backend '" + scheme +
                      "'; known: sqlite, postgresql (driver libpq)");
}

}  // namespace retort::driver

#include "dialects/postgresql/dialect.hpp"
#include "dialects/sqlite/dialect.hpp"

namespace retort::sql {

const Dialect& dialect(std::string_view name) {
  if (name == "sqlite") return sqlite::dialect();
  if (name == "postgresql") return postgresql::dialect();
  throw ArgumentError("unknown SQL dialect '" + std::string(name) + "'; known: sqlite, postgresql");
}

}  // namespace retort::sql
