// Memory the kernel may back with huge pages (internal to the ORM).
//
// Memory written for the first time takes a page fault per 4 KiB page, which costs
// microseconds (far more in a virtual machine): a table of a million entries takes
// thousands. Mapped aligned to 2 MiB and advised as huge, it takes one per 2 MiB, and
// lookups at random places in it miss the TLB less.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>

namespace retort::orm::detail {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// bytes rounded up to whole huge pages, aligned to one, and advised as huge unless
// `advise` is false (small pages then, until advise_huge); std::bad_alloc when the
// system has no room.
void* map_huge(std::size_t bytes, bool advise = true);
void unmap_huge(void* p, std::size_t bytes) noexcept;
// Advises the whole huge pages inside [p, p + bytes) as huge; memory not yet written.
void advise_huge(void* p, std::size_t bytes) noexcept;

// Room for `more` elements past the end of a vector a result is read into. Once the
// buffer spans a few huge pages it is advised as huge before the elements move in: a
// result of a million rows needs a buffer too large for malloc to keep, new from the
// system every time.
template <class V>
void make_room(V& v, std::size_t more) {
  using T = typename V::value_type;
  const std::size_t want = v.size() + more;
  if (want <= v.capacity()) return;
  if (want * sizeof(T) < 2 * kHugePageBytes) {
    v.reserve(want);
    return;
  }
  V bigger;
  bigger.reserve(want);
  advise_huge(bigger.data(), want * sizeof(T));
  bigger.insert(bigger.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  v.swap(bigger);
}

// Room for one more element, doubling as std::vector does: for a result whose size is
// not known ahead.
template <class V>
void make_room(V& v) {
  if (v.size() < v.capacity()) return;
  make_room(v, (v.capacity() < 8 ? 8 : 2 * v.capacity()) - v.size());
}

// An allocator for large arrays: those of a huge page or more are mapped as above, the
// others come from operator new. Under AddressSanitizer all come from operator new, so
// that overflows are still caught.
template <class T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (mapped(n)) return static_cast<T*>(map_huge(n * sizeof(T)));
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (mapped(n))
      unmap_huge(p, n * sizeof(T));
    else
      std::allocator<T>().deallocate(p, n);
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static bool mapped(std::size_t n) {
#if defined(__SANITIZE_ADDRESS__)
    (void)n;
    return false;
#else
    return n * sizeof(T) >= kHugePageBytes;
#endif
  }
};

}  // namespace retort::orm::detail
