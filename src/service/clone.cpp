#include "retort/service/clone.hpp"

#include <deque>

#include "held.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/relationship.hpp"

namespace retort::service::detail {
namespace {

// state: the original's entity, when it has one (its children are loaded through its
// session). skip: the children's relationship back to the parent being copied, which the
// new parent sets instead.
void copy_object(Registry& registry, const orm::Mapper& mapper, orm::EntityState* state,
                 const void* from, void* to, const CloneOptions& options,
                 const orm::Relationship* skip) {
  mapper.copy_columns(from, to);
  for (const orm::Attribute* a : mapper.primary_key())
    a->reset(to);
  for (const auto& rel : mapper.relationships()) {
    if (rel->query_backed) continue;  // its rows stay with the original
    const orm::HandleBase& source = rel->handle(const_cast<void*>(from));
    const bool owned = rel->direction == orm::Direction::one_to_many && rel->spec.cascade.delete_;
    if (options.children && owned && !orm::Relationship::is_loaded(source) && state &&
        state->session) {
      state->session->load_relationship(state, *rel);
    }
    if (rel.get() == skip || !orm::Relationship::is_loaded(source) || rel->spec.viewonly) continue;
    std::vector<orm::EntityState*> items;
    rel->items(source, items);
    if (rel->direction == orm::Direction::many_to_one) {
      // The same parent: the copy's foreign key says so, and its relationship agrees.
      rel->set_items(rel->handle(to), items);
      continue;
    }
    if (!options.children || !owned) continue;
    registry.prepare(*rel->target);
    std::deque<Held> copies;
    std::vector<orm::EntityState*> states;
    for (orm::EntityState* child : items) {
      if (child->flags & orm::kExpired) orm::detail::load(child);
      copies.emplace_back(orm::detail::new_object(*rel->target));
      orm::EntityState* copy = copies.back().get();
      copy_object(registry, *rel->target, child, child->object(), copy->object(), options,
                  rel->reverse);
      // The new parent sets the foreign key at the flush.
      for (const auto& [parent_attr, child_attr] : rel->pairs)
        child_attr->reset(copy->object());
      states.push_back(copy);
    }
    rel->set_items(rel->handle(to), states);
  }
}

}  // namespace

void clone_into(Registry& registry, const orm::Mapper& mapper, orm::EntityState* state,
                const void* from, void* to, const CloneOptions& options) {
  copy_object(registry, mapper, state, from, to, options, nullptr);
}

}  // namespace retort::service::detail
