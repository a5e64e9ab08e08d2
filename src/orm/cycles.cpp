// Freeing objects that only keep each other alive.
//
// Relationship handles hold strong Refs, so objects that refer to each other (both sides
// of back_populates, a tree whose children point at their parent) keep each other's
// reference counts above zero after every outside Ref is gone. This finds them by trial
// deletion: over everything reachable from the roots through handles, an object whose
// count is higher than the references the group holds to it is held from outside; what
// such objects reach is alive; the rest is garbage, and letting go of its handles frees
// it.
#include <algorithm>
#include <unordered_map>

#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/relationship.hpp"

namespace retort::orm {
namespace {

void held_by(const EntityState* s, std::vector<EntityState*>& out) {
  for (const auto& rel : s->mapper->relationships())
    rel->held(rel->handle(s->object()), out);
}

}  // namespace

bool Mapper::may_cycle() const {
  if (const signed char known = may_cycle_.load(std::memory_order_relaxed); known >= 0)
    return known;
  // Follow relationship targets from this class; an unresolved target may lead anywhere.
  std::vector<const Mapper*> stack{this}, seen;
  bool resolved = true, found = false;
  while (!stack.empty() && !found) {
    const Mapper* m = stack.back();
    stack.pop_back();
    for (const auto& rel : m->relationships()) {
      const Mapper* t = rel->target;
      if (!t) {
        resolved = false;
        found = true;
      } else if (t == this) {
        found = true;
      } else if (std::find(seen.begin(), seen.end(), t) == seen.end()) {
        seen.push_back(t);
        stack.push_back(t);
      }
    }
  }
  if (resolved) may_cycle_.store(found ? 1 : 0, std::memory_order_relaxed);
  return found;
}

namespace {
// Letting go of handles releases Refs, which would start the same check again.
thread_local bool collecting = false;
}  // namespace

void collect_cycles(const std::vector<EntityState*>& pinned) {
  if (collecting) return;
  collecting = true;
  struct Done {
    ~Done() { collecting = false; }
  } done;
  // The group: everything reachable from the roots, with the references it holds to each.
  std::unordered_map<EntityState*, int> inside;
  std::vector<EntityState*> group, targets;
  for (EntityState* r : pinned) {
    if (inside.emplace(r, 0).second) group.push_back(r);
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    targets.clear();
    if (group[i]->mapper) held_by(group[i], targets);
    for (EntityState* t : targets) {
      auto [it, added] = inside.emplace(t, 0);
      ++it->second;
      if (added) group.push_back(t);
    }
  }
  for (EntityState* r : pinned)
    ++inside[r];  // the caller's pins hold from inside too

  // Held from outside, and what that reaches, stays.
  std::vector<EntityState*> alive;
  for (EntityState* s : group) {
    if (s->refs > inside[s]) alive.push_back(s);
  }
  std::unordered_map<EntityState*, bool> keep;
  for (EntityState* s : alive)
    keep[s] = true;
  for (std::size_t i = 0; i < alive.size(); ++i) {
    targets.clear();
    if (alive[i]->mapper) held_by(alive[i], targets);
    for (EntityState* t : targets) {
      if (keep.emplace(t, true).second) alive.push_back(t);
    }
  }

  // The rest: pinned while their handles let go, so none is freed while still in use here.
  std::vector<EntityState*> garbage;
  for (EntityState* s : group) {
    if (!keep.count(s)) garbage.push_back(s);
  }
  for (EntityState* s : garbage)
    ++s->refs;
  for (EntityState* s : garbage) {
    if (!s->mapper) continue;
    for (const auto& rel : s->mapper->relationships())
      rel->let_go(rel->handle(s->object()));
  }
  for (EntityState* s : garbage) {
    if (--s->refs == 0) detail::release(s);
  }
}

void CycleCheck::consider(EntityState* state) {
  if (!state->mapper || !state->mapper->may_cycle()) return;
  ++state->refs;
  roots_.push_back(state);
}

namespace detail {

void collect_cycles_from(EntityState* state) noexcept {
  if (collecting) return;
  CycleCheck check;
  try {
    check.consider(state);
  } catch (...) {
  }
}

}  // namespace detail

void CycleCheck::run() noexcept {
  try {
    collect_cycles(roots_);
  } catch (...) {
    // Out of memory while looking: the groups stay, nothing is freed twice.
  }
  for (EntityState* s : roots_) {
    if (--s->refs == 0) detail::release(s);
  }
  roots_.clear();
}

}  // namespace retort::orm
