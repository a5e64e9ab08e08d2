// The identity map's table of objects by primary key (internal to the session).
//
// A single integer key (the common case) lives in an open-addressing table of one word
// per slot: the object's entity pointer, with 16 bits about its key in the pointer's
// unused top bits. The key itself is not stored, so a slot costs one word:
//  - an entry within three slots of its key's first, with a key below 2^14 times the
//    table's size (the keys a database hands out), is *exact*: the top bits are the key's
//    bits above the slot number and the distance from the first slot, so slot number and
//    top bits give the whole key. Lookups and the rebuild when the table grows read
//    nothing else, and never the entity, which after a large load is out of cache.
//  - any other entry carries a hashed tag of its key; the key is the one the object is
//    filed under (filed_int_key), read only when the tag matches, which for a lookup that
//    finds its object is the access the caller makes next anyway.
// Other keys (composite, UUID, text) are their snapshot bytes in a std::unordered_map.
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
  EntityState* find(std::int64_t key) const { return probe(key, nullptr); }
  // Where a key the table does not hold goes: find() with a spot, then insert() there,
  // which saves walking the key's slots again when nothing was filed in between.
  struct Spot {
    std::size_t index = 0;
    std::size_t mask = 0;  // the table's when the spot was taken; 0 for no spot
    bool empty = false;    // an empty slot, rather than a tombstone
  };
  EntityState* find(std::int64_t key, Spot& spot) const { return probe(key, &spot); }
  void insert(const Spot& spot, std::int64_t key, EntityState* state) {
    if (spot.mask != mask_ || slots_.empty() || (used_ + 1) * 10 > slots_.size() * 7 ||
        slots_[spot.index] != (spot.empty ? kEmpty : kTombstone)) {
      insert(key, state);
      return;
    }
    slots_[spot.index] = form_of(key).word(spot.index, state);
    used_ += spot.empty;
    ++size_;
  }
  void insert(std::int64_t key, EntityState* state) {
    if ((used_ + 1) * 10 > slots_.size() * 7) grow();
    const Form form = form_of(key);
    Word* free = nullptr;
    std::size_t free_index = 0;
    for (Probe p(key, mask_);; p.next()) {
      Word& s = slots_[p.index];
      if (s == kEmpty) {
        if (!free) {
          free = &s;
          free_index = p.index;
          ++used_;
        }
        *free = form.word(free_index, state);
        ++size_;
        return;
      }
      if (s == kTombstone) {
        if (!free) {
          free = &s;
          free_index = p.index;
        }
      } else if (form.matches(s, p.index) && ((s & kExact) || filed_int_key(state_of(s)) == key)) {
        s = form.word(p.index, state);
        return;
      }
    }
  }
  // Room for n more keys without growing on the way.
  void reserve(std::size_t n);
  // Removes the key if it maps to state. An entity is filed once, so the slot on the
  // key's probe sequence that holds it is the key's.
  void erase(std::int64_t key, const EntityState* state) {
    if (slots_.empty()) return;
    for (Probe p(key, mask_);; p.next()) {
      Word& s = slots_[p.index];
      if (s == kEmpty) return;
      if (state_of(s) == state) {
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
    shift_ = 0;
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
  // User-space pointers fit in the low 48 bits on the 64-bit targets Retort builds for,
  // and entities are at least 8-byte aligned, which leaves the two lowest bits free.
  static constexpr int kTagShift = 48;
  static constexpr int kHighShift = 50;    // an exact entry's key bits; its distance below
  static constexpr std::size_t kNear = 4;  // slots probed one after another first
  static_assert(std::size_t{1} << (kHighShift - kTagShift) == kNear);
  static constexpr Word kTagMask = ~((Word{1} << kTagShift) - 1);
  static constexpr Word kEmpty = 0;
  static constexpr Word kTombstone = 1;  // no entity is at an odd address
  static constexpr Word kExact = 2;
  static constexpr Word kAddressMask = ~kTagMask & ~Word{3};
  static EntityState* state_of(Word s) { return reinterpret_cast<EntityState*>(s & kAddressMask); }

  // What a key's entry carries, in this table's size: its exact top bits (when the key is
  // small enough) with the distance from its first slot, or its hashed tag, mixed so that
  // keys sharing a slot rarely share one.
  struct Form {
    std::size_t home;
    std::size_t mask;
    Word exact;  // 0 when the key cannot be exact
    Word tag;
    // The exact word at a slot, or 0 where the entry cannot be exact.
    Word exact_at(std::size_t index) const {
      const std::size_t distance = (index - home) & mask;
      return exact && distance < kNear ? exact | (Word{distance} << kTagShift) : 0;
    }
    // Whether an entry may be this key's: certainly, for an exact one.
    bool matches(Word s, std::size_t index) const {
      if (s & kExact) return (s & (kTagMask | kExact)) == exact_at(index);
      return (s & kTagMask) == tag && s != kTombstone;
    }
    Word word(std::size_t index, const EntityState* state) const {
      const Word e = exact_at(index);
      return (e ? e : tag) | reinterpret_cast<Word>(state);
    }
  };
  Form form_of(std::int64_t key) const {
    const auto k = static_cast<std::uint64_t>(key);
    const std::uint64_t high = k >> shift_;
    return Form{static_cast<std::size_t>(k) & mask_, mask_,
                high < (Word{1} << (64 - kHighShift)) ? (high << kHighShift) | kExact : 0,
                (k * 0x9E3779B97F4A7C15ull) & kTagMask};
  }
  // Keys are usually dense integers met in order, so a key starts at its own low bits:
  // neighbours sit in neighbouring slots and stay in cache. The next few slots come next,
  // in the same cache line; then collisions follow a probe sequence that mixes in the
  // key's higher bits (as CPython's dict does), so strided keys do not pile up into long
  // runs.
  struct Probe {
    Probe(std::int64_t key, std::size_t mask_)
        : index(static_cast<std::size_t>(key) & mask_),
          perturb(static_cast<std::uint64_t>(key)),
          mask(mask_) {}
    void next() {
      if (++step < kNear) {
        index = (index + 1) & mask;
        return;
      }
      perturb >>= 5;
      index = (index * 5 + 1 + static_cast<std::size_t>(perturb)) & mask;
    }
    std::size_t index;
    std::uint64_t perturb;
    std::size_t mask;
    std::size_t step = 0;
  };
  // find(), noting in `spot` (when given) the first free slot on the key's way.
  EntityState* probe(std::int64_t key, Spot* spot) const {
    if (spot) spot->mask = 0;
    if (slots_.empty()) return nullptr;
    const Form form = form_of(key);
    for (Probe p(key, mask_);; p.next()) {
      const Word s = slots_[p.index];
      if (s == kEmpty) {
        if (spot && !spot->mask) *spot = {p.index, mask_, true};
        return nullptr;
      }
      if (s == kTombstone) {
        if (spot && !spot->mask) *spot = {p.index, mask_, false};
      } else if (form.matches(s, p.index) && ((s & kExact) || filed_int_key(state_of(s)) == key)) {
        return state_of(s);
      }
    }
  }
  void grow(std::size_t expected = 0);
  static constexpr std::size_t kQuadrupleBelow = std::size_t{1} << 16;  // slots

  std::vector<Word, detail::HugePageAllocator<Word>> slots_;
  std::size_t mask_ = 0;
  int shift_ = 0;         // log2 of the table's size
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
