// The identity map's table of objects by primary key (internal to the session).
//
// A single integer key (the common case) lives in an open-addressing table of one word
// per slot: the object's entity pointer, with a 16-bit tag of its key in the pointer's
// unused top bits. The key itself is not stored: it is the one the object is filed under
// (filed_int_key), read only when a tag matches, which for a lookup that finds its object
// is the access the caller makes next anyway. Other keys (composite, UUID, text) are
// their snapshot bytes in a std::unordered_map.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "retort/orm/detail/huge_pages.hpp"

namespace retort::orm {

struct EntityState;

// The integer key an object is filed under in the identity map: the head of its snapshot
// when it has one (the member may have changed since), otherwise the member.
std::int64_t filed_int_key(const EntityState* state);

class IntIdentityTable {
 public:
  EntityState* find(std::int64_t key) const {
    if (slots_.empty()) return nullptr;
    const Word tag = tag_of(key);
    for (Probe p(key, mask_);; p.next()) {
      const Word s = slots_[p.index];
      if (s == kEmpty) return nullptr;
      if ((s & kTagMask) == tag && s != kTombstone && filed_int_key(state_of(s)) == key)
        return state_of(s);
    }
  }
  void insert(std::int64_t key, EntityState* state) {
    if ((used_ + 1) * 10 > slots_.size() * 7) grow();
    const Word tag = tag_of(key);
    Word* free = nullptr;
    for (Probe p(key, mask_);; p.next()) {
      Word& s = slots_[p.index];
      if (s == kEmpty) {
        if (!free) {
          free = &s;
          ++used_;
        }
        *free = tag | reinterpret_cast<Word>(state);
        ++size_;
        return;
      }
      if (s == kTombstone) {
        if (!free) free = &s;
      } else if ((s & kTagMask) == tag && filed_int_key(state_of(s)) == key) {
        s = tag | reinterpret_cast<Word>(state);
        return;
      }
    }
  }
  // Room for n more keys without growing on the way.
  void reserve(std::size_t n);
  // Removes the key if it maps to state.
  void erase(std::int64_t key, const EntityState* state) {
    if (slots_.empty()) return;
    const Word want = tag_of(key) | reinterpret_cast<Word>(state);
    for (Probe p(key, mask_);; p.next()) {
      Word& s = slots_[p.index];
      if (s == kEmpty) return;
      if (s == want) {
        s = kTombstone;
        --size_;
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
    for (const Word s : slots_) {
      if (s != kEmpty && s != kTombstone) fn(state_of(s));
    }
  }

 private:
  using Word = std::uintptr_t;
  static_assert(sizeof(Word) == 8, "tagged slots need 64-bit pointers");
  // User-space pointers fit in the low 48 bits on the 64-bit targets Retort builds for.
  static constexpr Word kPointerMask = (Word{1} << 48) - 1;
  static constexpr Word kTagMask = ~kPointerMask;
  static constexpr Word kEmpty = 0;
  static constexpr Word kTombstone = 1;  // no entity is at an odd address
  static EntityState* state_of(Word s) { return reinterpret_cast<EntityState*>(s & kPointerMask); }
  // From the key's bits above those that pick its slot, mixed so that keys sharing a slot
  // rarely share a tag.
  static Word tag_of(std::int64_t key) {
    return (static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ull) & kTagMask;
  }
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

  std::vector<Word, detail::HugePageAllocator<Word>> slots_;
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
