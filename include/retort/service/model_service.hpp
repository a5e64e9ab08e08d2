// rt::ModelService<T>: sqlservice's model helpers (db.User.save(...)), through
// db.model<User>().
//
//   auto users = db.model<User>();
//   rt::Ref<User> jenny = users.save({{"name", "Jenny"}, {"phone", "555-867-5309"}});
//   users.save(User{.id = 1, .name = "Jenny"});   // the same row: an UPDATE, same object
//   users.get(1);  users.find_one({{"name", "Jenny"}});
//   users.find(rt::c(&User::name).like("J%"), {.order_by = {rt::c(&User::id).desc()}});
//   users.paginate(2, 20);                          // items, total, pages, next/prev
//   users.destroy(jenny);  users.destroy(1);  users.destroy(rt::to_dict(jenny));
//
// Each writing helper runs in a transaction scope of the database (it joins one that is
// open, else commits at its end), on this thread's session, and returns the session's
// objects.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "retort/orm/query.hpp"
#include "retort/orm/session.hpp"
#include "retort/service/dict.hpp"

namespace retort {

class Database;

// Which rows: a condition, or a dictionary of column values that must all match.
class Criteria {
 public:
  Criteria() = default;
  Criteria(sql::Expr<bool> condition) : condition_(std::move(condition)) {}
  Criteria(Dict equal) : equal_(std::move(equal)) {}
  // find({{"name", "Jenny"}, {"email", ""}})
  Criteria(std::initializer_list<std::pair<const std::string, Dict>> equal) {
    for (const auto& [key, value] : equal)
      equal_[key] = value;
  }
  // The condition for the mapper's table; nullopt for all rows.
  std::optional<sql::Expr<bool>> condition(const orm::Mapper& mapper) const;

 private:
  std::optional<sql::Expr<bool>> condition_;
  Dict equal_;
};

struct FindOptions {
  std::vector<sql::OrderBy> order_by{};
  std::optional<std::int64_t> limit{};
  std::optional<std::int64_t> offset{};
};

struct SaveOptions {
  // Let the database decide: INSERT ... ON CONFLICT (primary key) DO UPDATE for objects
  // with a key, one statement per batch, then the rows are read back into the session.
  // Only columns are written this way (not relationships, nor mapper events but on_set).
  bool on_conflict = false;
};

template <class T>
struct Page {
  std::vector<Ref<T>> items;
  std::int64_t page = 1;
  std::int64_t per_page = 0;
  std::int64_t total = 0;
  std::int64_t pages = 0;
  bool has_prev() const { return page > 1; }
  bool has_next() const { return page < pages; }
  std::optional<std::int64_t> prev_num() const {
    return has_prev() ? std::optional(page - 1) : std::nullopt;
  }
  std::optional<std::int64_t> next_num() const {
    return has_next() ? std::optional(page + 1) : std::nullopt;
  }
};

namespace service::detail {
// The object's primary key values when every key member is set, else empty.
std::vector<Value> key_values(const orm::Mapper& mapper, const void* object);
// pk IN (...) (or (a = ? AND b = ?) OR ... for composite keys).
sql::Expr<bool> key_condition(const orm::Mapper& mapper,
                              const std::vector<std::vector<Value>>& keys);
// The primary key from a dictionary; rt::ArgumentError when a key column is missing.
std::vector<Value> key_from_dict(const orm::Mapper& mapper, const Dict& values);
// Copies the columns, and the relationships that src has loaded, onto a tracked object.
void merge_into(const orm::Mapper& mapper, orm::EntityState* target, void* source);
// The database-side upsert of objects that all have keys.
void upsert_rows(Session& session, const orm::Mapper& mapper, const std::vector<void*>& objects);
// After rows were inserted with their generated key given: the key's sequence moves past
// them (so that the next generated key does not collide).
void sync_generated_key(Session& session, const orm::Mapper& mapper);
std::int64_t pages(std::int64_t total, std::int64_t per_page);
// How many keys go into one SELECT.
inline constexpr std::size_t kKeyBatch = 500;
}  // namespace service::detail

template <class T>
class ModelService {
 public:
  explicit ModelService(Database& db) : db_(&db) {}

  const orm::Mapper& mapper() const;
  Session& session() const;
  Query<T> query() const { return session().template query<T>(); }

  // Upserts on the primary key: one SELECT per batch of keys, then an UPDATE of the rows
  // found (the session's objects, which are returned) and an INSERT of the others. Two
  // sessions that save the same new key at once both see no row: one of them gets
  // rt::IntegrityError. Where that can happen, save with {.on_conflict = true}.
  Ref<T> save(T object, SaveOptions options = {}) {
    std::vector<T> one;
    one.push_back(std::move(object));
    return save(std::move(one), options).front();
  }
  // A dictionary as rt::from_dict<T> reads it.
  Ref<T> save(const Dict& values, SaveOptions options = {}) {
    return save(from_dict<T>(values, registry()), options);
  }
  Ref<T> save(const Ref<T>& object) {
    transact([&] { session().add(object); });
    return object;
  }
  std::vector<Ref<T>> save(std::vector<T> objects, SaveOptions options = {});

  template <class... Key>
  Ref<T> get(const Key&... key) const {
    return session().template get<T>(key...);
  }
  std::vector<Ref<T>> find(const Criteria& where = {}, const FindOptions& options = {}) const {
    return select(where, options).all();
  }
  // The first match, or a null Ref.
  Ref<T> find_one(const Criteria& where = {}, const FindOptions& options = {}) const {
    return select(where, options).first();
  }
  Ref<T> first(const Criteria& where = {}, const FindOptions& options = {}) const {
    return find_one(where, options);
  }
  // Exactly one match: rt::NoResultError or rt::MultipleResultsError otherwise.
  Ref<T> one(const Criteria& where = {}) const { return select(where, {}).one(); }
  std::int64_t count(const Criteria& where = {}) const { return select(where, {}).count(); }
  // Page `page` (from 1) of per_page items.
  Page<T> paginate(std::int64_t page, std::int64_t per_page, const Criteria& where = {},
                   const FindOptions& options = {}) const;

  // Deletes rows (with the ORM's cascades) and returns how many went. By objects, by
  // primary keys, or by dictionaries holding the primary key.
  std::int64_t destroy(const Ref<T>& object) { return destroy(std::vector<Ref<T>>{object}); }
  std::int64_t destroy(const std::vector<Ref<T>>& objects);
  std::int64_t destroy(const Dict& values) { return destroy(std::vector<Dict>{values}); }
  std::int64_t destroy(const std::vector<Dict>& values) {
    std::vector<std::vector<Value>> keys;
    for (const auto& v : values)
      keys.push_back(service::detail::key_from_dict(mapper(), v));
    return destroy_keys(keys);
  }
  template <class K>
  std::int64_t destroy(const K& key) {
    return destroy_keys({{sql::detail::to_value(key)}});
  }
  template <class K>
  std::int64_t destroy(const std::vector<K>& keys) {
    std::vector<std::vector<Value>> all;
    for (const auto& k : keys)
      all.push_back({sql::detail::to_value(k)});
    return destroy_keys(all);
  }

 private:
  Registry& registry() const;
  template <class F>
  decltype(auto) transact(F&& fn) const;
  Query<T> select(const Criteria& where, const FindOptions& options) const {
    Query<T> q = query();
    if (auto c = where.condition(mapper())) q = q.where(*c);
    for (const auto& o : options.order_by)
      q = q.order_by(o);
    if (options.limit) q = q.limit(*options.limit);
    if (options.offset) q = q.offset(*options.offset);
    return q;
  }
  // The session's objects of these keys that have rows.
  std::vector<Ref<T>> load(const std::vector<std::vector<Value>>& keys) const {
    std::vector<Ref<T>> out;
    for (std::size_t i = 0; i < keys.size(); i += service::detail::kKeyBatch) {
      const std::vector<std::vector<Value>> chunk(
          keys.begin() + static_cast<std::ptrdiff_t>(i),
          keys.begin() +
              static_cast<std::ptrdiff_t>(std::min(keys.size(), i + service::detail::kKeyBatch)));
      for (auto& r : query().where(service::detail::key_condition(mapper(), chunk)).all())
        out.push_back(std::move(r));
    }
    return out;
  }
  std::int64_t destroy_keys(const std::vector<std::vector<Value>>& keys);

  Database* db_;
};

}  // namespace retort

#include "retort/service/database.hpp"

namespace retort {

template <class T>
const orm::Mapper& ModelService<T>::mapper() const {
  return db_->registry().template mapper<T>();
}
template <class T>
Session& ModelService<T>::session() const {
  return db_->session();
}
template <class T>
Registry& ModelService<T>::registry() const {
  return db_->registry();
}
template <class T>
template <class F>
decltype(auto) ModelService<T>::transact(F&& fn) const {
  return db_->transaction(std::forward<F>(fn));
}

template <class T>
std::vector<Ref<T>> ModelService<T>::save(std::vector<T> objects, SaveOptions options) {
  return transact([&] {
    Session& s = session();
    const orm::Mapper& m = mapper();
    std::vector<Ref<T>> out(objects.size());
    bool inserted_keys = false;
    std::vector<std::vector<Value>> keys;
    std::vector<std::size_t> keyed;
    for (std::size_t i = 0; i < objects.size(); ++i) {
      auto key = service::detail::key_values(m, &objects[i]);
      if (key.empty()) continue;
      keys.push_back(std::move(key));
      keyed.push_back(i);
    }
    if (options.on_conflict && !keyed.empty()) {
      // A key given twice is written once, with the last object's values.
      std::vector<void*> rows;
      std::vector<std::string> seen;
      std::string k;
      for (std::size_t j = keyed.size(); j-- > 0;) {
        m.key_of(&objects[keyed[j]], k);
        if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
        seen.push_back(k);
        rows.push_back(&objects[keyed[j]]);
      }
      service::detail::upsert_rows(s, m, rows);
      service::detail::sync_generated_key(s, m);
      auto loaded =
          query().where(service::detail::key_condition(m, keys)).populate_existing().all();
      std::string want, have;
      for (std::size_t i : keyed) {
        m.key_of(&objects[i], want);
        for (const auto& r : loaded) {
          m.key_of(r.peek(), have);
          if (have == want) out[i] = r;
        }
      }
    } else if (!keyed.empty()) {
      // Existing rows by key, and the objects this batch adds, so that a key given twice
      // updates one object.
      std::vector<std::pair<std::string, Ref<T>>> known;
      for (auto& r : load(keys)) {
        std::string k;
        m.key_of(r.peek(), k);
        known.emplace_back(std::move(k), std::move(r));
      }
      std::string k;
      for (std::size_t i : keyed) {
        m.key_of(&objects[i], k);
        auto it =
            std::find_if(known.begin(), known.end(), [&](const auto& e) { return e.first == k; });
        if (it != known.end()) {
          service::detail::merge_into(m, it->second.state(), &objects[i]);
          out[i] = it->second;
        } else {
          out[i] = s.add(std::move(objects[i]));
          known.emplace_back(k, out[i]);
          inserted_keys = true;
        }
      }
    }
    // New rows with their keys given go first, so that the keys generated for the others
    // come after them.
    if (inserted_keys) {
      s.flush();
      service::detail::sync_generated_key(s, m);
    }
    for (std::size_t i = 0; i < objects.size(); ++i) {
      if (!out[i]) out[i] = s.add(std::move(objects[i]));
    }
    s.flush();
    return out;
  });
}

template <class T>
Page<T> ModelService<T>::paginate(std::int64_t page, std::int64_t per_page, const Criteria& where,
                                  const FindOptions& options) const {
  if (page < 1 || per_page < 1)
    throw ArgumentError("paginate: page and per_page start at 1 (got page " + std::to_string(page) +
                        ", per_page " + std::to_string(per_page) + ")");
  Page<T> out;
  out.page = page;
  out.per_page = per_page;
  out.total = count(where);
  out.pages = service::detail::pages(out.total, per_page);
  FindOptions slice = options;
  slice.limit = per_page;
  slice.offset = (page - 1) * per_page;
  out.items = find(where, slice);
  return out;
}

template <class T>
std::int64_t ModelService<T>::destroy(const std::vector<Ref<T>>& objects) {
  return transact([&] {
    Session& s = session();
    std::int64_t n = 0;
    for (const auto& o : objects) {
      if (!o || !(o.state()->flags & orm::kPersistent)) continue;
      s.delete_(o);
      ++n;
    }
    s.flush();
    return n;
  });
}

template <class T>
std::int64_t ModelService<T>::destroy_keys(const std::vector<std::vector<Value>>& keys) {
  return transact([&] {
    Session& s = session();
    const auto found = load(keys);
    for (const auto& o : found)
      s.delete_(o);
    s.flush();
    return static_cast<std::int64_t>(found.size());
  });
}

}  // namespace retort
