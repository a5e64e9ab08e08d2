#include "retort/orm/detail/session_core.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "retort/core/error.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::orm {

namespace detail {

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void release(EntityState* state) noexcept {
  if (state->session) {
    state->session->forget(state);
  } else {
    detail::destroy(state);
  }
}

void touch(EntityState* state) {
  if (state->flags & kExpired) load(state);
  if (state->flags & kTouched) return;
  state->flags |= kTouched;
  // Only tracked, persistent objects need the flush's comparison; the session keeps
  // them alive until then.
  if (state->session && (state->flags & kPersistent)) state->session->touched(state);
}

void null_reference() {
  throw ObjectStateError(
      "access through a null rt::Ref: it was never given an object (check it with `if (ref)`)");
}

void base_not_first() {
  throw MappingError(
      "an rt::Ref to a base class needs the base to begin the derived object (a first, "
      "non-virtual base); this one sits elsewhere in it");
}

void mark_changed(EntityState* state) {
  if ((state->flags & kTouched) || !state->session || !(state->flags & kPersistent)) return;
  state->flags |= kTouched;
  state->session->touched(state);
}

void load(EntityState* state) {
  if (!state->session) {
    throw ObjectStateError(
        (state->mapper ? state->mapper->class_name() + " object" : std::string("object")) +
        " was expired and is detached from its session: it cannot be reloaded");
  }
  state->session->reload(state);
}

}  // namespace detail

SessionCore::SessionCore(Engine engine, SessionOptions options)
    : engine_(std::move(engine)),
      options_(options),
      registry_(options.registry ? options.registry : &retort::registry()),
      dialect_(&sql::dialect(engine_.dialect_name())) {}

SessionCore::~SessionCore() {
  try {
    close();
  } catch (...) {
  }
}

Connection& SessionCore::open_connection() {
  // A connection whose BEGIN failed (the server went away) is not kept.
  const bool joined = !options_.bind.closed();
  Connection conn = joined ? options_.bind : engine_.connect();
  Transaction tx = joined && conn.in_transaction() ? conn.begin_nested() : conn.begin();
  conn_ = std::move(conn);
  levels_.clear();
  levels_.push_back(Level{0, std::move(tx), {}, {}, {}});
  return *conn_;
}

void SessionCore::release_connection() {
  CycleCheck cycles;  // deleted objects have left the session, maybe still linked
  for (auto& level : levels_) {
    for (EntityState* s : level.inserted)
      drop(s);
    for (EntityState* s : level.deleted) {
      if (s->session == this) s->session = nullptr;  // its row is gone for good
      cycles.consider(s);
      drop(s);
    }
    for (const auto& [s, old_key] : level.key_switches)
      drop(s);
  }
  levels_.clear();
  get_statements_.clear();
  conn_.reset();
}

void SessionCore::revert_levels(std::size_t from, bool keep_pending, bool keep_changes,
                                CycleCheck& cycles) {
  std::vector<EntityState*> inserted, deleted;
  std::vector<std::pair<EntityState*, std::string>> key_switches;
  for (std::size_t i = from; i < levels_.size(); ++i) {
    inserted.insert(inserted.end(), levels_[i].inserted.begin(), levels_[i].inserted.end());
    deleted.insert(deleted.end(), levels_[i].deleted.begin(), levels_[i].deleted.end());
    for (auto& key_switch : levels_[i].key_switches)
      key_switches.push_back(std::move(key_switch));
    levels_[i].inserted.clear();
    levels_[i].deleted.clear();
    levels_[i].key_switches.clear();
  }
  // Rows whose key changed there have their old key again: the objects are filed under
  // it, the latest change undone first. An object whose row was inserted there has no
  // row to follow; one that left the session is not filed.
  const std::unordered_set<EntityState*> new_there(inserted.begin(), inserted.end());
  for (auto it = key_switches.rbegin(); it != key_switches.rend(); ++it) {
    EntityState* s = it->first;
    if (s->session == this && !new_there.count(s)) restore_key(s, it->second);
    drop(s);
  }
  // Rows inserted there are gone: their objects are new again, without generated keys;
  // those also deleted there were never anything outside and leave the session.
  const std::unordered_set<EntityState*> gone(deleted.begin(), deleted.end());
  std::vector<EntityState*> again;
  for (EntityState* s : inserted) {
    erase_identity(s);
    for (const auto& a : s->mapper->attributes()) {
      if (a->generated) a->reset(s->object());
    }
    if (keep_pending && s->session == this && !gone.count(s)) {
      s->flags = kPending;
      again.push_back(s);  // the level's reference moves to pending_
    } else {
      s->flags = 0;
      leave(s, cycles);
    }
  }
  pending_.insert(pending_.begin(), again.begin(), again.end());
  related_ += again.size();
  // Rows deleted there exist again.
  for (EntityState* s : deleted) {
    if (new_there.count(s)) {
      drop(s);
      continue;
    }
    s->session = this;
    s->flags = kPersistent | kExpired;
    if (!find_identity(*s->mapper, s->object())) insert_identity(s);
    drop(s);
  }
  std::vector<EntityState*> expired;
  for (auto& map : maps_) {
    map.for_each([&](EntityState* s) {
      if (!(keep_changes && (s->flags & kTouched))) expired.push_back(s);
    });
  }
  expire_objects(expired);
}

void SessionCore::commit() {
  flush();
  if (conn_) {
    levels_.front().tx.commit();
    release_connection();
  }
  for (EntityState* s : touched_) {
    s->flags &= ~kTouched;
  }
  for (EntityState* s : touched_)
    drop(s);
  touched_.clear();
  if (options_.expire_on_commit) expire_all();
}

void SessionCore::consider_held(CycleCheck& cycles) {
  for (const auto* list : {&pending_, &touched_, &deleted_}) {
    for (EntityState* s : *list)
      cycles.consider(s);
  }
  for (const auto& [rel, child] : left_)
    cycles.consider(child);
  for (const auto& level : levels_) {
    for (const auto* list : {&level.inserted, &level.deleted}) {
      for (EntityState* s : *list)
        cycles.consider(s);
    }
  }
}

void SessionCore::rollback() {
  // Objects the session lets go of may be left holding only each other: they are
  // checked once everything below is done.
  CycleCheck cycles;
  consider_held(cycles);
  if (conn_) {
    try {
      levels_.front().tx.rollback();
    } catch (...) {
    }
    revert_levels(0, false, false, cycles);
    release_connection();
  }
  // New objects leave the session; deleted ones are restored; all others may be stale.
  auto pending = std::move(pending_);
  pending_.clear();
  for (EntityState* s : pending) {
    s->flags &= ~kPending;
    leave(s, cycles);
  }
  auto deleted = std::move(deleted_);
  deleted_.clear();
  deleted_related_ = 0;
  for (EntityState* s : deleted) {
    s->flags &= ~kDeleted;
    drop(s);
  }
  auto touched = std::move(touched_);
  touched_.clear();
  for (EntityState* s : touched) {
    s->flags &= ~kTouched;
    drop(s);
  }
  clear_left();
  expire_all();
}

void SessionCore::close() {
  if (conn_) {
    try {
      levels_.front().tx.rollback();
    } catch (...) {
    }
    release_connection();
  }
  // Objects that may refer to each other are pinned while the session lets go of them,
  // then checked for groups that nothing else holds.
  CycleCheck cycles;
  const auto mappers = registry_->mappers();
  if (std::any_of(mappers.begin(), mappers.end(),
                  [](const Mapper* m) { return m && m->may_cycle(); })) {
    for (auto& map : maps_)
      map.for_each([&](EntityState* s) { cycles.consider(s); });
    for (auto* list : {&pending_, &touched_, &deleted_}) {
      for (EntityState* s : *list)
        cycles.consider(s);
    }
  }
  // Every object leaves the session keeping the values it has, readable but no longer
  // tracked or reloadable. The identity map goes first, so that objects freed below are
  // no longer in it.
  // An object nothing holds was loaded by a statement that failed before handing it out
  // (a lost connection mid-result): it goes with the map.
  std::vector<EntityState*> unheld;
  for (auto& map : maps_) {
    map.for_each([&](EntityState* s) {
      s->flags &= ~kIdentity;
      s->session = nullptr;
      if (s->refs == 0) unheld.push_back(s);
    });
    map.ints.clear();
    map.keys.clear();
  }
  for (EntityState* s : unheld)
    detail::destroy(s);
  clear_left();
  for (auto* list : {&pending_, &touched_, &deleted_}) {
    auto states = std::move(*list);
    list->clear();
    for (EntityState* s : states) {
      s->flags &= ~(kPending | kTouched | kDeleted);
      s->session = nullptr;
      drop(s);
    }
  }
  cycles.run();
}

std::uint64_t SessionCore::begin_nested() {
  flush();
  Connection& conn = connection();
  const std::uint64_t id = ++next_savepoint_;
  levels_.push_back(Level{id, conn.begin_nested(), {}, {}, {}});
  return id;
}

bool SessionCore::nested_active(std::uint64_t id) const {
  for (std::size_t i = 1; i < levels_.size(); ++i) {
    if (levels_[i].id == id) return levels_[i].tx.is_active();
  }
  return false;
}

void SessionCore::end_nested(std::uint64_t id, bool commit) {
  std::size_t at = 1;
  while (at < levels_.size() && levels_[at].id != id)
    ++at;
  if (at >= levels_.size()) {
    if (commit) throw ArgumentError("this nested transaction is no longer active");
    return;
  }
  if (commit) {
    flush();
    levels_[at].tx.commit();
    // What happened inside now belongs to the enclosing level.
    auto& outer = levels_[at - 1];
    for (std::size_t i = at; i < levels_.size(); ++i) {
      outer.inserted.insert(outer.inserted.end(), levels_[i].inserted.begin(),
                            levels_[i].inserted.end());
      outer.deleted.insert(outer.deleted.end(), levels_[i].deleted.begin(),
                           levels_[i].deleted.end());
      for (auto& key_switch : levels_[i].key_switches)
        outer.key_switches.push_back(std::move(key_switch));
    }
    levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(at), levels_.end());
    return;
  }
  CycleCheck cycles;
  consider_held(cycles);
  levels_[at].tx.rollback();
  // As SQLAlchemy's: objects added inside leave the session, whether flushed or not
  // (begin_nested flushed what was pending before); deleted ones are restored; the rest
  // expire.
  revert_levels(at, false, false, cycles);
  levels_.erase(levels_.begin() + static_cast<std::ptrdiff_t>(at), levels_.end());
  for (EntityState* s : pending_) {
    s->flags &= ~kPending;
    leave(s, cycles);
  }
  pending_.clear();
  // Unflushed deletes and changes made inside are abandoned too.
  for (EntityState* s : deleted_) {
    s->flags &= ~kDeleted;
    drop(s);
  }
  deleted_.clear();
  deleted_related_ = 0;
  for (EntityState* s : touched_) {
    s->flags &= ~kTouched;
    drop(s);
  }
  touched_.clear();
  clear_left();
}

}  // namespace retort::orm

namespace retort::orm {

void Snapshot::assign(std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max() / 2 - sizeof(Header))
    throw Error("an object's snapshot is larger than 2 GiB");
  const auto size = static_cast<std::uint32_t>(bytes.size());
  if (!buffer_ || size > header().capacity) {
    char* grown = new char[sizeof(Header) + size];
    if (buffer_ && header().heap) delete[] buffer_;
    buffer_ = grown;
    header() = Header{0, size, 1};
  }
  if (size) std::memcpy(buffer_ + sizeof(Header), bytes.data(), size);
  header().size = size;
}

}  // namespace retort::orm
