// Shared pieces of the benchmark binary.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "report.hpp"

namespace bench {

struct Options {
  long long rows = 100000;
  int repeat = 3;
  std::string postgres_url;
  std::vector<std::string> only;
  std::vector<std::string> databases{"sqlite", "postgresql"};
  long long stream_rows = 1000000;
  bool tsv = false;
};

// Makes the compiler treat `value` as used in full, so that it cannot leave out the work
// of building it (a baseline whose result is dropped may be optimised away).
template <class T>
void keep(const T& value) {
  asm volatile("" : : "r"(&value) : "memory");
}

// The best (shortest) of several measurements of each side.
struct Best {
  double retort_best = std::numeric_limits<double>::infinity();
  double baseline_best = std::numeric_limits<double>::infinity();
  double last_baseline = 0;
  double soci_best = std::numeric_limits<double>::infinity();
  void retort(double s) { retort_best = std::min(retort_best, s); }
  void soci(double s) { soci_best = std::min(soci_best, s); }
  void baseline(double s) {
    last_baseline = s;
    baseline_best = std::min(baseline_best, s);
  }
  Row row(std::string workload, std::string database, long long rows,
          std::string baseline = "raw driver") const {
    return Row{std::move(workload),
               std::move(database),
               rows,
               retort_best,
               baseline_best,
               std::move(baseline),
               std::isinf(soci_best) ? 0 : soci_best};
  }
};

std::vector<Row> run_sqlite(const Options& options);
std::vector<Row> run_postgres(const Options& options);
std::vector<Row> run_stream(const Options& options, bool postgres);
std::vector<Row> run_selectin(const Options& options, bool postgres);
// PostgreSQL only: a unit of work over two tables, which a flush pipelines.
std::vector<Row> run_flush(const Options& options);
int run_memory(const std::string& mode, long long rows);

}  // namespace bench
