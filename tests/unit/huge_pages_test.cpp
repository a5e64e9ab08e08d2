// Memory advised as huge: large tables and result vectors keep every value through
// their growth.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "retort/orm/detail/huge_pages.hpp"

namespace retort_test {
namespace {

using retort::orm::detail::HugePageAllocator;
using retort::orm::detail::kHugePageBytes;
using retort::orm::detail::make_room;

std::string text_of(std::size_t i) {
  // Every third one too long for the string's own buffer, so that moves carry pointers.
  return i % 3 ? std::to_string(i) : std::string(40, 'x') + std::to_string(i);
}

TEST(HugePages, AResultVectorKeepsItsRowsInOrderThroughEveryGrowth) {
  std::vector<std::string> rows;
  const std::size_t n = 4 * kHugePageBytes / sizeof(std::string);
  for (std::size_t i = 0; i < n; ++i) {
    make_room(rows);
    const std::size_t before = rows.capacity();
    rows.push_back(text_of(i));
    ASSERT_EQ(rows.capacity(), before) << "make_room left no room at " << i;
  }
  ASSERT_EQ(rows.size(), n);
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(rows[i], text_of(i));
}

TEST(HugePages, ALargeTableIsAlignedAndKeepsItsValuesAsItGrows) {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> table;
  for (std::size_t size : {std::size_t{64}, kHugePageBytes / 8, 3 * kHugePageBytes / 8 + 5}) {
    const std::size_t kept = table.size();
    table.resize(size);
    for (std::size_t i = 0; i < kept; ++i)
      ASSERT_EQ(table[i], i * 7);
    for (std::size_t i = kept; i < size; ++i)
      table[i] = i * 7;
#if !defined(__SANITIZE_ADDRESS__)
    if (size * 8 >= kHugePageBytes) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(table.data()) % kHugePageBytes, 0u);
    }
#endif
  }
  auto moved = std::move(table);
  EXPECT_EQ(moved.back(), (moved.size() - 1) * 7);
}

}  // namespace
}  // namespace retort_test
