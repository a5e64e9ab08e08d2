// The identity map's table of objects by primary key (internal to the session).
//
// A single integer key (the common case) lives in an open-addressing table: no
// allocation per object. Other keys (composite, UUID, text) are their snapshot bytes in
// a std::unordered_map.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace retort::orm {

struct EntityState;

class IntIdentityTable {
 public:
  EntityState* find(std::int64_t key) const {
    if (slots_.empty()) return nullptr;
    for (Probe p(key, mask_);; p.next()) {
      const Slot& s = slots_[p.index];
      if (s.state == nullptr) return nullptr;
      if (s.state != tombstone() && s.key == key) return s.state;
    }
  }
  void insert(std::int64_t key, EntityState* state) {
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
  // Room for n more keys without growing on the way.
  void reserve(std::size_t n);
  // Removes the key if it maps to state.
  void erase(std::int64_t key, const EntityState* state) {
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
  std::size_t size() const { return size_; }
  void clear() {
    slots_.clear();
    size_ = used_ = 0;
    mask_ = 0;
  }
  template <class F>
  void for_each(F&& fn) const {
    for (const Slot& s : slots_) {
      if (s.state && s.state != tombstone()) fn(s.state);
    }
  }

 private:
  struct Slot {
    std::int64_t key;
    EntityState* state;  // nullptr: empty
  };
  static EntityState* tombstone() { return reinterpret_cast<EntityState*>(alignof(Slot)); }

  // Keys are usually dense integers met in order, so a key starts at its own low bits:
  // neighbours sit in neighbouring slots and stay in cache. Collisions follow a probe
  // sequence that mixes in the key's higher bits (as CPython's dict does), so strided
  // keys do not pile up into long runs.
  struct Probe {
    Probe(std::int64_t key, std::size_t mask_)
        : index(static_cast<std::size_t>(key) & mask_),
          perturb(static_cast<std::uint64_t>(key)),
          mask(mask_) {}
    void next() {
      perturb >>= 5;
      index = (index * 5 + 1 + static_cast<std::size_t>(perturb)) & mask;
    }
    std::size_t index;
    std::uint64_t perturb;
    std::size_t mask;
  };
  void grow(std::size_t expected = 0);

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;  // live entries
  std::size_t used_ = 0;  // live entries and tombstones
};

struct IdentityMap {
  IntIdentityTable ints;
  std::unordered_map<std::string, EntityState*> keys;
  std::size_t size() const { return ints.size() + keys.size(); }
  template <class F>
  void for_each(F&& fn) const {
    ints.for_each(fn);
    for (const auto& [k, s] : keys)
      fn(s);
  }
};

}  // namespace retort::orm
