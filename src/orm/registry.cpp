#include "retort/orm/registry.hpp"

#include <atomic>

#include "retort/core/error.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/orm/relationship.hpp"

namespace retort {

int orm::next_type_slot() {
  static std::atomic<int> next{0};
  return next++;
}

const orm::Mapper* Registry::find(int slot) const {
  std::lock_guard lock(mutex_);
  return slot < static_cast<int>(mappers_.size()) ? mappers_[slot].get() : nullptr;
}

void Registry::install(int slot, std::shared_ptr<orm::Mapper> mapper, bool if_absent) {
  std::lock_guard configure(prepare_mutex_);
  if (find(slot)) {
    if (if_absent) return;
    throw MappingError(mapper->class_name() + " is already mapped in this registry");
  }
  add_backrefs(*mapper, slot);
  if (mapper->inheritance_) inherit(*mapper);
  mapper->finish(slot);
  std::lock_guard lock(mutex_);
  if (slot < static_cast<int>(mappers_.size()) && mappers_[slot]) {
    if (if_absent) return;
    throw MappingError(mapper->class_name() + " is already mapped in this registry");
  }
  if (const Table* existing = metadata_.find(mapper->table().fullname())) {
    if (!(*existing == mapper->table())) {
      throw MappingError(mapper->class_name() + ": another table named '" +
                         mapper->table().fullname() + "' is already in the registry");
    }
  } else {
    metadata_.add(mapper->table());
  }
  if (slot >= static_cast<int>(mappers_.size())) mappers_.resize(slot + 1);
  mappers_[slot] = std::move(mapper);
}

namespace {

// The other side of a relationship with a backref: its options, pointing back, and the
// association table with its columns the other way round.
std::unique_ptr<orm::Relationship> reverse_of(const orm::Relationship& rel) {
  const orm::BackrefSpec& b = *rel.spec.backref;
  orm::RelationshipSpec spec = b.spec;
  spec.back_populates = rel.name;
  if (spec.secondary.is_null() && !rel.spec.secondary.is_null()) {
    spec.secondary = rel.spec.secondary;
    spec.secondary_local = rel.spec.secondary_remote;
    spec.secondary_remote = rel.spec.secondary_local;
  }
  if (spec.join_on.empty()) {
    for (const auto& [local, remote] : rel.spec.join_on)
      spec.join_on.emplace_back(remote, local);
  }
  spec.viewonly = spec.viewonly || rel.spec.viewonly;
  return b.make(b.name, std::move(spec));
}

}  // namespace

void Registry::add_backref(orm::Mapper& target, Backref backref) {
  const std::string& name = backref.reverse->name;
  const orm::MemberRef& member = backref.spec->member;
  const auto refuse = [&](const std::string& why) {
    throw MappingError(backref.from + ": the backref '" + name +
                       "' cannot be made: " + target.class_name() + why);
  };
  for (const auto& r : target.relationships_) {
    if (r->name == name || r->maps(member.bytes, member.size))
      refuse(" already maps '" + r->name + "' (declare both sides with rt::back_populates)");
  }
  if (target.find(name)) refuse(" has a column of that name");
  target.relationships_.push_back(std::move(backref.reverse));
}

void Registry::add_backrefs(orm::Mapper& mapper, int slot) {
  if (auto it = pending_backrefs_.find(slot); it != pending_backrefs_.end()) {
    auto pending = std::move(it->second);
    pending_backrefs_.erase(it);
    for (auto& backref : pending)
      add_backref(mapper, std::move(backref));
  }
  const std::size_t own = mapper.relationships_.size();
  for (std::size_t i = 0; i < own; ++i) {
    const orm::Relationship& rel = *mapper.relationships_[i];
    if (!rel.spec.backref) continue;
    Backref backref{reverse_of(rel), mapper.class_name() + "." + rel.name, rel.spec.backref};
    const int target_slot = rel.spec.backref->member.type_slot;
    if (target_slot == slot) {
      add_backref(mapper, std::move(backref));
      continue;
    }
    orm::Mapper* target = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (target_slot < static_cast<int>(mappers_.size())) target = mappers_[target_slot].get();
    }
    if (!target) {
      pending_backrefs_[target_slot].push_back(std::move(backref));
      continue;
    }
    // Objects of a class in use (and its subclasses' mappers) know only the relationships
    // it had.
    bool subclassed = false;
    for (const orm::Mapper* m : mappers())
      subclassed = subclassed || (m->inheritance() && m->inheritance()->parent == target);
    if (target->prepared() || subclassed) {
      throw MappingError(backref.from + ": the backref '" + rel.spec.backref->name +
                         "' cannot be added to " + target->class_name() +
                         ", which is in use already: register " + mapper.class_name() +
                         " first (registry.add<" + mapper.class_name() +
                         ">() at start-up), or declare both sides with rt::back_populates");
    }
    add_backref(*target, std::move(backref));
  }
}

void Registry::add_related(const orm::Mapper& mapper) {
  for (const auto& rel : mapper.relationships()) {
    rel->add_target(*this);
    const Table& link = rel->spec.secondary;
    if (link.is_null()) continue;
    std::lock_guard lock(mutex_);
    if (!metadata_.find(link.fullname())) metadata_.add(link);
  }
}

void Registry::unmapped(const std::type_info& type) const {
  throw MappingError(orm::type_name(type) +
                     " is not mapped: add a static mapping() to it or register it with "
                     "registry.add(rt::model<T>(table)...)");
}

std::vector<const orm::Mapper*> Registry::mappers() const {
  std::lock_guard lock(mutex_);
  std::vector<const orm::Mapper*> out;
  for (const auto& m : mappers_) {
    if (m) out.push_back(m.get());
  }
  return out;
}

std::vector<const orm::Mapper*> Registry::flush_order() const {
  const auto all = mappers();
  std::vector<const orm::Mapper*> out;
  for (const auto& table : metadata_.sorted_tables()) {
    for (const auto* m : all) {
      if (m->table() == table) out.push_back(m);
    }
  }
  return out;
}

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace retort
