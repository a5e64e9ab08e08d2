// rt::clone: a copy of a mapped object without its primary key, ready to be added as a new
// row (the SQLAlchemy notes' clone_model).
//
//   User copy = rt::clone(*jenny, {{"email", "jenny2@example.com"}});
//   session.add(std::move(copy));                       // a new row, a new key
//   Order again = rt::clone(order, {}, {.children = true});   // with copies of its lines
//
// Every mapped column but the primary key is copied (foreign keys too, so a copy has the
// same parents); the original is left as it was. Overrides are set afterwards as
// rt::update() sets them (through on_set hooks, with the same errors). With children, the
// objects of one-to-many relationships that cascade deletes (the parent owns them) are
// copied too, recursively, without their keys or their foreign key to the original.
#pragma once

#include "retort/service/dict.hpp"

namespace retort {

struct CloneOptions {
  bool children = false;
};

namespace service::detail {
// state: the original's entity when it is tracked (children not loaded yet are loaded).
void clone_into(Registry& registry, const orm::Mapper& mapper, orm::EntityState* state,
                const void* from, void* to, const CloneOptions& options);
}  // namespace service::detail

namespace service::detail {
template <class T>
T clone(Registry& registry, orm::EntityState* state, const T& object, const Dict& overrides,
        const CloneOptions& options) {
  T copy{};
  clone_into(registry, registry.mapper<T>(), state, &object, &copy, options);
  if (!overrides.is_null()) update(copy, overrides, registry);
  return copy;
}
}  // namespace service::detail

template <class T>
T clone(const T& object, const Dict& overrides = {}, const CloneOptions& options = {},
        Registry& registry = retort::registry()) {
  return service::detail::clone(registry, nullptr, object, overrides, options);
}
// A tracked object: with its session's registry, loading the children it copies.
template <class T>
T clone(const Ref<T>& object, const Dict& overrides = {}, const CloneOptions& options = {},
        Registry& registry = retort::registry()) {
  const T& value = *object;
  return service::detail::clone(service::detail::registry_of(object.state(), registry),
                                object.state(), value, overrides, options);
}

}  // namespace retort
