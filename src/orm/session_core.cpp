#include "retort/orm/session_core.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "retort/core/error.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::orm {

namespace detail {

void release(EntityState* state) noexcept {
  if (state->session) {
    state->session->forget(state);
  } else {
    delete state;
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

Connection& SessionCore::connection() {
  if (!conn_) {
    // A connection whose BEGIN failed (the server went away) is not kept.
    Connection conn = engine_.connect();
    Transaction tx = conn.begin();
    conn_ = std::move(conn);
    levels_.clear();
    levels_.push_back(Level{0, std::move(tx), {}, {}});
  }
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
  }
  levels_.clear();
  get_statements_.clear();
  conn_.reset();
}

void SessionCore::revert_levels(std::size_t from, bool keep_pending, bool keep_changes,
                                CycleCheck& cycles) {
  std::vector<EntityState*> inserted, deleted;
  for (std::size_t i = from; i < levels_.size(); ++i) {
    inserted.insert(inserted.end(), levels_[i].inserted.begin(), levels_[i].inserted.end());
    deleted.insert(deleted.end(), levels_[i].deleted.begin(), levels_[i].deleted.end());
    levels_[i].inserted.clear();
    levels_[i].deleted.clear();
  }
  // Rows inserted there are gone: their objects are new again, without generated keys;
  // those also deleted there were never anything outside and leave the session.
  const std::unordered_set<EntityState*> gone(deleted.begin(), deleted.end());
  std::vector<EntityState*> again;
  for (EntityState* s : inserted) {
    erase_identity(s);
    for (const auto& a : s->mapper->attributes()) {
      if (a->generated) a->reset(s->object);
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
  const std::unordered_set<EntityState*> new_there(inserted.begin(), inserted.end());
  for (EntityState* s : deleted) {
    if (new_there.count(s)) {
      drop(s);
      continue;
    }
    s->session = this;
    s->flags = kPersistent | kExpired;
    if (!find_identity(*s->mapper, s->object)) insert_identity(s);
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

const Mapper& SessionCore::remember_mapper(int slot, const Mapper& mapper) {
  const auto i = static_cast<std::size_t>(slot);
  if (i >= known_mappers_.size()) known_mappers_.resize(i + 1);
  known_mappers_[i] = &mapper;
  return mapper;
}

IdentityMap& SessionCore::new_identity(std::size_t slot) {
  maps_.resize(slot + 1);
  return maps_[slot];
}

std::size_t SessionCore::identity_size() const {
  std::size_t n = 0;
  for (const auto& m : maps_)
    n += m.size();
  return n;
}

EntityState* SessionCore::find_identity(const Mapper& mapper, const void* object) {
  auto& map = identity(mapper);
  std::int64_t k;
  if (mapper.int_identity() && mapper.primary_key().front()->int_key(object, k))
    return map.ints.find(k);
  std::string key;
  mapper.key_of(object, key);
  auto it = map.keys.find(key);
  return it == map.keys.end() ? nullptr : it->second;
}

void SessionCore::insert_identity(EntityState* state) {
  const Mapper& mapper = *state->mapper;
  auto& map = identity(mapper);
  std::int64_t k;
  if (mapper.int_identity() && mapper.primary_key().front()->int_key(state->object, k)) {
    map.ints.insert(k, state);
  } else {
    std::string key;
    mapper.key_of(state->object, key);
    map.keys[std::move(key)] = state;
  }
  state->flags |= kIdentity;
}

void SessionCore::erase_identity(EntityState* state) {
  if (!(state->flags & kIdentity)) return;
  state->flags &= ~kIdentity;
  const Mapper& mapper = *state->mapper;
  auto& map = identity(mapper);
  // The key the object was filed under: the head of its snapshot (the primary key comes
  // first there) when it has one, for the member may have changed since; otherwise the
  // member, which cannot have changed without the access that takes a snapshot.
  if (state->snapshot.empty()) {
    std::int64_t k;
    if (mapper.int_identity() && mapper.primary_key().front()->int_key(state->object, k)) {
      map.ints.erase(k, state);
      return;
    }
    std::string key;
    mapper.key_of(state->object, key);
    auto it = map.keys.find(key);
    if (it != map.keys.end() && it->second == state) map.keys.erase(it);
    return;
  }
  const char* p = state->snapshot.data();
  if (mapper.int_identity()) {
    const Value v = mapper.primary_key().front()->decode(p);
    map.ints.erase(v.as<std::int64_t>(), state);
    return;
  }
  for (const Attribute* a : mapper.primary_key())
    (void)a->decode(p);
  const std::string key(static_cast<const char*>(state->snapshot.data()), p);
  auto it = map.keys.find(key);
  if (it != map.keys.end() && it->second == state) map.keys.erase(it);
}

void SessionCore::snapshot(EntityState* state) {
  const Mapper& mapper = *state->mapper;
  const auto& attrs = mapper.attributes();
  // Encoded in a reused buffer, then copied to the entity's own storage.
  thread_local std::string out;
  out.clear();
  for (std::size_t i : mapper.snapshot_order())
    attrs[i]->encode(state->object, out);
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

void SessionCore::forget(EntityState* state) noexcept {
  // No Ref is left and the session holds none (it would while changes are unflushed).
  erase_identity(state);
  delete state;
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
    if (EntityState* existing = find_identity(own, state->object); existing && existing != state) {
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
    rel->items(rel->handle(state->object), items);
    for (EntityState* item : items) {
      if (!item->session && rel->spec.cascade.save_update) add(item, *rel->target);
      if (rel->reverse && item->object)
        rel->reverse->link_add(rel->reverse->handle(item->object), state);
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
      rel->items(rel->handle(state->object), items);
      for (EntityState* item : items) {
        if (rel->direction == Direction::one_to_many && rel->spec.cascade.delete_) {
          if (item->session == this) remove(item);
        } else if (rel->reverse && item->object) {
          rel->reverse->link_remove(rel->reverse->handle(item->object), state);
        }
      }
    }
    drop(state);
    return;
  }
  state->flags |= kDeleted;
  retain(state);
  deleted_.push_back(state);
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
      rel->let_go(rel->handle(s->object));
  }
  for (EntityState* s : states)
    drop(s);
}

sql::Select SessionCore::select_of(const Mapper& mapper) {
  if (mapper.inheritance()) return polymorphic_select(mapper);
  sql::Select s;
  std::vector<sql::Expr<>> columns;
  for (const auto& a : mapper.attributes())
    columns.push_back(mapper.table().c(a->name));
  for (const auto& c : columns)
    s = s.add_columns(c);
  return s;
}

EntityState* SessionCore::load(const Mapper& mapper, driver::Statement& stmt, int offset,
                               bool populate_existing) {
  if (mapper.inheritance()) return load_polymorphic(mapper, stmt, offset, populate_existing);
  auto& map = identity(mapper);
  const auto& attrs = mapper.attributes();
  // The key first: an object already loaded is reused as it is.
  EntityState* existing = nullptr;
  std::int64_t int_key = 0;
  std::string key;
  if (mapper.int_identity()) {
    int_key = stmt.get_int64(offset + mapper.primary_key_columns().front());
    existing = map.ints.find(int_key);
  } else {
    for (int col : mapper.primary_key_columns())
      attrs[col]->encode_column(stmt, offset + col, key);
    auto it = map.keys.find(key);
    if (it != map.keys.end()) existing = it->second;
  }
  if (existing && !populate_existing && !(existing->flags & kExpired)) return existing;

  EntityState* state = existing ? existing : mapper.new_entity();
  state->mapper = &mapper;
  std::size_t i = 0;
  try {
    // An integer key was read above: it is set rather than read again.
    const int key_col = mapper.int_identity() ? offset + mapper.primary_key_columns().front() : -1;
    for (; i < attrs.size(); ++i) {
      const int col = offset + static_cast<int>(i);
      if (col == key_col)
        attrs[i]->set_int(state->object, int_key);
      else
        attrs[i]->read(state->object, stmt, col);
    }
  } catch (const Error& e) {
    if (!existing) delete state;
    throw MappingError(mapper.class_name() + "." + attrs[i]->name + ": " + e.what());
  }
  state->flags = (state->flags & (kTouched | kDeleted | kInResult)) | kPersistent | kIdentity;
  // Snapshots are taken on the first non-const access; an object already being changed
  // takes the row just read as its new starting point.
  if (state->flags & kTouched) {
    snapshot(state);
  } else {
    state->snapshot.clear();
  }
  if (!existing) {
    state->session = this;
    for (const auto& rel : mapper.relationships())
      rel->bind(state->object, state, false);
    if (mapper.int_identity())
      map.ints.insert(int_key, state);
    else
      map.keys.emplace(std::move(key), state);
  }
  for (const auto& hook : mapper.events().on_load)
    hook(state->object);
  return state;
}

EntityState* SessionCore::load_polymorphic(const Mapper& queried, driver::Statement& stmt,
                                           int offset, bool populate_existing) {
  const auto& layout = queried.inheritance()->layout;
  const auto& self = layout.positions.front().second;
  auto& map = identity(queried);
  EntityState* existing = nullptr;
  std::int64_t int_key = 0;
  std::string key;
  if (queried.int_identity()) {
    int_key = stmt.get_int64(offset +
                             self[static_cast<std::size_t>(queried.primary_key_columns().front())]);
    existing = map.ints.find(int_key);
  } else {
    for (int col : queried.primary_key_columns()) {
      queried.attributes()[static_cast<std::size_t>(col)]->encode_column(
          stmt, offset + self[static_cast<std::size_t>(col)], key);
    }
    auto it = map.keys.find(key);
    if (it != map.keys.end()) existing = it->second;
  }
  if (existing && !populate_existing && !(existing->flags & kExpired)) return existing;

  // The row's class, from its discriminator.
  const int d = offset + layout.discriminator;
  const bool null = stmt.is_null(d);
  const Mapper& mapper =
      existing ? *existing->mapper
               : concrete_mapper(queried,
                                 null ? std::string() : stmt.get_value(d).as<std::string>(), null);
  const auto& positions = positions_of(queried, mapper);
  EntityState* state = existing ? existing : mapper.new_entity();
  state->mapper = &mapper;
  const auto& attrs = mapper.attributes();
  std::size_t i = 0;
  try {
    for (; i < attrs.size(); ++i)
      attrs[i]->read(state->object, stmt, offset + positions[i]);
  } catch (const Error& e) {
    if (!existing) delete state;
    throw MappingError(mapper.class_name() + "." + attrs[i]->name + ": " + e.what());
  }
  state->flags = (state->flags & (kTouched | kDeleted | kInResult)) | kPersistent | kIdentity;
  if (state->flags & kTouched) {
    snapshot(state);
  } else {
    state->snapshot.clear();
  }
  if (!existing) {
    state->session = this;
    for (const auto& rel : mapper.relationships())
      rel->bind(state->object, state, false);
    if (queried.int_identity()) {
      map.ints.insert(int_key, state);
    } else {
      map.keys.emplace(std::move(key), state);
    }
  }
  for (const auto& hook : mapper.events().on_load)
    hook(state->object);
  return state;
}

EntityState* SessionCore::get(const Mapper& mapper, const std::vector<Value>& key) {
  const auto& pk = mapper.primary_key();
  if (key.size() != pk.size()) {
    throw ArgumentError("get<" + mapper.class_name() + ">(): the primary key has " +
                        std::to_string(pk.size()) + " column(s), " + std::to_string(key.size()) +
                        " value(s) given");
  }
  if (mapper.int_identity() && key[0].type() == ValueType::integer) {
    return get(mapper, key[0].get<std::int64_t>());
  }
  EntityState* found = in_identity(mapper, key);
  if (found && !(found->flags & kExpired)) {
    // Through a hierarchy's shared map: an object of another class is not this one's.
    return (found->flags & kDeleted) || !found->mapper->is_a(mapper.slot()) ? nullptr : found;
  }
  const GetStatement& get = get_statement(mapper);
  for (std::size_t i = 0; i < pk.size(); ++i)
    get.raw->bind(get.sql->slots[i], pk[i]->type.to_db(key[i]));
  return fetch_one(mapper);
}

EntityState* SessionCore::in_identity(const Mapper& mapper, const std::vector<Value>& key) {
  auto& map = identity(mapper);
  if (mapper.int_identity() && key[0].type() == ValueType::integer)
    return map.ints.find(key[0].get<std::int64_t>());
  // Encode the key as the attributes would.
  const auto& pk = mapper.primary_key();
  std::unique_ptr<EntityState> probe(mapper.new_entity());
  for (std::size_t i = 0; i < pk.size(); ++i)
    pk[i]->set(probe->object, pk[i]->type.to_db(key[i]));
  std::string k;
  mapper.key_of(probe->object, k);
  auto it = map.keys.find(k);
  return it == map.keys.end() ? nullptr : it->second;
}

EntityState* SessionCore::loaded_target(const EntityState* owner, const Relationship& rel) {
  if (rel.direction != Direction::many_to_one) return nullptr;
  std::vector<Value> key;
  std::vector<const Attribute*> remote;
  for (const auto& [local, r] : rel.pairs) {
    key.push_back(local->get(owner->object));
    remote.push_back(r);
    if (key.back().is_null()) return nullptr;
  }
  if (remote != rel.target->primary_key()) return nullptr;
  EntityState* found = in_identity(*rel.target, key);
  return found && !(found->flags & kDeleted) && found->mapper->is_a(rel.target->slot()) ? found
                                                                                        : nullptr;
}

EntityState* SessionCore::get(const Mapper& mapper, std::int64_t key) {
  EntityState* found = identity(mapper).ints.find(key);
  if (found && !(found->flags & kExpired)) {
    return (found->flags & kDeleted) ||
                   (mapper.inheritance() && !found->mapper->is_a(mapper.slot()))
               ? nullptr
               : found;
  }
  const GetStatement& get = get_statement(mapper);
  get.raw->bind_int64(get.sql->slots[0], key);
  return fetch_one(mapper);
}

const SessionCore::GetStatement& SessionCore::get_statement(const Mapper& mapper) {
  autoflush();
  Connection& conn = connection();
  const auto slot = static_cast<std::size_t>(mapper.slot());
  if (slot >= get_statements_.size()) get_statements_.resize(slot + 1);
  GetStatement& get = get_statements_[slot];
  if (!get.statement) {
    get.sql = &statement(mapper, "G", [&] {
      const Table& keys =
          mapper.inheritance() ? mapper.inheritance()->root->table() : mapper.table();
      sql::Select select = select_of(mapper);
      for (const Attribute* a : mapper.primary_key())
        select = select.where(keys.c(a->name) == sql::placeholder(a->type));
      return select;
    });
    get.statement = conn.prepare(get.sql->sql);
    get.raw = &get.statement.raw();
  }
  // A hierarchy's discriminator values; another user of the same statement on this
  // connection may have bound others.
  get.sql->bind_fixed(*get.raw);
  return get;
}

EntityState* SessionCore::fetch_one(const Mapper& mapper) {
  EntityState* found = nullptr;
  get_statements_[static_cast<std::size_t>(mapper.slot())].statement.run_first(
      [&](driver::Statement& row) { found = load(mapper, row, 0, true); });
  return found;
}

void SessionCore::refresh(EntityState* state) {
  if (!state || state->session != this || !(state->flags & kPersistent)) {
    throw ObjectStateError("refresh(): the object is not persistent in this session");
  }
  // Columns and relationships load again, after the flush so that the row is current.
  autoflush();
  expire_objects({state});
  reload(state);
}

void SessionCore::reload(EntityState* state) {
  if (!state || state->session != this || !(state->flags & kPersistent)) {
    throw ObjectStateError("the object is not persistent in this session: it cannot be reloaded");
  }
  const Mapper& mapper = *state->mapper;
  std::vector<Value> key = snapshot_key(state);
  state->flags |= kExpired;  // so that get() goes to the database
  EntityState* loaded = get(mapper, key);
  if (loaded != state) {
    state->flags &= ~kExpired;
    erase_identity(state);
    throw StaleDataError(mapper.class_name() +
                         " object's row no longer exists: it was deleted or its key changed");
  }
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
    mapper.copy_columns(object, fresh->object);
    add(fresh, mapper);
    return fresh;
  }
  detail::touch(target);  // snapshot first: the copy is a change
  mapper.copy_columns(object, target->object);
  return target;
}

std::vector<EntityState*> SessionCore::dirty() {
  std::vector<EntityState*> out;
  for (EntityState* s : touched_) {
    if (!(s->flags & kPersistent) || (s->flags & kDeleted)) continue;
    const char* p = s->snapshot.data();
    const auto& attrs = s->mapper->attributes();
    for (std::size_t i : s->mapper->snapshot_order()) {
      if (!attrs[i]->same(s->object, p)) {
        out.push_back(s);
        break;
      }
    }
  }
  return out;
}

void SessionCore::autoflush() {
  if (options_.autoflush && autoflush_blocked_ == 0 && !flushing_) flush();
}

std::vector<Value> SessionCore::snapshot_key(const EntityState* state) const {
  std::vector<Value> key;
  if (state->snapshot.empty()) {
    for (const Attribute* a : state->mapper->primary_key())
      key.push_back(a->get(state->object));
    return key;
  }
  const char* p = state->snapshot.data();
  for (const Attribute* a : state->mapper->primary_key())
    key.push_back(a->decode(p));
  return key;
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
    delete s;
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
  levels_.push_back(Level{id, conn.begin_nested(), {}, {}});
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
  if (bytes.size() > capacity_) {
    char* grown = new char[bytes.size()];
    if (heap_) delete[] data_;
    data_ = grown;
    capacity_ = static_cast<std::uint32_t>(bytes.size());
    heap_ = true;
  }
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
  size_ = static_cast<std::uint32_t>(bytes.size());
}

}  // namespace retort::orm
