// Makes PostgreSQL known to engines and statements when this library is linked: its link
// interface asks the linker for retort_postgresql_registered, which pulls this file in.
#include "dialects/postgresql/dialect.hpp"
#include "dialects/postgresql/driver.hpp"

extern "C" {
extern const bool retort_postgresql_registered;
const bool retort_postgresql_registered = [] {
  for (const char* backend : {"postgresql", "postgres"}) {
    retort::driver::register_driver(backend, {"", "libpq", "psycopg2"},
                                    retort::postgresql::driver());
  }
  retort::sql::register_dialect(retort::postgresql::dialect());
  return true;
}();
}
