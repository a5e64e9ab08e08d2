// What relationships add to a flush: cascades, orphans, foreign keys taken from related
// objects, association rows, and rows that must be written after others.
#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/sql/dml.hpp"

namespace retort::orm {
namespace {

bool is_self_referential(const Mapper& m) {
  for (const auto& rel : m.relationships()) {
    if (rel->target == &m && !rel->spec.viewonly && rel->direction != Direction::many_to_many)
      return true;
  }
  return false;
}

// Sets a member unless it already holds the value. A persistent object is touched first
// (reloaded if expired, so that the comparison is with its row), so that its snapshot
// still has the old value and the flush writes the change.
void assign(EntityState* s, const Attribute* a, const Value& v) {
  if (s->flags & kPersistent) detail::touch(s);
  if (a->get(s->object()) == v) return;
  try {
    a->set(s->object(), v);
  } catch (const Error&) {
    // A member that cannot be empty keeps its value; the database then refuses the row
    // with a constraint error that names it.
  }
}

}  // namespace

void SessionCore::bind_new(EntityState* state) {
  for (const auto& rel : state->mapper->relationships())
    rel->bind(state->object(), state, true);
}

void SessionCore::cascade_saves() {
  auto reach = [&](EntityState* s) {
    for (const auto& rel : s->mapper->relationships()) {
      if (!rel->spec.cascade.save_update || rel->spec.viewonly) continue;
      const HandleBase& h = rel->handle(s->object());
      if (!Relationship::is_loaded(h)) continue;
      std::vector<EntityState*> items;
      rel->items(h, items);
      for (EntityState* item : items) {
        if (!item->session && !(item->flags & kDiscarded)) add(item, *rel->target);
      }
    }
  };
  for (std::size_t i = 0; i < pending_.size(); ++i)
    reach(pending_[i]);  // grows as it goes
  for (std::size_t i = 0, n = touched_.size(); i < n; ++i)
    reach(touched_[i]);  // by index: reaching may add to the list
}

// Children the database does not list under their parent yet: new ones, or ones moved
// in memory, naming the parent on their own side (their many-to-one).
SessionCore::ParentMap SessionCore::parents_claimed_by_children() const {
  ParentMap pointing;
  for (const auto* list : {&pending_, &touched_}) {
    for (EntityState* child : *list) {
      if (child->flags & kDeleted) continue;
      for (const auto& rel : child->mapper->relationships()) {
        if (rel->spec.viewonly || rel->direction != Direction::many_to_one || !rel->reverse ||
            rel->reverse->direction != Direction::one_to_many)
          continue;
        const HandleBase& h = rel->handle(child->object());
        if (!Relationship::is_loaded(h)) continue;
        std::vector<EntityState*> targets;
        rel->items(h, targets);
        for (EntityState* t : targets)
          pointing[t].emplace_back(rel->reverse, child);
      }
    }
  }
  return pointing;
}

void SessionCore::cascade_deletes() {
  if (deleted_related_ == 0) return;
  // Children that another (live) parent claims in this flush stay out of the cascade,
  // although the database, not yet told, still lists them under the deleted parent.
  const ParentMap claimed = related_ > 0 ? parents_of() : ParentMap{};
  auto moved_away = [&](const Relationship& rel, EntityState* child, EntityState* parent) {
    if (auto it = claimed.find(child); it != claimed.end()) {
      for (const auto& [r, p] : it->second) {
        if (p != parent && !(p->flags & kDeleted)) return true;
      }
    }
    if (rel.reverse) {
      const HandleBase& h = rel.reverse->handle(child->object());
      if (Relationship::is_loaded(h)) {
        std::vector<EntityState*> now;
        rel.reverse->items(h, now);
        return now.empty() || now.front() != parent;
      }
    }
    for (const auto& [parent_attr, child_attr] : rel.pairs) {
      if (!(child_attr->get(child->object()) == parent_attr->get(parent->object()))) return true;
    }
    return false;
  };
  const ParentMap pointing = related_ > 0 ? parents_claimed_by_children() : ParentMap{};
  for (std::size_t i = 0; i < deleted_.size(); ++i) {  // grows as children are deleted
    EntityState* s = deleted_[i];
    if (!(s->flags & kPersistent)) continue;
    for (const auto& rel : s->mapper->relationships()) {
      if (rel->spec.viewonly || rel->direction != Direction::one_to_many) continue;
      HandleBase& h = rel->handle(s->object());
      std::vector<EntityState*> children;
      if (rel->query_backed) {
        // Its unwritten additions, and the rows the database lists under it.
        rel->items(h, children);
        if (!rel->spec.passive_deletes) {
          for (EntityState* child : related_objects(s, *rel)) {
            if (std::find(children.begin(), children.end(), child) == children.end())
              children.push_back(child);
          }
        }
      } else {
        if (!Relationship::is_loaded(h)) {
          // ON DELETE CASCADE (or SET NULL) in the database takes care of the children.
          if (rel->spec.passive_deletes) continue;
          load_relationship(s, *rel);
        }
        rel->items(h, children);
      }
      if (auto it = pointing.find(s); it != pointing.end()) {
        for (const auto& [r, child] : it->second) {
          if (r == rel.get() &&
              std::find(children.begin(), children.end(), child) == children.end())
            children.push_back(child);
        }
      }
      for (EntityState* child : children) {
        if ((child->flags & kDeleted) || child->session != this || moved_away(*rel, child, s))
          continue;
        if (rel->spec.cascade.delete_) {
          remove(child);
          continue;
        }
        // The child stays, without its parent: on its own side too, so that the flush
        // does not write the parent's key back.
        if (rel->reverse) {
          HandleBase& theirs = rel->reverse->handle(child->object());
          if (Relationship::is_loaded(theirs)) rel->reverse->link_remove(theirs, s);
        }
        for (const auto& [parent_attr, child_attr] : rel->pairs)
          assign(child, child_attr, Value());
      }
    }
  }
}

SessionCore::ParentMap SessionCore::parents_of() const {
  ParentMap out;
  for (const auto* list : {&pending_, &touched_}) {
    for (EntityState* p : *list) {
      if (p->flags & kDeleted) continue;
      for (const auto& rel : p->mapper->relationships()) {
        if (rel->spec.viewonly || rel->direction != Direction::one_to_many) continue;
        const HandleBase& h = rel->handle(p->object());
        if (!Relationship::is_loaded(h)) continue;
        std::vector<EntityState*> children, removed;
        if (p->flags & kPending) {
          rel->items(h, children);
        } else {
          rel->changes(h, children, removed);
        }
        for (EntityState* child : children) {
          if (!(child->flags & kDeleted)) out[child].emplace_back(rel.get(), p);
        }
      }
    }
  }
  return out;
}

void SessionCore::process_orphans(const ParentMap& parents) {
  std::vector<std::pair<const Relationship*, EntityState*>> orphans;
  for (const auto* list : {&pending_, &touched_}) {
    for (EntityState* p : *list) {
      for (const auto& rel : p->mapper->relationships()) {
        if (rel->spec.viewonly || rel->direction != Direction::one_to_many) continue;
        const HandleBase& h = rel->handle(p->object());
        if (!Relationship::is_loaded(h)) continue;
        std::vector<EntityState*> added, removed;
        rel->changes(h, added, removed);
        for (EntityState* child : removed) {
          // A child that moved to another parent is not an orphan.
          if (!(child->flags & kDeleted) && !parents.count(child) && !rel->child_has_parent(child))
            orphans.emplace_back(rel.get(), child);
        }
      }
    }
  }
  // Children that left a delete-orphan parent since the last flush, whichever side they
  // left through and whether or not the collection was loaded.
  for (const auto& [rel, child] : left_) {
    if (!(child->flags & kDeleted) && !parents.count(child) && !rel->child_has_parent(child))
      orphans.emplace_back(rel, child);
  }
  for (const auto& [rel, child] : orphans) {
    if (child->session != this) continue;
    if (rel->spec.cascade.delete_orphan) {
      remove(child);
    } else {
      for (const auto& [parent_attr, child_attr] : rel->pairs)
        assign(child, child_attr, Value());
    }
  }
}

std::vector<std::vector<EntityState*>> SessionCore::by_depth(
    const Mapper& mapper, const std::vector<EntityState*>& states, const ParentMap& parents) const {
  if (!is_self_referential(mapper)) return {states};
  const std::unordered_set<EntityState*> here(states.begin(), states.end());
  std::unordered_map<EntityState*, int> depth;
  std::function<int(EntityState*, int)> depth_of = [&](EntityState* s, int guard) -> int {
    if (auto it = depth.find(s); it != depth.end()) return it->second;
    if (guard > static_cast<int>(states.size())) {
      throw ArgumentError(mapper.class_name() +
                          " objects refer to each other in a cycle; mark one relationship "
                          "post_update");
    }
    int d = 0;
    auto consider = [&](EntityState* parent) {
      if (parent != s && here.count(parent)) d = std::max(d, 1 + depth_of(parent, guard + 1));
    };
    for (const auto& rel : mapper.relationships()) {
      if (rel->target != &mapper || rel->spec.viewonly || rel->spec.post_update ||
          rel->direction != Direction::many_to_one) {
        continue;
      }
      std::vector<EntityState*> targets;
      rel->items(rel->handle(s->object()), targets);
      for (EntityState* t : targets)
        consider(t);
    }
    if (auto it = parents.find(s); it != parents.end()) {
      for (const auto& [rel, parent] : it->second) {
        if (parent->mapper == &mapper) consider(parent);
      }
    }
    depth[s] = d;
    return d;
  };
  std::vector<std::vector<EntityState*>> out;
  for (EntityState* s : states) {
    const int d = depth_of(s, 0);
    if (static_cast<int>(out.size()) <= d) out.resize(d + 1);
    out[d].push_back(s);
  }
  return out;
}

void SessionCore::sync_foreign_keys(EntityState* s, const ParentMap& parents) {
  if (s->flags & kDeleted) return;
  const bool pending = s->flags & kPending;
  for (const auto& rel : s->mapper->relationships()) {
    if (rel->spec.viewonly || rel->spec.post_update || rel->direction != Direction::many_to_one)
      continue;
    const HandleBase& h = rel->handle(s->object());
    if (!Relationship::is_loaded(h)) continue;
    if (!pending && !rel->changed_since_load(h)) continue;  // the member is the truth
    std::vector<EntityState*> targets;
    rel->items(h, targets);
    if (!targets.empty() && (targets.front()->flags & kDiscarded)) {
      throw ObjectStateError(rel->full_name() + " refers to a " + rel->target->class_name() +
                             " object that was deleted before it was inserted");
    }
    for (const auto& [local, remote] : rel->pairs) {
      assign(s, local, targets.empty() ? Value() : remote->get(targets.front()->object()));
    }
  }
  if (auto it = parents.find(s); it != parents.end()) {
    for (const auto& [rel, parent] : it->second) {
      for (const auto& [parent_attr, child_attr] : rel->pairs)
        assign(s, child_attr, parent_attr->get(parent->object()));
    }
  }
}

void SessionCore::post_updates(const ParentMap&) {
  auto has_post_update = [](const EntityState* s) {
    const auto& rels = s->mapper->relationships();
    return std::any_of(rels.begin(), rels.end(), [](const auto& r) { return r->spec.post_update; });
  };
  std::vector<EntityState*> owners;
  for (EntityState* s : pending_) {
    if (has_post_update(s)) owners.push_back(s);
  }
  for (EntityState* s : touched_) {
    if ((s->flags & kPersistent) && !(s->flags & kDeleted) && has_post_update(s))
      owners.push_back(s);
  }
  for (EntityState* s : owners) {
    const bool pending = s->flags & kPending;
    for (const auto& rel : s->mapper->relationships()) {
      if (!rel->spec.post_update || rel->direction != Direction::many_to_one) continue;
      const HandleBase& h = rel->handle(s->object());
      if (!Relationship::is_loaded(h)) continue;
      std::vector<EntityState*> targets;
      rel->items(h, targets);
      if (pending && targets.empty()) continue;  // inserted with NULL already
      if (!pending && !rel->changed_since_load(h)) continue;
      // Both rows exist now: the key can be written.
      std::vector<Value> params;
      for (const auto& [local, remote] : rel->pairs) {
        const Value v = targets.empty() ? Value() : remote->get(targets.front()->object());
        local->set(s->object(), v);
        params.push_back(v);
      }
      const Mapper& m = *s->mapper;
      for (const Attribute* a : m.primary_key())
        params.push_back(a->get(s->object()));
      const auto& sql = statement(m, "P" + rel->name, [&] {
        sql::Assignments set;
        for (const auto& [local, remote] : rel->pairs)
          set.emplace_back(local->name, sql::placeholder(local->type));
        sql::Update update = sql::update(m.table()).values(set);
        for (const Attribute* a : m.primary_key())
          update = update.where(m.table().c(a->name) == sql::placeholder(a->type));
        return update;
      });
      connection().execute(sql.sql, Params(sql.parameters(std::move(params))));
    }
  }
}

void SessionCore::delete_owner_associations() {
  if (deleted_related_ == 0) return;
  for (EntityState* s : deleted_) {
    if (!(s->flags & kPersistent)) continue;
    for (const auto& rel : s->mapper->relationships()) {
      if (rel->spec.viewonly || rel->direction != Direction::many_to_many) continue;
      std::vector<Value> params;
      for (const auto& [attr, column] : rel->secondary_local)
        params.push_back(attr->get(s->object()));
      const auto& sql = statement(*rel->parent, "A" + rel->name, [&] {
        const Table& link = rel->spec.secondary;
        sql::Delete del = sql::delete_(link);
        for (const auto& [attr, column] : rel->secondary_local)
          del = del.where(link.c(column) == sql::placeholder(attr->type));
        return del;
      });
      connection().execute(sql.sql, Params(sql.parameters(std::move(params))));
    }
  }
}

void SessionCore::write_associations() {
  struct Row {
    const Relationship* rel;
    std::vector<Value> values;  // local columns then remote columns
    bool insert;
  };
  std::vector<Row> rows;
  // Both sides of a back_populates pair record the same row: write it once.
  std::set<std::string> seen;
  auto record = [&](const Relationship* rel, EntityState* owner, EntityState* item, bool insert) {
    std::vector<std::pair<std::string, std::string>> key;
    Row row{rel, {}, insert};
    for (const auto& [attr, column] : rel->secondary_local) {
      row.values.push_back(attr->get(owner->object()));
      key.emplace_back(column, row.values.back().repr());
    }
    for (const auto& [attr, column] : rel->secondary_remote) {
      row.values.push_back(attr->get(item->object()));
      key.emplace_back(column, row.values.back().repr());
    }
    std::sort(key.begin(), key.end());
    std::string canonical = rel->spec.secondary.name() + (insert ? "+" : "-");
    for (const auto& [c, v] : key)
      canonical += c + "=" + v + ";";
    if (seen.insert(canonical).second) rows.push_back(std::move(row));
  };
  for (const auto* list : {&pending_, &touched_}) {
    for (EntityState* owner : *list) {
      if (owner->flags & kDeleted) continue;
      for (const auto& rel : owner->mapper->relationships()) {
        if (rel->spec.viewonly || rel->direction != Direction::many_to_many) continue;
        const HandleBase& h = rel->handle(owner->object());
        if (!Relationship::is_loaded(h)) continue;
        std::vector<EntityState*> added, removed;
        if (owner->flags & kPending) {
          rel->items(h, added);
        } else {
          rel->changes(h, added, removed);
        }
        // Only a row the database holds has links to remove: one deleted by an earlier
        // flush lost them then, and its key may since belong to a new row.
        for (EntityState* item : removed) {
          if (item->flags & kPersistent) record(rel.get(), owner, item, false);
        }
        for (EntityState* item : added) {
          if (item->flags & kDeleted) continue;
          if (!(item->flags & (kPersistent | kPending))) {
            throw ObjectStateError(item->mapper->class_name() + " added to " + rel->full_name() +
                                   " was deleted by an earlier flush; add a new object instead");
          }
          record(rel.get(), owner, item, true);
        }
      }
    }
  }
  // Removals first, as SQLAlchemy writes them: a row removed and added again ends present.
  std::stable_partition(rows.begin(), rows.end(), [](const Row& r) { return !r.insert; });
  for (const Row& row : rows) {
    const Relationship& rel = *row.rel;
    const auto& sql = statement(*rel.parent, (row.insert ? "+" : "-") + rel.name, [&] {
      const Table& link = rel.spec.secondary;
      std::vector<std::string> columns;
      for (const auto& [attr, column] : rel.secondary_local)
        columns.push_back(column);
      for (const auto& [attr, column] : rel.secondary_remote)
        columns.push_back(column);
      if (row.insert) return sql::Executable(sql::insert(link).placeholders(columns, 1));
      sql::Delete del = sql::delete_(link);
      for (const auto& column : columns)
        del = del.where(link.c(column) == sql::placeholder());
      return sql::Executable(del);
    });
    connection().execute(sql.sql, Params(sql.parameters(row.values)));
  }
}

std::vector<EntityState*> SessionCore::children_first(const Mapper& mapper,
                                                      const std::vector<EntityState*>& states) {
  // The row each refers to, by the values the database holds: a deleted object is not
  // updated, so those are its snapshot's (the values it was loaded with) when it has one.
  std::vector<std::pair<const Attribute*, const Attribute*>> self;
  for (const auto& rel : mapper.relationships()) {
    if (rel->target == &mapper && rel->direction == Direction::many_to_one && !rel->spec.viewonly)
      self.insert(self.end(), rel->pairs.begin(), rel->pairs.end());
  }
  auto row = [&](const EntityState* s) {
    std::vector<Value> values(mapper.attributes().size());
    if (s->snapshot.empty()) {
      for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = mapper.attributes()[i]->get(s->object());
    } else {
      const char* p = s->snapshot.data();
      for (std::size_t i : mapper.snapshot_order())
        values[i] = mapper.attributes()[i]->decode(p);
    }
    return values;
  };
  auto index_of = [&](const Attribute* a) {
    const auto& attrs = mapper.attributes();
    return static_cast<std::size_t>(
        std::find_if(attrs.begin(), attrs.end(), [&](const auto& x) { return x.get() == a; }) -
        attrs.begin());
  };
  std::unordered_map<std::string, std::size_t> by_key;
  std::vector<std::string> refers_to(states.size());
  for (std::size_t i = 0; i < states.size(); ++i) {
    const auto values = row(states[i]);
    std::string key, target;
    for (const auto& [local, remote] : self) {
      key += values[index_of(remote)].repr() + '\x1f';
      target += values[index_of(local)].repr() + '\x1f';
    }
    by_key.emplace(std::move(key), i);
    refers_to[i] = std::move(target);
  }
  // Depth below the other deleted rows; deepest first.
  std::vector<int> depth(states.size(), -1);
  auto depth_of = [&](std::size_t i) {
    int d = 0;
    for (std::size_t at = i, steps = 0; steps <= states.size(); ++steps) {
      auto it = by_key.find(refers_to[at]);
      if (it == by_key.end() || it->second == at) break;
      at = it->second;
      ++d;
    }
    return d;
  };
  std::vector<std::size_t> order(states.size());
  for (std::size_t i = 0; i < states.size(); ++i) {
    order[i] = i;
    depth[i] = depth_of(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return depth[a] > depth[b]; });
  std::vector<EntityState*> out;
  out.reserve(states.size());
  for (std::size_t i : order)
    out.push_back(states[i]);
  return out;
}

}  // namespace retort::orm
