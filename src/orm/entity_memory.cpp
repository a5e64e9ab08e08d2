// Where entities live. A query makes one entity per row and dropping the result frees
// them all, which through malloc costs more than reading the row did. Entities are
// carved in order from small blocks instead, one block at a time per thread: making one
// is a pointer bump, freeing one a counter decrement, and the objects of one query sit
// together in memory. A block goes back to the heap when its last entity is freed (on
// any thread) and its thread has moved on to another block; blocks are small, so that
// an object kept long after its neighbours holds little memory.
//
// Under AddressSanitizer every entity is an allocation of its own, so that overflows
// and uses after free are still caught.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include "retort/orm/ref.hpp"

namespace retort::orm::detail {

#if defined(__SANITIZE_ADDRESS__)

void* allocate_entity(std::size_t bytes) {
  return ::operator new(bytes);
}
void free_entity(void* p) noexcept {
  ::operator delete(p);
}

#else

namespace {

constexpr std::size_t kBlockBytes = 4096;
constexpr std::size_t kAlign = alignof(std::max_align_t);

// Entities not yet freed, plus kCurrent while the block is its thread's current one.
// Allocation does not count: the thread subtracts what it did not make when it retires
// the block, so only frees touch the shared counter.
constexpr std::uint32_t kCurrent = 1u << 30;
struct Block {
  std::atomic<std::uint32_t> live{kCurrent};
};

// In front of each entity: its block, or nullptr for one too big for a block.
struct alignas(kAlign) Header {
  Block* block;
};

constexpr std::size_t kFirst = (sizeof(Block) + kAlign - 1) / kAlign * kAlign;
constexpr std::size_t kLargest = (kBlockBytes - kFirst) / 2;

void release(Block* block, std::uint32_t count) noexcept {
  if (block->live.fetch_sub(count, std::memory_order_acq_rel) == count) {
    block->~Block();
    ::operator delete(block);
  }
}

struct Current {
  Block* block = nullptr;
  char* next = nullptr;
  char* end = nullptr;
  std::uint32_t made = 0;
  ~Current() { retire(); }
  void retire() noexcept {
    if (block) release(block, kCurrent - made);
    block = nullptr;
  }
};
thread_local Current current;

}  // namespace

void* allocate_entity(std::size_t bytes) {
  const std::size_t need = sizeof(Header) + (bytes + kAlign - 1) / kAlign * kAlign;
  if (need > kLargest) {
    auto* h = static_cast<Header*>(::operator new(need));
    h->block = nullptr;
    return h + 1;
  }
  Current& c = current;
  if (!c.block || static_cast<std::size_t>(c.end - c.next) < need) {
    void* raw = ::operator new(kBlockBytes);
    c.retire();
    c.block = new (raw) Block;
    c.made = 0;
    c.next = static_cast<char*>(raw) + kFirst;
    c.end = static_cast<char*>(raw) + kBlockBytes;
  }
  auto* h = reinterpret_cast<Header*>(c.next);
  c.next += need;
  ++c.made;
  h->block = c.block;
  return h + 1;
}

void free_entity(void* p) noexcept {
  Header* h = static_cast<Header*>(p) - 1;
  if (h->block) {
    release(h->block, 1);
  } else {
    ::operator delete(h);
  }
}

#endif

}  // namespace retort::orm::detail
