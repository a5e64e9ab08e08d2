// The identity map's table of objects by primary key (internal to the session).
//
// A single integer key (the common case) lives in an open-addressing table: no
// allocation per object, one cache line per lookup. Other keys (composite, UUID, text)
// are their snapshot bytes in a std::unordered_map.
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
    for (std::size_t i = index(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.state == nullptr) return nullptr;
      if (s.state != tombstone() && s.key == key) return s.state;
    }
  }
  void insert(std::int64_t key, EntityState* state);
  // Removes the key if it maps to state.
  void erase(std::int64_t key, const EntityState* state);
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
  std::size_t index(std::int64_t key) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >>
                                    20) &
           mask_;
  }
  void grow();

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
