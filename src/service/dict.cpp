#include "retort/service/dict.hpp"

#include <algorithm>

#include "held.hpp"
#include "retort/core/base64.hpp"
#include "retort/core/datetime.hpp"
#include "retort/core/error.hpp"
#include "retort/core/json_value.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/relationship.hpp"

namespace retort {
namespace {

using orm::Attribute;
using orm::EntityState;
using orm::Mapper;
using orm::Relationship;
using service::detail::Held;

[[noreturn]] void expected(std::string_view path, const std::string& what, const Dict& got) {
  throw ArgumentError(std::string(path) + ": expected " + what + ", got " +
                      service::detail::shown(got));
}

// Text parsed by `parse`, its rt::DataError turned into a message with the path.
template <class F>
Value parsed(const Dict& json, std::string_view path, const char* what, F parse) {
  if (!json.is_string()) expected(path, what, json);
  try {
    return Value(parse(json.get<std::string>()));
  } catch (const Error& e) {
    throw ArgumentError(std::string(path) + ": expected " + what + ", got " +
                        service::detail::shown(json) + " (" + e.what() + ")");
  }
}

Value json_scalar(const Dict& json, std::string_view path) {
  if (json.is_boolean()) return json.get<bool>();
  if (json.is_number_unsigned()) {
    if (json.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      expected(path, "a number that fits 64 bits", json);
    return static_cast<std::int64_t>(json.get<std::uint64_t>());
  }
  if (json.is_number_integer()) return json.get<std::int64_t>();
  if (json.is_number_float()) return json.get<double>();
  if (json.is_string()) return json.get<std::string>();
  expected(path, "a single value", json);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string key_list(const Mapper& m) {
  std::vector<std::string> names;
  for (const auto& a : m.attributes())
    names.push_back(a->name);
  for (const auto& r : m.relationships())
    names.push_back(r->name);
  return join(names);
}

// ---- to_dict ----

struct Writer {
  const DictOptions& options;
  std::vector<const void*> path;  // objects being written, for the cycle guard

  // prefix: "" for the top object, "roles." below it (for include / exclude).
  bool wanted(const std::string& prefix, const std::string& key) const {
    const std::string full = prefix + key;
    if (std::find(options.exclude.begin(), options.exclude.end(), full) != options.exclude.end())
      return false;
    if (options.include.empty()) return true;
    // A nested key is wanted when it or its relationship is listed, or nothing below the
    // relationship is.
    for (const auto& i : options.include) {
      if (i == full || full.rfind(i + ".", 0) == 0 || i.rfind(full + ".", 0) == 0) return true;
    }
    if (prefix.empty()) return false;
    const std::string parent = prefix.substr(0, prefix.size() - 1);
    return std::none_of(options.include.begin(), options.include.end(),
                        [&](const std::string& i) { return i.rfind(parent + ".", 0) == 0; });
  }

  Dict column(const Mapper& m, const Attribute& a, const void* object) const {
    const Value v = a.get(object);
    auto it = options.adapters.find(m.class_name() + "." + a.name);
    if (it == options.adapters.end()) it = options.adapters.find(a.name);
    return it != options.adapters.end() ? it->second(v) : value_to_json(v, a.type);
  }

  Dict object(const Mapper& m, const void* object, int depth, const std::string& prefix) {
    Dict out = Dict::object();
    for (const auto& a : m.attributes()) {
      if (wanted(prefix, a->name)) out[a->name] = column(m, *a, object);
    }
    if (!options.relationships || depth >= options.max_depth) return out;
    path.push_back(object);
    for (const auto& rel : m.relationships()) {
      if (!wanted(prefix, rel->name)) continue;
      const orm::HandleBase& h = rel->handle(const_cast<void*>(object));
      if (!Relationship::is_loaded(h) || rel->query_backed) continue;  // nothing loaded
      std::vector<EntityState*> items;
      rel->items(h, items);
      const std::string below = prefix + rel->name + ".";
      if (rel->uselist) {
        Dict list = Dict::array();
        for (EntityState* s : items) {
          if (std::find(path.begin(), path.end(), s->object()) != path.end()) continue;
          list.push_back(nested(s, depth, below));
        }
        out[rel->name] = std::move(list);
      } else if (items.empty()) {
        out[rel->name] = nullptr;
      } else if (std::find(path.begin(), path.end(), items.front()->object()) == path.end()) {
        out[rel->name] = nested(items.front(), depth, below);
      }
    }
    path.pop_back();
    return out;
  }

  Dict nested(EntityState* s, int depth, const std::string& prefix) {
    if (s->flags & orm::kExpired) orm::detail::load(s);
    return object(*s->mapper, s->object(), depth + 1, prefix);
  }
};

// ---- update ----

// What a dictionary will do to an object, checked before anything changes.
struct Plan {
  const Mapper* mapper = nullptr;
  std::string path;  // "roles[1]." style prefix of its keys
  std::vector<std::pair<const Attribute*, Value>> columns;
  std::vector<Value> key;  // its primary key values, when the dictionary gives all of them
  struct Related {
    const Relationship* rel;
    std::vector<Plan> items;  // for a many-to-one, none: set to null
  };
  std::vector<Related> relationships;
};

// Deeper nesting than any model needs is hostile input; refusing it keeps the stack safe.
constexpr int kMaxNesting = 64;

Plan plan(Registry& registry, const Mapper& m, const Dict& values, const std::string& path,
          int depth = 0) {
  const std::string where =
      path.empty() ? std::string("the dictionary") : path.substr(0, path.size() - 1);
  if (!values.is_object()) expected(where, "an object", values);
  if (depth > kMaxNesting) {
    throw ArgumentError(where + ": objects nested more than " + std::to_string(kMaxNesting) +
                        " levels deep");
  }
  Plan p;
  p.mapper = &m;
  p.path = path;
  for (const auto& [key, value] : values.items()) {
    const std::string key_path = path + key;
    if (const Attribute* a = m.find(key)) {
      p.columns.emplace_back(a, json_to_value(value, a->type, a->optional, key_path));
    } else if (const Relationship* rel = m.relationship(key)) {
      if (!m.prepared()) registry.prepare(m);
      if (!rel->target) throw MappingError(rel->full_name() + ": its target is not mapped");
      if (rel->query_backed) {
        throw ArgumentError(key_path + ": " + rel->full_name() +
                            " is a query-backed collection; change it with add() and remove()");
      }
      registry.prepare(*rel->target);
      Plan::Related related{rel, {}};
      if (rel->uselist) {
        if (!value.is_array()) expected(key_path, "a list", value);
        for (std::size_t i = 0; i < value.size(); ++i) {
          related.items.push_back(plan(registry, *rel->target, value[i],
                                       key_path + "[" + std::to_string(i) + "].", depth + 1));
        }
      } else if (!value.is_null()) {
        related.items.push_back(plan(registry, *rel->target, value, key_path + ".", depth + 1));
      }
      p.relationships.push_back(std::move(related));
    } else {
      throw ArgumentError(key_path + ": " + m.class_name() + " has no column or relationship '" +
                          key + "'; its keys are: " + key_list(m));
    }
  }
  for (const Attribute* k : m.primary_key()) {
    auto it = std::find_if(p.columns.begin(), p.columns.end(),
                           [k](const auto& c) { return c.first == k; });
    if (it == p.columns.end() || it->second.is_null()) {
      p.key.clear();
      break;
    }
    p.key.push_back(it->second);
  }
  return p;
}

bool has_key(const Mapper& m, const void* object, const std::vector<Value>& key) {
  const auto& pk = m.primary_key();
  for (std::size_t i = 0; i < pk.size(); ++i) {
    if (!(pk[i]->get(object) == pk[i]->type.to_db(key[i]))) return false;
  }
  return true;
}

void apply(const Plan& p, EntityState* state, void* object, std::vector<Held>& made) {
  if (state) orm::detail::touch(state);
  for (const auto& [a, value] : p.columns) {
    try {
      p.mapper->set(object, a->name, value);
    } catch (const Error& e) {
      throw ArgumentError(p.path + a->name + ": " + e.what());
    }
  }
  for (const auto& [rel, items] : p.relationships) {
    orm::HandleBase& h = rel->handle(object);
    std::vector<EntityState*> current;  // what it holds now, loaded or assigned
    rel->items(h, current);
    std::vector<EntityState*> next;
    for (const Plan& item : items) {
      EntityState* found = nullptr;
      if (!item.key.empty()) {
        for (EntityState* c : current) {
          if (has_key(*rel->target, c->object(), item.key)) found = c;
        }
        if (!found && state && state->session) {
          found = state->session->get(*rel->target, item.key);
        }
      }
      if (!found) {
        made.emplace_back(orm::detail::new_object(*rel->target));
        found = made.back().get();
      }
      apply(item, found->session ? found : nullptr, found->object(), made);
      next.push_back(found);
    }
    rel->assign(h, next);
  }
}

}  // namespace

Dict value_to_json(const Value& v, const Type& type) {
  return retort::detail::json_value(v, type.timezone());
}

Value json_to_value(const Dict& json, const Type& type, bool can_be_null, std::string_view path) {
  const TypeKind kind = type.kind();
  const char* what = "a value";
  switch (kind) {
    case TypeKind::integer:
    case TypeKind::big_integer:
    case TypeKind::small_integer:
      what = "an integer";
      break;
    case TypeKind::boolean:
      what = "true or false";
      break;
    case TypeKind::float_:
    case TypeKind::double_:
    case TypeKind::numeric:
      what = "a number";
      break;
    case TypeKind::string:
    case TypeKind::text:
    case TypeKind::enum_:
      what = "a string";
      break;
    case TypeKind::date:
      what = "a date (YYYY-MM-DD)";
      break;
    case TypeKind::datetime:
      what = "a timestamp (ISO 8601)";
      break;
    case TypeKind::time:
      what = "a time (HH:MM:SS)";
      break;
    case TypeKind::large_binary:
      what = "base64 text";
      break;
    case TypeKind::uuid:
      what = "a UUID";
      break;
    default:
      break;
  }
  if (json.is_null()) {
    if (!can_be_null) expected(path, what, json);
    return null;
  }
  switch (kind) {
    case TypeKind::integer:
    case TypeKind::big_integer:
    case TypeKind::small_integer:
      if (!json.is_number_integer()) expected(path, what, json);
      return json_scalar(json, path);
    case TypeKind::boolean:
      if (!json.is_boolean()) expected(path, what, json);
      return json.get<bool>();
    case TypeKind::float_:
    case TypeKind::double_:
      if (json.is_string()) {
        const std::string& s = json.get_ref<const std::string&>();
        if (s == "NaN") return std::nan("");
        if (s == "Infinity") return HUGE_VAL;
        if (s == "-Infinity") return -HUGE_VAL;
      }
      if (!json.is_number()) expected(path, what, json);
      return json.get<double>();
    case TypeKind::numeric: {
      // Text keeps every digit; a JSON number is taken as written.
      std::string text = json.is_string()   ? json.get<std::string>()
                         : json.is_number() ? json.dump()
                                            : "";
      if (!retort::detail::is_decimal_text(text)) expected(path, "a decimal number", json);
      return Decimal{std::move(text)};
    }
    case TypeKind::string:
    case TypeKind::text:
    case TypeKind::enum_:
      if (!json.is_string()) expected(path, what, json);
      return json.get<std::string>();
    case TypeKind::date:
      return parsed(json, path, what, [](const std::string& s) { return parse_date(s); });
    case TypeKind::datetime:
      return parsed(json, path, what, [](const std::string& s) { return parse_timestamp(s); });
    case TypeKind::time:
      return parsed(json, path, what, [](const std::string& s) { return parse_time(s); });
    case TypeKind::large_binary:
      if (!json.is_string()) expected(path, what, json);
      try {
        return base64_decode(json.get<std::string>());
      } catch (const ArgumentError& e) {
        throw ArgumentError(std::string(path) + ": " + e.what());
      }
    case TypeKind::json:
      try {
        return JsonText{json.dump()};
      } catch (const Dict::exception&) {
        throw ArgumentError(std::string(path) + ": holds text that is not valid UTF-8");
      }
    case TypeKind::uuid:
      return parsed(json, path, what, [](const std::string& s) { return Uuid::parse(s); });
    default:
      return json_scalar(json, path);
  }
}

namespace service::detail {

std::string dump(const Dict& dict, int indent) {
  try {
    return dict.dump(indent);
  } catch (const Dict::exception& e) {
    throw DataError(std::string("cannot write JSON: ") + e.what());
  }
}

std::string shown(const Dict& json) {
  // Bytes that are not UTF-8 are shown replaced: a message must not fail to be written.
  std::string text = json.dump(-1, ' ', false, Dict::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

Dict parse(std::string_view text) {
  try {
    return Dict::parse(text);
  } catch (const Dict::exception& e) {
    throw ArgumentError(std::string("not valid JSON: ") + e.what());
  }
}

Registry& registry_of(const orm::EntityState* state, Registry& fallback) {
  return state && state->session ? state->session->registry() : fallback;
}

Dict to_dict(const orm::Mapper& mapper, const void* object, const DictOptions& options) {
  Writer writer{options, {}};
  return writer.object(mapper, object, 0, "");
}

void update(Registry& registry, const orm::Mapper& mapper, orm::EntityState* state, void* object,
            const Dict& values) {
  const Plan p = plan(registry, mapper, values, "");
  std::vector<Held> made;  // new nested objects, freed if applying fails half way
  apply(p, state, object, made);
}

}  // namespace service::detail
}  // namespace retort
