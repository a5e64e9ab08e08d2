// Where entities live. A query makes one entity per row and dropping the result frees
// them all, which through malloc costs more than reading the row did. Entities are
// carved in order from one-page blocks instead, one block at a time per thread: making
// one is a pointer bump, freeing one a counter decrement, and the objects of one query
// sit together in memory. An entity finds its block by rounding its address down to the
// page, so it carries no header. A block is reused when its last entity is freed (on any
// thread) and its thread has moved on to another block; blocks are small, so that an
// object kept long after its neighbours holds little memory.
//
// Pages are mapped from the system a slab of 2 MiB at a time. Past the first, the
// kernel may back a slab with one huge page: a page fault costs microseconds (far more
// in a virtual machine), and a million objects fill 25,000 small pages. Free pages
// beyond a reserve of 64 MiB go back to the system (their memory is dropped, their
// addresses kept for reuse), so that a very large result, once freed, does not stay
// resident; whole slabs where possible, so that they come back as huge pages too. The
// reserve spares the usual results any page fault.
//
// Under AddressSanitizer every entity is an allocation of its own, so that overflows
// and uses after free are still caught.
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "retort/core/error.hpp"
#include "retort/orm/detail/huge_pages.hpp"
#include "retort/orm/ref.hpp"

namespace retort::orm::detail {

namespace {
// Each entity class's destroy function, by its number (0 is none).
void (*entity_types[1 << 16])(EntityState*) = {};
std::mutex entity_types_mutex;
std::size_t entity_type_count = 1;
}  // namespace

std::uint16_t register_entity_type(void (*destroy)(EntityState*)) {
  std::lock_guard lock(entity_types_mutex);
  if (entity_type_count == std::size(entity_types))
    throw MappingError("more than 65535 classes of objects are tracked");
  entity_types[entity_type_count] = destroy;
  return static_cast<std::uint16_t>(entity_type_count++);
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void destroy(EntityState* state) noexcept {
  entity_types[state->type](state);
}

#if defined(__SANITIZE_ADDRESS__)

void* allocate_entity(std::size_t bytes, std::size_t) {
  return ::operator new(bytes);
}
[[gnu::hot]] void free_entity(void* p) noexcept {
  ::operator delete(p);
}

#else

namespace {

constexpr std::size_t kBlockBytes = 4096;  // a page: blocks are found by alignment
constexpr std::size_t kSlabBytes = kHugePageBytes;
constexpr std::size_t kPagesPerSlab = kSlabBytes / kBlockBytes;
// The first slab stays in small pages: a program that holds few objects at a time (a
// stream, a service answering small requests) keeps a small footprint.
constexpr std::size_t kSmallSlabs = 1;
// Free pages kept resident for reuse (64 MiB). Beyond them whole free slabs are dropped;
// free pages of slabs still in use only beyond a slack of 16 MiB more, in batches.
constexpr std::size_t kKeepPages = 16384;
constexpr std::size_t kSlackPages = 4096;
constexpr std::size_t kDropBatch = 256;
constexpr std::size_t kWord = sizeof(void*);

// Entities not yet freed, plus kCurrent while the block is its thread's current one.
// Allocation does not count: the thread subtracts what it did not make when it retires
// the block, so only frees touch the shared counter. A large block holds one entity too
// big for a page, in an allocation of its own.
constexpr std::uint32_t kCurrent = 1u << 30;
struct Block {
  std::atomic<std::uint32_t> live{kCurrent};
  bool large = false;
};

constexpr std::size_t kFirst = (sizeof(Block) + kWord - 1) / kWord * kWord;
constexpr std::size_t kLargest = (kBlockBytes - kFirst) / 2;

std::uintptr_t round_up(std::uintptr_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

// align is a power of two: a mask, not the division round_up makes per entity.
char* align_up(char* p, std::size_t align) {
  const auto mask = static_cast<std::uintptr_t>(align - 1);
  return reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(p) + mask) & ~mask);
}

Block* block_of(void* entity) {
  return reinterpret_cast<Block*>(reinterpret_cast<std::uintptr_t>(entity) & ~(kBlockBytes - 1));
}

// The pages of all threads' blocks.
class Pages {
 public:
  void* take() {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      void* page = free_.back();
      free_.pop_back();
      --slab_of(page).free;
      return page;
    }
    if (!dropped_.empty()) {
      void* page = dropped_.back();
      dropped_.pop_back();
      return page;
    }
    if (next_ == end_) {
      next_ = map_slab();
      end_ = next_ + kSlabBytes;
    }
    void* page = next_;
    next_ += kBlockBytes;
    return page;
  }

  void give(void* page) noexcept {
    std::lock_guard lock(mutex_);
    free_.push_back(page);
    Slab& slab = slab_of(page);
    if (++slab.free == kPagesPerSlab && free_.size() > kKeepPages)
      drop(slab);
    else if (free_.size() >= kKeepPages + kSlackPages)
      drop_oldest();
  }

 private:
  struct Slab {
    char* begin;
    std::size_t free;  // its pages in free_
  };

  // A new slab, the size of one huge page (backed by one past the first). The vectors
  // get room for all its pages now, so that giving a page back never allocates.
  char* map_slab() {
    const std::size_t pages = (slabs_.size() + 1) * kPagesPerSlab;
    if (free_.capacity() < pages) {
      free_.reserve(2 * pages);
      dropped_.reserve(2 * pages);
    }
    if (slabs_.size() == slabs_.capacity()) slabs_.reserve(2 * slabs_.size() + 1);
    char* slab = static_cast<char*>(map_huge(kSlabBytes, slabs_.size() >= kSmallSlabs));
    const Slab made{slab, 0};
    slabs_.insert(std::lower_bound(slabs_.begin(), slabs_.end(), made, by_address), made);
    return slab;
  }

  static bool by_address(const Slab& a, const Slab& b) { return a.begin < b.begin; }

  Slab& slab_of(void* page) noexcept {
    const Slab key{
        static_cast<char*>(page) - (reinterpret_cast<std::uintptr_t>(page) & (kSlabBytes - 1)), 0};
    return *std::lower_bound(slabs_.begin(), slabs_.end(), key, by_address);
  }

  // A slab whose pages are all free goes back to the system whole, so that using it
  // again faults in one huge page rather than 512 small ones.
  void drop(Slab& slab) noexcept {
    madvise(slab.begin, kSlabBytes, MADV_DONTNEED);
    std::erase_if(free_, [&](void* p) {
      return static_cast<char*>(p) >= slab.begin && static_cast<char*>(p) < slab.begin + kSlabBytes;
    });
    for (char* p = slab.begin + kSlabBytes; p != slab.begin;)
      dropped_.push_back(p -= kBlockBytes);
    slab.free = 0;
  }

  // Beyond the reserve and its slack (free pages of slabs still partly in use), the
  // pages freed longest ago go back to the system: sorted, so that neighbours go in one
  // call.
  void drop_oldest() noexcept {
    auto batch = free_.begin();
    std::sort(batch, batch + kDropBatch);
    for (auto run = batch; run != batch + kDropBatch;) {
      auto last = run + 1;
      while (last != batch + kDropBatch &&
             static_cast<char*>(*last) == static_cast<char*>(*(last - 1)) + kBlockBytes)
        ++last;
      madvise(*run, static_cast<std::size_t>(last - run) * kBlockBytes, MADV_DONTNEED);
      run = last;
    }
    for (auto p = batch; p != batch + kDropBatch; ++p)
      --slab_of(*p).free;
    dropped_.insert(dropped_.end(), batch, batch + kDropBatch);
    free_.erase(batch, batch + kDropBatch);
  }

  std::mutex mutex_;
  std::vector<Slab> slabs_;     // by address
  std::vector<void*> free_;     // resident, oldest first
  std::vector<void*> dropped_;  // mapped, their memory given back
  char* next_ = nullptr;        // the rest of the newest slab
  char* end_ = nullptr;
};

Pages& pages() {
  // Never destroyed: blocks may be freed by threads and static destructors that outlive
  // any order of destruction.
  static Pages* instance = new Pages;
  return *instance;
}

void release(Block* block, std::uint32_t count) noexcept {
  if (block->live.fetch_sub(count, std::memory_order_acq_rel) == count) {
    block->~Block();
    pages().give(block);
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

// Frees not yet subtracted from their block's count: the entities of one result are
// usually freed together and in order, so a thread counts frees in one block and
// subtracts them in one atomic operation when it frees in another block (or ends) rather
// than one per entity. Until then the block's page is not reused.
struct Freed {
  Block* block = nullptr;
  std::uint32_t count = 0;
  ~Freed() { flush(); }
  void flush() noexcept {
    if (block) release(block, count);
    block = nullptr;
    count = 0;
  }
};
thread_local Freed freed;

}  // namespace

[[gnu::hot]] void* allocate_entity(std::size_t bytes, std::size_t align) {
  bytes = round_up(bytes, kWord);
  if (bytes + align > kLargest) {
    // Its block begins the page it starts in.
    const std::size_t offset = round_up(kFirst, align);
    void* raw = std::aligned_alloc(kBlockBytes, round_up(offset + bytes, kBlockBytes));
    if (!raw) throw std::bad_alloc();
    auto* block = new (raw) Block;
    block->large = true;
    return static_cast<char*>(raw) + offset;
  }
  Current& c = current;
  char* p = c.block ? align_up(c.next, align) : nullptr;
  if (!p || p + bytes > c.end) {
    void* page = pages().take();
    c.retire();
    c.block = new (page) Block;
    c.made = 0;
    c.end = static_cast<char*>(page) + kBlockBytes;
    p = align_up(static_cast<char*>(page) + kFirst, align);
  }
  c.next = p + bytes;
  ++c.made;
  return p;
}

[[gnu::hot]] void free_entity(void* p) noexcept {
  Block* block = block_of(p);
  if (block->large) {
    block->~Block();
    std::free(block);
  } else if (block == freed.block) {
    ++freed.count;
  } else {
    freed.flush();
    freed.block = block;
    freed.count = 1;
  }
}

#endif

}  // namespace retort::orm::detail
