// The identity map's integer table against a std::unordered_map model: random inserts
// (also at the spot a lookup left), replacements, erases and lookups over dense, sparse,
// negative and extreme keys, through every growth and tombstone rebuild.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <unordered_map>
#include <vector>

#include "retort/orm.hpp"
#include "retort/orm/detail/identity_map.hpp"

namespace rt = retort;

namespace retort_test {
namespace {

struct Keyed {
  std::int64_t id = 0;
  static auto mapping() {
    return rt::model<Keyed>("keyed").column("id", &Keyed::id, rt::primary_key);
  }
};

// Entities whose key member is set, as the session files loaded objects.
struct Entities {
  std::vector<rt::orm::detail::OwnedEntity> owned;
  rt::orm::EntityState* make(std::int64_t key) {
    const rt::orm::Mapper& m = rt::registry().mapper<Keyed>();
    auto* state = m.new_entity();
    state->mapper = &m;
    static_cast<Keyed*>(state->object())->id = key;
    owned.emplace_back(state);
    return state;
  }
};

std::int64_t random_key(std::mt19937_64& rng, int shape) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  switch (shape) {
    case 0:  // dense, as a table's serial keys
      return static_cast<std::int64_t>(rng() % 5000);
    case 1:  // around the sizes where the slot and top bits split
      return (std::int64_t{1} << (6 + rng() % 30)) + static_cast<std::int64_t>(rng() % 5) - 2;
    case 2:
      return -static_cast<std::int64_t>(rng() % 5000);
    case 3: {
      const std::int64_t edges[] = {kMax, kMax - 1, kMin, kMin + 1, 0, -1, 1};
      return edges[rng() % 7];
    }
    default:  // anything, and strides that share low bits
      return rng() % 2 ? static_cast<std::int64_t>(rng())
                       : static_cast<std::int64_t>(rng() % 64) << (16 + rng() % 40);
  }
}

TEST(IdentityTable, AgreesWithAMapUnderRandomOperations) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    Entities entities;
    rt::orm::IntIdentityTable table;
    std::unordered_map<std::int64_t, rt::orm::EntityState*> model;
    std::vector<std::int64_t> seen;
    // Each seed leans to one shape of key, with some of every other.
    const int lean = static_cast<int>(seed % 5);
    const int ops = 6000;
    for (int i = 0; i < ops; ++i) {
      const int shape = rng() % 4 ? lean : static_cast<int>(rng() % 5);
      const std::int64_t key =
          !seen.empty() && rng() % 3 == 0 ? seen[rng() % seen.size()] : random_key(rng, shape);
      switch (rng() % 8) {
        case 0:
        case 1:
        case 2: {  // file a new object under the key (replacing any)
          auto* state = entities.make(key);
          table.insert(key, state);
          model[key] = state;
          seen.push_back(key);
          break;
        }
        case 3:
        case 4: {  // drop the object filed there
          auto it = model.find(key);
          if (it != model.end()) {
            table.erase(key, it->second);
            model.erase(it);
          }
          break;
        }
        case 5: {  // dropping another object under the key leaves it filed
          table.erase(key, entities.make(key));
          break;
        }
        case 6:
          if (rng() % 50 == 0) table.reserve(rng() % 20000);
          break;
        default: {  // as get() files a row: look the key up, then file it where it would go
          rt::orm::IntIdentityTable::Spot spot;
          if (table.find(key, spot)) break;
          auto* state = entities.make(key);
          table.insert(spot, key, state);
          model[key] = state;
          seen.push_back(key);
          break;
        }
      }
      auto it = model.find(key);
      ASSERT_EQ(table.find(key), it == model.end() ? nullptr : it->second)
          << "seed " << seed << " op " << i << " key " << key;
      ASSERT_EQ(table.size(), model.size()) << "seed " << seed << " op " << i;
    }
    for (const auto& [key, state] : model)
      ASSERT_EQ(table.find(key), state) << "seed " << seed << " key " << key;
    std::size_t visited = 0;
    table.for_each([&](rt::orm::EntityState* state) {
      ++visited;
      ASSERT_EQ(model.at(static_cast<Keyed*>(state->object())->id), state);
    });
    ASSERT_EQ(visited, model.size());
  }
}

// A whole table of keys met in order, as a load files them, and looked up again after
// each growth.
TEST(IdentityTable, FindsEveryDenseKeyAfterGrowing) {
  Entities entities;
  rt::orm::IntIdentityTable table;
  std::vector<rt::orm::EntityState*> states;
  for (std::int64_t k = 1; k <= 100000; ++k) {
    states.push_back(entities.make(k));
    table.insert(k, states.back());
  }
  for (std::int64_t k = 1; k <= 100000; ++k)
    ASSERT_EQ(table.find(k), states[static_cast<std::size_t>(k - 1)]) << k;
  EXPECT_EQ(table.find(0), nullptr);
  EXPECT_EQ(table.find(100001), nullptr);
  EXPECT_EQ(table.find(-1), nullptr);
  EXPECT_EQ(table.find(std::int64_t{1} << 40 | 5), nullptr);
}

}  // namespace
}  // namespace retort_test
