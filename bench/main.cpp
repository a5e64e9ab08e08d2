// retort-bench: Retort beside the raw drivers, workload by workload.
//
//   retort-bench [--rows N] [--repeat K] [--databases sqlite,postgresql]
//                [--postgres URL] [--only insert,load,get,update,delete,plain,selectin,stream]
//                [--stream-rows N] [--tsv]
//   retort-bench --memory prepare|session|vector|stream --rows N
//
// Prints one line per workload: workload, database, rows, Retort seconds, baseline
// seconds, and the ratio of Retort's throughput to the baseline's. PostgreSQL runs use
// --postgres, else RETORT_TEST_POSTGRES_URL (scripts/pg sets it). --memory measures one
// thing per process, since peak memory only grows.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>

#include "bench.hpp"

int main(int argc, char** argv) {
  bench::Options options;
  std::string memory;
  CLI::App app{"Retort benchmarks"};
  app.add_option("--rows", options.rows, "rows per workload");
  app.add_option("--repeat", options.repeat, "repetitions; the best is kept");
  app.add_option("--databases", options.databases, "sqlite, postgresql")->delimiter(',');
  app.add_option("--postgres", options.postgres_url, "PostgreSQL URL");
  app.add_option("--only", options.only, "workloads to run")->delimiter(',');
  app.add_option("--stream-rows", options.stream_rows, "rows for the stream workload");
  app.add_flag("--tsv", options.tsv, "tab-separated output");
  app.add_option("--memory", memory, "measure peak memory of one mode, in this process");
  CLI11_PARSE(app, argc, argv);
  if (!memory.empty()) return bench::run_memory(memory, options.rows);
  if (options.postgres_url.empty()) {
    if (const char* url = std::getenv("RETORT_TEST_POSTGRES_URL")) options.postgres_url = url;
  }

  auto has = [](const std::vector<std::string>& list, const char* item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  auto print = [&](const std::vector<bench::Row>& rows) {
    for (const auto& row : rows) {
      if (options.tsv) {
        bench::print_tsv(row);
      } else {
        bench::print(row);
      }
    }
  };
  const bool stream = options.only.empty() || has(options.only, "stream");
  const bool selectin = options.only.empty() || has(options.only, "selectin");
  const bool flush = options.only.empty() || has(options.only, "flush");
  if (!options.tsv) {
    std::printf("%-10s %-11s %9s %9s %9s %6s\n", "workload", "database", "rows", "retort_s",
                "base_s", "ratio");
  }
  if (has(options.databases, "sqlite")) {
    print(bench::run_sqlite(options));
    if (selectin) print(bench::run_selectin(options, false));
    if (stream) print(bench::run_stream(options, false));
  }
  if (has(options.databases, "postgresql")) {
    if (options.postgres_url.empty()) {
      std::fprintf(stderr, "no PostgreSQL URL: pass --postgres or run under scripts/pg\n");
      return 1;
    }
    print(bench::run_postgres(options));
    if (selectin) print(bench::run_selectin(options, true));
    if (flush) print(bench::run_flush(options));
    if (stream) print(bench::run_stream(options, true));
  }
  return 0;
}
