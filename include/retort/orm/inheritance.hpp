// Inheritance mapping: a hierarchy of C++ structs over joined tables or one table, with
// a discriminator column telling which class each row is; or over one complete table per
// class (concrete-table), read through a UNION ALL.
//
//   struct Employee {
//     std::int64_t id = 0;
//     std::string name, type;
//     static auto mapping() {
//       return rt::model<Employee>("employee")
//           .column("id", &Employee::id, rt::primary_key)
//           .column("name", &Employee::name, rt::String(50))
//           .column("type", &Employee::type, rt::String(20))
//           .polymorphic_on(&Employee::type, "employee");
//     }
//   };
//   struct Engineer : Employee {          // joined-table: its own table, keyed by
//     std::string engineer_info;          // employee.id
//     static auto mapping() {
//       return rt::model<Engineer>("engineer")
//           .inherits<Employee>("engineer")
//           .column("engineer_info", &Engineer::engineer_info, rt::String(50));
//     }
//   };
//   struct Manager : Employee {           // single-table: its columns are added to
//     std::optional<std::string> manager_data;   // "employee" (nullable)
//     static auto mapping() {
//       return rt::model<Manager>()
//           .inherits<Employee>("manager")
//           .column("manager_data", &Manager::manager_data, rt::String(50));
//     }
//   };
//
// A query of Employee returns Engineers and Managers as such (rt::Ref<Employee>; see
// rt::ref_cast), their own columns loaded with the same statement; a query of Engineer
// joins its table, a query of Manager filters on the discriminator. The identity map is
// the hierarchy's: a row is one object whichever class it was queried through.
//
// Concrete-table, each class a complete table (its copy of the base's columns, then its
// own) and no discriminator column:
//
//   rt::model<Employee>("employee")...concrete_base("employee");
//   rt::model<Manager>("manager").concrete<Employee>("manager")
//       .column("manager_data", &Manager::manager_data, rt::String(50));
//
// A query of Employee reads "employee" UNION ALL "manager", each row as its class; a
// query of Manager reads "manager" alone. Each class has its own keys and identity map.
//
// A derived struct must have its mapped base as its first base class (at offset 0), so
// that a pointer to it is a pointer to the base.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "retort/orm/mapper.hpp"
#include "retort/orm/ref.hpp"
#include "retort/orm/registry.hpp"
#include "retort/sql/select.hpp"

namespace retort::sql {
class Dialect;
}

namespace retort::orm {

struct Inheritance {
  const Mapper* parent = nullptr;  // the mapped base class; nullptr for the hierarchy's base
  const Mapper* root = nullptr;    // the hierarchy's base
  std::string identity;            // polymorphic_identity of this class
  const Attribute* discriminator = nullptr;  // this mapper's polymorphic_on attribute
  // Unknown discriminator values load as the base class instead of raising.
  bool unknown_as_base = false;
  // Concrete-table: each class a complete table of its own, its own keys and identity map.
  bool concrete = false;
  // The tables a row of this class is written to, base table first: the mappers that
  // write each one (the root, then each joined class's own part).
  std::vector<const Mapper*> parts;
  // Joined-table: this class's own table with its key and own columns.
  std::shared_ptr<Mapper> own_part;
  // For each part, the positions of its attributes among this mapper's.
  std::vector<std::vector<std::size_t>> part_attributes;
  std::vector<const Mapper*> subclasses;             // direct subclasses
  std::map<std::string, const Mapper*> by_identity;  // on the root: the whole hierarchy

  // How this class's rows are read polymorphically (Registry::prepare): the columns of
  // it and of every subclass below it, and for each class where its attributes are.
  struct Layout {
    std::vector<std::pair<const Table*, const Attribute*>> columns;
    std::vector<std::pair<const Mapper*, std::vector<int>>> positions;
    int discriminator = -1;               // concrete-table: -1 for a class without subclasses
    std::vector<std::string> identities;  // filter for a single-table subclass; else empty
    std::vector<std::pair<const Table*, bool>> joins;  // joined tables (outer?) after the root
  } layout;

  // Set by the builder, used when the registry installs the mapper.
  int parent_slot = -1;
  void (*add_parent)(Registry&) = nullptr;
  std::string own_table;  // joined-table: the subclass table's name ("" for single-table)
  TableOptions own_options;
  std::vector<Column> own_columns;
  std::vector<TableElement> own_elements;

  // The mappers this class can load as: itself and every subclass below it.
  void collect(std::vector<const Mapper*>& out, const Mapper& self) const;
  // Joined-table: the class's rows span tables (its bases' or its subclasses'), so that
  // one statement cannot change them.
  bool joined() const { return !concrete && !layout.joins.empty(); }
};

// For the session (inheritance.cpp).
// The table holding an attribute's column.
const Table& column_table(const Mapper& mapper, const Attribute& attribute);
// Columns in a row of the mapper's objects (with inheritance: the layout's).
std::size_t row_width(const Mapper& mapper);
sql::Select polymorphic_select(const Mapper& mapper);
// The rows of the class itself, not of its subclasses, read as polymorphic_select does.
sql::Select own_rows(const Mapper& mapper);
// The class of a row read through `queried` with this discriminator value.
const Mapper& concrete_mapper(const Mapper& queried, const std::string& identity, bool is_null);
// Where the concrete class's attributes are in a row read through `queried`.
const std::vector<int>& positions_of(const Mapper& queried, const Mapper& concrete);

}  // namespace retort::orm

namespace retort::orm {

// Maps a declarative base before its subclass.
template <class B>
void add_base(Registry& registry) {
  if constexpr (declarative<B>) registry.add<B>();
}

template <class T>
template <class M>
ModelBuilder<T>& ModelBuilder<T>::polymorphic_on(M T::*member, std::string identity,
                                                 bool unknown_as_base) {
  if (!mapper_->inheritance_) mapper_->inheritance_ = std::make_shared<Inheritance>();
  Inheritance& h = *mapper_->inheritance_;
  h.discriminator = &find_attribute(&member, sizeof member);
  h.identity = std::move(identity);
  h.unknown_as_base = unknown_as_base;
  return *this;
}

template <class T>
template <class B>
ModelBuilder<T>& ModelBuilder<T>::inherits(std::string identity) {
  static_assert(std::is_base_of_v<B, T> && !std::is_same_v<B, T>,
                "inherits<B>(): B must be a base class of T");
  // The base's attributes are used on this struct's objects: the base must sit at the
  // object's address.
  alignas(T) static unsigned char probe[sizeof(T)];
  T* derived = reinterpret_cast<T*>(probe);
  if (static_cast<void*>(static_cast<B*>(derived)) != static_cast<void*>(derived)) {
    throw MappingError(mapper_->class_name() + ": its mapped base " + type_name(typeid(B)) +
                       " must be its first base class (at offset 0)");
  }
  if (!mapper_->inheritance_) mapper_->inheritance_ = std::make_shared<Inheritance>();
  Inheritance& h = *mapper_->inheritance_;
  h.identity = std::move(identity);
  h.parent_slot = type_slot<B>();
  h.add_parent = &add_base<B>;
  inherits_ = true;
  return *this;
}

template <class T>
ModelBuilder<T>& ModelBuilder<T>::concrete_base(std::string identity) {
  if (!mapper_->inheritance_) mapper_->inheritance_ = std::make_shared<Inheritance>();
  mapper_->inheritance_->identity = std::move(identity);
  mapper_->inheritance_->concrete = true;
  return *this;
}

template <class T>
template <class B>
ModelBuilder<T>& ModelBuilder<T>::concrete(std::string identity) {
  inherits<B>(std::move(identity));
  mapper_->inheritance_->concrete = true;
  return *this;
}

}  // namespace retort::orm

namespace retort {

// A Ref to a base class as a Ref to the derived class the object really is; a null Ref
// when it is not one (like dynamic_cast).
template <class D, class B>
requires std::is_base_of_v<B, D> Ref<D> ref_cast(const Ref<B>& ref) {
  if (!ref || !ref.state()->mapper || !ref.state()->mapper->is_a(orm::type_slot<D>()))
    return Ref<D>();
  return Ref<D>(ref.state(), static_cast<D*>(ref.peek()));
}

}  // namespace retort
