// The session's identity map: one object per row (per key and hierarchy), found by key
// or by an object's members.
#include "retort/orm/detail/session_core.hpp"

namespace retort::orm {

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
  if (mapper.int_identity() && mapper.int_key(object, k)) return map.ints.find(k);
  std::string key;
  mapper.key_of(object, key);
  auto it = map.keys.find(key);
  return it == map.keys.end() ? nullptr : it->second;
}

void SessionCore::insert_identity(EntityState* state) {
  const Mapper& mapper = *state->mapper;
  auto& map = identity(mapper);
  std::int64_t k;
  if (mapper.int_identity() && mapper.int_key(state->object(), k)) {
    map.ints.insert(k, state);
  } else {
    std::string key;
    mapper.key_of(state->object(), key);
    map.keys[std::move(key)] = state;
  }
  state->flags |= kIdentity;
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void SessionCore::erase_identity(EntityState* state) {
  if (!(state->flags & kIdentity)) return;
  state->flags &= ~kIdentity;
  const Mapper& mapper = *state->mapper;
  auto& map = identity(mapper);
  // The key the object was filed under: the head of its snapshot (the primary key comes
  // first there) when it has one, for the member may have changed since; otherwise the
  // member, which cannot have changed without the access that takes a snapshot.
  if (state->snapshot.empty()) {
    std::int64_t k;
    if (mapper.int_identity() && mapper.int_key(state->object(), k)) {
      map.ints.erase(k, state);
      return;
    }
    std::string key;
    mapper.key_of(state->object(), key);
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

void SessionCore::refile_identity(EntityState* state, Level& level) {
  if (!(state->flags & kIdentity) || state->snapshot.empty()) return;
  const char* p = state->snapshot.data();
  bool changed = false;
  for (const Attribute* a : state->mapper->primary_key())
    changed = !a->same(state->object(), p) || changed;
  if (!changed) return;
  // `p` is past the key now: the snapshot's head is the key the row had.
  level.key_switches.emplace_back(state, std::string(state->snapshot.data(), p));
  retain(state);
  erase_identity(state);  // under the snapshot's key
  state->snapshot.clear();
  insert_identity(state);
}

void SessionCore::restore_key(EntityState* state, const std::string& old_key) {
  const auto& pk = state->mapper->primary_key();
  erase_identity(state);
  // The member goes back unless a change since moved it on: that change is still to be
  // written, now from the old key.
  bool moved_on = false;
  std::string rest;
  if (!state->snapshot.empty()) {
    const char* p = state->snapshot.data();
    for (const Attribute* a : pk)
      moved_on = !a->same(state->object(), p) || moved_on;
    rest.assign(p, static_cast<const char*>(state->snapshot.data()) + state->snapshot.size());
    state->snapshot.assign(old_key + rest);
  }
  if (!moved_on) {
    const char* q = old_key.data();
    for (const Attribute* a : pk)
      a->set(state->object(), a->decode(q));
  }
  // Filed under the old key, which is the snapshot's head when there is one.
  auto& map = identity(*state->mapper);
  const char* q = old_key.data();
  if (state->mapper->int_identity())
    map.ints.insert(pk.front()->decode(q).as<std::int64_t>(), state);
  else
    map.keys[old_key] = state;
  state->flags |= kIdentity;
}

EntityState* SessionCore::in_identity(const Mapper& mapper, const std::vector<Value>& key) {
  auto& map = identity(mapper);
  if (mapper.int_identity() && key[0].type() == ValueType::integer)
    return map.ints.find(key[0].get<std::int64_t>());
  // Encode the key as the attributes would.
  const auto& pk = mapper.primary_key();
  detail::OwnedEntity probe(mapper.new_entity());
  for (std::size_t i = 0; i < pk.size(); ++i)
    pk[i]->set(probe->object(), pk[i]->type.to_db(key[i]));
  std::string k;
  mapper.key_of(probe->object(), k);
  auto it = map.keys.find(k);
  return it == map.keys.end() ? nullptr : it->second;
}

EntityState* SessionCore::loaded_target(const EntityState* owner, const Relationship& rel) {
  if (rel.direction != Direction::many_to_one) return nullptr;
  std::vector<Value> key;
  std::vector<const Attribute*> remote;
  for (const auto& [local, r] : rel.pairs) {
    key.push_back(local->get(owner->object()));
    remote.push_back(r);
    if (key.back().is_null()) return nullptr;
  }
  if (remote != rel.target->primary_key()) return nullptr;
  EntityState* found = in_identity(*rel.target, key);
  return found && !(found->flags & kDeleted) && found->mapper->is_a(rel.target->slot()) ? found
                                                                                        : nullptr;
}

}  // namespace retort::orm
