// Mapping plain structs to tables.
//
// Declarative: the mapping lives with the type, in a static mapping() function.
//
//   struct User {
//     std::int64_t id = 0;
//     std::string login;
//     std::optional<std::string> email;
//     static auto mapping() {
//       return rt::model<User>("user")
//           .column("id", &User::id, rt::primary_key)
//           .column("login", &User::login, rt::String(256), rt::unique)
//           .column("email", &User::email, rt::String(256));
//     }
//   };
//   registry.add<User>();
//
// Classical: the struct knows nothing of the database; the mapping is built over a Table.
//
//   struct Employee { int id; std::string name; };
//   rt::Table employee("employee", {rt::Column("id", rt::Integer(), rt::primary_key),
//                                   rt::Column("name", rt::String(50))});
//   registry.add(rt::model<Employee>(employee).column("id", &Employee::id)
//                                             .column("name", &Employee::name));
//
// Either way one rt::orm::Mapper results. Column types default from the member type
// (int64 → BigInteger, std::string → String, ...); std::optional members are nullable
// and others NOT NULL. Mistakes are rt::MappingError at registration, with names: a
// member mapped twice, a column type that cannot hold the member, a table without a
// primary key.
#pragma once

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "retort/orm/attribute.hpp"
#include "retort/schema/table.hpp"

namespace retort {
class Registry;
}

namespace retort::orm {

// A number per mapped type, for O(1) lookups.
int next_type_slot();
template <class T>
int type_slot() {
  static const int slot = next_type_slot();
  return slot;
}

struct EntityState;
class Relationship;
struct Inheritance;
namespace detail {
class StatementCache;
}

// Hooks on a mapper's objects, as SQLAlchemy's mapper events.
struct MapperEvents {
  std::vector<std::function<void(void*)>> before_insert, after_insert, before_update, after_update,
      before_delete, after_delete, on_load;
};

class Mapper {
 public:
  // Out of line: relationships are only declared here.
  Mapper(std::type_index type, std::string class_name);
  ~Mapper();

  std::type_index type() const { return type_; }
  // The struct's name ("User"), for messages.
  const std::string& class_name() const { return class_name_; }
  const Table& table() const { return table_; }
  const std::vector<std::unique_ptr<Attribute>>& attributes() const { return attributes_; }
  // By column name; nullptr when there is none.
  const Attribute* find(std::string_view column) const;
  // By column name; rt::MappingError lists the mapped columns when there is none.
  const Attribute& attribute(std::string_view column) const;
  // By member pointer bytes; rt::MappingError when the member is not mapped.
  const Attribute& attribute_for(const void* member_pointer, std::size_t size) const;
  const std::vector<const Attribute*>& primary_key() const { return primary_key_; }
  // The primary key attributes' positions among attributes() (so in a row of them).
  const std::vector<int>& primary_key_columns() const { return primary_key_columns_; }
  // Attribute positions in snapshot order: the primary key first, so that a snapshot
  // begins with the object's identity key.
  const std::vector<std::size_t>& snapshot_order() const { return snapshot_order_; }
  // A single integer primary key: the identity map's fast path.
  bool int_identity() const { return int_identity_; }
  // That key of an object; false when it has none (a null optional). A plain 64-bit
  // member, the usual key, is read in place: the identity map asks once per object it
  // files, finds again after growing, or drops.
  bool int_key(const void* object, std::int64_t& out) const {
    if (int_key_offset_ >= 0) {
      std::memcpy(&out, static_cast<const char*>(object) + int_key_offset_, sizeof out);
      return true;
    }
    return primary_key_.front()->int_key(object, out);
  }
  // The size of the last snapshot taken, to reserve the next one in one allocation.
  mutable std::atomic<std::uint32_t> snapshot_size_hint{0};
  // The primary key attribute the database generates, if any.
  const Attribute* generated_key() const { return generated_; }
  const MapperEvents& events() const { return events_; }
  const std::vector<std::unique_ptr<Relationship>>& relationships() const { return relationships_; }
  // Whether objects of this class can end up referring back to themselves through
  // relationships (and so keep each other alive); see cycles.cpp.
  bool may_cycle() const;
  // By name; nullptr when there is none.
  const Relationship* relationship(std::string_view name) const;
  // By member pointer bytes; rt::MappingError when the member is not a relationship.
  const Relationship& relationship_for(const void* member_pointer, std::size_t size) const;
  // Slot in the registry, for per-mapper tables in sessions.
  int slot() const { return slot_; }
  // The slot whose identity map holds this mapper's objects: the hierarchy's base.
  int identity_slot() const { return identity_slot_ < 0 ? slot_ : identity_slot_; }
  // Where the mapper sits in an inheritance hierarchy (inheritance.hpp); nullptr outside one.
  const Inheritance* inheritance() const { return inheritance_.get(); }
  // Whether objects of this mapper are of the mapped type in `slot` (itself or a base).
  bool is_a(int slot) const;
  // Whether the registry has resolved the relationships.
  bool prepared() const { return prepared_.load(std::memory_order_acquire); }

  // A new object in a new entity (default-constructed, or moved from *source), with room
  // for snapshot_bytes of snapshot behind it.
  EntityState* (*make_entity)(void* source, std::size_t snapshot_bytes) = nullptr;
  EntityState* new_entity(void* source = nullptr) const {
    // Until one of the mapper's objects has changed there is no size to go by, and most
    // loaded objects never change. The room holds the snapshot's header and some slack.
    const std::uint32_t hint = snapshot_size_hint.load(std::memory_order_relaxed);
    return make_entity(source, hint ? hint + 16 : 0);
  }
  // Reads the current row's columns first, first + 1, ... into the object's members in
  // attributes() order: the driver takes those it can in one call (driver::Member), each
  // attribute reads the rest. When one raises, `at` is its position. `key` is the row's
  // integer key when the caller has read it already: a plain 64-bit key member in the
  // first column is set from it rather than read again.
  void read_row(void* object, driver::Statement& stmt, int first, std::size_t& at,
                const std::int64_t* key = nullptr) const;
  // The rest of such a row from member `at` on (one the driver stopped at).
  void read_rest(void* object, driver::Statement& stmt, int first, std::size_t& at) const;
  // The members the driver reads, one per attribute, in order.
  std::span<const driver::Member> row_members() const { return row_members_; }
  // Copies the mapped members of one object onto another (merge).
  void copy_columns(const void* from, void* to) const;
  // The compiled statements that read and write this mapper's rows (and its
  // relationships'), by dialect and shape.
  detail::StatementCache& statements() const { return *statements_; }

  // Whether some column has an on_set hook; runs them on an object (all, or those whose
  // byte in changed_mask is set), as the flush does to validate and normalise.
  bool has_set_hooks() const;
  void run_set_hooks(void* object, const std::string* changed_mask) const;
  // Sets a column through the dynamic path, running its on_set hook.
  void set(void* object, std::string_view column, Value value) const;
  Value get(const void* object, std::string_view column) const;

  // The identity key of an object: its primary key as bytes (or, for a single integer
  // key, the integer).
  void key_of(const void* object, std::string& out) const;

 private:
  // Built by ModelBuilder, completed by the Registry (relationships, inheritance).
  template <class T>
  friend class ModelBuilder;
  friend class ModelBuilderBase;
  friend class retort::Registry;

  void finish(int slot);     // validates and indexes; rt::MappingError on mistakes
  void index_row_members();  // after the attributes change

  Table table_;
  std::vector<std::unique_ptr<Attribute>> attributes_;
  std::vector<driver::Member> row_members_;  // the attributes' row_member, in order
  std::vector<std::unique_ptr<Relationship>> relationships_;
  mutable std::atomic<signed char> may_cycle_{-1};  // unknown until the targets resolve
  MapperEvents events_;
  std::shared_ptr<Inheritance> inheritance_;
  std::unique_ptr<detail::StatementCache> statements_;
  int identity_slot_ = -1;
  std::atomic<bool> prepared_{false};
  std::type_index type_;
  std::string class_name_;
  std::vector<const Attribute*> primary_key_;
  std::vector<int> primary_key_columns_;
  std::vector<std::size_t> snapshot_order_;
  bool int_identity_ = false;
  std::ptrdiff_t int_key_offset_ = -1;  // of a plain std::int64_t key member, else -1
  const Attribute* generated_ = nullptr;
  int slot_ = -1;
};

// What building a mapper does whatever the class (model_builder.cpp): ModelBuilder<T>
// only adds what needs T.
class ModelBuilderBase {
 public:
  // Out of line, as everything here: a model file then compiles none of it.
  ModelBuilderBase(const ModelBuilderBase& other);
  ModelBuilderBase(ModelBuilderBase&& other) noexcept;
  ModelBuilderBase& operator=(const ModelBuilderBase&) = delete;
  ~ModelBuilderBase();

 protected:
  ModelBuilderBase(const std::type_info& type, std::string_view table_name,
                   const TableOptions& options);
  ModelBuilderBase(const std::type_info& type, const Table& table);

  // A column for the member at `offset`: the declarative column to apply options to, or
  // nullptr over an existing table (which takes none). rt::MappingError for a member or a
  // name mapped twice, or for options over an existing table.
  Column* begin_column(std::string_view name, std::ptrdiff_t offset, const Attribute& attr,
                       bool has_options);
  // Adds the attribute of the column begun last, once the column's type is known to hold
  // the member.
  void end_column(std::unique_ptr<Attribute> attr);
  Attribute& find_attribute(const void* member_pointer, std::size_t size);
  void add_relationship(std::unique_ptr<Relationship> relationship);
  std::shared_ptr<Mapper> build(EntityState* (*make_entity)(void*, std::size_t));

  std::shared_ptr<Mapper> mapper_;
  std::string table_name_;
  TableOptions table_options_;
  Table existing_;
  std::vector<Column> columns_;
  std::vector<TableElement> elements_;
  std::string column_name_;  // of the column begun last
  bool inherits_ = false;
};

template <class T>
class ModelBuilder : ModelBuilderBase {
 public:
  // Declarative: the table is made from the columns.
  explicit ModelBuilder(std::string_view table_name, const TableOptions& options = {})
      : ModelBuilderBase(typeid(T), table_name, options) {}
  // Classical: over an existing table.
  explicit ModelBuilder(const Table& table) : ModelBuilderBase(typeid(T), table) {}

  // Maps member to column name. Options are column options (rt::primary_key, a Type,
  // rt::unique, rt::ForeignKey(...), ...); for a classical mapping the column comes from
  // the table and takes no options.
  template <class M, class... Options>
  ModelBuilder& column(std::string_view name, M T::*member, const Options&... options) {
    const std::ptrdiff_t offset = member_offset(member);
    std::unique_ptr<Attribute> attr = column_attribute<M>(offset);
    [[maybe_unused]] Column* c = begin_column(name, offset, *attr, sizeof...(Options) > 0);
    (apply(*c, options), ...);
    end_column(std::move(attr));
    return *this;
  }

  // A relationship to another mapped struct through a rt::Many<U> or rt::One<U> member
  // (see relationship.hpp for the options).
  template <class H, class... Options>
  ModelBuilder& relationship(std::string_view name, H T::*member, const Options&... options);

  // The base of a hierarchy: the discriminator member and this class's value of it
  // (SQLAlchemy's polymorphic_on / polymorphic_identity). unknown_as_base: rows with a
  // value no class declares load as this class instead of raising.
  template <class M>
  ModelBuilder& polymorphic_on(M T::*member, std::string identity, bool unknown_as_base = false);
  // A subclass of mapped B (T's first base class), with its discriminator value. With a
  // table name given to rt::model<T>(name), joined-table; with none, single-table.
  template <class B>
  ModelBuilder& inherits(std::string identity);
  // Concrete-table inheritance (SQLAlchemy's ConcreteBase): every class has a complete
  // table of its own and no discriminator column; the base's queries read its table and
  // its subclasses' through a UNION ALL. concrete_base() on the hierarchy's base;
  // concrete<B>() on a subclass, whose table gets a copy of B's columns.
  ModelBuilder& concrete_base(std::string identity);
  template <class B>
  ModelBuilder& concrete(std::string identity);

  // Table-level constraints and indexes of a declarative model.
  ModelBuilder& constraint(TableElement element) {
    elements_.push_back(std::move(element));
    return *this;
  }

  // on_set / validates: fn(T&, M&) sees the new value before it is stored (dynamic
  // paths) and each changed value at flush, and may change it or throw.
  template <class M, class F>
  ModelBuilder& on_set(M T::*member, F fn) {
    Attribute& attr = find_attribute(&member, sizeof member);
    const Type type = attr.type;
    attr.on_set = [fn = std::move(fn), type](void* object, Value& value) {
      M typed{};
      Codec<M>::from_value(value, typed, type);
      fn(*static_cast<T*>(object), typed);
      value = Codec<M>::to_value(typed, type);
    };
    return *this;
  }

  ModelBuilder& before_insert(std::function<void(T&)> fn) {
    return hook(mapper_->events_.before_insert, std::move(fn));
  }
  ModelBuilder& after_insert(std::function<void(T&)> fn) {
    return hook(mapper_->events_.after_insert, std::move(fn));
  }
  ModelBuilder& before_update(std::function<void(T&)> fn) {
    return hook(mapper_->events_.before_update, std::move(fn));
  }
  ModelBuilder& after_update(std::function<void(T&)> fn) {
    return hook(mapper_->events_.after_update, std::move(fn));
  }
  ModelBuilder& before_delete(std::function<void(T&)> fn) {
    return hook(mapper_->events_.before_delete, std::move(fn));
  }
  ModelBuilder& after_delete(std::function<void(T&)> fn) {
    return hook(mapper_->events_.after_delete, std::move(fn));
  }
  ModelBuilder& on_load(std::function<void(T&)> fn) {
    return hook(mapper_->events_.on_load, std::move(fn));
  }

  // The mapper with its table; used by the registry.
  std::shared_ptr<Mapper> build() { return ModelBuilderBase::build(&make_entity); }

 private:
  static EntityState* make_entity(void* source, std::size_t snapshot_bytes);

  ModelBuilder& hook(std::vector<std::function<void(void*)>>& list, std::function<void(T&)> fn) {
    list.push_back([fn = std::move(fn)](void* o) { fn(*static_cast<T*>(o)); });
    return *this;
  }
};

}  // namespace retort::orm

namespace retort {

// A single-table subclass: no table of its own (see inheritance.hpp).
template <class T>
orm::ModelBuilder<T> model() {
  return orm::ModelBuilder<T>(std::string_view());
}
// options: the table's schema ({.schema = "app"}) and comment.
template <class T>
orm::ModelBuilder<T> model(std::string_view table_name, const TableOptions& options = {}) {
  return orm::ModelBuilder<T>(table_name, options);
}
template <class T>
orm::ModelBuilder<T> model(const Table& table) {
  return orm::ModelBuilder<T>(table);
}

}  // namespace retort
