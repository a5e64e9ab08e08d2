// retort-bench: Retort beside the raw drivers, workload by workload.
//
//   retort-bench [--rows N] [--repeat K] [--databases sqlite,postgresql]
//                [--postgres URL] [--only insert,load,get,update,delete,plain]
//
// Prints one line per workload: workload, database, rows, Retort seconds, baseline
// seconds, and the ratio of Retort's throughput to the baseline's. PostgreSQL runs use
// --postgres, else RETORT_TEST_POSTGRES_URL (scripts/pg sets it).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>

#include "bench.hpp"

int main(int argc, char** argv) {
  bench::Options options;
  CLI::App app{"Retort benchmarks"};
  app.add_option("--rows", options.rows, "rows per workload");
  app.add_option("--repeat", options.repeat, "repetitions; the best is kept");
  app.add_option("--databases", options.databases, "sqlite, postgresql")->delimiter(',');
  app.add_option("--postgres", options.postgres_url, "PostgreSQL URL");
  app.add_option("--only", options.only, "workloads to run")->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  if (options.postgres_url.empty()) {
    if (const char* url = std::getenv("RETORT_TEST_POSTGRES_URL")) options.postgres_url = url;
  }

  auto wanted = [&](const char* db) {
    return std::find(options.databases.begin(), options.databases.end(), db) !=
           options.databases.end();
  };
  std::printf("%-10s %-11s %9s %9s %9s %6s\n", "workload", "database", "rows", "retort_s", "base_s",
              "ratio");
  if (wanted("sqlite")) {
    for (const auto& row : bench::run_sqlite(options))
      bench::print(row);
  }
  if (wanted("postgresql")) {
    if (options.postgres_url.empty()) {
      std::fprintf(stderr, "no PostgreSQL URL: pass --postgres or run under scripts/pg\n");
      return 1;
    }
    for (const auto& row : bench::run_postgres(options))
      bench::print(row);
  }
  return 0;
}
