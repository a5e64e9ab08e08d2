#include "retort/orm/detail/identity_map.hpp"

#include <algorithm>

#include "retort/orm/attribute.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/orm/ref.hpp"

namespace retort::orm {

std::int64_t filed_int_key(const EntityState* state) {
  if (!state->snapshot.empty()) {
    const char* p = state->snapshot.data();
    return state->mapper->primary_key().front()->decode(p).as<std::int64_t>();
  }
  std::int64_t k = 0;
  state->mapper->int_key(state->object(), k);
  return k;
}

void IntIdentityTable::reserve(std::size_t n) {
  // insert() grows past 70% use; stay under it with the n new keys.
  if ((used_ + n) * 10 > slots_.size() * 7) grow(size_ + n);
}

void IntIdentityTable::grow(std::size_t expected) {
  // Double when live entries fill half the table; otherwise rebuild to drop tombstones.
  std::size_t capacity = slots_.empty() ? 64 : slots_.size();
  while (std::max(size_, expected) * 10 >= capacity * 5)
    capacity *= 2;
  auto old = std::move(slots_);
  slots_.assign(capacity, kEmpty);
  mask_ = capacity - 1;
  // The live keys are distinct and the new table has room: each takes the first empty
  // slot of its probe sequence. Reading the keys is what costs: each is in its entity,
  // out of cache, so the entity a few slots ahead is fetched while this one is filed.
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < old.size(); ++i) {
    if (i + kAhead < old.size()) {
      const Word ahead = old[i + kAhead];
      if (ahead != kEmpty && ahead != kTombstone) __builtin_prefetch(state_of(ahead));
    }
    const Word s = old[i];
    if (s == kEmpty || s == kTombstone) continue;
    Probe p(filed_int_key(state_of(s)), mask_);
    while (slots_[p.index] != kEmpty)
      p.next();
    slots_[p.index] = s;
  }
  used_ = size_;
}

}  // namespace retort::orm
