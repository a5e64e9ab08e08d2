// Rows into objects: a row through the identity map (load), a whole result in the
// driver's loop (load_rows), an object by key (get), reading an expired object again
// (reload, refresh).
#include <utility>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::orm {

namespace {
[[noreturn, gnu::cold]] void unreadable(const Mapper& mapper, std::size_t at, const Error& e) {
  throw MappingError(mapper.class_name() + "." + mapper.attributes()[at]->name + ": " + e.what());
}
}  // namespace

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

// Per row of every load: kept inline in the two callers below.
inline void SessionCore::loaded(EntityState* state, bool fresh, IdentityMap& map, bool int_identity,
                                std::int64_t int_key, std::string&& key,
                                const IntIdentityTable::Spot* spot) {
  state->flags = (state->flags & (kTouched | kDeleted | kInResult)) | kPersistent | kIdentity;
  // Snapshots are taken on the first non-const access; an object already being changed
  // takes the row just read as its new starting point.
  if (state->flags & kTouched) {
    snapshot(state);
  } else {
    state->snapshot.clear();
  }
  const Mapper& mapper = *state->mapper;
  if (fresh) {
    state->session = this;
    for (const auto& rel : mapper.relationships())
      rel->bind(state->object(), state, false);
    if (spot)
      map.ints.insert(*spot, int_key, state);
    else if (int_identity)
      map.ints.insert(int_key, state);
    else
      map.keys.emplace(std::move(key), state);
  }
  for (const auto& hook : mapper.events().on_load)
    hook(state->object());
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] EntityState* SessionCore::load(const Mapper& mapper, driver::Statement& stmt,
                                            int offset, bool populate_existing,
                                            const Looked* looked) {
  if (mapper.inheritance()) return load_polymorphic(mapper, stmt, offset, populate_existing);
  auto& map = identity(mapper);
  const auto& attrs = mapper.attributes();
  // The key first: an object already loaded is reused as it is.
  EntityState* existing = nullptr;
  std::int64_t int_key = 0;
  std::string key;
  if (mapper.int_identity()) {
    if (looked) {
      // The row matched `key = ?` for the key looked up: it is the row's key.
      int_key = looked->key;
      existing = looked->found;
    } else {
      int_key = stmt.get_int64(offset + mapper.primary_key_columns().front());
      existing = map.ints.find(int_key);
    }
  } else {
    for (int col : mapper.primary_key_columns())
      attrs[col]->encode_column(stmt, offset + col, key);
    auto it = map.keys.find(key);
    if (it != map.keys.end()) existing = it->second;
  }
  if (existing && !populate_existing && !(existing->flags & kExpired)) return existing;

  EntityState* state = existing ? existing : mapper.new_entity();
  state->mapper = &mapper;
  std::size_t at = 0;
  try {
    mapper.read_row(state->object(), stmt, offset, at, mapper.int_identity() ? &int_key : nullptr);
  } catch (const Error& e) {
    if (!existing) detail::destroy(state);
    unreadable(mapper, at, e);
  }
  loaded(state, !existing, map, mapper.int_identity(), int_key, std::move(key));
  return state;
}

[[gnu::hot]] EntityState* SessionCore::load_new(const Mapper& mapper, driver::Statement& stmt,
                                                std::int64_t key,
                                                const IntIdentityTable::Spot& spot) {
  EntityState* state = mapper.new_entity();
  state->mapper = &mapper;
  std::size_t at = 0;
  try {
    mapper.read_row(state->object(), stmt, 0, at, &key);
  } catch (const Error& e) {
    detail::destroy(state);
    unreadable(mapper, at, e);
  }
  loaded(state, true, identity(mapper), true, key, {}, &spot);
  return state;
}

[[gnu::hot]] void SessionCore::load_rows(const Mapper& mapper, Result& result,
                                         bool populate_existing, QuerySink& sink) {
  IdentityMap& map = identity(mapper);
  struct Reading {
    SessionCore& core;
    const Mapper& mapper;
    IdentityMap& map;
    bool populate_existing;
    QuerySink& sink;
    Result& result;
    // Whether rows are looked up before they are read: only where the session held
    // objects of the class, and until a run of rows shows that they are new (the next
    // batch of a selectin load, say), since it costs a read of the key per row.
    bool peek;
    int new_run = 0;              // rows read one after another since the last one kept
    EntityState* read = nullptr;  // the object of the row read last, not yet filed
    // What the look-up before the read found for the key of `read`, if it was made.
    bool looked = false;
    std::int64_t looked_key = 0;
    EntityState* looked_found = nullptr;

    // Whether the current row is an object's that is kept as it is: handed on unread.
    bool kept() {
      looked = false;
      driver::Statement& row = result.row().statement();
      const int column = mapper.primary_key_columns().front();
      std::int64_t key = 0;
      try {
        if (row.is_null(column)) return false;
        key = row.get_int64(column);
      } catch (const Error&) {
        return false;  // read as the member, which raises the error load() would
      }
      EntityState* existing = map.ints.find(key);
      if (existing && !(existing->flags & kExpired)) {
        sink.add(existing);
        return true;
      }
      looked = true;
      looked_key = key;
      looked_found = existing;
      return false;
    }
    // After a member of the current row failed to read: true, with the row's object
    // handed on, where that object is one kept as it is, whose row is not read.
    bool discard_if_kept() {
      if (populate_existing || !kept()) return false;
      detail::destroy(std::exchange(read, nullptr));
      return true;
    }
    void file() {
      EntityState* state = std::exchange(read, nullptr);
      if (!state) return;
      std::int64_t key = 0;
      if (!mapper.int_key(state->object(), key)) {
        detail::destroy(state);
        throw DataError(mapper.class_name() + "." + mapper.primary_key().front()->name +
                        ": a row's primary key is NULL");
      }
      EntityState* existing =
          std::exchange(looked, false) && looked_key == key ? looked_found : map.ints.find(key);
      if (!existing) {
        core.loaded(state, true, map, true, key, {});
        sink.add(state);
        return;
      }
      struct Drop {
        EntityState* state;
        ~Drop() { detail::destroy(state); }
      } drop{state};
      if (populate_existing || (existing->flags & kExpired)) {
        mapper.copy_columns(state->object(), existing->object());
        core.loaded(existing, false, map, true, key, {});
      }
      sink.add(existing);
    }
    [[gnu::hot]] static void* next_object(void* self) {
      auto& r = *static_cast<Reading*>(self);
      r.file();
      if (r.peek) {
        if (r.kept()) {
          r.new_run = 0;
          return nullptr;
        }
        if (++r.new_run == 64) r.peek = false;
      }
      r.read = r.mapper.new_entity();
      r.read->mapper = &r.mapper;
      return r.read->object();
    }
  } reading{
      *this, mapper, map, populate_existing, sink, result, !populate_existing && map.size() > 0};
  try {
    void* object = nullptr;
    std::size_t at = 0;
    while (result.read_member_rows(mapper.row_members(), 0, &Reading::next_object, &reading, object,
                                   at)) {
      try {
        mapper.read_rest(object, result.row().statement(), 0, at);
      } catch (const Error& e) {
        if (reading.discard_if_kept()) continue;
        // The key's own error as load() raises it, the others named as there.
        if (static_cast<int>(at) == mapper.primary_key_columns().front()) throw;
        throw MappingError(mapper.class_name() + "." + mapper.attributes()[at]->name + ": " +
                           e.what());
      }
    }
    reading.file();
  } catch (...) {
    if (reading.read) detail::destroy(reading.read);
    throw;
  }
}

EntityState* SessionCore::load_polymorphic(const Mapper& queried, driver::Statement& stmt,
                                           int offset, bool populate_existing) {
  const Inheritance& h = *queried.inheritance();
  const auto& layout = h.layout;
  // The row's class, from its discriminator.
  auto row_class = [&]() -> const Mapper& {
    if (layout.discriminator < 0) return queried;
    const int d = offset + layout.discriminator;
    const bool null = stmt.is_null(d);
    return concrete_mapper(queried, null ? std::string() : stmt.get_value(d).as<std::string>(),
                           null);
  };
  // A joined or single-table hierarchy has one identity map, looked in before the class
  // is known; a concrete class's keys are its own table's, so its class comes first.
  const Mapper* known = h.concrete ? &row_class() : nullptr;
  const Mapper& keyed = known ? *known : queried;
  const auto& key_positions = positions_of(queried, keyed);
  auto& map = identity(keyed);
  EntityState* existing = nullptr;
  std::int64_t int_key = 0;
  std::string key;
  if (keyed.int_identity()) {
    int_key = stmt.get_int64(
        offset + key_positions[static_cast<std::size_t>(keyed.primary_key_columns().front())]);
    existing = map.ints.find(int_key);
  } else {
    for (int col : keyed.primary_key_columns()) {
      keyed.attributes()[static_cast<std::size_t>(col)]->encode_column(
          stmt, offset + key_positions[static_cast<std::size_t>(col)], key);
    }
    auto it = map.keys.find(key);
    if (it != map.keys.end()) existing = it->second;
  }
  if (existing && !populate_existing && !(existing->flags & kExpired)) return existing;

  const Mapper& mapper = existing ? *existing->mapper : known ? *known : row_class();
  const auto& positions = positions_of(queried, mapper);
  EntityState* state = existing ? existing : mapper.new_entity();
  state->mapper = &mapper;
  const auto& attrs = mapper.attributes();
  std::size_t i = 0;
  try {
    for (; i < attrs.size(); ++i)
      attrs[i]->read(state->object(), stmt, offset + positions[i]);
  } catch (const Error& e) {
    if (!existing) detail::destroy(state);
    unreadable(mapper, i, e);
  }
  loaded(state, !existing, map, keyed.int_identity(), int_key, std::move(key));
  return state;
}

// The prepared SELECT by primary key, made on first use in this session.
SessionCore::GetStatement& SessionCore::prepare_get(const Mapper& mapper) {
  const auto slot = static_cast<std::size_t>(mapper.slot());
  if (slot >= get_statements_.size()) get_statements_.resize(slot + 1);
  if (!get_statements_[slot]) get_statements_[slot] = std::make_unique<GetStatement>();
  GetStatement& get = *get_statements_[slot];
  get.sql = &statement(mapper, "G", [&] {
    const Table& keys = mapper.inheritance() && !mapper.inheritance()->concrete
                            ? mapper.inheritance()->root->table()
                            : mapper.table();
    sql::Select select = select_of(mapper);
    for (const Attribute* a : mapper.primary_key())
      select = select.where(keys.c(a->name) == sql::placeholder(a->type));
    return select;
  });
  get.statement = connection().prepare(get.sql->sql);
  get.raw = &get.statement.raw();
  return get;
}

// Kept inline in the two get()s: a get() is one row, and calls cost as much as the rest.
inline SessionCore::GetStatement& SessionCore::get_statement(const Mapper& mapper) {
  autoflush();
  connection();
  const auto slot = static_cast<std::size_t>(mapper.slot());
  GetStatement* prepared = slot < get_statements_.size() ? get_statements_[slot].get() : nullptr;
  GetStatement& get = prepared && prepared->statement ? *prepared : prepare_get(mapper);
  // A hierarchy's discriminator values; another user of the same statement on this
  // connection may have bound others.
  get.sql->bind_fixed(*get.raw);
  return get;
}

inline EntityState* SessionCore::fetch_one(const Mapper& mapper, GetStatement& get,
                                           const Looked* looked) {
  EntityState* found = nullptr;
  get.statement.run_first([&](driver::Statement& row) {
    found = load(mapper, row, 0, true, looked);
    // The tables of a concrete hierarchy each have their own keys.
    if (mapper.inheritance() && mapper.inheritance()->concrete && row.next()) {
      throw MultipleResultsError("get<" + mapper.class_name() +
                                 ">(): the key is in the tables of more than one class of "
                                 "its concrete hierarchy; get it through its own class");
    }
  });
  return found;
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
  GetStatement& get = get_statement(mapper);
  for (std::size_t i = 0; i < pk.size(); ++i)
    get.raw->bind(get.sql->slots[i], pk[i]->type.to_db(key[i]));
  return fetch_one(mapper, get);
}

[[gnu::hot]] EntityState* SessionCore::get(const Mapper& mapper, std::int64_t key) {
  IntIdentityTable::Spot spot;
  EntityState* found = identity(mapper).ints.find(key, spot);
  if (found && !(found->flags & kExpired)) {
    return (found->flags & kDeleted) ||
                   (mapper.inheritance() && !found->mapper->is_a(mapper.slot()))
               ? nullptr
               : found;
  }
  const auto flushes = flushes_;
  GetStatement& get = get_statement(mapper);
  get.raw->bind_int64(get.sql->slots[0], key);
  // What the map held for the key still holds unless get_statement() flushed.
  const bool still = flushes == flushes_;
  if (!found && still && !mapper.inheritance()) {
    EntityState* made = nullptr;
    get.statement.run_first(
        [&](driver::Statement& row) { made = load_new(mapper, row, key, spot); });
    return made;
  }
  const Looked looked{key, found};
  return fetch_one(mapper, get, still ? &looked : nullptr);
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
  EntityState* loaded = nullptr;
  const Inheritance* h = mapper.inheritance();
  if (h && h->concrete && h->layout.discriminator >= 0) {
    // Its subclasses' tables have keys of their own: the row is read from its own.
    sql::Select select = own_rows(mapper);
    const auto& pk = mapper.primary_key();
    for (std::size_t i = 0; i < pk.size(); ++i)
      select =
          select.where(mapper.table().c(pk[i]->name) == sql::literal(pk[i]->type.to_db(key[i])));
    const auto rows = run_query(mapper, select, true, {});
    loaded = rows.empty() ? nullptr : rows.front();
  } else {
    loaded = get(mapper, key);
  }
  if (loaded != state) {
    state->flags &= ~kExpired;
    erase_identity(state);
    throw StaleDataError(mapper.class_name() +
                         " object's row no longer exists: it was deleted or its key changed");
  }
}

}  // namespace retort::orm
