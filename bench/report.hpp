// One row of the benchmark table and the clock that fills it.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

struct Row {
  std::string workload;
  std::string database;
  long long rows;
  double retort_seconds;
  double baseline_seconds;
  std::string baseline = "raw driver";
  double soci_seconds = 0;  // SOCI doing the same work; 0 when it has no equivalent
  // Retort's throughput over the baseline's (> 1 is faster than the baseline).
  double ratio() const { return baseline_seconds / retort_seconds; }
};

template <class F>
double seconds(F&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Seconds to the microsecond: the report derives time per row and per item from them.
inline void print_tsv(const Row& r) {
  std::printf("%s\t%s\t%lld\t%.6f\t%.6f\t%.3f\t%s\t%.6f\n", r.workload.c_str(), r.database.c_str(),
              r.rows, r.retort_seconds, r.baseline_seconds, r.ratio(), r.baseline.c_str(),
              r.soci_seconds);
  std::fflush(stdout);
}

inline void print(const Row& r) {
  std::printf("%-10s %-11s %9lld %9.4f %9.4f %6.2f  (vs %s)", r.workload.c_str(),
              r.database.c_str(), r.rows, r.retort_seconds, r.baseline_seconds, r.ratio(),
              r.baseline.c_str());
  if (r.soci_seconds > 0)
    std::printf("  SOCI %.4f s, %.2f", r.soci_seconds, r.soci_seconds / r.retort_seconds);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace bench
