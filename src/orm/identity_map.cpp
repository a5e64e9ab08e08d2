#include "retort/orm/detail/identity_map.hpp"

#include <algorithm>

namespace retort::orm {

void IntIdentityTable::reserve(std::size_t n) {
  // insert() grows past 70% use; stay under it with the n new keys.
  if ((used_ + n) * 10 > slots_.size() * 7) grow(size_ + n);
}

void IntIdentityTable::grow(std::size_t expected) {
  // Double when live entries fill half the table; otherwise rebuild to drop tombstones.
  std::size_t capacity = slots_.empty() ? 64 : slots_.size();
  while (std::max(size_, expected) * 10 >= capacity * 5)
    capacity *= 2;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{0, nullptr});
  mask_ = capacity - 1;
  // The live keys are distinct and the new table has room: each takes the first empty
  // slot of its probe sequence.
  for (const Slot& s : old) {
    if (!s.state || s.state == tombstone()) continue;
    Probe p(s.key, mask_);
    while (slots_[p.index].state)
      p.next();
    slots_[p.index] = s;
  }
  used_ = size_;
}

}  // namespace retort::orm
