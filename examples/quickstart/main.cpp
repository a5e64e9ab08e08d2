// Opens a SQLite file through the pool, writes a few rows in a transaction and reads them
// back: the smallest complete use of Retort Core.
//
//   retort-quickstart [URL]      (default sqlite:///retort-demo.db)
#include <chrono>
#include <cstdio>
#include <iostream>

#include "retort/core.hpp"

namespace rt = retort;

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "sqlite:///retort-demo.db";
  try {
    auto engine = rt::create_engine(url, {.pool_size = 2});
    std::cout << "engine: " << engine.url().str() << " (" << engine.dialect_name() << ")\n";

    {
      auto conn = engine.connect();
      conn.execute("DROP TABLE IF EXISTS planet");
      conn.execute(
          "CREATE TABLE planet (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE, "
          "radius_km DOUBLE PRECISION, discovered DATE, notes TEXT)");
      auto tx = conn.begin();
      auto insert = conn.prepare(
          "INSERT INTO planet (id, name, radius_km, discovered, notes) VALUES (?, ?, ?, ?, ?)");
      using namespace std::chrono;
      insert.execute({1, "Mercury", 2439.7, rt::null, "closest to the Sun"});
      insert.execute({2, "Earth", 6371.0, rt::null, rt::null});
      insert.execute({3, "Uranus", 25362.0, year{1781} / March / 13, "found by Herschel"});
      insert.execute({4, "Neptune", 24622.0, year{1846} / September / 23, rt::null});
      tx.commit();
    }  // the connection goes back to the pool here

    auto conn = engine.connect();  // the same connection, now idle in the pool
    std::cout << "pool: " << engine.pool_status().checked_out << " checked out, "
              << engine.pool_status().idle << " idle\n";
    for (const rt::Row& row : conn.execute(
             "SELECT id, name, radius_km, discovered, notes FROM planet WHERE radius_km > :min "
             "ORDER BY id",
             {{"min", 1000.0}})) {
      const auto discovered = row.get<std::optional<std::chrono::year_month_day>>("discovered");
      std::cout << row.get<std::int64_t>(0) << "  " << row.get<std::string>("name") << "  "
                << row.get<double>("radius_km") << " km  discovered "
                << (discovered ? rt::format_date(*discovered) : "in antiquity") << "  "
                << row.get<std::optional<std::string>>("notes").value_or("") << "\n";
    }
    const auto count = conn.execute("SELECT count(*) FROM planet").scalar<std::int64_t>();
    std::cout << count << " rows read back\n";
  } catch (const rt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
