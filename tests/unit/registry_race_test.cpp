// A model's first use from many threads at once maps it once, whichever thread wins.
// (CTest label concurrency: also run under ThreadSanitizer.)
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>

#include "retort/orm.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

// A fresh model per N: each is mapped for the first time by the threads below.
template <int N>
struct Raced {
  std::int64_t id = 0;
  int x = 0;
  static auto mapping() {
    return rt::model<Raced>("raced_" + std::to_string(N))
        .column("id", &Raced::id, rt::primary_key)
        .column("x", &Raced::x);
  }
};

template <int N>
void race(std::atomic<int>& failures) {
  std::atomic<bool> go = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) {
      }
      try {
        (void)rt::c(&Raced<N>::x);
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
}

template <int... N>
void race_all(std::atomic<int>& failures, std::integer_sequence<int, N...>) {
  (race<N>(failures), ...);
}

TEST(RegistryRace, FirstUsesFromManyThreadsMapAModelOnce) {
  std::atomic<int> failures = 0;
  race_all(failures, std::make_integer_sequence<int, 30>());
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace retort_test
