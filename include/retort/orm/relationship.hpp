// Relationships between mapped structs: the member handles rt::Many<T> and rt::One<T>,
// the options that describe a relationship, and its type-erased definition.
//
//   struct User {
//     std::int64_t id = 0;
//     rt::Many<Post> posts;                    // one-to-many
//     static auto mapping() {
//       return rt::model<User>("user")
//           .column("id", &User::id, rt::primary_key)
//           .relationship("posts", &User::posts, rt::back_populates("author"),
//                         rt::cascade::all_delete_orphan, rt::order_by(&Post::id));
//     }
//   };
//   struct Post {
//     std::int64_t id = 0;
//     std::int64_t author_id = 0;
//     rt::One<User> author;                    // many-to-one
//     ...relationship("author", &Post::author, rt::back_populates("posts"))
//   };
//
// Which side holds the foreign key is read from the tables; rt::join_on(...) gives the
// columns when the database has no foreign key (or more than one), rt::secondary(...) an
// association table for many-to-many, rt::remote_side(...) the direction of a
// self-referential relationship.
//
// A handle loads on first access through the session that owns its object (lazy), or
// with the query that loaded the object (selectin, joined); raise turns an access to an
// unloaded relationship into an error naming it, so a silent N+1 cannot happen.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "retort/orm/ref.hpp"
#include "retort/orm/registry.hpp"
#include "retort/sql/expression.hpp"

namespace retort {
class Registry;
}
namespace retort::sql {
class Select;
}

namespace retort::orm {

class Relationship;
template <class H>
class TypedRelationship;

enum class Direction : std::uint8_t { many_to_one, one_to_many, many_to_many };
enum class Loading : std::uint8_t { lazy, selectin, joined, raise, noload };

// What operations on a parent carry over to the objects of its relationship.
struct Cascade {
  bool save_update = true;     // adding the parent adds them
  bool delete_ = false;        // deleting the parent deletes them
  bool delete_orphan = false;  // taking one out of the collection deletes it
};

// What every handle shares: the owner it belongs to and whether its objects are loaded.
class HandleBase {
 public:
  // True once the related objects are there (loaded, assigned, or the owner is new).
  bool loaded() const { return loaded_; }
  // The owning object's relationship definition, once the session has seen the owner.
  const Relationship* relationship() const { return rel_; }

 protected:
  HandleBase() = default;
  // Copies belong to no object yet: they carry the values only.
  HandleBase(const HandleBase& other) : loaded_(other.loaded_) {}
  HandleBase& operator=(const HandleBase&) { return *this; }
  // Loads on first access, or raises for the raise strategy / a detached owner.
  void ensure_loaded() const;
  // Applies back_populates on the other side after an append / remove / assignment.
  void link(EntityState* other, bool added) const;
  // A change of the relationship is a change of its owner: the next flush visits the
  // owner, even when the flush that ran inside loading the handle already passed it.
  void changed() const;
  // For a many-to-one not loaded: its object, when the session's identity map has it.
  EntityState* loaded_target_state() const;
  // A child left its parent (this collection, or this many-to-one was cleared): under
  // delete-orphan, a pending child left without a parent is never inserted, and a
  // persistent one is deleted at the flush unless it has a parent again by then.
  void left(EntityState* child) const;
  // See Relationship::may_hold (true for a handle not yet tied to its owner).
  bool may_hold(EntityState* item) const;

  friend class Relationship;
  friend class SessionCore;
  friend sql::Select with_parent(const HandleBase& handle, const char* what);
  EntityState* owner_ = nullptr;
  const Relationship* rel_ = nullptr;
  bool loaded_ = false;
  bool raise_ = false;  // a query's raiseload(): access raises until loaded
};

// The objects of a large collection, for membership in constant time (out of line: a model
// file need not compile a hash table). An open-addressing table of pointers: no allocation
// per object.
class CollectionIndex {
 public:
  CollectionIndex();
  ~CollectionIndex();
  void insert(const EntityState* state);
  void erase(const EntityState* state);
  bool contains(const EntityState* state) const;
  // How many of the collection's first objects are in the index (rt::Many adds the rest
  // when it next needs membership).
  std::size_t covered = 0;

 private:
  void grow();
  std::vector<const EntityState*> slots_;  // nullptr: empty
  std::size_t size_ = 0;                   // live entries
  std::size_t used_ = 0;                   // live entries and tombstones
};

// A collection that is never loaded (rt::DynamicMany, rt::WriteOnly): it holds only the
// objects added to and removed from it since the last flush, which writes them (the
// association row of a many-to-many, the child's foreign key of a one-to-many). Memory
// does not grow with the rows the database holds for it.
template <class T>
class QueryBacked : public HandleBase {
 public:
  // Adds an object without loading the collection; with back_populates, the other side
  // learns it as from push_back. Adding an object the collection holds already is the
  // database's to refuse (a many-to-many's association row exists).
  void add(Ref<T> item) {
    EntityState* s = item.state();
    if (item && record_add(std::move(item))) link(s, true);
  }
  // Takes an object out (with delete-orphan, it is deleted at the next flush). A child of
  // a one-to-many whose own side or key names another parent is not in the collection:
  // it stays as it is.
  void remove(const Ref<T>& item) {
    if (!item) return;
    EntityState* s = item.state();
    if (!holds(added_, s) && !may_hold(s)) return;
    if (record_remove(Ref<T>(item))) {
      link(s, false);
      left(s);
    }
  }
  // Objects added / removed since the last flush, not yet written.
  const std::vector<Ref<T>>& pending_additions() const { return added_; }
  const std::vector<Ref<T>>& pending_removals() const { return removed_; }

 protected:
  // There is nothing to load: the handle counts as loaded from the start.
  QueryBacked() { loaded_ = true; }
  QueryBacked(const QueryBacked& other)
      : HandleBase(other), added_(other.added_), removed_(other.removed_) {}
  QueryBacked& operator=(const QueryBacked&) = delete;

 private:
  template <class H>
  friend class TypedRelationship;
  // Both sides of a back_populates pair record a change (the other side's through
  // link_add / link_remove), so that either side can undo it; the flush writes each
  // association row once. Whether a row exists is not known without a query, so a
  // removal stays recorded when the object is added again (the flush deletes, then
  // inserts) and an addition taken back still deletes: the last call decides. False when
  // the change was recorded already.
  bool record_add(Ref<T> item) {
    EntityState* s = item.state();
    if (holds(added_, s)) return false;
    changed();
    added_.push_back(std::move(item));
    if (index_) index_->insert(s);
    return true;
  }
  bool record_remove(Ref<T> item) {
    EntityState* s = item.state();
    const bool was_added = take(added_, s);
    if (holds(removed_, s)) return was_added;
    changed();
    removed_.push_back(std::move(item));
    return true;
  }
  // Linear while short; the flush of a very large batch of additions goes through an index.
  static constexpr std::size_t kIndexFrom = 32;
  bool holds(const std::vector<Ref<T>>& list, const EntityState* s) const {
    if (&list == &added_ && added_.size() >= kIndexFrom) {
      if (!index_) {
        index_ = std::make_unique<CollectionIndex>();
        for (const auto& r : added_)
          index_->insert(r.state());
      }
      return index_->contains(s);
    }
    return std::any_of(list.begin(), list.end(), [s](const Ref<T>& r) { return r.state() == s; });
  }
  bool take(std::vector<Ref<T>>& list, const EntityState* s) {
    if (!holds(list, s)) return false;
    auto it =
        std::find_if(list.begin(), list.end(), [s](const Ref<T>& r) { return r.state() == s; });
    Ref<T> gone = std::move(*it);  // released once the list is whole again
    list.erase(it);
    if (&list == &added_ && index_) index_->erase(s);
    return true;
  }
  // After a flush, or when the owner lets go: the Refs go once the lists are empty.
  void forget() {
    auto added = std::move(added_);
    auto removed = std::move(removed_);
    added_.clear();
    removed_.clear();
    index_.reset();
  }

  std::vector<Ref<T>> added_;
  std::vector<Ref<T>> removed_;
  mutable std::unique_ptr<CollectionIndex> index_;  // of added_, see holds()
};

}  // namespace retort::orm

namespace retort {

// A collection of related objects (one-to-many, many-to-many).
template <class T>
class Many : public orm::HandleBase {
 public:
  using value_type = Ref<T>;
  Many() = default;
  // Null Refs and repeats are left out, as push_back() leaves them out.
  Many(std::initializer_list<Ref<T>> items) { fill(items); }
  // From any range of Refs: a std::vector<Ref<T>>, a view (filtered, transformed, ...).
  template <class R>
  requires(!std::same_as<std::remove_cvref_t<R>, Many> && requires(R & r) {
    { *std::begin(r) } -> std::convertible_to<Ref<T>>;
    std::end(r);
  }) Many(R&& items) {  // NOLINT(google-explicit-constructor): `many = vector` reads well
    fill(std::forward<R>(items));
  }
  // A collection holds objects that have an identity (Refs), not copies of plain ones.
  template <class R>
  requires(std::same_as<std::remove_cvref_t<decltype(*std::begin(std::declval<R&>()))>, T>)
      Many(R&&) {  // NOLINT(google-explicit-constructor)
    static_assert(sizeof(R) == 0,
                  "rt::Many<T> holds Ref<T>s, not T objects: make each one with "
                  "rt::make_ref(T{...}), or take it from session.get / a query");
  }
  Many(const Many& other) : HandleBase(other), items_(other.items_) {}
  // Replaces the objects: those that leave are removed and those that come are added, as
  // remove() and push_back() would (back_populates, orphans); the order becomes other's.
  Many& operator=(const Many& other) {
    if (this == &other) return *this;
    ensure_loaded();
    const std::vector<Ref<T>> wanted = other.items();
    orm::CollectionIndex kept;
    for (const auto& r : wanted)
      kept.insert(r.state());
    for (std::size_t i = items_.size(); i-- > 0;) {
      if (!kept.contains(items_[i].state())) remove(Ref<T>(items_[i]));
    }
    for (const auto& r : wanted)
      push_back(r);
    items_.clear();
    index_.reset();
    for (const auto& r : wanted) {
      if (r && !has(r.state())) append(r);
    }
    loaded_ = true;
    return *this;
  }

  auto begin() const {
    ensure_loaded();
    return items_.begin();
  }
  auto end() const {
    ensure_loaded();
    return items_.end();
  }
  std::size_t size() const {
    ensure_loaded();
    return items_.size();
  }
  bool empty() const { return size() == 0; }
  const Ref<T>& operator[](std::size_t i) const {
    ensure_loaded();
    return items_.at(i);
  }
  const std::vector<Ref<T>>& items() const {
    ensure_loaded();
    return items_;
  }
  bool contains(const Ref<T>& item) const {
    ensure_loaded();
    return item && has(item.state());
  }

  // A plain object has no identity to hold.
  template <class U>
  requires(std::same_as<std::remove_cvref_t<U>, T>) void push_back(U&&) {
    static_assert(sizeof(U) == 0,
                  "rt::Many<T> holds Ref<T>s, not T objects: push_back("
                  "rt::make_ref(T{...})) for a new object, or a Ref from "
                  "session.get / a query");
  }
  // Adds an object; with back_populates, its other side points back here. Amortised
  // constant time: a large collection keeps an index of its objects.
  void push_back(Ref<T> item) {
    ensure_loaded();
    if (!item || (!only_here(item) && has(item.state()))) return;
    orm::EntityState* state = item.state();
    track_add(state);
    append(std::move(item));
    link(state, true);
  }
  // Takes an object out (with delete-orphan, it is deleted at the next flush).
  void remove(const Ref<T>& item) {
    ensure_loaded();
    if (!item || !has(item.state())) return;
    // From the back: clear() takes the last one each time.
    for (std::size_t i = items_.size(); i-- > 0;) {
      if (items_[i] == item) {
        const Ref<T> kept = item;  // `item` may be the element erased below
        track_remove(kept.state());
        link(kept.state(), false);
        erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
        left(kept.state());
        return;
      }
    }
  }
  void clear() {
    ensure_loaded();
    while (!items_.empty())
      remove(Ref<T>(items_.back()));
  }

 private:
  friend class orm::Relationship;
  template <class H>
  friend class orm::TypedRelationship;
  // The Ref goes once the vector is whole again (see TypedRelationship::set_items).
  void erase(typename std::vector<Ref<T>>::iterator it) {
    if (index_ && static_cast<std::size_t>(it - items_.begin()) < index_->covered) {
      index_->erase(it->state());
      --index_->covered;
    }
    Ref<T> gone = std::move(*it);
    items_.erase(it);
  }
  // Membership without loading: a scan while the collection is small, an index (made on
  // first need, and brought up to date only then) beyond.
  static constexpr std::size_t kIndexFrom = 32;
  bool has(const orm::EntityState* s) const {
    if (!index_ && items_.size() < kIndexFrom) {
      for (const auto& r : items_) {
        if (r.state() == s) return true;
      }
      return false;
    }
    if (!index_) index_ = std::make_unique<orm::CollectionIndex>();
    for (; index_->covered < items_.size(); ++index_->covered)
      index_->insert(items_[index_->covered].state());
    return index_->contains(s);
  }
  // An object no other Ref holds is in no collection: a list of new objects is built
  // without a lookup per object.
  static bool only_here(const Ref<T>& item) { return item.state()->refs == 1; }
  template <class R>
  void fill(R&& items) {
    for (auto&& item : items) {
      Ref<T> r = item;
      if (r && !has(r.state())) append(std::move(r));
    }
    loaded_ = true;
  }
  // Every addition to items_ goes through here, at the end, where has() finds the objects
  // its index does not cover yet.
  void append(Ref<T> item) { items_.push_back(std::move(item)); }
  // Changes since the collection was loaded, for the flush (association rows, foreign
  // keys, orphans). Removed objects are held so that an orphan lives until it is deleted.
  void track_add(orm::EntityState* s) {
    if (!owner_ || !s) return;
    changed();
    auto it = std::find_if(removed_.begin(), removed_.end(),
                           [s](const Ref<T>& r) { return r.state() == s; });
    if (it == removed_.end()) {
      added_.push_back(s);
      return;
    }
    Ref<T> back = std::move(*it);  // released after the erase, as in erase()
    removed_.erase(it);
  }
  void track_remove(orm::EntityState* s) {
    if (!owner_ || !s) return;
    changed();
    if (std::erase(added_, s) == 0) {
      for (std::size_t i = items_.size(); i-- > 0;) {
        if (items_[i].state() == s) {
          removed_.push_back(items_[i]);
          break;
        }
      }
    }
  }

  std::vector<Ref<T>> items_;
  std::vector<orm::EntityState*> added_;
  std::vector<Ref<T>> removed_;
  mutable std::unique_ptr<orm::CollectionIndex> index_;  // see has()
};

// A single related object (many-to-one, one-to-one).
template <class T>
class One : public orm::HandleBase {
 public:
  One() = default;
  One(Ref<T> target) : target_(std::move(target)) { loaded_ = true; }
  One(std::nullptr_t) { loaded_ = true; }
  One(const One& other) : HandleBase(other), target_(other.target_) {}
  One& operator=(const One& other) {
    if (this != &other) assign(other.target_);
    return *this;
  }
  One& operator=(Ref<T> target) {
    assign(std::move(target));
    return *this;
  }
  One& operator=(std::nullptr_t) {
    assign(Ref<T>());
    return *this;
  }

  // The object (a null Ref when there is none).
  const Ref<T>& get() const {
    ensure_loaded();
    return target_;
  }
  const Ref<T>& operator*() const { return get(); }
  // rt::ObjectStateError when there is no object.
  T* operator->() const { return const_cast<Ref<T>&>(get()).operator->(); }
  explicit operator bool() const { return static_cast<bool>(get()); }

 private:
  friend class orm::Relationship;
  template <class H>
  friend class orm::TypedRelationship;
  void assign(Ref<T> target) {
    ensure_loaded();
    if (target == target_) return;
    track_change();
    if (target_) link(target_.state(), false);
    target_ = std::move(target);
    if (target_) link(target_.state(), true);
    loaded_ = true;
    if (!target_) left(owner_);
  }

  // back_populates from the other side: the old target's side forgets the owner too (a
  // child appended to one parent's collection leaves the other parent's).
  void set_from_other_side(orm::EntityState* other) {
    if (target_.state() == other) return;
    track_change();
    if (target_) link(target_.state(), false);
    target_ = Ref<T>(other, static_cast<T*>(other->object()));
  }
  Ref<T> loaded_target() const {
    orm::EntityState* s = loaded_target_state();
    return s ? Ref<T>(s, static_cast<T*>(s->object())) : Ref<T>();
  }
  // Remembers what was loaded before the first change since (for the flush).
  void track_change() {
    if (!owner_) return;
    changed();
    if (!changed_) {
      original_ = target_;
      changed_ = true;
    }
  }

  Ref<T> target_;
  Ref<T> original_;  // what was loaded, once changed since (kept alive for orphan checks)
  bool changed_ = false;
};

}  // namespace retort

namespace retort::orm {

// The class a relationship member (Many<U> / One<U>) leads to.
template <class H>
struct handle_traits;
template <class U>
struct handle_traits<Many<U>> {
  using target = U;
};
template <class U>
struct handle_traits<One<U>> {
  using target = U;
};
// rt::DynamicMany and rt::WriteOnly: see dynamic.hpp.

// A member named by its pointer, resolved to an attribute once the mappers exist.
struct MemberRef {
  int type_slot = -1;
  unsigned char bytes[16] = {};
  std::size_t size = 0;
  template <class O, class M>
  static MemberRef of(M O::*member);
  const Attribute& resolve(Registry& registry) const;
};

struct BackrefSpec;

// What a relationship's mapping said, before the mappers are resolved.
struct RelationshipSpec {
  // Out of line: a model file need not compile copies of every member.
  RelationshipSpec();
  RelationshipSpec(const RelationshipSpec& other);
  RelationshipSpec(RelationshipSpec&& other) noexcept;
  RelationshipSpec& operator=(const RelationshipSpec& other);
  RelationshipSpec& operator=(RelationshipSpec&& other) noexcept;
  ~RelationshipSpec();

  std::string back_populates;
  std::shared_ptr<const BackrefSpec> backref;  // the other side to make (rt::backref)
  Cascade cascade;
  Loading loading = Loading::lazy;
  bool viewonly = false;
  bool passive_deletes = false;
  bool post_update = false;
  std::vector<std::pair<MemberRef, MemberRef>> join_on;  // local, remote
  std::vector<MemberRef> remote_side;
  Table secondary;
  std::string secondary_local, secondary_remote;     // association columns, when named
  std::vector<std::pair<MemberRef, bool>> order_by;  // target member, descending
};

class Relationship {
 public:
  Relationship(std::string name_, bool uselist_, RelationshipSpec spec_);
  Relationship(const Relationship& other);  // for clone()
  Relationship& operator=(const Relationship&) = delete;
  virtual ~Relationship();

  std::string name;
  bool uselist;  // a Many (collection) rather than a One
  // A collection that is never loaded (rt::DynamicMany, rt::WriteOnly): the database is
  // asked instead.
  bool query_backed = false;
  RelationshipSpec spec;

  // Resolved from the spec and the two mappers' tables (Registry::prepare()).
  const Mapper* parent = nullptr;
  const Mapper* target = nullptr;
  Direction direction = Direction::many_to_one;
  // Join columns: (parent attribute, target attribute); for many-to-one the parent holds
  // the foreign key, for one-to-many the target does.
  std::vector<std::pair<const Attribute*, const Attribute*>> pairs;
  // Many-to-many: association-table columns matching the parent's and the target's
  // attributes.
  std::vector<std::pair<const Attribute*, std::string>> secondary_local, secondary_remote;
  std::vector<std::pair<const Attribute*, bool>> order_by;
  const Relationship* reverse = nullptr;
  bool resolved = false;
  // A subclass's copy of its base's relationship: resolved as the base's is.
  const Relationship* inherited_from = nullptr;

  virtual std::unique_ptr<Relationship> clone() const = 0;

  // "User.posts", for messages.
  std::string full_name() const;
  // For a one-to-many: whether the child's own side (its many-to-one back) names a live
  // parent, as far as it is loaded.
  bool child_has_parent(const EntityState* child) const;
  // Whether `item` may be in `owner`'s collection as far as memory tells: false for a
  // child of a one-to-many whose own side or foreign key names another parent.
  bool may_hold(const EntityState* owner, EntityState* item) const;

  virtual HandleBase& handle(void* owner) const = 0;
  // Fills a handle with loaded objects (marks it loaded, forgets tracked changes).
  virtual void set_items(HandleBase& h, std::span<EntityState* const> items) const = 0;
  // The objects a handle holds now, without loading.
  virtual void items(const HandleBase& h, std::vector<EntityState*>& out) const = 0;
  // Changes since loading: objects added and removed (for a One: the new and the old).
  virtual void changes(const HandleBase& h, std::vector<EntityState*>& added,
                       std::vector<EntityState*>& removed) const = 0;
  virtual void clear_changes(HandleBase& h) const = 0;
  // Whether anything was changed since loading (a single object set back to null from
  // an unknown one has no added or removed object, but changed).
  virtual bool changed_since_load(const HandleBase& h) const = 0;
  // The other side of back_populates, without going further back.
  virtual void link_add(HandleBase& h, EntityState* other) const = 0;
  virtual void link_remove(HandleBase& h, EntityState* other) const = 0;
  virtual bool maps(const void* member, std::size_t size) const = 0;
  virtual const Mapper& find_target(Registry& registry) const = 0;
  // Adds the target to the registry when it is a declarative model.
  virtual void add_target(Registry& registry) const = 0;
  // Every object the handle keeps alive (its items and those kept for orphan checks),
  // and letting go of them all: for collect_cycles().
  virtual void held(const HandleBase& h, std::vector<EntityState*>& out) const = 0;
  virtual void let_go(HandleBase& h) const = 0;
  // Replaces the handle's objects as assigning to the member does (tracked for the flush,
  // back_populates, orphans): the dynamic path of dictionaries and JSON.
  virtual void assign(HandleBase& h, const std::vector<EntityState*>& items) const = 0;

  // Ties a handle to its owner (on add and load); a new owner's handles count as loaded.
  void bind(void* object, EntityState* owner, bool is_new) const {
    HandleBase& h = handle(object);
    h.owner_ = owner;
    h.rel_ = this;
    if (is_new) h.loaded_ = true;
  }
  static bool is_loaded(const HandleBase& h) { return h.loaded_; }
  // What putting `item` in the handle does besides: cascades and the other side.
  static void back_populate(HandleBase& h, EntityState* item) { h.link(item, true); }
  static void unbind(HandleBase& h) { h.owner_ = nullptr; }

 protected:
  // rt::ArgumentError: a query-backed collection cannot be replaced as a whole.
  [[noreturn]] void query_backed_assigned() const;
};

// The other side rt::backref() asks for: made when the declaring class is registered, and
// mapped on the target class as if its own mapping had declared it (Registry::install).
struct BackrefSpec {
  std::string name;
  MemberRef member;       // the target's member that holds it
  RelationshipSpec spec;  // its own options (from rt::backref's arguments)
  std::function<std::unique_ptr<Relationship>(std::string, RelationshipSpec)> make;
};

// A relationship held in a member of type H (Many<T> or One<T>) at a byte offset in its
// owner: its code depends on the handle's type only, not on the class that declares it.
template <class H>
class TypedRelationship final : public Relationship {
 public:
  using T = typename handle_traits<H>::target;
  static constexpr bool kQueried = std::derived_from<H, QueryBacked<T>>;
  TypedRelationship(std::string name_, std::ptrdiff_t offset, RelationshipSpec spec_)
      : Relationship(std::move(name_), !std::is_same_v<H, One<T>>, std::move(spec_)),
        offset_(offset) {
    query_backed = kQueried;
  }

  HandleBase& handle(void* owner) const override {
    return *reinterpret_cast<H*>(static_cast<char*>(owner) + offset_);
  }
  std::unique_ptr<Relationship> clone() const override {
    return std::unique_ptr<Relationship>(new TypedRelationship(*this));
  }

  // Refs that a handle gives up are released only once the handle no longer lists them:
  // releasing one may start a check for objects that only hold each other, which must
  // not see them held still.
  void set_items(HandleBase& base, std::span<EntityState* const> states) const override {
    H& h = static_cast<H&>(base);
    if constexpr (kQueried) {
      (void)states;  // holds no objects: nothing loads it
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      auto before = std::move(h.items_);
      auto removed = std::move(h.removed_);
      h.items_.clear();
      h.index_.reset();
      h.removed_.clear();
      h.items_.reserve(states.size());
      for (EntityState* s : states)
        h.items_.emplace_back(s, static_cast<T*>(s->object()));
      h.added_.clear();
    } else {
      auto original = std::move(h.original_);
      h.original_ = Ref<T>();
      h.target_ = states.empty()
                      ? Ref<T>()
                      : Ref<T>(states.front(), static_cast<T*>(states.front()->object()));
      h.changed_ = false;
    }
    h.loaded_ = true;
  }
  void items(const HandleBase& base, std::vector<EntityState*>& out) const override {
    const H& h = static_cast<const H&>(base);
    if constexpr (kQueried) {
      for (const auto& r : h.added_)  // what it holds in memory: the unwritten additions
        out.push_back(r.state());
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      for (const auto& r : h.items_)
        out.push_back(r.state());
    } else if (h.target_) {
      out.push_back(h.target_.state());
    }
  }
  void changes(const HandleBase& base, std::vector<EntityState*>& added,
               std::vector<EntityState*>& removed) const override {
    const H& h = static_cast<const H&>(base);
    if constexpr (kQueried) {
      for (const auto& r : h.added_)
        added.push_back(r.state());
      for (const auto& r : h.removed_)
        removed.push_back(r.state());
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      added.insert(added.end(), h.added_.begin(), h.added_.end());
      for (const auto& r : h.removed_)
        removed.push_back(r.state());
    } else if (h.changed_) {
      if (h.target_) added.push_back(h.target_.state());
      if (h.original_) removed.push_back(h.original_.state());
    }
  }
  bool changed_since_load(const HandleBase& base) const override {
    const H& h = static_cast<const H&>(base);
    if constexpr (kQueried || std::is_same_v<H, Many<T>>)
      return !h.added_.empty() || !h.removed_.empty();
    else
      return h.changed_;
  }
  void clear_changes(HandleBase& base) const override {
    H& h = static_cast<H&>(base);
    if constexpr (kQueried) {
      h.forget();
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      h.added_.clear();
      auto removed = std::move(h.removed_);
      h.removed_.clear();
    } else {
      auto original = std::move(h.original_);
      h.original_ = Ref<T>();
      h.changed_ = false;
    }
  }
  void link_add(HandleBase& base, EntityState* other) const override {
    H& h = static_cast<H&>(base);
    if constexpr (kQueried) {
      h.record_add(Ref<T>(other, static_cast<T*>(other->object())));
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      if (!h.loaded_ && h.owner_) return;  // an unloaded collection learns it when it loads
      if (h.has(other)) return;
      h.track_add(other);
      h.append(Ref<T>(other, static_cast<T*>(other->object())));
    } else {
      // A single object is known once set, loaded or not: a later move from the other
      // side then takes it out of this collection first. Not loaded, the object it
      // referred to may be in the session with a loaded collection that lists the owner:
      // it is found without a query, to be taken out.
      if (!h.loaded_ && h.owner_) h.target_ = Ref<T>(h.loaded_target());
      h.set_from_other_side(other);
      h.loaded_ = true;
    }
  }
  void link_remove(HandleBase& base, EntityState* other) const override {
    H& h = static_cast<H&>(base);
    if constexpr (kQueried) {
      h.record_remove(Ref<T>(other, static_cast<T*>(other->object())));
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      if (!h.loaded_ && h.owner_) return;
      for (auto it = h.items_.begin(); it != h.items_.end(); ++it) {
        if (it->state() == other) {
          h.track_remove(other);
          h.erase(it);
          return;
        }
      }
    } else {
      // Not loaded, it refers to `other`, whose collection held its owner: it now refers
      // to nothing, as it will once flushed (a lazy load would read the row as it was).
      if (!h.loaded_ && h.owner_) {
        h.target_ = Ref<T>(other, static_cast<T*>(other->object()));
        h.loaded_ = true;
      }
      if (h.target_.state() == other) {
        h.track_change();
        h.target_ = Ref<T>();
      }
    }
  }
  bool maps(const void* member, std::size_t size) const override {
    return size == sizeof offset_ && std::memcmp(member, &offset_, size) == 0;
  }
  const Mapper& find_target(Registry& registry) const override;
  void add_target(Registry& registry) const override;
  void held(const HandleBase& base, std::vector<EntityState*>& out) const override {
    const H& h = static_cast<const H&>(base);
    if constexpr (kQueried) {
      for (const auto& r : h.added_)
        out.push_back(r.state());
      for (const auto& r : h.removed_)
        out.push_back(r.state());
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      for (const auto& r : h.items_)
        out.push_back(r.state());
      for (const auto& r : h.removed_)
        out.push_back(r.state());
    } else {
      if (h.target_) out.push_back(h.target_.state());
      if (h.original_) out.push_back(h.original_.state());
    }
  }
  void assign(HandleBase& base, const std::vector<EntityState*>& states) const override {
    H& h = static_cast<H&>(base);
    if constexpr (kQueried) {
      (void)h;
      (void)states;
      query_backed_assigned();
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      Many<T> next;
      for (EntityState* s : states) {
        if (!next.has(s)) next.append(Ref<T>(s, static_cast<T*>(s->object())));
      }
      next.loaded_ = true;
      h = next;
    } else {
      h = states.empty() ? Ref<T>()
                         : Ref<T>(states.front(), static_cast<T*>(states.front()->object()));
    }
  }
  void let_go(HandleBase& base) const override {
    H& h = static_cast<H&>(base);
    if constexpr (kQueried) {
      h.forget();  // stays loaded: there is nothing to load
    } else if constexpr (std::is_same_v<H, Many<T>>) {
      h.loaded_ = false;
      auto items = std::move(h.items_);
      auto removed = std::move(h.removed_);
      h.items_.clear();
      h.index_.reset();
      h.removed_.clear();
      h.added_.clear();
    } else {
      h.loaded_ = false;
      auto old_target = std::move(h.target_);
      auto old_original = std::move(h.original_);
      h.target_ = Ref<T>();
      h.original_ = Ref<T>();
      h.changed_ = false;
    }
  }

 private:
  std::ptrdiff_t offset_;
};

}  // namespace retort::orm

// Relationship options for ModelBuilder::relationship().
namespace retort {

// The options' apply() functions are out of line (relationship.cpp): a model file need not
// compile the copies they make.
struct BackPopulates {
  std::string name;
  friend void apply(orm::RelationshipSpec& s, const BackPopulates& o);
};
inline BackPopulates back_populates(std::string name) {
  return {std::move(name)};
}

template <class O, class H>
struct Backref {
  std::string name;
  H O::*member;
  orm::RelationshipSpec spec;
  friend void apply(orm::RelationshipSpec& s, const Backref& b) {
    s.backref = std::make_shared<const orm::BackrefSpec>(orm::BackrefSpec{
        b.name, orm::MemberRef::of(b.member), b.spec,
        [offset = orm::member_offset(b.member)](std::string other, orm::RelationshipSpec options) {
          return std::unique_ptr<orm::Relationship>(
              new orm::TypedRelationship<H>(std::move(other), offset, std::move(options)));
        }});
  }
};
// Maps the other side too, as SQLAlchemy's backref=: on Article.comments,
// rt::backref("article", &Comment::article) maps Comment.article as the reverse
// (back_populates both ways), so Comment's mapping does not mention it. Options after the
// member are the other side's own (rt::lazy::joined, ...); a many-to-many's other side
// uses the same association table. Register the declaring class (Article) before the
// other one is used: a class already in use cannot gain a relationship.
template <class O, class H, class... Options>
Backref<O, H> backref(std::string name, H O::*member, const Options&... options) {
  orm::RelationshipSpec spec;
  (apply(spec, options), ...);
  return {std::move(name), member, std::move(spec)};
}

namespace cascade {
struct Option {
  orm::Cascade value;
  friend void apply(orm::RelationshipSpec& s, const Option& o) { s.cascade = o.value; }
};
// The default: adding a parent adds its related objects.
inline constexpr Option save_update{{true, false, false}};
// Also deletes them with the parent.
inline constexpr Option all{{true, true, false}};
// Also deletes one taken out of the collection.
inline constexpr Option all_delete_orphan{{true, true, true}};
inline constexpr Option none{{false, false, false}};
}  // namespace cascade

namespace lazy {
struct Option {
  orm::Loading value;
  friend void apply(orm::RelationshipSpec& s, const Option& o) { s.loading = o.value; }
};
inline constexpr Option select{orm::Loading::lazy};
inline constexpr Option selectin{orm::Loading::selectin};
inline constexpr Option joined{orm::Loading::joined};
inline constexpr Option raise{orm::Loading::raise};
inline constexpr Option noload{orm::Loading::noload};
}  // namespace lazy

struct RelationshipFlag {
  enum { viewonly, passive_deletes, post_update } which;
  friend void apply(orm::RelationshipSpec& s, const RelationshipFlag& f) {
    if (f.which == viewonly) s.viewonly = true;
    if (f.which == passive_deletes) s.passive_deletes = true;
    if (f.which == post_update) s.post_update = true;
  }
};
// Loads but never writes (no cascades, no foreign-key changes).
inline constexpr RelationshipFlag viewonly{RelationshipFlag::viewonly};
// Deleting the parent leaves the children to ON DELETE CASCADE in the database instead of
// loading them.
inline constexpr RelationshipFlag passive_deletes{RelationshipFlag::passive_deletes};
// Writes the foreign key with an UPDATE after the rows exist, for rows that refer to each
// other.
inline constexpr RelationshipFlag post_update{RelationshipFlag::post_update};

struct JoinOn {
  orm::MemberRef local, remote;
  friend void apply(orm::RelationshipSpec& s, const JoinOn& j);
};
// The join condition (local member, remote member), for relationships the foreign keys do
// not describe — or when the database has none. Give one per column of a composite key.
template <class L, class ML, class R, class MR>
JoinOn join_on(ML L::*local, MR R::*remote) {
  return {orm::MemberRef::of(local), orm::MemberRef::of(remote)};
}

struct Secondary {
  Table table;
  std::string local, remote;
  friend void apply(orm::RelationshipSpec& s, const Secondary& o);
};
// Many-to-many through an association table; name its two columns when both point at
// the same table (a self-referential many-to-many: followers / followed).
inline Secondary secondary(const Table& table, std::string local_column = {},
                           std::string remote_column = {}) {
  return {table, std::move(local_column), std::move(remote_column)};
}

struct RemoteSide {
  orm::MemberRef member;
  friend void apply(orm::RelationshipSpec& s, const RemoteSide& o);
};
// For a self-referential relationship: the column on the far side (Task.parent:
// remote_side(&Task::id) makes it many-to-one).
template <class O, class M>
RemoteSide remote_side(M O::*member) {
  return {orm::MemberRef::of(member)};
}

struct OrderBy {
  orm::MemberRef member;
  bool descending;
  friend void apply(orm::RelationshipSpec& s, const OrderBy& o);
};
// The order of a collection's objects.
template <class O, class M>
OrderBy order_by(M O::*member, bool descending = false) {
  return {orm::MemberRef::of(member), descending};
}

}  // namespace retort

namespace retort::orm {

template <class O, class M>
MemberRef MemberRef::of(M O::*member) {
  static_assert(sizeof member <= sizeof(MemberRef::bytes));
  MemberRef r;
  r.type_slot = orm::type_slot<O>();
  std::memcpy(r.bytes, &member, sizeof member);
  r.size = sizeof member;
  return r;
}

template <class H>
const Mapper& TypedRelationship<H>::find_target(Registry& registry) const {
  return registry.registered<T>();
}

template <class H>
void TypedRelationship<H>::add_target(Registry& registry) const {
  if constexpr (declarative<T>) registry.add<T>();
}

// A backref's member belongs to the class the relationship leads to, and leads back.
template <class T, class U, class Option>
void check_backref(const Option&) {}
template <class T, class U, class O, class H>
void check_backref(const Backref<O, H>&) {
  static_assert(std::is_same_v<O, U>,
                "rt::backref(name, &Other::member): the member belongs to the class the "
                "relationship leads to");
  static_assert(std::is_same_v<typename handle_traits<H>::target, T>,
                "rt::backref(name, &Other::member): the member is a One<T> or Many<T> of the "
                "class that declares the relationship");
}

template <class T>
template <class H, class... Options>
ModelBuilder<T>& ModelBuilder<T>::relationship(std::string_view name, H T::*member,
                                               const Options&... options) {
  using U = typename handle_traits<H>::target;
  RelationshipSpec spec;
  (apply(spec, options), ...);
  (check_backref<T, U>(options), ...);
  add_relationship(std::unique_ptr<Relationship>(
      new TypedRelationship<H>(std::string(name), member_offset(member), std::move(spec))));
  return *this;
}

}  // namespace retort::orm
