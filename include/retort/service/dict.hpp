// Mapped objects as dictionaries and JSON, and back (sqlservice's to_dict() and update()).
//
//   rt::Dict d = rt::to_dict(user);            // {"id": 1, "name": "Jenny", ...}
//   rt::to_dict(user, {.relationships = true}) // with the loaded relationships, nested
//   std::string text = rt::to_json(user);
//   rt::update(user, rt::Dict::parse(body));   // columns, then relationships
//   User made = rt::from_dict<User>({{"name", "Jenny"}, {"phone", "555-867-5309"}});
//
// Keys are the column names and relationship names, in mapping order. Values follow the
// column type: dates, times and timestamps as ISO 8601 text, decimals as strings (no
// rounding), blobs as base64, UUIDs as text, JSON columns as the document itself, NaN and
// infinities as "NaN", "Infinity", "-Infinity". Reading goes the same way back, and
// refuses what does not fit with the path of the key:
//   roles[1].role: expected a string, got 3
// update() checks the whole dictionary before it changes anything. Columns go through
// their on_set hooks. A nested object with a primary key is the one the object already
// holds with that key, else (for an object in a session) the session's object of that key,
// else a new one; an object without a key is new. A collection becomes exactly the listed
// objects (those left out are removed, as assigning the member does).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "retort/orm/ref.hpp"
#include "retort/orm/registry.hpp"

namespace retort {

// A dictionary keeps the order of its keys, as a Python dict.
using Dict = nlohmann::ordered_json;

struct DictOptions {
  // Include relationships that are loaded (an unloaded one is left out, never loaded).
  bool relationships = false;
  // Levels of relationships below the object; deeper ones are left out.
  int max_depth = 3;
  // Only these keys of the top object (empty: all); nested objects use "name.key".
  std::vector<std::string> include{};
  // Leave these keys out; "roles.user_id" leaves out a key of the nested objects.
  std::vector<std::string> exclude{};
  // Conversions of one column's values, by column name ("created_at") or by class and
  // column ("User.created_at"), in place of the default one.
  std::map<std::string, std::function<Dict(const Value&)>, std::less<>> adapters{};
};

// The default conversion of a column value for JSON (see above).
Dict value_to_json(const Value& value, const Type& type);
// The way back for a column of this type; rt::ArgumentError names `path`.
Value json_to_value(const Dict& json, const Type& type, bool can_be_null, std::string_view path);

namespace service::detail {
// The registry of the session the object is in, else `fallback`.
Registry& registry_of(const orm::EntityState* state, Registry& fallback);
std::string dump(const Dict& dict, int indent = -1);
// A short rendering of a value for messages.
std::string shown(const Dict& json);
Dict parse(std::string_view text);
Dict to_dict(const orm::Mapper& mapper, const void* object, const DictOptions& options);
// state: the object's entity when it has one (tracked objects), else nullptr.
void update(Registry& registry, const orm::Mapper& mapper, orm::EntityState* state, void* object,
            const Dict& values);
}  // namespace service::detail

template <class T>
Dict to_dict(const T& object, const DictOptions& options = {},
             Registry& registry = retort::registry()) {
  return service::detail::to_dict(registry.mapper<T>(), &object, options);
}
// A tracked object: with its session's registry.
template <class T>
Dict to_dict(const Ref<T>& object, const DictOptions& options = {},
             Registry& registry = retort::registry()) {
  const T& value = *object;
  return to_dict(value, options, service::detail::registry_of(object.state(), registry));
}
// On one line (pretty-print with to_dict(...).dump(2)); rt::DataError for text that is not
// valid UTF-8, which JSON cannot carry.
template <class T>
std::string to_json(const T& object, const DictOptions& options = {},
                    Registry& registry = retort::registry()) {
  return service::detail::dump(to_dict(object, options, registry));
}

template <class T>
void update(T& object, const Dict& values, Registry& registry = retort::registry()) {
  service::detail::update(registry, registry.mapper<T>(), nullptr, &object, values);
}
template <class T>
void update(Ref<T>& object, const Dict& values, Registry& registry = retort::registry()) {
  T* target = object.get();  // reloads an expired object; the flush will compare it
  Registry& r = service::detail::registry_of(object.state(), registry);
  service::detail::update(r, r.mapper<T>(), object.state(), target, values);
}

template <class T>
T from_dict(const Dict& values, Registry& registry = retort::registry()) {
  T object{};
  update(object, values, registry);
  return object;
}
// rt::ArgumentError for text that is not JSON.
template <class T>
T from_json(std::string_view text, Registry& registry = retort::registry()) {
  return from_dict<T>(service::detail::parse(text), registry);
}

}  // namespace retort
