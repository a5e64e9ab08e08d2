// Entity memory: objects made on one thread and dropped on another, and types that need
// more than the usual alignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "retort/orm.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Note {
  std::int64_t n = 0;
  std::string text{};
};

TEST(EntityMemory, ObjectsOutliveTheThreadThatMadeThemAndDieOnAnother) {
  std::vector<rt::Ref<Note>> made;
  std::thread([&] {
    for (int i = 0; i < 10000; ++i)
      made.push_back(rt::make_ref(Note{i, std::string(40, static_cast<char>('a' + i % 26))}));
  }).join();
  for (int i = 0; i < 10000; ++i) {
    ASSERT_EQ(made[i].peek()->n, i);
    ASSERT_EQ(made[i].peek()->text[39], 'a' + i % 26);
  }
  // Every other one first, so that blocks empty out of order.
  std::thread([&] {
    for (std::size_t i = 0; i < made.size(); i += 2)
      made[i] = nullptr;
  }).join();
  for (std::size_t i = 1; i < made.size(); i += 2)
    ASSERT_EQ(made[i].peek()->n, static_cast<std::int64_t>(i));
  made.clear();
}

struct alignas(64) Wide {
  char c = 0;
};

TEST(EntityMemory, OverAlignedObjectsKeepTheirAlignment) {
  std::vector<rt::Ref<Wide>> all;
  for (int i = 0; i < 100; ++i) {
    all.push_back(rt::make_ref<Wide>());
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(all.back().peek()) % 64, 0u);
  }
}

struct alignas(16) Pair {
  std::int64_t a = 0, b = 0;
};
struct Big {
  char bytes[3000] = {};
};

// Entities of the usual alignment, of the largest it serves, and too big for a block, made
// in turn so that each kind starts where the other left off.
TEST(EntityMemory, MixedSizesAndAlignmentsStayAlignedAndIntact) {
  std::vector<rt::Ref<Note>> notes;
  std::vector<rt::Ref<Pair>> pairs;
  std::vector<rt::Ref<Big>> bigs;
  for (int i = 0; i < 3000; ++i) {
    notes.push_back(rt::make_ref(Note{i, std::string(static_cast<std::size_t>(i % 50), 'x')}));
    pairs.push_back(rt::make_ref(Pair{i, -i}));
    if (i % 100 == 0) {
      bigs.push_back(rt::make_ref<Big>());
      bigs.back()->bytes[2999] = static_cast<char>(i % 100 + 1);
    }
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(pairs.back().peek()) % 16, 0u);
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(notes.back().peek()) % alignof(Note), 0u);
  }
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(notes[static_cast<std::size_t>(i)].peek()->n, i);
    ASSERT_EQ(notes[static_cast<std::size_t>(i)].peek()->text.size(),
              static_cast<std::size_t>(i % 50));
    ASSERT_EQ(pairs[static_cast<std::size_t>(i)].peek()->b, -i);
  }
  for (const auto& b : bigs)
    ASSERT_EQ(b.peek()->bytes[2999], 1);
}

// Objects of a few hundred bytes, so that a round makes many pages.
struct Page {
  std::int64_t n = 0;
  std::string text{};
  char pad[256] = {};
};

// Rounds of many objects made on several threads and dropped partly in random order,
// partly in the order they were made and by another thread: far more pages than are kept
// free, so that freed pages and whole slabs of them are given back to the system and
// mapped again. Every object keeps its values while it lives.
TEST(EntityMemory, PagesGoBackAndComeAgainWithoutLosingALiveObject) {
  constexpr int kThreads = 4, kRounds = 2, kEach = 100000;
  std::vector<std::vector<rt::Ref<Page>>> made(kThreads);
  std::vector<rt::Ref<Page>> kept;  // a few from every round stay to the end
  auto intact = [](const rt::Ref<Page>& ref) {
    const Page& p = *ref.peek();
    return p.text == std::to_string(p.n) && p.pad[0] == static_cast<char>(p.n) &&
           p.pad[255] == static_cast<char>(p.n);
  };
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 random(static_cast<unsigned>(round * kThreads + t));
        for (int i = 0; i < kEach; ++i) {
          const std::int64_t n = (round * kThreads + t) * kEach + i;
          Page page{n, std::to_string(n)};
          page.pad[0] = page.pad[255] = static_cast<char>(n);
          made[t].push_back(rt::make_ref(std::move(page)));
        }
        std::shuffle(made[t].begin(), made[t].end(), random);
        made[t].resize(made[t].size() / 2);  // half dropped here, in random order
        std::sort(made[t].begin(), made[t].end(),
                  [](const auto& a, const auto& b) { return a.peek()->n < b.peek()->n; });
      });
    }
    for (auto& th : threads)
      th.join();
    threads.clear();
    for (const auto& refs : made)
      kept.push_back(refs.front());
    // The other halves go on the next thread over, in the order they were made.
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto& theirs = made[(t + 1) % kThreads];
        for (const auto& ref : theirs)
          ASSERT_TRUE(intact(ref));
        theirs.clear();
      });
    }
    for (auto& th : threads)
      th.join();
    for (const auto& ref : kept)
      ASSERT_TRUE(intact(ref));
  }
}

}  // namespace
}  // namespace retort_test
