// rt::Session: a unit of work with an identity map, as SQLAlchemy's.
//
//   rt::Session session(engine);
//   auto alice = session.add(User{.login = "alice"});     // pending
//   session.commit();                                      // INSERT; alice->id is set
//   auto same = session.get<User>(alice->id);              // from the identity map, no query
//   alice->email = "alice@example.com";                    // plain assignment
//   session.flush();                                       // UPDATE user SET email = ? WHERE id =
//   ? session.delete_(alice); session.commit();                                      // DELETE
//
// The session begins a transaction on first use and keeps one connection from the
// engine's pool until commit(), rollback() or close(). flush() writes pending changes in
// foreign-key order (parents first for inserts, children first for deletes), batching
// inserts (multi-row INSERT ... RETURNING for generated keys), updating only the columns
// that changed since the object was loaded, and deleting by key. A flush that fails
// rolls the transaction back and leaves the session as it was before the flush: pending
// objects stay pending (generated keys unset), and the error names the constraint.
//
// A Session is used by one thread at a time.
#pragma once

#include <memory>
#include <vector>

#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/query.hpp"

namespace retort {

using orm::SessionOptions;

class Session;

// A savepoint of a session (begin_nested); rolls back if it goes out of scope active.
class SessionTransaction {
 public:
  SessionTransaction(SessionTransaction&& other) noexcept
      : core_(std::exchange(other.core_, nullptr)), id_(other.id_) {}
  SessionTransaction& operator=(SessionTransaction&&) = delete;
  ~SessionTransaction();
  void commit();
  void rollback();
  bool is_active() const;

 private:
  friend class Session;
  SessionTransaction(orm::SessionCore* core, std::uint64_t id) : core_(core), id_(id) {}
  orm::SessionCore* core_;
  std::uint64_t id_;
};

// While alive, queries do not flush first.
class NoAutoflush {
 public:
  explicit NoAutoflush(orm::SessionCore& core) : core_(&core) { ++core_->autoflush_blocked(); }
  NoAutoflush(const NoAutoflush&) = delete;
  NoAutoflush& operator=(const NoAutoflush&) = delete;
  ~NoAutoflush() { --core_->autoflush_blocked(); }

 private:
  orm::SessionCore* core_;
};

class Session {
 public:
  explicit Session(Engine engine, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Tracks a new object (INSERTed at the next flush) and returns its handle.
  template <class T>
  Ref<T> add(T object) {
    const auto& m = mapper<T>();
    orm::EntityState* state = m.new_entity(&object);
    Ref<T> out(state, static_cast<T*>(state->object()));
    core_->add(state, m);
    return out;
  }
  // Tracks an object made with rt::make_ref, or re-adds an expunged one.
  template <class T>
  Ref<T> add(Ref<T> ref) {
    core_->add(ref.state(), mapper<T>());
    return ref;
  }
  template <class T>
  std::vector<Ref<T>> add_all(std::vector<T> objects) {
    std::vector<Ref<T>> out;
    out.reserve(objects.size());
    for (auto& o : objects)
      out.push_back(add(std::move(o)));
    return out;
  }
  template <class T>
  void add_all(const std::vector<Ref<T>>& refs) {
    for (const auto& r : refs)
      add(r);
  }

  // Marks the object for DELETE at the next flush.
  template <class T>
  void delete_(const Ref<T>& ref) {
    core_->remove(ref.state());
  }

  // The object with this primary key (one value per key column, in order): from the
  // identity map without a query when it is there; a null Ref when there is no row.
  template <class T, class... Key>
  Ref<T> get(const Key&... key) {
    const orm::Mapper& m = mapper<T>();
    orm::EntityState* s;
    if constexpr (sizeof...(Key) == 1 && (std::is_integral_v<Key> && ...)) {
      const auto k = (static_cast<std::int64_t>(key), ...);
      s = m.int_identity() ? core_->get(m, k) : core_->get(m, {sql::detail::to_value(key)...});
    } else {
      s = core_->get(m, {sql::detail::to_value(key)...});
    }
    return s ? Ref<T>(s, static_cast<T*>(s->object())) : Ref<T>();
  }

  // Copies the object's state onto the session's object of the same key (loading it, or
  // adding a new one when there is no row) and returns that.
  template <class T>
  Ref<T> merge(const T& object) {
    auto* s = core_->merge(mapper<T>(), &object);
    return Ref<T>(s, static_cast<T*>(s->object()));
  }

  // Stops tracking the object; it keeps its values.
  template <class T>
  void expunge(const Ref<T>& ref) {
    core_->expunge(ref.state());
  }
  // Reloads the object's columns from the database now.
  template <class T>
  void refresh(const Ref<T>& ref) {
    core_->refresh(ref.state());
  }
  // Marks the object to be reloaded at its next access.
  template <class T>
  void expire(const Ref<T>& ref) {
    core_->expire(ref.state());
  }
  void expire_all() { core_->expire_all(); }

  template <class T>
  Query<T> query() {
    return Query<T>(core_.get(), mapper<T>());
  }

  // Runs a Core statement in the session's transaction (after autoflush).
  template <class S>
  Result execute(const S& statement, const Params& params = {}) {
    core_->autoflush();
    return core_->connection().execute(statement, params);
  }

  // Inserts many objects in batches without tracking them; generated keys are written
  // back into the objects.
  template <class T>
  void bulk_insert(std::vector<T>& objects) {
    std::vector<void*> pointers;
    pointers.reserve(objects.size());
    for (auto& o : objects)
      pointers.push_back(&o);
    core_->bulk_insert(mapper<T>(), pointers);
  }

  void flush() { core_->flush(); }
  // Flushes and commits; with expire_on_commit, objects reload on next access.
  void commit() { core_->commit(); }
  // Rolls the transaction back: new objects become untracked, deleted ones are restored,
  // all others expire.
  void rollback() { core_->rollback(); }
  // Rolls back and stops tracking every object.
  void close() { core_->close(); }

  SessionTransaction begin_nested() {
    return SessionTransaction(core_.get(), core_->begin_nested());
  }
  NoAutoflush no_autoflush() { return NoAutoflush(*core_); }

  // The session's connection, in its transaction.
  Connection& connection() { return core_->connection(); }
  const Engine& engine() const { return core_->engine(); }
  Registry& registry() { return core_->registry(); }
  // T's mapper: from the registry (under its lock) once per session, then remembered.
  template <class T>
  const orm::Mapper& mapper() {
    const int slot = orm::type_slot<T>();
    if (const orm::Mapper* m = core_->known_mapper(slot)) return *m;
    return core_->remember_mapper(slot, core_->registry().mapper<T>());
  }
  orm::SessionCore& core() { return *core_; }

 private:
  std::unique_ptr<orm::SessionCore> core_;
};

}  // namespace retort
