// Core on SQLite, nothing else: prints the answer a query gives and the version of the
// library it runs with.
#include <iostream>
#include <string>

#include "retort/core.hpp"
#include "retort/version.hpp"

int main() {
  auto engine = retort::create_engine("sqlite://");
  auto conn = engine.connect();
  conn.execute("CREATE TABLE t (x INTEGER)");
  conn.execute("INSERT INTO t VALUES (?), (?)", {40, 2});
  std::cout << conn.execute("SELECT sum(x) FROM t").scalar<int>() << " "
            << retort::library_version() << "\n";
  return std::string(retort::library_version()) == RETORT_VERSION_STRING ? 0 : 1;
}
