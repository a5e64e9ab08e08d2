// rt::Registry: owns the mappers and the MetaData of their tables.
//
//   auto& registry = rt::registry();            // the default one
//   registry.add<User>().add<AuthToken>();      // declarative models
//   registry.add(rt::model<Employee>(employee).column(...));   // classical
//   registry.metadata().create_all(engine);
//
//   rt::c(&User::login) == "alice"              // a typed column expression
//
// Declarative models are also added on first use (a query or a session operation on
// them); add them up front when create_all() must know about them.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <typeindex>
#include <vector>

#include "retort/orm/mapper.hpp"
#include "retort/schema/metadata.hpp"
#include "retort/sql/expression.hpp"

namespace retort::orm {

struct BackrefSpec;

template <class T>
concept declarative = requires {
  T::mapping();
};

}  // namespace retort::orm

namespace retort {

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Adds a declarative model (T::mapping()), and with it the declarative models its
  // relationships lead to and their link tables, so that metadata().create_all() made
  // before the first query creates every table the models need.
  template <orm::declarative T>
  Registry& add() {
    // Threads may meet here on a model's first use: the first to install wins.
    if (!find<T>()) {
      install(orm::type_slot<T>(), T::mapping().build(), true);
      add_related(*find<T>());
    }
    return *this;
  }
  template <class T, class U, class... More>
  Registry& add() {
    add<T>();
    return add<U, More...>();
  }
  // Adds a mapping built with rt::model<T>(...).
  template <class T>
  Registry& add(orm::ModelBuilder<T> builder) {
    install(orm::type_slot<T>(), builder.build());
    add_related(*find<T>());
    return *this;
  }

  // T's mapper, with its relationships resolved; a declarative model is added now if it
  // was not yet.
  template <class T>
  const orm::Mapper& mapper() {
    const orm::Mapper* m = find<T>();
    if (!m) {
      if constexpr (orm::declarative<T>) {
        add<T>();
        m = find<T>();
      } else {
        unmapped(typeid(T));
      }
    }
    if (!m->prepared()) prepare(*m);
    return *m;
  }
  template <class T>
  const orm::Mapper* find() const {
    return find(orm::type_slot<T>());
  }
  // T's mapper, added now if declarative, without resolving its relationships.
  template <class T>
  const orm::Mapper& registered() {
    if (const orm::Mapper* m = find<T>()) return *m;
    if constexpr (orm::declarative<T>) {
      add<T>();
      return *find<T>();
    } else {
      unmapped(typeid(T));
    }
  }
  const orm::Mapper* find(int slot) const;

  MetaData& metadata() { return metadata_; }
  // Resolves a mapper's relationships (their targets, direction and join columns).
  void prepare(const orm::Mapper& mapper);
  std::vector<const orm::Mapper*> mappers() const;
  // Mappers with parents before children (by their tables' foreign keys).
  std::vector<const orm::Mapper*> flush_order() const;

  // A typed column expression for a mapped member.
  template <class T, class M>
  sql::Expr<M> c(M T::*member) {
    const orm::Mapper& m = mapper<T>();
    const orm::Attribute& a = m.attribute_for(&member, sizeof member);
    return sql::Expr<M>(m.table().c(a.name).node());
  }

 private:
  // Adds a mapper; a type already mapped is an error unless `if_absent`.
  void install(int slot, std::shared_ptr<orm::Mapper> mapper, bool if_absent = false);
  // The declarative targets of the mapper's relationships and their link tables.
  void add_related(const orm::Mapper& mapper);
  // Builds a subclass's mapper from its base's (inheritance.cpp): the base's attributes
  // and relationships, then the subclass's own table (joined, concrete) or columns
  // (single-table).
  void inherit(orm::Mapper& mapper);
  static void inherit_relationships(orm::Mapper& child, const orm::Mapper& parent);
  static void add_joined_table(orm::Mapper& child, const orm::Inheritance& parent,
                               std::vector<std::unique_ptr<orm::Attribute>>& own);
  static void add_concrete_table(orm::Mapper& child, const orm::Mapper& parent,
                                 std::vector<std::unique_ptr<orm::Attribute>>& own);
  static void add_single_table_columns(orm::Mapper& child, const orm::Mapper& parent,
                                       std::vector<std::unique_ptr<orm::Attribute>>& own);
  // Where each table's attributes are among the subclass's (updates split by table).
  static void index_parts(orm::Mapper& child);
  void prepare_inheritance(const orm::Mapper& mapper);
  [[noreturn]] void unmapped(const std::type_info& type) const;

  // Maps the other sides of the mapper's backrefs: on itself, on classes registered
  // already (not yet in use), and for the others when they are registered.
  void add_backrefs(orm::Mapper& mapper, int slot);
  struct Backref {
    std::unique_ptr<orm::Relationship> reverse;
    std::string from;  // "Article.comments", for messages
    std::shared_ptr<const orm::BackrefSpec> spec;
  };
  static void add_backref(orm::Mapper& target, Backref backref);

  mutable std::mutex mutex_;
  // Held while mappers are installed and prepared (recursive: installing one follows its
  // relationships).
  std::recursive_mutex prepare_mutex_;
  // The other sides of backrefs, for classes not registered yet (by type slot).
  std::map<int, std::vector<Backref>> pending_backrefs_;
  std::vector<std::shared_ptr<orm::Mapper>> mappers_;  // by type slot
  MetaData metadata_;
};

// The default registry, used by sessions unless they are given another.
Registry& registry();

// rt::c(&User::login): the mapped column of a member, as a typed expression.
template <class T, class M>
sql::Expr<M> c(M T::*member) {
  return registry().c(member);
}

}  // namespace retort
