#include "databases.hpp"

#include "retort/sql/dialect.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

namespace retort_test {

std::string sqlite_url() {
  static const std::filesystem::path dir = [] {
    auto path =
        std::filesystem::temp_directory_path() / ("retort-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(
          std::filesystem::temp_directory_path() / ("retort-test-" + std::to_string(::getpid())),
          ignored);
    });
    return path;
  }();
  static std::atomic<int> counter{0};
  return "sqlite:///" + (dir / ("db" + std::to_string(++counter) + ".sqlite")).string();
}

std::string postgres_url() {
  const char* url = std::getenv("RETORT_TEST_POSTGRES_URL");
  if (!url || !*url) {
    ADD_FAILURE() << "RETORT_TEST_POSTGRES_URL is not set: run the PostgreSQL tests through "
                     "scripts/test or scripts/pg";
    throw std::runtime_error("RETORT_TEST_POSTGRES_URL is not set");
  }
  return url;
}

void drop_tables(retort::Connection& conn, std::initializer_list<const char*> tables) {
  for (const char* t : tables) {
    const auto& dialect = retort::sql::dialect(conn.dialect_name());
    conn.execute_script("DROP TABLE IF EXISTS " + dialect.quote(t) +
                        (conn.dialect_name() == "postgresql" ? " CASCADE" : ""));
  }
}

}  // namespace retort_test
