#include "retort/orm/detail/identity_map.hpp"

#include <algorithm>
#include <bit>

#include "retort/orm/attribute.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/orm/ref.hpp"

namespace retort::orm {

// Slots keep two flag bits below the entity pointer.
static_assert(alignof(EntityState) >= 4);

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
  // Grow when live entries fill half the table (fourfold while it is small, so that a
  // session filling it one get() at a time rebuilds it less often); otherwise rebuild
  // to drop tombstones.
  std::size_t capacity = slots_.empty() ? 64 : slots_.size();
  while (std::max(size_, expected) * 10 >= capacity * 5)
    capacity *= capacity < kQuadrupleBelow ? 4 : 2;
  auto old = std::move(slots_);
  const int old_shift = shift_;
  slots_.assign(capacity, kEmpty);
  mask_ = capacity - 1;
  shift_ = std::countr_zero(capacity);
  // The live keys are distinct and the new table has room: each takes the first empty
  // slot of its probe sequence. An exact entry's key is its slot number and top bits; any
  // other's is in its entity, out of cache, so the entity a few slots ahead is fetched
  // while this one is filed.
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < old.size(); ++i) {
    if (i + kAhead < old.size()) {
      const Word ahead = old[i + kAhead];
      if (ahead != kEmpty && ahead != kTombstone && !(ahead & kExact))
        __builtin_prefetch(state_of(ahead));
    }
    const Word s = old[i];
    if (s == kEmpty || s == kTombstone) continue;
    const std::int64_t key =
        s & kExact
            ? static_cast<std::int64_t>(((s >> kHighShift) << old_shift) |
                                        ((i - ((s >> kTagShift) & (kNear - 1))) & (old.size() - 1)))
            : filed_int_key(state_of(s));
    const Form form = form_of(key);
    Probe p(key, mask_);
    while (slots_[p.index] != kEmpty)
      p.next();
    slots_[p.index] = form.word(p.index, state_of(s));
  }
  used_ = size_;
}

}  // namespace retort::orm
