// Resolving relationships from the mappers' tables, and the handles' out-of-line parts.
#include "retort/orm/relationship.hpp"

#include <algorithm>
#include <cstdint>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/detail/statement_cache.hpp"
#include "retort/orm/inheritance.hpp"

namespace retort::orm {

Mapper::Mapper(std::type_index type, std::string class_name)
    : statements_(std::make_unique<detail::StatementCache>()),
      type_(type),
      class_name_(std::move(class_name)) {}
Mapper::~Mapper() = default;

RelationshipSpec::RelationshipSpec() = default;
RelationshipSpec::RelationshipSpec(const RelationshipSpec& other) = default;
RelationshipSpec::RelationshipSpec(RelationshipSpec&& other) noexcept = default;
RelationshipSpec& RelationshipSpec::operator=(const RelationshipSpec& other) = default;
RelationshipSpec& RelationshipSpec::operator=(RelationshipSpec&& other) noexcept = default;
RelationshipSpec::~RelationshipSpec() = default;

Relationship::Relationship(std::string name_, bool uselist_, RelationshipSpec spec_)
    : name(std::move(name_)), uselist(uselist_), spec(std::move(spec_)) {}
Relationship::Relationship(const Relationship& other) = default;
Relationship::~Relationship() = default;

std::string Relationship::full_name() const {
  return (parent ? parent->class_name() : std::string("?")) + "." + name;
}

const Attribute& MemberRef::resolve(Registry& registry) const {
  const Mapper* m = registry.find(type_slot);
  if (!m) throw MappingError("a relationship option names a member of a struct that is not mapped");
  return m->attribute_for(bytes, size);
}

const Relationship* Mapper::relationship(std::string_view name) const {
  for (const auto& r : relationships_) {
    if (r->name == name) return r.get();
  }
  return nullptr;
}

const Relationship& Mapper::relationship_for(const void* member, std::size_t size) const {
  for (const auto& r : relationships_) {
    if (r->maps(member, size)) return *r;
  }
  throw MappingError("this member of " + class_name_ + " is not a mapped relationship");
}

void HandleBase::ensure_loaded() const {
  if (loaded_ || !rel_ || !owner_) return;  // a new object's handles hold what was put in
  auto& self = const_cast<HandleBase&>(*this);
  if (raise_ || rel_->spec.loading == Loading::raise) {
    throw ObjectStateError(
        rel_->full_name() +
        " is not loaded and its loading strategy is raise: load it with the query, e.g. "
        ".options(rt::selectin(...))");
  }
  if (rel_->spec.loading == Loading::noload) {
    rel_->set_items(self, {});
    return;
  }
  if (!owner_->session) {
    throw ObjectStateError("cannot load " + rel_->full_name() + ": the " +
                           owner_->mapper->class_name() + " object is detached from its session");
  }
  owner_->session->load_relationship(owner_, *rel_);
}

void HandleBase::link(EntityState* other, bool added) const {
  if (!rel_ || !other || !other->object()) return;
  // Save-update cascade: what is put in a relationship of an object in a session joins
  // that session now, as SQLAlchemy's does (so objects are inserted in the order they
  // were added).
  if (added && owner_ && owner_->session && !other->session && rel_->spec.cascade.save_update &&
      !rel_->spec.viewonly) {
    owner_->session->add(other, *rel_->target);
  }
  // And the other way: a new object put in a relationship to an object in a session joins
  // it through the other side's cascade, whether or not that side is loaded.
  if (added && owner_ && !owner_->session && other->session && rel_->reverse &&
      rel_->reverse->spec.cascade.save_update && !rel_->reverse->spec.viewonly &&
      !rel_->spec.viewonly) {
    other->session->add(owner_, owner_->mapper ? *owner_->mapper : *rel_->parent);
  }
  if (!rel_->reverse) return;
  HandleBase& theirs = rel_->reverse->handle(other->object());
  if (added) {
    rel_->reverse->link_add(theirs, owner_);
  } else {
    rel_->reverse->link_remove(theirs, owner_);
  }
}

void HandleBase::changed() const {
  if (owner_) detail::mark_changed(owner_);
}

EntityState* HandleBase::loaded_target_state() const {
  return rel_ && owner_ && owner_->session ? owner_->session->loaded_target(owner_, *rel_)
                                           : nullptr;
}

void HandleBase::left(EntityState* child) const {
  if (!rel_ || rel_->spec.viewonly) return;
  // The parent's collection: `child` left it. The child's many-to-one: `child` is its
  // owner, which left the parent.
  const Relationship* parents = rel_->direction == Direction::one_to_many ? rel_ : rel_->reverse;
  if (!parents || !child || parents->direction != Direction::one_to_many ||
      !parents->spec.cascade.delete_orphan || !child->session || parents->child_has_parent(child))
    return;
  if (child->flags & kPending)
    child->session->remove(child);
  else if (child->flags & kPersistent)
    child->session->left_parent(*parents, child);
}

bool HandleBase::may_hold(EntityState* item) const {
  return !rel_ || !owner_ || rel_->may_hold(owner_, item);
}

bool Relationship::may_hold(const EntityState* owner, EntityState* item) const {
  if (direction != Direction::one_to_many || !item->object()) return true;
  if (reverse) {
    const HandleBase& h = reverse->handle(item->object());
    if (is_loaded(h)) {
      std::vector<EntityState*> parents;
      reverse->items(h, parents);
      return !parents.empty() && parents.front() == owner;
    }
  }
  if (item->flags & kExpired) detail::load(item);
  return std::all_of(pairs.begin(), pairs.end(), [&](const auto& pair) {
    return pair.second->get(item->object()) == pair.first->get(owner->object());
  });
}

void Relationship::query_backed_assigned() const {
  throw ArgumentError(full_name() +
                      " is a query-backed collection: change it with add() and remove()");
}

bool Relationship::child_has_parent(const EntityState* child) const {
  if (!reverse || !child->object()) return false;
  const HandleBase& h = reverse->handle(child->object());
  if (!is_loaded(h)) return false;
  std::vector<EntityState*> parents;
  reverse->items(h, parents);
  return std::any_of(parents.begin(), parents.end(),
                     [](const EntityState* p) { return !(p->flags & kDeleted); });
}

EntityState* detail::new_object(const Mapper& mapper) {
  EntityState* state = mapper.new_entity();
  state->mapper = &mapper;
  for (const auto& rel : mapper.relationships())
    rel->bind(state->object(), state, true);
  return state;
}

void detail::bind_new(EntityState* state, int type_slot) {
  Registry& r = registry();
  const Mapper* m = r.find(type_slot);
  if (!m) return;
  // The object's own class: a relationship or add() through a base class must not make
  // a subclass object a base one.
  state->mapper = m;
  if (m->relationships().empty()) return;
  if (!m->prepared()) r.prepare(*m);
  for (const auto& rel : m->relationships())
    rel->bind(state->object(), state, true);
  // What the initializer put in the relationships learns of the new object on its side
  // of back_populates, so that adding either side to a session reaches the other.
  for (const auto& rel : m->relationships()) {
    if (!rel->reverse || rel->spec.viewonly) continue;
    std::vector<EntityState*> items;
    rel->items(rel->handle(state->object()), items);
    for (EntityState* item : items)
      rel->back_populate(rel->handle(state->object()), item);
  }
}

}  // namespace retort::orm

namespace retort {
namespace {

using orm::Attribute;
using orm::Direction;
using orm::Mapper;
using orm::Relationship;

const Attribute& mapped(const Mapper& m, const std::string& column, const Relationship& rel) {
  if (const Attribute* a = m.find(column)) return *a;
  throw MappingError(rel.full_name() + ": column " + m.table().fullname() + "." + column +
                     " takes part in the relationship but is not mapped to a member");
}

std::vector<const ForeignKeyConstraint*> foreign_keys(const Table& from, const std::string& to) {
  std::vector<const ForeignKeyConstraint*> out;
  for (const auto& fk : from.foreign_keys()) {
    if (fk.referred_table == to) out.push_back(&fk);
  }
  return out;
}

bool same_attributes(const std::vector<const Attribute*>& a,
                     const std::vector<const Attribute*>& b) {
  if (a.size() != b.size()) return false;
  for (const Attribute* x : a) {
    if (std::find(b.begin(), b.end(), x) == b.end()) return false;
  }
  return true;
}

// Association columns pointing at `side`: named, or the association table's foreign keys.
std::vector<std::pair<const Attribute*, std::string>> association(const Table& secondary,
                                                                  const Mapper& side,
                                                                  const std::string& named,
                                                                  const Relationship& rel) {
  std::vector<std::pair<const Attribute*, std::string>> out;
  for (const auto& fk : secondary.foreign_keys()) {
    if (fk.referred_table != side.table().fullname()) continue;
    if (!named.empty() &&
        std::find(fk.columns.begin(), fk.columns.end(), named) == fk.columns.end())
      continue;
    if (!out.empty()) {
      throw MappingError(
          rel.full_name() + ": the association table " + secondary.fullname() + " refers to " +
          side.table().fullname() +
          " more than once; name its columns: rt::secondary(table, \"local_id\", \"remote_id\")");
    }
    for (std::size_t i = 0; i < fk.columns.size(); ++i) {
      out.emplace_back(&mapped(side, fk.referred_columns[i], rel), fk.columns[i]);
    }
  }
  if (out.empty()) {
    throw MappingError(rel.full_name() + ": the association table " + secondary.fullname() +
                       " has no foreign key to " + side.table().fullname() +
                       (named.empty() ? "" : " in column " + named));
  }
  return out;
}

// A relationship whose columns the user named with rt::join_on(...).
void resolve_join_on(Relationship& rel, const Mapper& parent, Registry& registry) {
  std::vector<const Attribute*> local, remote;
  for (const auto& [l, r] : rel.spec.join_on) {
    local.push_back(&l.resolve(registry));
    remote.push_back(&r.resolve(registry));
    rel.pairs.emplace_back(local.back(), remote.back());
  }
  if (same_attributes(remote, rel.target->primary_key()) &&
      !(rel.uselist && same_attributes(local, parent.primary_key()))) {
    rel.direction = Direction::many_to_one;
  } else if (same_attributes(local, parent.primary_key())) {
    rel.direction = Direction::one_to_many;
  } else {
    rel.direction = rel.uselist ? Direction::one_to_many : Direction::many_to_one;
  }
}

// A relationship joined through the one foreign key between the two tables.
void resolve_foreign_key(Relationship& rel, const Mapper& parent, Registry& registry) {
  const Mapper& target = *rel.target;
  const Table& p = parent.table();
  const Table& t = target.table();
  const auto outgoing = foreign_keys(p, t.fullname());
  const auto incoming = foreign_keys(t, p.fullname());
  const ForeignKeyConstraint* fk = nullptr;
  if (&parent == &target) {
    if (outgoing.size() != 1) {
      throw MappingError(rel.full_name() + ": " + std::to_string(outgoing.size()) +
                         " foreign keys join " + p.name() + " to itself; give rt::join_on(...)");
    }
    fk = outgoing.front();
    bool many_to_one = !rel.uselist;
    if (!rel.spec.remote_side.empty()) {
      std::vector<const Attribute*> remote;
      for (const auto& m : rel.spec.remote_side)
        remote.push_back(&m.resolve(registry));
      std::vector<const Attribute*> referred;
      for (const auto& c : fk->referred_columns)
        referred.push_back(&mapped(target, c, rel));
      many_to_one = same_attributes(remote, referred);
    }
    rel.direction = many_to_one ? Direction::many_to_one : Direction::one_to_many;
  } else if (outgoing.size() == 1 && incoming.empty()) {
    fk = outgoing.front();
    rel.direction = Direction::many_to_one;
  } else if (incoming.size() == 1 && outgoing.empty()) {
    fk = incoming.front();
    rel.direction = Direction::one_to_many;
  } else {
    throw MappingError(rel.full_name() + ": " + std::to_string(outgoing.size() + incoming.size()) +
                       " foreign keys join " + p.name() + " and " + t.name() +
                       "; say which columns with rt::join_on(&Local::column, &Remote::column)");
  }
  for (std::size_t i = 0; i < fk->columns.size(); ++i) {
    if (rel.direction == Direction::many_to_one) {
      rel.pairs.emplace_back(&mapped(parent, fk->columns[i], rel),
                             &mapped(target, fk->referred_columns[i], rel));
    } else {
      rel.pairs.emplace_back(&mapped(parent, fk->referred_columns[i], rel),
                             &mapped(target, fk->columns[i], rel));
    }
  }
}

void resolve(Relationship& rel, const Mapper& parent, Registry& registry) {
  rel.parent = &parent;
  rel.target = &rel.find_target(registry);
  const Mapper& target = *rel.target;
  rel.pairs.clear();
  rel.secondary_local.clear();
  rel.secondary_remote.clear();
  const auto& spec = rel.spec;
  if (!spec.secondary.is_null()) {
    rel.direction = Direction::many_to_many;
    if (&parent == &target && (spec.secondary_local.empty() || spec.secondary_remote.empty())) {
      throw MappingError(rel.full_name() +
                         ": a self-referential many-to-many names its association columns: "
                         "rt::secondary(table, \"local_id\", \"remote_id\")");
    }
    rel.secondary_local = association(spec.secondary, parent, spec.secondary_local, rel);
    rel.secondary_remote = association(spec.secondary, target, spec.secondary_remote, rel);
  } else if (!spec.join_on.empty()) {
    resolve_join_on(rel, parent, registry);
  } else {
    resolve_foreign_key(rel, parent, registry);
  }
  if (rel.query_backed && rel.direction == Direction::many_to_one) {
    throw MappingError(rel.full_name() +
                       " leads to one object: a query-backed collection is one-to-many or "
                       "many-to-many");
  }
  if (rel.query_backed && spec.loading != orm::Loading::lazy) {
    throw MappingError(rel.full_name() +
                       " is a query-backed collection: it loads no objects, so it takes no "
                       "loading strategy");
  }
  rel.order_by.clear();
  for (const auto& [member, descending] : spec.order_by)
    rel.order_by.emplace_back(&member.resolve(registry), descending);
  rel.reverse = nullptr;
  if (!spec.back_populates.empty()) {
    rel.reverse = target.relationship(spec.back_populates);
    if (!rel.reverse) {
      throw MappingError(rel.full_name() + ": back_populates names '" + spec.back_populates +
                         "', which " + target.class_name() + " does not declare");
    }
  }
  rel.resolved = true;
}

}  // namespace

void Registry::prepare(const orm::Mapper& mapper) {
  std::lock_guard lock(prepare_mutex_);
  if (mapper.prepared()) return;
  for (const auto& rel : mapper.relationships()) {
    if (const Relationship* base = rel->inherited_from) {
      // The base's resolution holds for the subclass's objects (they are the base's at
      // the same address); only the owning mapper differs.
      if (!base->resolved) prepare(*mapper.inheritance()->parent);
      // A concrete class's rows are not in its base's table: a collection keyed on that
      // table would hold the rows of another object with the same key.
      if (mapper.inheritance()->concrete && base->direction != orm::Direction::many_to_one) {
        throw MappingError(mapper.class_name() + "." + rel->name + ": " + mapper.class_name() +
                           " is a concrete-table class, and this relationship of its base " +
                           base->parent->class_name() +
                           " is keyed on the base's table; declare it on " + mapper.class_name() +
                           " with its own columns");
      }
      const Mapper* own = &mapper;
      auto& r = *rel;
      r.target = base->target;
      r.direction = base->direction;
      r.pairs = base->pairs;
      r.secondary_local = base->secondary_local;
      r.secondary_remote = base->secondary_remote;
      r.order_by = base->order_by;
      r.reverse = base->reverse;
      r.parent = own;
      r.resolved = true;
    } else {
      resolve(*rel, mapper, *this);
    }
  }
  prepare_inheritance(mapper);
  const_cast<orm::Mapper&>(mapper).prepared_.store(true, std::memory_order_release);
  // Objects reached through relationships need their mappers ready too.
  for (const auto& rel : mapper.relationships()) {
    if (!rel->target->prepared()) prepare(*rel->target);
  }
}

}  // namespace retort

namespace retort::orm {

namespace {

// Entities are word-aligned: the low bits carry no information.
std::size_t slot_of(const EntityState* state, std::size_t mask) {
  auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(state) >> 3);
  h *= 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>(h >> 32) & mask;
}
const EntityState* index_tombstone() {
  return reinterpret_cast<const EntityState*>(std::uintptr_t{8});
}

}  // namespace

CollectionIndex::CollectionIndex() = default;
CollectionIndex::~CollectionIndex() = default;

void CollectionIndex::insert(const EntityState* state) {
  if ((used_ + 1) * 4 > slots_.size() * 3) grow();
  const std::size_t mask = slots_.size() - 1;
  const EntityState** free = nullptr;
  for (std::size_t i = slot_of(state, mask);; i = (i + 1) & mask) {
    const EntityState*& s = slots_[i];
    if (s == state) return;
    if (s == index_tombstone()) {
      if (!free) free = &s;
    } else if (!s) {
      if (!free) {
        free = &s;
        ++used_;
      }
      *free = state;
      ++size_;
      return;
    }
  }
}

void CollectionIndex::erase(const EntityState* state) {
  if (slots_.empty()) return;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(state, mask); slots_[i]; i = (i + 1) & mask) {
    if (slots_[i] == state) {
      slots_[i] = index_tombstone();
      --size_;
      return;
    }
  }
}

bool CollectionIndex::contains(const EntityState* state) const {
  if (slots_.empty()) return false;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(state, mask); slots_[i]; i = (i + 1) & mask) {
    if (slots_[i] == state) return true;
  }
  return false;
}

void CollectionIndex::grow() {
  // Double while live entries fill more than a third; otherwise only drop tombstones.
  std::size_t capacity = slots_.empty() ? 64 : slots_.size();
  while ((size_ + 1) * 3 > capacity)
    capacity *= 2;
  std::vector<const EntityState*> old = std::move(slots_);
  slots_.assign(capacity, nullptr);
  const std::size_t mask = capacity - 1;
  for (const EntityState* s : old) {
    if (!s || s == index_tombstone()) continue;
    std::size_t i = slot_of(s, mask);
    while (slots_[i])
      i = (i + 1) & mask;
    slots_[i] = s;
  }
  used_ = size_;
}

}  // namespace retort::orm

namespace retort {

void apply(orm::RelationshipSpec& s, const BackPopulates& o) {
  s.back_populates = o.name;
}
void apply(orm::RelationshipSpec& s, const JoinOn& j) {
  s.join_on.emplace_back(j.local, j.remote);
}
void apply(orm::RelationshipSpec& s, const Secondary& o) {
  s.secondary = o.table;
  s.secondary_local = o.local;
  s.secondary_remote = o.remote;
}
void apply(orm::RelationshipSpec& s, const RemoteSide& o) {
  s.remote_side.push_back(o.member);
}
void apply(orm::RelationshipSpec& s, const OrderBy& o) {
  s.order_by.emplace_back(o.member, o.descending);
}

}  // namespace retort
