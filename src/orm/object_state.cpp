// The life of an object in a session: pending, persistent, changed (snapshots), deleted,
// expired, detached, and the references that keep it alive.
#include <algorithm>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"

namespace retort::orm {

void SessionCore::snapshot(EntityState* state) {
  const Mapper& mapper = *state->mapper;
  const auto& attrs = mapper.attributes();
  // Encoded in a reused buffer, then copied to the entity's own storage.
  thread_local std::string out;
  out.clear();
  for (std::size_t i : mapper.snapshot_order())
    attrs[i]->encode(state->object(), out);
  state->snapshot.assign(out);
  mapper.snapshot_size_hint.store(static_cast<std::uint32_t>(out.size()),
                                  std::memory_order_relaxed);
}

void SessionCore::drop(EntityState* state) noexcept {
  if (--state->refs == 0) detail::release(state);
}

void SessionCore::leave(EntityState* state, CycleCheck& cycles) {
  state->session = nullptr;
  cycles.consider(state);
  drop(state);
}

void SessionCore::detach(EntityState* state) noexcept {
  erase_identity(state);
  state->session = nullptr;
  state->flags &= ~(kPending | kDeleted | kTouched | kIdentity);
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void SessionCore::forget(EntityState* state) noexcept {
  // No Ref is left and the session holds none (it would while changes are unflushed).
  erase_identity(state);
  detail::destroy(state);
}

void SessionCore::add(EntityState* state, const Mapper& mapper) {
  if (!state) throw ArgumentError("add(): a null Ref");
  if (state->session && state->session != this) {
    throw ObjectStateError(mapper.class_name() + " object is already attached to another session");
  }
  if (state->session == this) {
    if (state->flags & kDeleted) {
      // Adding back what was deleted cancels the delete.
      state->flags &= ~kDeleted;
      auto it = std::find(deleted_.begin(), deleted_.end(), state);
      if (it != deleted_.end()) {
        deleted_.erase(it);
        drop(state);
      }
    }
    return;
  }
  // Made as a subclass (make_ref), it stays one when added through its base class.
  if (!state->mapper || !state->mapper->is_a(mapper.slot())) state->mapper = &mapper;
  const Mapper& own = *state->mapper;
  state->session = this;
  if (state->flags & kPersistent) {
    // A detached persistent object comes back.
    if (EntityState* existing = find_identity(own, state->object());
        existing && existing != state) {
      state->session = nullptr;
      throw ObjectStateError(own.class_name() +
                             " object with the same primary key is already in the session; "
                             "use merge()");
    }
    // Changes made while detached were not seen: the next access starts tracking again.
    state->flags &= ~kTouched;
    insert_identity(state);
    return;
  }
  state->flags = kPending;
  retain(state);
  pending_.push_back(state);
  if (!own.relationships().empty()) ++related_;
  bind_new(state);
  // Adding an object adds what it refers to (save-update cascade), and the other side of
  // each back_populates learns of it.
  for (const auto& rel : own.relationships()) {
    if (rel->spec.viewonly) continue;
    std::vector<EntityState*> items;
    rel->items(rel->handle(state->object()), items);
    for (EntityState* item : items) {
      if (!item->session && rel->spec.cascade.save_update) add(item, *rel->target);
      if (rel->reverse && item->object())
        rel->reverse->link_add(rel->reverse->handle(item->object()), state);
    }
  }
}

void SessionCore::touched(EntityState* state) {
  // The object is about to be changed: remember its values as they are now.
  snapshot(state);
  retain(state);
  touched_.push_back(state);
  if (!state->mapper->relationships().empty()) ++related_;
}

void SessionCore::left_parent(const Relationship& parents, EntityState* child) {
  retain(child);
  left_.emplace_back(&parents, child);
  ++related_;
}

void SessionCore::clear_left() {
  auto left = std::move(left_);
  left_.clear();
  for (const auto& [rel, child] : left)
    drop(child);
}

void SessionCore::remove(EntityState* state) {
  if (!state || state->session != this) {
    throw ObjectStateError("delete(): the object is not in this session");
  }
  if (state->flags & kDeleted) return;
  if (state->flags & kPending) {
    // Never inserted: it leaves the session. What refers to it through a relationship it
    // knows lets go of it, or goes with it under a delete cascade; anything else that
    // still refers to it at the flush is an error there (see sync_foreign_keys).
    auto it = std::find(pending_.begin(), pending_.end(), state);
    state->flags = (state->flags & ~kPending) | kDiscarded;
    state->session = nullptr;
    if (it == pending_.end()) return;
    pending_.erase(it);
    CycleCheck cycles;
    cycles.consider(state);
    std::vector<EntityState*> items;
    for (const auto& rel : state->mapper->relationships()) {
      if (rel->spec.viewonly) continue;
      items.clear();
      rel->items(rel->handle(state->object()), items);
      for (EntityState* item : items) {
        if (rel->direction == Direction::one_to_many && rel->spec.cascade.delete_) {
          if (item->session == this) remove(item);
        } else if (rel->reverse && item->object()) {
          rel->reverse->link_remove(rel->reverse->handle(item->object()), state);
        }
      }
    }
    drop(state);
    return;
  }
  state->flags |= kDeleted;
  retain(state);
  deleted_.push_back(state);
  if (!state->mapper->relationships().empty()) ++deleted_related_;
}

void SessionCore::expunge(EntityState* state) {
  if (!state || state->session != this) return;
  auto take = [&](std::vector<EntityState*>& list) {
    auto it = std::find(list.begin(), list.end(), state);
    if (it != list.end()) {
      list.erase(it);
      return true;
    }
    return false;
  };
  retain(state);  // keep it alive while the lists let go
  const bool was_pending = take(pending_);
  const bool was_touched = take(touched_);
  const bool was_deleted = take(deleted_);
  detach(state);
  if (was_pending) state->flags &= ~kPending;
  if (was_pending) --state->refs;
  if (was_touched) --state->refs;
  if (was_deleted) --state->refs;
  drop(state);
}

void SessionCore::expire(EntityState* state) {
  if (!state || state->session != this || !(state->flags & kPersistent)) return;
  expire_objects({state});
}

void SessionCore::expire_all() {
  std::vector<EntityState*> related;
  for (auto& map : maps_) {
    map.for_each([&](EntityState* s) {
      s->flags |= kExpired;
      if (!s->mapper->relationships().empty()) related.push_back(s);
    });
  }
  expire_objects(related);
}

void SessionCore::expire_objects(const std::vector<EntityState*>& states) {
  // Relationships are expired with the columns: a handle loads again on its next access,
  // for what it held (and the changes it recorded) may no longer be true. Letting go may
  // free objects, so all of them are pinned until the end.
  for (EntityState* s : states)
    retain(s);
  for (EntityState* s : states) {
    s->flags |= kExpired;
    for (const auto& rel : s->mapper->relationships())
      rel->let_go(rel->handle(s->object()));
  }
  for (EntityState* s : states)
    drop(s);
}

std::vector<EntityState*> SessionCore::dirty() {
  std::vector<EntityState*> out;
  for (EntityState* s : touched_) {
    if (!(s->flags & kPersistent) || (s->flags & kDeleted)) continue;
    const char* p = s->snapshot.data();
    const auto& attrs = s->mapper->attributes();
    for (std::size_t i : s->mapper->snapshot_order()) {
      if (!attrs[i]->same(s->object(), p)) {
        out.push_back(s);
        break;
      }
    }
  }
  return out;
}

Value SessionCore::snapshot_key_head(const EntityState* state) const {
  const Attribute* a = state->mapper->primary_key().front();
  if (state->snapshot.empty()) return a->get(state->object());
  const char* p = state->snapshot.data();
  return a->decode(p);
}

std::vector<Value> SessionCore::snapshot_key(const EntityState* state) const {
  std::vector<Value> key;
  if (state->snapshot.empty()) {
    for (const Attribute* a : state->mapper->primary_key())
      key.push_back(a->get(state->object()));
    return key;
  }
  const char* p = state->snapshot.data();
  for (const Attribute* a : state->mapper->primary_key())
    key.push_back(a->decode(p));
  return key;
}

EntityState* SessionCore::merge(const Mapper& mapper, const void* object) {
  std::vector<Value> key;
  for (const Attribute* a : mapper.primary_key())
    key.push_back(a->get(object));
  bool keyless = false;
  for (const Attribute* a : mapper.primary_key())
    keyless = keyless || (a->generated && a->is_default(object));
  EntityState* target = keyless ? nullptr : get(mapper, key);
  if (!target) {
    EntityState* fresh = mapper.new_entity();
    mapper.copy_columns(object, fresh->object());
    add(fresh, mapper);
    return fresh;
  }
  detail::touch(target);  // snapshot first: the copy is a change
  mapper.copy_columns(object, target->object());
  return target;
}

}  // namespace retort::orm
