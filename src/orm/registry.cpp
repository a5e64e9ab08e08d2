#include "retort/orm/registry.hpp"

#include <atomic>

#include "retort/core/error.hpp"
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
  if (find(slot)) {
    if (if_absent) return;
    throw MappingError(mapper->class_name() + " is already mapped in this registry");
  }
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
