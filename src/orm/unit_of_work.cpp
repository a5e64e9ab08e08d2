// The unit of work: what a flush writes and in which order (mapper by mapper, parents
// first), all or nothing; the statements themselves are persistence.cpp's.
#include <algorithm>
#include <map>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/sql/dialect.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/from.hpp"

namespace retort::orm {

namespace {

// Whether a change sets some column to NULL.
bool releases_value(const EntityState* s, const std::string& mask) {
  const auto& attrs = s->mapper->attributes();
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    if (mask[i] && attrs[i]->optional && attrs[i]->get(s->object()).is_null()) return true;
  }
  return false;
}

bool has_update_hooks(const Mapper& m) {
  return !m.events().before_update.empty() || m.has_set_hooks();
}

// Which columns differ from the snapshot; false when none does.
bool changed_columns(const EntityState* s, std::string& mask) {
  const auto& attrs = s->mapper->attributes();
  mask.assign(attrs.size(), '\0');
  const char* p = s->snapshot.data();
  bool any = false;
  for (std::size_t i : s->mapper->snapshot_order()) {
    if (!attrs[i]->same(s->object(), p)) {
      mask[i] = 1;
      any = true;
    }
  }
  return any;
}

}  // namespace

void SessionCore::flush() {
  if (flushing_ || !unflushed()) return;
  flushing_ = true;
  ++flushes_;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{flushing_};

  FlushPlan plan = plan_flush();
  connection();
  try {
    write_flush(plan);
    check_sent();
  } catch (...) {
    sent_.clear();
    undo_flush(plan);
    throw;
  }
  finish_flush(plan);
}

SessionCore::FlushPlan SessionCore::plan_flush() {
  FlushPlan plan;
  // Relationships first: what adding and deleting reach through cascades, and which
  // parent each object now belongs to. (Nothing to do when no object that may change has
  // relationships: plain rows flush without these passes over every object.)
  plan.related = related_ > 0;
  if (plan.related) cascade_saves();
  cascade_deletes();
  if (plan.related) {
    plan.parents = parents_of();
    process_orphans(plan.parents);
  }
  // Objects come in runs of one class: a run's list is looked up once.
  auto by_class = [](std::map<int, std::vector<EntityState*>>& lists) {
    return [&lists, list = static_cast<std::vector<EntityState*>*>(nullptr),
            slot = -1](EntityState* s) mutable {
      if (s->mapper->slot() != slot) {
        slot = s->mapper->slot();
        list = &lists[slot];
      }
      list->push_back(s);
    };
  };
  auto insert = by_class(plan.inserts);
  for (EntityState* s : pending_)
    insert(s);
  auto delete_ = by_class(plan.deletes);
  for (EntityState* s : deleted_) {
    if (s->flags & kPersistent) delete_(s);
  }
  // Rows already in the database that may change, by mapper: the touched ones and the
  // children that moved to another parent.
  auto change = by_class(plan.changing);
  for (EntityState* s : touched_) {
    if (s->flags & kPersistent) change(s);
  }
  for (const auto& [child, list] : plan.parents) {
    if ((child->flags & kPersistent) && !(child->flags & kTouched))
      plan.changing[child->mapper->slot()].push_back(child);
  }
  return plan;
}

bool SessionCore::waits_for_unwritten(EntityState* s, const ParentMap& parents) {
  auto unwritten = [](EntityState* t) { return (t->flags & (kPending | kWritten)) == kPending; };
  for (const auto& rel : s->mapper->relationships()) {
    if (rel->spec.viewonly || rel->spec.post_update || rel->direction != Direction::many_to_one)
      continue;
    const HandleBase& h = rel->handle(s->object());
    if (!Relationship::is_loaded(h)) continue;
    std::vector<EntityState*> targets;
    rel->items(h, targets);
    if (std::any_of(targets.begin(), targets.end(), unwritten)) return true;
  }
  if (auto it = parents.find(s); it != parents.end()) {
    for (const auto& [rel, parent] : it->second) {
      if (unwritten(parent)) return true;
    }
  }
  return false;
}

void SessionCore::write_updates(FlushPlan& plan, const std::vector<EntityState*>& states) {
  auto& updates = plan.updates;
  const std::size_t first = updates.size();
  std::string mask;
  for (EntityState* s : states) {
    if (!(s->flags & kPersistent) || (s->flags & kDeleted)) continue;
    // An expired object's members are not its row's: read them before comparing.
    if (s->flags & kExpired) reload(s);
    sync_foreign_keys(s, plan.parents);
    if (!changed_columns(s, mask)) continue;
    const Mapper& m = *s->mapper;
    if (has_update_hooks(m)) {
      // before_update and on_set hooks may change more: compare again after them.
      for (const auto& hook : m.events().before_update)
        hook(s->object());
      m.run_set_hooks(s->object(), &mask);
      if (!changed_columns(s, mask)) continue;
    }
    const bool releases = releases_value(s, mask);
    auto it = std::find_if(updates.begin() + first, updates.end(), [&](const UpdateGroup& g) {
      return g.mask == mask && g.releases == releases;
    });
    if (it == updates.end()) {
      updates.push_back(UpdateGroup{&m, mask, releases, {}});
      it = updates.end() - 1;
    }
    it->states.push_back(s);
  }
  // Rows that give a value up go first: a unique value one row lets go of (a one-to-one
  // moved to another object) can then be taken by another in this flush.
  std::stable_partition(updates.begin() + first, updates.end(),
                        [](const UpdateGroup& g) { return g.releases; });
  for (std::size_t i = first; i < updates.size(); ++i)
    update_objects(updates[i].mask, updates[i].states);
}

void SessionCore::write_flush(FlushPlan& plan) {
  const auto order = registry_->flush_order();
  delete_owner_associations();
  // Mapper by mapper, parents first. A table's updates go before its inserts (a unique
  // value one row gives up can be taken by a new row), except those that need the key of
  // a row not written yet.
  for (const Mapper* m : order) {
    std::vector<EntityState*> now, later;
    if (auto it = plan.changing.find(m->slot()); it != plan.changing.end()) {
      for (EntityState* s : it->second)
        (waits_for_unwritten(s, plan.parents) ? later : now).push_back(s);
    }
    write_updates(plan, now);
    if (auto it = plan.inserts.find(m->slot()); it != plan.inserts.end()) {
      insert_objects(*m, it->second, plan.parents);
      for (EntityState* s : it->second)
        s->flags |= kWritten;
    }
    write_updates(plan, later);
  }
  if (plan.related) {
    post_updates(plan.parents);
    write_associations();
  }
  for (auto m = order.rbegin(); m != order.rend(); ++m) {
    if (auto it = plan.deletes.find((*m)->slot()); it != plan.deletes.end())
      delete_objects(**m, it->second);
  }
}

void SessionCore::undo_flush(const FlushPlan& plan) {
  // All or nothing: the transaction (or savepoint) is rolled back and the session returns
  // to how it was before this flush; what was pending stays pending.
  for (const auto& [slot, states] : plan.inserts) {
    for (EntityState* s : states) {
      s->flags &= ~kWritten;
      for (const auto& a : s->mapper->attributes()) {
        if (a->generated && (s->flags & kPending)) a->reset(s->object());
      }
    }
  }
  CycleCheck cycles;  // objects inserted and deleted in what was rolled back leave
  if (levels_.size() > 1) {
    try {
      levels_.back().tx.rollback();
    } catch (...) {
    }
    revert_levels(levels_.size() - 1, true, true, cycles);
    levels_.pop_back();
  } else if (conn_) {
    try {
      levels_.front().tx.rollback();
    } catch (...) {
    }
    revert_levels(0, true, true, cycles);
    release_connection();
  }
}

void SessionCore::finish_flush(const FlushPlan& plan) {
  // Relationship changes are written; inserted objects become persistent, changed ones
  // forget their snapshots (the next change takes a new one), deleted ones leave the
  // session.
  for (auto* list : {&pending_, &touched_}) {
    if (!plan.related) break;
    for (EntityState* st : *list) {
      for (const auto& rel : st->mapper->relationships())
        rel->clear_changes(rel->handle(st->object()));
    }
  }
  Level& level = levels_.back();
  auto pending = std::move(pending_);
  pending_.clear();
  level.inserted.reserve(level.inserted.size() + pending.size());
  for (const auto& [slot, states] : plan.inserts) {
    if (states.front()->mapper->int_identity())
      identity(*states.front()->mapper).ints.reserve(states.size());
  }
  for (EntityState* s : pending) {
    s->flags = (s->flags & ~(kPending | kTouched | kWritten)) | kPersistent;
    s->snapshot.clear();
    insert_identity(s);
    level.inserted.push_back(s);  // keeps pending_'s reference, for a rollback
    for (const auto& hook : s->mapper->events().after_insert)
      hook(s->object());
  }
  for (const UpdateGroup& group : plan.updates) {
    if (group.mapper->events().after_update.empty()) continue;
    for (EntityState* s : group.states) {
      for (const auto& hook : group.mapper->events().after_update)
        hook(s->object());
    }
  }
  for (EntityState* s : touched_) {
    s->flags &= ~kTouched;
    refile_identity(s, level);
    s->snapshot.clear();
    drop(s);
  }
  touched_.clear();
  clear_left();
  related_ = 0;
  auto deleted = std::move(deleted_);
  deleted_.clear();
  deleted_related_ = 0;
  for (EntityState* s : deleted) {
    if (s->flags & kPersistent) {
      for (const auto& hook : s->mapper->events().after_delete)
        hook(s->object());
      erase_identity(s);
      s->flags &= ~(kDeleted | kPersistent);
      level.deleted.push_back(s);
    } else {
      s->flags &= ~kDeleted;
      drop(s);
    }
  }
}

}  // namespace retort::orm
