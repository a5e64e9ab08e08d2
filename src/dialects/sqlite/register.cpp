// Makes SQLite known to engines and statements when this library is linked: its link
// interface asks the linker for retort_sqlite_registered, which pulls this file in.
#include "dialects/sqlite/dialect.hpp"
#include "dialects/sqlite/driver.hpp"

extern "C" {
extern const bool retort_sqlite_registered;
const bool retort_sqlite_registered = [] {
  retort::driver::register_driver("sqlite", {"", "pysqlite", "sqlite3"}, retort::sqlite::driver());
  retort::sql::register_dialect(retort::sqlite::dialect());
  return true;
}();
}
