#include "retort/orm/identity_map.hpp"

#include <algorithm>

namespace retort::orm {

void IntIdentityTable::insert(std::int64_t key, EntityState* state) {
  if ((used_ + 1) * 10 > slots_.size() * 7) grow();
  Slot* free = nullptr;
  for (Probe p(key, mask_);; p.next()) {
    Slot& s = slots_[p.index];
    if (s.state == nullptr) {
      if (!free) {
        free = &s;
        ++used_;
      }
      *free = Slot{key, state};
      ++size_;
      return;
    }
    if (s.state == tombstone()) {
      if (!free) free = &s;
    } else if (s.key == key) {
      s.state = state;
      return;
    }
  }
}

void IntIdentityTable::erase(std::int64_t key, const EntityState* state) {
  if (slots_.empty()) return;
  for (Probe p(key, mask_);; p.next()) {
    Slot& s = slots_[p.index];
    if (s.state == nullptr) return;
    if (s.state != tombstone() && s.key == key) {
      if (s.state == state) {
        s.state = tombstone();
        --size_;
      }
      return;
    }
  }
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
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{0, nullptr});
  mask_ = capacity - 1;
  size_ = used_ = 0;
  for (const Slot& s : old) {
    if (s.state && s.state != tombstone()) insert(s.key, s.state);
  }
}

}  // namespace retort::orm
