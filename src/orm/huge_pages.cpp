#include "retort/orm/detail/huge_pages.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace retort::orm::detail {

namespace {
std::size_t whole_pages(std::size_t bytes) {
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}
}  // namespace

void* map_huge(std::size_t bytes, bool advise) {
  bytes = whole_pages(bytes);
  // mmap aligns to small pages only: map one huge page more and trim both ends.
  const std::size_t span = bytes + kHugePageBytes;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  char* begin = static_cast<char*>(raw);
  const auto misalign = reinterpret_cast<std::uintptr_t>(begin) % kHugePageBytes;
  char* aligned = misalign ? begin + (kHugePageBytes - misalign) : begin;
  if (aligned != begin) munmap(begin, static_cast<std::size_t>(aligned - begin));
  munmap(aligned + bytes, static_cast<std::size_t>(begin + span - (aligned + bytes)));
  // Only advice: where the kernel has huge pages off, this is ordinary memory.
  if (advise) madvise(aligned, bytes, MADV_HUGEPAGE);
  return aligned;
}

void unmap_huge(void* p, std::size_t bytes) noexcept {
  munmap(p, whole_pages(bytes));
}

void advise_huge(void* p, std::size_t bytes) noexcept {
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const auto first = whole_pages(begin);
  const auto last = (begin + bytes) / kHugePageBytes * kHugePageBytes;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace retort::orm::detail
