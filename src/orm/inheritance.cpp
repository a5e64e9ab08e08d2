// Inheritance: building a subclass's mapper from its base's, and the polymorphic read of
// a hierarchy (which columns, from which joined tables, where each class finds its own).
#include "retort/orm/inheritance.hpp"

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/relationship.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::orm {

bool Mapper::is_a(int slot) const {
  for (const Mapper* m = this; m; m = m->inheritance_ ? m->inheritance_->parent : nullptr) {
    if (m->slot_ == slot) return true;
  }
  return false;
}

void Inheritance::collect(std::vector<const Mapper*>& out, const Mapper& self) const {
  out.push_back(&self);
  for (const Mapper* sub : subclasses)
    sub->inheritance()->collect(out, *sub);
}

namespace {

const Table& table_of(const Mapper& m, const Attribute& a) {
  return m.inheritance()->parts[static_cast<std::size_t>(a.part)]->table();
}

// The result column of a concrete hierarchy's UNION ALL naming each row's class.
constexpr const char* kConcreteClass = "_polymorphic_identity";

// The columns, joins and per-class positions of a polymorphic read of m.
void compute_layout(const Mapper& m) {
  auto& h = const_cast<Inheritance&>(*m.inheritance());
  auto& layout = h.layout;
  layout = {};
  std::vector<const Mapper*> all;
  h.collect(all, m);
  for (const Mapper* x : all) {
    std::vector<int> positions;
    for (const auto& a : x->attributes()) {
      const Table* t = &table_of(*x, *a);
      // Two classes share a column of the same table; in a concrete hierarchy, each
      // table's column of the same name (the UNION ALL lines them up).
      int found = -1;
      for (std::size_t i = 0; i < layout.columns.size() && found < 0; ++i) {
        if (layout.columns[i].second->name == a->name &&
            (h.concrete || *layout.columns[i].first == *t))
          found = static_cast<int>(i);
      }
      if (found < 0) {
        layout.columns.emplace_back(t, a.get());
        found = static_cast<int>(layout.columns.size()) - 1;
      }
      positions.push_back(found);
    }
    layout.positions.emplace_back(x, std::move(positions));
  }
  if (h.concrete) {
    // Each row's class is the union's last column, when there is a union.
    if (all.size() > 1) layout.discriminator = static_cast<int>(layout.columns.size());
    return;
  }
  // This class's own chain of tables is joined (its rows have them all); subclasses'
  // tables are outer-joined (a row has its own class's only).
  for (std::size_t i = 1; i < h.parts.size(); ++i)
    layout.joins.emplace_back(&h.parts[i]->table(), false);
  for (const Mapper* x : all) {
    if (x != &m && x->inheritance()->own_part)
      layout.joins.emplace_back(&x->inheritance()->own_part->table(), true);
  }
  const auto& attrs = m.attributes();
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    if (attrs[i].get() == h.discriminator)
      layout.discriminator = layout.positions.front().second[i];
  }
  // A single-table subclass shares its table with other classes: its rows are those with
  // its identities.
  if (&m != h.root && h.parts.size() == 1) {
    for (const Mapper* x : all)
      layout.identities.push_back(x->inheritance()->identity);
  }
}

// "t.pk = root.pk AND ..." joining a hierarchy table to the base table.
sql::Expr<bool> joined_on(const Table& t, const Mapper& root) {
  std::vector<sql::Expr<bool>> parts;
  for (const Attribute* k : root.primary_key())
    parts.push_back(t.c(k->name) == root.table().c(k->name));
  return sql::and_(parts);
}

// Concrete-table: m's table, or with subclasses the UNION ALL of theirs, standing in
// for the tables of m's whole chain so that conditions on any of them apply.
sql::Select concrete_select(const Mapper& m) {
  const auto& h = *m.inheritance();
  const auto& layout = h.layout;
  std::vector<const Mapper*> all;
  h.collect(all, m);
  std::vector<sql::From> tables;
  for (const Mapper* x = h.parent; x; x = x->inheritance()->parent)
    tables.push_back(x->table());
  for (const Mapper* x : all)
    tables.push_back(x->table());
  sql::From from;
  if (all.size() == 1) {
    from = m.table().alias(m.table().name()).in_place_of(tables);
  } else {
    std::vector<sql::Select> selects;
    for (const Mapper* x : all) {
      sql::Select one;
      for (const auto& [table, attr] : layout.columns) {
        one = x->find(attr->name)
                  ? one.add_columns(x->table().c(attr->name))
                  : one.add_columns(sql::null_().cast(attr->type).label(attr->name));
      }
      one = one.add_columns(
          sql::literal(x->inheritance()->identity).cast(String()).label(kConcreteClass));
      selects.push_back(one.select_from(x->table()));
    }
    from = sql::Compound(sql::CompoundOp::union_all, std::move(selects))
               .subquery(m.table().name() + "_polymorphic")
               .in_place_of(tables);
  }
  sql::Select s;
  for (const auto& [table, attr] : layout.columns)
    s = s.add_columns(from.c(attr->name));
  if (layout.discriminator >= 0) s = s.add_columns(from.c(kConcreteClass));
  return s.select_from(from);
}

}  // namespace

const Table& column_table(const Mapper& m, const Attribute& a) {
  return m.inheritance() ? table_of(m, a) : m.table();
}

std::size_t row_width(const Mapper& m) {
  if (!m.inheritance()) return m.attributes().size();
  const auto& layout = m.inheritance()->layout;
  return layout.columns.size() + (m.inheritance()->concrete && layout.discriminator >= 0 ? 1 : 0);
}

sql::Select polymorphic_select(const Mapper& m) {
  const auto& h = *m.inheritance();
  if (h.concrete) return concrete_select(m);
  const auto& layout = h.layout;
  const Mapper& root = *h.root;
  sql::Select s;
  for (const auto& [table, attr] : layout.columns)
    s = s.add_columns(table->c(attr->name));
  sql::From from = root.table();
  for (const auto& [table, outer] : layout.joins) {
    from = outer ? from.outerjoin(*table, joined_on(*table, root))
                 : from.join(*table, joined_on(*table, root));
  }
  s = s.select_from(from);
  if (!layout.identities.empty()) {
    s = s.where(root.table().c(h.root->inheritance()->discriminator->name).in_(layout.identities));
  }
  return s;
}

sql::Select own_rows(const Mapper& m) {
  sql::Select s = polymorphic_select(m);
  const auto& h = *m.inheritance();
  if (!h.concrete || h.layout.discriminator < 0) return s;
  return s.where(sql::From(s.data().froms.front()).c(kConcreteClass) ==
                 sql::literal(h.identity).cast(String()));
}

const Mapper& concrete_mapper(const Mapper& queried, const std::string& identity, bool is_null) {
  const auto& h = *queried.inheritance();
  const auto& root = *h.root->inheritance();
  auto it = is_null ? root.by_identity.end() : root.by_identity.find(identity);
  if (it != root.by_identity.end()) {
    for (const auto& [m, positions] : h.layout.positions) {
      if (m == it->second) return *m;
    }
  }
  if (root.unknown_as_base) return queried;
  std::string known;
  for (const auto& [name, m] : root.by_identity)
    known += (known.empty() ? "" : ", ") + ("'" + name + "'");
  const std::string column = root.discriminator ? root.discriminator->name : kConcreteClass;
  throw MappingError("table '" + h.root->table().name() + "' has a row whose " + column + " is " +
                     (is_null ? std::string("NULL") : "'" + identity + "'") +
                     ", which no class of " + h.root->class_name() +
                     "'s hierarchy declares (known: " + known +
                     "); map it, or pass unknown_as_base to polymorphic_on()");
}

const std::vector<int>& positions_of(const Mapper& queried, const Mapper& concrete) {
  for (const auto& [m, positions] : queried.inheritance()->layout.positions) {
    if (m == &concrete) return positions;
  }
  throw MappingError(concrete.class_name() + " is not a subclass of " + queried.class_name());
}

}  // namespace retort::orm

namespace retort {

using orm::Attribute;
using orm::Inheritance;
using orm::Mapper;

void Registry::inherit(Mapper& child) {
  auto& h = *child.inheritance_;
  if (h.parent_slot < 0) {  // the hierarchy's base
    h.root = &child;
    h.parts = {&child};
    h.by_identity[h.identity] = &child;
    h.part_attributes.assign(1, {});
    for (std::size_t i = 0; i < child.attributes_.size(); ++i)
      h.part_attributes[0].push_back(i);
    return;
  }
  h.add_parent(*this);
  const Mapper* parent = find(h.parent_slot);
  if (!parent) {
    throw MappingError(child.class_name() +
                       ": its base class is not mapped in this registry; add the base first");
  }
  const Inheritance* ph = parent->inheritance();
  if (!ph || !ph->root) {
    throw MappingError(
        child.class_name() + ": its base " + parent->class_name() +
        " is not part of a hierarchy; declare polymorphic_on(...) on the hierarchy's base");
  }
  if (h.concrete != ph->concrete) {
    throw MappingError(child.class_name() + ": " +
                       (h.concrete ? "concrete<" + parent->class_name() +
                                         ">() needs a concrete base (concrete_base() on the "
                                         "hierarchy's base)"
                                   : "a subclass of the concrete-table class " +
                                         parent->class_name() + " must be concrete<>() too"));
  }
  if (h.concrete && h.own_table.empty() && child.table_.is_null()) {
    throw MappingError(child.class_name() +
                       ": concrete<>() needs a table of its own: rt::model<T>(\"name\")");
  }
  h.parent = parent;
  h.root = ph->root;
  auto& root_h = const_cast<Inheritance&>(*ph->root->inheritance());
  if (auto it = root_h.by_identity.find(h.identity); it != root_h.by_identity.end()) {
    throw MappingError(child.class_name() + ": polymorphic identity '" + h.identity +
                       "' is already used by " + it->second->class_name());
  }
  std::vector<std::unique_ptr<Attribute>> own = std::move(child.attributes_);
  child.attributes_.clear();
  for (const auto& a : own) {
    if (parent->find(a->name)) {
      throw MappingError(child.class_name() + ": column '" + a->name +
                         "' is already mapped by its base " + parent->class_name());
    }
  }
  for (const auto& a : parent->attributes())
    child.attributes_.push_back(a->clone());
  inherit_relationships(child, *parent);
  if (h.concrete)
    add_concrete_table(child, *parent, own);
  else if (!h.own_table.empty())
    add_joined_table(child, *ph, own);
  else
    add_single_table_columns(child, *parent, own);
  for (auto& a : own)
    child.attributes_.push_back(std::move(a));
  child.index_row_members();
  h.own_columns.clear();
  h.own_elements.clear();
  if (root_h.discriminator) h.discriminator = child.find(root_h.discriminator->name);
  index_parts(child);
  root_h.by_identity[h.identity] = &child;
  const_cast<Inheritance&>(*ph).subclasses.push_back(&child);
  // A concrete class's keys are its table's: its identity map is its own.
  if (!h.concrete) child.identity_slot_ = h.root->slot();
  // The bases read this class's rows too: their layouts are made again.
  for (const Mapper* m = parent; m; m = m->inheritance()->parent) {
    const_cast<Mapper*>(m)->prepared_.store(false, std::memory_order_release);
  }
}

void Registry::inherit_relationships(Mapper& child, const Mapper& parent) {
  // The base's relationships hold for the subclass's objects too; a concrete class may
  // declare its own instead (a collection keyed on the base's table is not its own).
  const bool concrete = child.inheritance()->concrete;
  std::vector<std::unique_ptr<orm::Relationship>> relationships;
  for (const auto& rel : parent.relationships()) {
    bool redeclared = false;
    for (const auto& mine : child.relationships_) {
      if (mine->name == rel->name && !concrete) {
        throw MappingError(child.class_name() + ": relationship '" + rel->name +
                           "' is already declared by its base " + parent.class_name());
      }
      redeclared = redeclared || mine->name == rel->name;
    }
    if (redeclared) continue;
    auto copy = rel->clone();
    copy->inherited_from = rel.get();
    copy->resolved = false;
    relationships.push_back(std::move(copy));
  }
  for (auto& rel : child.relationships_)
    relationships.push_back(std::move(rel));
  child.relationships_ = std::move(relationships);
}

void Registry::add_joined_table(Mapper& child, const Inheritance& ph,
                                std::vector<std::unique_ptr<Attribute>>& own) {
  auto& h = *child.inheritance_;
  const Mapper& root = *h.root;
  // The subclass table is keyed by the base table's key.
  std::vector<TableElement> elements;
  for (const Attribute* k : root.primary_key()) {
    elements.emplace_back(
        Column(k->name, k->type, primary_key, no_autoincrement,
               ForeignKey(root.table().fullname() + "." + k->name, {.ondelete = "CASCADE"})));
  }
  for (auto& c : h.own_columns)
    elements.emplace_back(std::move(c));
  for (auto& e : h.own_elements)
    elements.push_back(std::move(e));
  child.table_ = Table(h.own_table, std::move(elements), h.own_options);
  const int part = static_cast<int>(ph.parts.size());
  auto own_part = std::make_shared<Mapper>(child.type(), child.class_name());
  own_part->table_ = child.table_;
  for (const Attribute* k : root.primary_key()) {
    auto key = k->clone();
    key->generated = false;  // the base row's key
    key->part = part;
    own_part->attributes_.push_back(std::move(key));
  }
  for (auto& a : own) {
    a->part = part;
    own_part->attributes_.push_back(a->clone());
  }
  own_part->finish(orm::next_type_slot());
  h.own_part = own_part;
  h.parts = ph.parts;
  h.parts.push_back(own_part.get());
}

void Registry::add_concrete_table(Mapper& child, const Mapper& parent,
                                  std::vector<std::unique_ptr<Attribute>>& own) {
  auto& h = *child.inheritance_;
  if (child.table_.is_null()) {
    // Declarative: the base's columns (its own copies of them, keys included), then the
    // subclass's.
    std::vector<TableElement> elements;
    for (const Column& c : parent.table().columns())
      elements.emplace_back(c);
    for (auto& c : h.own_columns)
      elements.emplace_back(std::move(c));
    for (auto& e : h.own_elements)
      elements.push_back(std::move(e));
    child.table_ = Table(h.own_table, std::move(elements), h.own_options);
  } else {
    for (const auto& a : child.attributes_) {
      if (!child.table_.has_column(a->name)) {
        throw MappingError(child.class_name() + ": its table '" + child.table_.name() +
                           "' has no column '" + a->name + "' for the member it inherits from " +
                           parent.class_name() + "; a concrete table holds every column");
      }
    }
  }
  h.parts = {&child};
  for (auto& a : child.attributes_)
    a->part = 0;
  for (auto& a : own)
    a->part = 0;
}

void Registry::add_single_table_columns(Mapper& child, const Mapper& parent,
                                        std::vector<std::unique_ptr<Attribute>>& own) {
  auto& h = *child.inheritance_;
  if (parent.inheritance()->parts.size() > 1) {
    throw MappingError(child.class_name() + ": a single-table subclass of the joined-table class " +
                       parent.class_name() + " is not supported; give it a table of its own");
  }
  // Its columns join the hierarchy's table, nullable, since the rows of other classes
  // leave them empty.
  Table table = parent.table();
  for (auto& c : h.own_columns) {
    if (c.primary_key) {
      throw MappingError(child.class_name() + "." + c.name +
                         ": a single-table subclass takes its primary key from its base");
    }
    // A table described outside (classical mapping) already has the hierarchy's columns;
    // each class maps those it uses, like SQLAlchemy's exclude_properties.
    if (table.has_column(c.name)) continue;
    c.nullable = true;
    table.append(std::move(c));
  }
  for (auto& e : h.own_elements)
    table.append(std::move(e));
  child.table_ = table;
  h.parts = {&child};
  for (auto& a : own)
    a->part = 0;
}

void Registry::index_parts(Mapper& child) {
  auto& h = *child.inheritance_;
  h.part_attributes.assign(h.parts.size(), {});
  for (std::size_t p = 0; p < h.parts.size(); ++p) {
    if (h.parts[p] == &child) {
      for (std::size_t i = 0; i < child.attributes_.size(); ++i)
        h.part_attributes[p].push_back(i);
      continue;
    }
    for (const auto& pa : h.parts[p]->attributes()) {
      for (std::size_t i = 0; i < child.attributes_.size(); ++i) {
        const Attribute& ca = *child.attributes_[i];
        if (ca.name == pa->name && (ca.part == static_cast<int>(p) || pa->primary_key)) {
          h.part_attributes[p].push_back(i);
          break;
        }
      }
    }
  }
}

void Registry::prepare_inheritance(const Mapper& mapper) {
  if (mapper.inheritance()) orm::compute_layout(mapper);
}

}  // namespace retort
