// A shared claim on one prepared driver statement of a connection (internal).
//
// Statements live in their connection's cache; while any handle or result refers to one
// it is "busy": it is not evicted, and an execute() of the same SQL prepares a second,
// uncached statement instead of disturbing the first.
#pragma once

#include <utility>

namespace retort::detail {

struct PreparedEntry;

void retain(PreparedEntry* entry) noexcept;
void release(PreparedEntry* entry) noexcept;

class PreparedRef {
 public:
  PreparedRef() = default;
  explicit PreparedRef(PreparedEntry* entry) noexcept : entry_(entry) {
    if (entry_) retain(entry_);
  }
  PreparedRef(const PreparedRef& other) noexcept : PreparedRef(other.entry_) {}
  PreparedRef(PreparedRef&& other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  PreparedRef& operator=(PreparedRef other) noexcept {
    std::swap(entry_, other.entry_);
    return *this;
  }
  ~PreparedRef() {
    if (entry_) release(entry_);
  }

  PreparedEntry* get() const { return entry_; }
  PreparedEntry* operator->() const { return entry_; }
  PreparedEntry& operator*() const { return *entry_; }
  explicit operator bool() const { return entry_ != nullptr; }

 private:
  PreparedEntry* entry_ = nullptr;
};

}  // namespace retort::detail
