// Where tests find their databases: fresh SQLite files, and the PostgreSQL server that
// scripts/pg starts (RETORT_TEST_POSTGRES_URL).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "retort/core.hpp"

namespace retort_test {

// A URL for a new, empty SQLite file in a per-process temporary directory.
std::string sqlite_url();

// The test server's URL. Fails the test (never skips) when the variable is not set:
// run PostgreSQL tests through scripts/test or scripts/pg.
std::string postgres_url();

// A backend the shared (parameterised) tests run against.
struct Backend {
  std::string name;
  std::string (*url)();
};

inline void PrintTo(const Backend& backend, std::ostream* os) {
  *os << backend.name;
}

inline Backend sqlite_backend() {
  return {"sqlite", &sqlite_url};
}
inline Backend postgres_backend() {
  return {"postgresql", &postgres_url};
}

inline std::string backend_name(const testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

// Drops the named tables if they exist (children first).
void drop_tables(retort::Connection& conn, std::initializer_list<const char*> tables);

}  // namespace retort_test
