// rt::Ref<T>: a shared handle to an object the ORM tracks.
//
//   rt::Ref<User> alice = session.add(User{.login = "alice"});
//   alice->email = "a@example.com";       // plain member assignment; flush writes it
//   session.get<User>(alice->id) == alice  // the same object: identity, not equality
//
// A Ref's identity is its session's: loading the same row twice through one session
// gives the same object. Copies share the object; it lives while a Ref to it exists
// (or while its session has unflushed changes for it).
//
// Access through a non-const Ref (operator->, operator*) tells the session the object
// may have changed, so that flush compares it with the values it was loaded with; change
// objects through their Ref. Access to an object that was expired (after commit, or by
// expire()) reloads it from the database first.
//
// A Ref is used by one thread at a time, like its session.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "retort/orm/mapper.hpp"
#include "retort/orm/registry.hpp"

namespace retort::orm {

class SessionCore;

enum EntityFlags : std::uint16_t {
  kPending = 1 << 0,     // added, not yet inserted
  kPersistent = 1 << 1,  // has a row in the database (as far as the session knows)
  kDeleted = 1 << 2,     // delete() was called, not yet flushed
  kExpired = 1 << 3,     // values must be reloaded before use
  kTouched = 1 << 4,     // reached through a non-const Ref since the last flush
  kIdentity = 1 << 5,    // in the session's identity map
  kWritten = 1 << 6,     // pending, and inserted by the flush in progress
  kInResult = 1 << 7,    // already among the objects of the query being read
  kDiscarded = 1 << 8,   // deleted while pending: never to be inserted unless added again
};

// An object's column values as they were before it was changed (rt::Codec bytes), taken
// at the first non-const access after a load or flush, for dirty checking. Entities are
// allocated with room for a typical snapshot behind them, so a loaded object costs one
// allocation rather than two. One pointer, to a buffer that begins with its size and
// capacity, keeps every entity a word smaller than a pointer and two sizes would.
class Snapshot {
 public:
  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot() {
    if (buffer_ && header().heap) delete[] buffer_;
  }
  const char* data() const { return buffer_ ? buffer_ + sizeof(Header) : nullptr; }
  std::size_t size() const { return buffer_ ? header().size : 0; }
  bool empty() const { return size() == 0; }
  void clear() {
    if (buffer_) header().size = 0;
  }
  void assign(std::string_view bytes);
  // Where the bytes go while they fit (storage is aligned for a pointer).
  void use_storage(char* storage, std::uint32_t bytes) {
    if (bytes <= sizeof(Header)) return;
    buffer_ = storage;
    header() = Header{0, bytes - static_cast<std::uint32_t>(sizeof(Header)), 0};
  }

 private:
  struct Header {
    std::uint32_t size;
    std::uint32_t capacity : 31;
    std::uint32_t heap : 1;
  };
  Header& header() const { return *reinterpret_cast<Header*>(buffer_); }
  char* buffer_ = nullptr;
};

// The bookkeeping in front of every tracked object.
//
// Four words: every tracked object pays for each. Its class is a number (`type`) rather
// than a virtual table, and the object's distance behind it, always a power of two, is
// kept as its logarithm beside the flags.
struct EntityState {
  // The object, which sits in the same allocation a fixed distance behind: a distance
  // rather than a pointer keeps every entity a word smaller.
  void* object() const {
    return const_cast<char*>(reinterpret_cast<const char*>(this)) + (1u << object_shift);
  }
  int refs = 0;
  std::uint16_t flags : 12 = 0;
  std::uint16_t object_shift : 4 = 0;
  std::uint16_t type = 0;  // the Entity<T> it is, for detail::destroy
  const Mapper* mapper = nullptr;
  SessionCore* session = nullptr;
  Snapshot snapshot;

 protected:
  EntityState() = default;
  ~EntityState() = default;  // through detail::destroy, which knows the class
};
static_assert(sizeof(EntityState) == 4 * sizeof(void*));

// Bytes to allocate behind an entity for its snapshot.
struct SnapshotRoom {
  std::size_t bytes;
};

namespace detail {
// Memory for entities (entity_memory.cpp).
// `align` is at most alignof(std::max_align_t).
void* allocate_entity(std::size_t bytes, std::size_t align);
void free_entity(void* p) noexcept;
// A number for an entity class, given how to destroy one of its entities; at most 65535
// classes (rt::MappingError beyond).
std::uint16_t register_entity_type(void (*destroy)(EntityState*));
// Destroys the entity as the class it was made as.
void destroy(EntityState* state) noexcept;
// An entity owned alone (a probe that never meets a session).
struct Destroy {
  void operator()(EntityState* state) const noexcept { destroy(state); }
};
using OwnedEntity = std::unique_ptr<EntityState, Destroy>;
}  // namespace detail

template <class T>
struct Entity final : EntityState {
  explicit Entity(SnapshotRoom room) { init(room); }
  Entity(SnapshotRoom room, T&& v) : value(std::move(v)) { init(room); }
  T value;

  // Entity memory (entity_memory.cpp) is aligned for any standard type; a T that needs
  // more gets an aligned allocation of its own.
  static constexpr bool kOverAligned = alignof(T) > alignof(std::max_align_t);
  static void* operator new(std::size_t size, SnapshotRoom room) {
    if constexpr (kOverAligned)
      return ::operator new(size + room.bytes, std::align_val_t(alignof(Entity)));
    else
      return detail::allocate_entity(size + room.bytes, alignof(Entity));
  }
  static void operator delete(void* p, SnapshotRoom) { operator delete(p); }
  static void operator delete(void* p) {
    if constexpr (kOverAligned)
      ::operator delete(p, std::align_val_t(alignof(Entity)));
    else
      detail::free_entity(p);
  }

 private:
  static_assert(alignof(T) <= 32768, "an entity's object is at most 32 KiB behind it");
  // [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
  // row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
  [[gnu::hot]] static void destroy(EntityState* state) { delete static_cast<Entity*>(state); }
  void init(SnapshotRoom room) {
    static const std::uint16_t kType = detail::register_entity_type(&destroy);
    type = kType;
    // Past the four words, at the object's alignment: a power of two.
    const auto offset = static_cast<unsigned>(
        reinterpret_cast<char*>(&value) - reinterpret_cast<char*>(static_cast<EntityState*>(this)));
    object_shift = static_cast<std::uint16_t>(std::countr_zero(offset));
    snapshot.use_storage(reinterpret_cast<char*>(this) + sizeof(Entity),
                         static_cast<std::uint32_t>(room.bytes));
  }
};

namespace detail {
void release(EntityState* state) noexcept;
// A detached object lost a Ref but is still held: frees its group if the group only
// holds itself (see cycles.cpp).
void collect_cycles_from(EntityState* state) noexcept;
// Non-const access: reload an expired object, and mark it for the next flush's check.
void touch(EntityState* state);
// Const access: reload an expired object.
void load(EntityState* state);
// Access through a null Ref: rt::ObjectStateError.
[[noreturn]] void null_reference();
// A Ref to a base class that does not begin its derived object: rt::MappingError.
[[noreturn]] void base_not_first();
// One of the object's relationships changed: the next flush visits it.
void mark_changed(EntityState* state);
// Ties a new object's relationship handles to it (when its type is in the default
// registry), so that back_populates works before the object is in a session.
void bind_new(EntityState* state, int type_slot);
// A new default-constructed object of the mapper's class, its relationships tied to it
// (the mapper's relationships must be resolved); nothing holds it yet (refs is 0).
EntityState* new_object(const Mapper& mapper);
}  // namespace detail

}  // namespace retort::orm

namespace retort {

template <class T>
class Ref {
 public:
  Ref() = default;
  Ref(std::nullptr_t) {}
  // Adopts a state (one more reference); ptr points at the T inside it. A Ref is one
  // pointer: the object is found from its state.
  Ref(orm::EntityState* state, T* ptr) : state_(state) {
    if (static_cast<void*>(ptr) != (state ? state->object() : nullptr)) [[unlikely]]
      orm::detail::base_not_first();
    if (state_) ++state_->refs;
  }
  Ref(const Ref& other) : state_(other.state_) {
    if (state_) ++state_->refs;
  }
  Ref(Ref&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  // A Ref to a derived object converts to a Ref to its base (which, as for every mapped
  // hierarchy, begins the derived object).
  template <class U>
  requires(std::is_base_of_v<T, U> && !std::is_same_v<T, U>) Ref(const Ref<U>& other)
      : Ref(other.state(), other.peek()) {}
  Ref& operator=(Ref other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~Ref() {
    if (!state_) return;
    if (--state_->refs == 0) {
      orm::detail::release(state_);
    } else if (!state_->session && state_->mapper && state_->mapper->may_cycle()) {
      orm::detail::collect_cycles_from(state_);  // what is left may only hold itself
    }
  }

  // On a null Ref these raise rt::ObjectStateError (get() returns nullptr).
  T* operator->() {
    not_null();
    touch();
    return peek();
  }
  const T* operator->() const {
    not_null();
    load();
    return peek();
  }
  T& operator*() {
    not_null();
    touch();
    return *peek();
  }
  const T& operator*() const {
    not_null();
    load();
    return *peek();
  }
  T* get() {
    touch();
    return peek();
  }
  const T* get() const {
    load();
    return peek();
  }

  explicit operator bool() const { return state_ != nullptr; }
  friend bool operator==(const Ref& a, const Ref& b) { return a.state_ == b.state_; }
  friend bool operator==(const Ref& a, std::nullptr_t) { return a.state_ == nullptr; }

  orm::EntityState* state() const { return state_; }
  // The object without marking or reloading it.
  T* peek() const { return state_ ? static_cast<T*>(state_->object()) : nullptr; }

 private:
  void touch() const {
    if (state_ && (state_->flags & (orm::kTouched | orm::kExpired)) != orm::kTouched) {
      orm::detail::touch(state_);
    }
  }
  void load() const {
    if (state_ && (state_->flags & orm::kExpired)) orm::detail::load(state_);
  }
  void not_null() const {
    if (!state_) [[unlikely]]
      orm::detail::null_reference();
  }

  orm::EntityState* state_ = nullptr;
};

// A new object not yet in any session (session.add() it later, or put it in a
// relationship of an object that is): rt::make_ref<User>(args...) or
// rt::make_ref(User{...}).
template <class T = void, class... Args>
auto make_ref(Args&&... args) {
  if constexpr (std::is_void_v<T>) {
    static_assert(sizeof...(Args) == 1,
                  "rt::make_ref(object) takes one object; name the type for more");
    return make_ref<std::remove_cvref_t<Args>...>(std::forward<Args>(args)...);
  } else {
    // A declarative model is mapped now, so that its relationships work before the
    // object meets a session.
    if constexpr (orm::declarative<T>) (void)registry().registered<T>();
    auto* entity = new (orm::SnapshotRoom{0})
        orm::Entity<T>(orm::SnapshotRoom{0}, T{std::forward<Args>(args)...});
    orm::detail::bind_new(entity, orm::type_slot<T>());
    return Ref<T>(entity, &entity->value);
  }
}

}  // namespace retort

namespace retort::orm {

template <class T>
[[gnu::hot]] EntityState* ModelBuilder<T>::make_entity(void* source, std::size_t snapshot_bytes) {
  const SnapshotRoom room{snapshot_bytes};
  return source ? new (room) Entity<T>(room, std::move(*static_cast<T*>(source)))
                : new (room) Entity<T>(room);
}

}  // namespace retort::orm
