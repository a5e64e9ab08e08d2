// retort-bench: Retort beside the raw drivers, workload by workload.
//
//   retort-bench [--rows N] [--repeat K] [--postgres URL] [--only sqlite,postgresql]
//
// Prints one line per workload: workload, database, rows, Retort seconds, baseline
// seconds, and the ratio of Retort's throughput to the baseline's.
#include <CLI/CLI.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  bench::Options options;
  CLI::App app{"Retort benchmarks"};
  app.add_option("--rows", options.rows, "rows per workload");
  app.add_option("--repeat", options.repeat, "repetitions; the best is kept");
  app.add_option("--postgres", options.postgres_url,
                 "PostgreSQL URL (RETORT_TEST_POSTGRES_URL by default)");
  app.add_option("--only", options.only,
                 "workloads to run (insert, load, get, update, delete, plain)")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  std::printf("%-10s %-11s %9s %9s %9s %6s\n", "workload", "database", "rows", "retort_s", "base_s",
              "ratio");
  for (const auto& row : bench::run_sqlite(options))
    bench::print(row);
  return 0;
}
