// The type-erased engine room of rt::Session (internal; the templates of session.hpp and
// query.hpp call into it). Its parts, by role, in src/orm/:
//   session_core.cpp      connection, transaction, savepoints, commit, rollback, close
//   object_state.cpp      pending / persistent / changed / deleted / expired objects
//   session_identity.cpp  the identity map: one object per row
//   reading.cpp           rows into objects: load, get, reload, refresh
//   loading.cpp           relationship loading strategies (lazy, selectin, joined)
//   unit_of_work.cpp      what a flush writes, in which order, all or nothing
//   dependencies.cpp      cascades, orphans, foreign keys from relationships
//   persistence.cpp       the INSERT / UPDATE / DELETE statements
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "retort/core/connection.hpp"
#include "retort/core/engine.hpp"
#include "retort/orm/detail/identity_map.hpp"
#include "retort/orm/detail/statement_cache.hpp"
#include "retort/orm/load_options.hpp"
#include "retort/orm/ref.hpp"
#include "retort/orm/registry.hpp"
#include "retort/orm/relationship.hpp"
#include "retort/sql/dialect.hpp"
#include "retort/sql/executable.hpp"
#include "retort/sql/select.hpp"

namespace retort::orm {

// The select joined to a relationship's target (and association table) on its columns.
sql::Select join_along(const sql::Select& select, const Relationship& rel, bool outer);
// The select joined to `to`'s table along `from`'s one relationship to it, or on the
// foreign key between their tables when there is none.
sql::Select join_to(const sql::Select& select, const Mapper& from, const Mapper& to, bool outer);
// EXISTS (SELECT 1 FROM target WHERE <joined to the outer row> AND condition).
sql::Expr<bool> exists_along(const Relationship& rel, const sql::Expr<bool>& condition);

struct SessionOptions {
  // Flush pending changes before queries, so they see them.
  bool autoflush = true;
  // After commit, reload objects on their next access (another transaction may have
  // changed them).
  bool expire_on_commit = true;
  // The registry whose mappers the session uses; the default registry when null.
  Registry* registry = nullptr;
  // A connection to join instead of checking one out of the engine's pool. When it is in
  // a transaction, the session's own is a savepoint inside it: commit() releases the
  // savepoint and rollback() returns to it, while the connection's owner decides the
  // outcome (SQLAlchemy's join_transaction_mode="create_savepoint", used by tests that
  // roll back everything the code under test committed).
  Connection bind{};
};

// Frees the objects among the roots, and what they reach, that only refer to each other
// (see cycles.cpp). Each root carries one extra reference (a pin) from the caller, which
// the caller drops afterwards.
void collect_cycles(const std::vector<EntityState*>& pinned_roots);

// Objects a session lets go of (on close, or deleted rows at the end of a transaction)
// may be left holding only each other: consider() them before letting go, and run()
// frees those groups afterwards.
class CycleCheck {
 public:
  CycleCheck() = default;
  CycleCheck(const CycleCheck&) = delete;
  CycleCheck& operator=(const CycleCheck&) = delete;
  ~CycleCheck() { run(); }
  void consider(EntityState* state);
  void run() noexcept;

 private:
  std::vector<EntityState*> roots_;
};

// Where a query's objects go, in row order, each once.
class QuerySink {
 public:
  virtual void add(EntityState* state) = 0;
  // Told before the first add() when the driver knows how many rows are coming.
  virtual void expect(std::size_t rows) { (void)rows; }

 protected:
  ~QuerySink() = default;
};

class SessionCore {
 public:
  SessionCore(Engine engine, SessionOptions options);
  ~SessionCore();

  Registry& registry() { return *registry_; }
  // Mappers already looked up in the registry, by type slot (see Session::mapper).
  const Mapper* known_mapper(int slot) const {
    return static_cast<std::size_t>(slot) < known_mappers_.size() ? known_mappers_[slot] : nullptr;
  }
  const Mapper& remember_mapper(int slot, const Mapper& mapper);
  const Engine& engine() const { return engine_; }
  const SessionOptions& options() const { return options_; }

  // The connection, in the session's transaction (begun now if needed).
  Connection& connection() { return conn_ ? *conn_ : open_connection(); }
  bool in_transaction() const { return conn_.has_value(); }

  // Adding: the entity becomes pending (and owned by this session).
  void add(EntityState* state, const Mapper& mapper);
  void remove(EntityState* state);
  void expunge(EntityState* state);
  void expire(EntityState* state);
  void expire_all();
  void refresh(EntityState* state);
  // Reads an expired object's columns again (its relationships, and the changes they
  // recorded since it expired, stay).
  void reload(EntityState* state);
  // Identity map lookup (nullptr when absent); then a SELECT by primary key.
  EntityState* get(const Mapper& mapper, const std::vector<Value>& key);
  EntityState* get(const Mapper& mapper, std::int64_t key);  // single integer keys
  EntityState* merge(const Mapper& mapper, const void* object);
  // The object a many-to-one of `owner` refers to, when the identity map has it (no
  // query); nullptr otherwise.
  EntityState* loaded_target(const EntityState* owner, const Relationship& rel);

  void flush();
  void commit();
  void rollback();
  void close();
  // Flushes before a query, unless turned off or blocked (or there is nothing to write:
  // checked here, for every get() and query asks).
  void autoflush() {
    if (options_.autoflush && autoflush_blocked_ == 0 && !flushing_ && unflushed()) flush();
  }
  int& autoflush_blocked() { return autoflush_blocked_; }

  // Savepoints (begin_nested): flushes, then SAVEPOINT.
  std::uint64_t begin_nested();
  void end_nested(std::uint64_t id, bool commit);
  bool nested_active(std::uint64_t id) const;

  // What the identity map held for an integer key just looked up (get()): load() need
  // not look again when the row has that key.
  struct Looked {
    std::int64_t key;
    EntityState* found;
  };
  // Turns the current row (mapper's columns from `offset`) into a tracked object: the one
  // already in the identity map for its key, or a new one.
  EntityState* load(const Mapper& mapper, driver::Statement& stmt, int offset,
                    bool populate_existing, const Looked* looked = nullptr);
  // get()'s usual case, without load()'s choices: the row of an integer key the identity
  // map does not hold (find() left `spot`), of a class outside any hierarchy, becomes a
  // new object.
  EntityState* load_new(const Mapper& mapper, driver::Statement& stmt, std::int64_t key,
                        const IntIdentityTable::Spot& spot);
  // load() over a whole result, each object handed to `sink`: the driver reads each row
  // into a new object in its own loop, and only then is its key looked up. An object
  // already loaded under that key is kept, as load() keeps it, or takes the new one's
  // values where load() would read the row into it (expired, populate_existing). When
  // the session held objects of the class before the query, each row's key is looked up
  // first, and the row of an object kept as it is goes unread, as in load().
  // For a class with an integer key, no inheritance and no load events (can_load_rows).
  void load_rows(const Mapper& mapper, Result& result, bool populate_existing, QuerySink& sink);
  static bool can_load_rows(const Mapper& mapper) {
    return mapper.int_identity() && !mapper.inheritance() && mapper.events().on_load.empty();
  }
  // load() for a class in an inheritance hierarchy: the row's class from its discriminator.
  EntityState* load_polymorphic(const Mapper& queried, driver::Statement& stmt, int offset,
                                bool populate_existing);
  // The SELECT of a mapper's columns, in attribute order.
  static sql::Select select_of(const Mapper& mapper);

  // Bulk statements with synchronisation of tracked objects.
  std::int64_t bulk_update(const Mapper& mapper, const sql::Expr<bool>& where,
                           const std::vector<std::pair<std::string, Value>>& values);
  std::int64_t bulk_delete(const Mapper& mapper, const sql::Expr<bool>& where);
  // The keys of a joined hierarchy's rows where the condition holds, the root's key
  // columns' values for each row in turn.
  std::vector<Value> keys_where(const Mapper& mapper, const sql::Expr<bool>& where);
  // Runs the statement for the rows of these keys in `part`'s table, a batch of keys at
  // a time.
  void bulk_by_key(const Mapper& part, const std::vector<Value>& keys,
                   const std::function<sql::Executable(sql::Expr<bool>)>& statement);
  // The objects of these keys (the key columns' values of each row in turn) in the
  // identity map; null for a key with none.
  std::vector<EntityState*> tracked(const Mapper& mapper, const std::vector<Value>& keys);
  // Inserts objects without tracking them; generated keys are written back.
  void bulk_insert(const Mapper& mapper, const std::vector<void*>& objects);

  // What the unit of work holds.
  std::size_t pending_count() const { return pending_.size(); }
  std::vector<EntityState*> dirty();
  std::size_t identity_size() const;

  // Called when the last Ref to a state goes.
  void forget(EntityState* state) noexcept;
  // Called on the first non-const access to a persistent object since the last flush.
  void touched(EntityState* state);
  // A persistent child left a parent whose relationship deletes orphans: the flush
  // deletes it unless it has a parent again by then.
  void left_parent(const Relationship& parents, EntityState* child);

  // Loads one object's relationship (lazy loading).
  void load_relationship(EntityState* owner, const Relationship& rel);
  // The objects of a relationship's rows for one owner, through the identity map, without
  // touching its handle.
  std::vector<EntityState*> related_objects(EntityState* owner, const Relationship& rel);
  // Loads a relationship for many objects with one query per level (selectin).
  std::vector<EntityState*> load_selectin(const Relationship& rel,
                                          const std::vector<EntityState*>& owners);
  // Runs a query of a mapper's objects: rows through the identity map, relationships
  // loaded as the options and the mapping say (joined ones in the same statement).
  std::vector<EntityState*> run_query(const Mapper& mapper, const sql::Select& select,
                                      bool populate_existing,
                                      const std::vector<LoadOption>& options);
  // As above, each object handed to `sink` in order: a caller that keeps Refs builds
  // them without a list of states in between.
  void run_query(const Mapper& mapper, const sql::Select& select, bool populate_existing,
                 const std::vector<LoadOption>& options, QuerySink& sink);
  // Eager loading for objects a query produced: selectin, raise, noload.
  void apply_loaders(const Mapper& mapper, const std::vector<EntityState*>& states,
                     const std::vector<LoadOption>& options, int depth = 0);

 private:
  // The transaction (level 0) and its savepoints, with what their flushes did, so that
  // a rollback can put those objects back as they were (strong refs).
  struct Level {
    std::uint64_t id = 0;
    Transaction tx;
    std::vector<EntityState*> inserted;
    std::vector<EntityState*> deleted;
    // Objects whose primary key a flush changed, each with the key it had before (encoded
    // as the head of a snapshot), in the order of the flushes.
    std::vector<std::pair<EntityState*, std::string>> key_switches;
  };

  // A hierarchy shares its base's map: a row is one object whatever class found it.
  IdentityMap& identity(const Mapper& mapper) {
    const auto slot = static_cast<std::size_t>(mapper.identity_slot());
    return slot < maps_.size() ? maps_[slot] : new_identity(slot);
  }
  IdentityMap& new_identity(std::size_t slot);
  // The identity map's object for a primary key (maybe expired), or nullptr.
  EntityState* in_identity(const Mapper& mapper, const std::vector<Value>& key);
  EntityState* find_identity(const Mapper& mapper, const void* object);
  void insert_identity(EntityState* state);
  void erase_identity(EntityState* state);
  // After a flush wrote a changed primary key: the object is filed under its new key, and
  // the level remembers the old one.
  void refile_identity(EntityState* state, Level& level);
  // A rollback of that flush: the object is the row with the old key again.
  void restore_key(EntityState* state, const std::string& old_key);
  void retain(EntityState* state) { ++state->refs; }
  void drop(EntityState* state) noexcept;
  void detach(EntityState* state) noexcept;
  // The object leaves the session, which lets go of its reference; objects it leaves
  // holding only each other are freed when `cycles` runs.
  void leave(EntityState* state, CycleCheck& cycles);
  Connection& open_connection();
  void release_connection();
  bool unflushed() const {
    return !(pending_.empty() && deleted_.empty() && touched_.empty() && left_.empty());
  }
  // Undoes, in memory, what the levels from `from` on did: their inserted objects become
  // pending again (keep_pending) or untracked, their deleted ones persistent again;
  // other objects expire, except those with unflushed changes when keep_changes.
  void revert_levels(std::size_t from, bool keep_pending, bool keep_changes, CycleCheck& cycles);
  // Pins every object the session holds a reference to, for a check once it let go.
  void consider_held(CycleCheck& cycles);
  // Forgets the children that left their parents (rolled back, or flushed).
  void clear_left();
  void snapshot(EntityState* state);
  // The end of load() and load_polymorphic(): the row's values are the object's state;
  // a fresh object joins the session and the identity map under its key.
  // `spot`: where find() saw that the map has no int_key.
  void loaded(EntityState* state, bool fresh, IdentityMap& map, bool int_identity,
              std::int64_t int_key, std::string&& key,
              const IntIdentityTable::Spot* spot = nullptr);
  // Marks objects expired, their relationships included.
  void expire_objects(const std::vector<EntityState*>& states);

  // Which parents (through one-to-many relationships) each object now belongs to.
  using ParentMap =
      std::unordered_map<EntityState*, std::vector<std::pair<const Relationship*, EntityState*>>>;

  // Objects of one mapper whose changes touch the same columns: one UPDATE statement.
  struct UpdateGroup {
    const Mapper* mapper;
    std::string mask;  // one byte per attribute: changed or not
    bool releases;     // sets a column to NULL: written first (see write_updates)
    std::vector<EntityState*> states;
  };
  // What one flush writes, gathered before it writes anything.
  struct FlushPlan {
    bool related = false;  // some object that may change has relationships
    ParentMap parents;
    // By mapper slot: new rows, rows to delete, rows that may change.
    std::map<int, std::vector<EntityState*>> inserts, deletes, changing;
    std::vector<UpdateGroup> updates;  // as written
  };

  // The flush: planned (cascades, orphans, grouping), written in foreign-key order,
  // undone in memory if a statement fails, then settled (unit_of_work.cpp).
  FlushPlan plan_flush();
  void write_flush(FlushPlan& plan);
  void undo_flush(const FlushPlan& plan);
  void finish_flush(const FlushPlan& plan);
  // Compares objects with their snapshots and writes the changed columns, grouped.
  void write_updates(FlushPlan& plan, const std::vector<EntityState*>& states);
  // Whether an object's new foreign key comes from a row this flush has not written yet.
  static bool waits_for_unwritten(EntityState* state, const ParentMap& parents);

  // The flush's parts (unit_of_work.cpp, dependencies.cpp).
  void insert_objects(const Mapper& mapper, const std::vector<EntityState*>& states,
                      const ParentMap& parents);
  void insert_level(const Mapper& mapper, const std::vector<EntityState*>& states);
  void cascade_saves();
  void cascade_deletes();
  // By parent: the children naming it through a many-to-one (for cascade_deletes).
  ParentMap parents_claimed_by_children() const;
  ParentMap parents_of() const;
  void process_orphans(const ParentMap& parents);
  std::vector<std::vector<EntityState*>> by_depth(const Mapper& mapper,
                                                  const std::vector<EntityState*>& states,
                                                  const ParentMap& parents) const;
  void sync_foreign_keys(EntityState* state, const ParentMap& parents);
  void post_updates(const ParentMap& parents);
  void delete_owner_associations();
  void write_associations();
  void bind_new(EntityState* state);
  // Rows of the mapper's objects, to every table of its class (inheritance).
  void write_rows(const Mapper& mapper, const std::vector<void*>& objects);
  // Rows of one table.
  void insert_rows(const Mapper& mapper, const std::vector<void*>& objects);
  // The rows' columns through the database's bulk path; false where it has none.
  bool write_bulk(const Mapper& mapper, const std::vector<std::size_t>& columns,
                  const std::vector<void*>& rows);
  void update_objects(const std::string& mask, const std::vector<EntityState*>& states);
  void update_rows(const Mapper& mapper, const std::string& mask,
                   const std::vector<EntityState*>& states);
  // Many rows per statement (UPDATE ... FROM VALUES); `set` lists the changed attributes.
  void update_rows_batched(const Mapper& mapper, const std::string& mask,
                           const std::vector<std::size_t>& set,
                           const std::vector<EntityState*>& states);
  void delete_objects(const Mapper& mapper, const std::vector<EntityState*>& states);
  void delete_rows(const Mapper& mapper, const std::vector<EntityState*>& states);
  // UPDATEs and DELETEs are sent without waiting for each (Statement::send) and checked
  // together: each must change as many rows as it has objects, else StaleDataError.
  struct SentWrite {
    const Mapper* mapper;
    const char* verb;  // "update of", "delete from"
    std::int64_t rows;
  };
  void sent(const Mapper& mapper, const char* verb, std::size_t rows) {
    sent_.push_back({&mapper, verb, static_cast<std::int64_t>(rows)});
  }
  void check_sent();
  // Rows of a self-referential table, those that refer to others among them first.
  std::vector<EntityState*> children_first(const Mapper& mapper,
                                           const std::vector<EntityState*>& states);
  std::vector<Value> snapshot_key(const EntityState* state) const;
  // Its first column alone, for single-column keys.
  Value snapshot_key_head(const EntityState* state) const;
  // The prepared SELECT by primary key, per mapper (bind the key at the slots, then
  // fetch_one()).
  struct GetStatement {
    Statement statement;
    driver::Statement* raw = nullptr;
    const detail::CompiledStatement* sql = nullptr;
  };
  GetStatement& get_statement(const Mapper& mapper);
  GetStatement& prepare_get(const Mapper& mapper);
  EntityState* fetch_one(const Mapper& mapper, GetStatement& get, const Looked* looked = nullptr);
  // The mapper's statement for `key` (its shape), built by `make` the first time this
  // dialect needs it.
  const detail::CompiledStatement& statement(const Mapper& mapper, const std::string& key,
                                             const std::function<sql::Executable()>& make) {
    return mapper.statements().get(*dialect_, key, make);
  }
  // How many parameters one statement may carry.
  std::size_t parameter_budget() const { return dialect_->max_parameters(); }

  Engine engine_;
  SessionOptions options_;
  Registry* registry_;
  const sql::Dialect* dialect_ = nullptr;
  std::optional<Connection> conn_;
  std::vector<SentWrite> sent_;
  std::vector<Level> levels_;
  std::vector<IdentityMap> maps_;             // by mapper slot
  std::vector<const Mapper*> known_mappers_;  // by type slot
  std::vector<EntityState*> pending_;
  std::vector<EntityState*> touched_;
  // How many objects went into pending_ or touched_ whose class has relationships (an
  // overestimate at worst): when none did, flush skips the relationship passes.
  std::size_t related_ = 0;
  std::vector<EntityState*> deleted_;
  // How many of those have a class with relationships (an overestimate at worst): when
  // none has, flush skips the delete cascade and association passes.
  std::size_t deleted_related_ = 0;
  std::vector<std::pair<const Relationship*, EntityState*>> left_;  // see left_parent()
  // By mapper slot, each in its own allocation, as a get() from a load hook may add one
  // while another runs.
  std::vector<std::unique_ptr<GetStatement>> get_statements_;
  int autoflush_blocked_ = 0;
  bool flushing_ = false;
  std::uint64_t flushes_ = 0;  // flushes begun, to tell whether one ran in between
  std::uint64_t next_savepoint_ = 0;
};

}  // namespace retort::orm
