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

void* allocate_entity(std::size_t bytes, std::size_t) {
  return ::operator new(bytes);
}
void free_entity(void* p) noexcept {
  ::operator delete(p);
}

#else

namespace {

constexpr std::size_t kBlockBytes = 4096;
constexpr std::size_t kWord = sizeof(void*);

// Entities not yet freed, plus kCurrent while the block is its thread's current one.
// Allocation does not count: the thread subtracts what it did not make when it retires
// the block, so only frees touch the shared counter.
constexpr std::uint32_t kCurrent = 1u << 30;
struct Block {
  std::atomic<std::uint32_t> live{kCurrent};
};

// The word in front of each entity: its block, or nullptr for one too big for a block
// (which then sits kLargeOffset bytes into an allocation of its own).
Block*& header_of(void* p) {
  return *reinterpret_cast<Block**>(static_cast<char*>(p) - kWord);
}
constexpr std::size_t kLargeOffset = alignof(std::max_align_t);

constexpr std::size_t kFirst = (sizeof(Block) + kWord - 1) / kWord * kWord;
constexpr std::size_t kLargest = (kBlockBytes - kFirst) / 2;

std::uintptr_t round_up(std::uintptr_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

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

// Where an entity of `align` placed at or after `next` begins: one word of header in front.
char* place(char* next, std::size_t align) {
  return reinterpret_cast<char*>(round_up(reinterpret_cast<std::uintptr_t>(next) + kWord, align));
}

}  // namespace

void* allocate_entity(std::size_t bytes, std::size_t align) {
  bytes = round_up(bytes, kWord);
  if (bytes + align > kLargest) {
    char* p = static_cast<char*>(::operator new(bytes + kLargeOffset)) + kLargeOffset;
    header_of(p) = nullptr;
    return p;
  }
  Current& c = current;
  char* p = c.block ? place(c.next, align) : nullptr;
  if (!p || p + bytes > c.end) {
    void* raw = ::operator new(kBlockBytes);
    c.retire();
    c.block = new (raw) Block;
    c.made = 0;
    c.end = static_cast<char*>(raw) + kBlockBytes;
    p = place(static_cast<char*>(raw) + kFirst, align);
  }
  c.next = p + bytes;
  ++c.made;
  header_of(p) = c.block;
  return p;
}

void free_entity(void* p) noexcept {
  if (Block* block = header_of(p)) {
    release(block, 1);
  } else {
    ::operator delete(static_cast<char*>(p) - kLargeOffset);
  }
}

#endif

}  // namespace retort::orm::detail
