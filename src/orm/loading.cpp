// Loading relationships: one object on access (lazy), or all the objects of a query with
// one statement per level (selectin).
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "retort/core/error.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/orm/session_core.hpp"
#include "retort/sql/dialect.hpp"

namespace retort::orm {
namespace {

// Rows per IN list: a thousand parents load with one statement, well under either
// database's parameter limit.
constexpr std::size_t kInBatch = 1000;

// "table"."column" of a target's attribute (in a hierarchy, the table that holds it).
std::string column_of(const Mapper& m, const Attribute& a, const sql::Dialect& d) {
  return d.quote(column_table(m, a).name()) + "." + d.quote(a.name);
}

std::string order_of(const Relationship& rel, const sql::Dialect& d,
                     const std::string& first = {}) {
  std::string out = first;
  for (const auto& [attr, descending] : rel.order_by) {
    out +=
        (out.empty() ? "" : ", ") + column_of(*rel.target, *attr, d) + (descending ? " DESC" : "");
  }
  return out.empty() ? out : " ORDER BY " + out;
}

// A printable key of values, for grouping rows by the parent they belong to.
std::string key_of(const std::vector<Value>& values) {
  std::string out;
  for (const auto& v : values) {
    out += v.repr();
    out += '\x1f';
  }
  return out;
}

// Lists of objects grouped by a key of values; a single integer key, the common case,
// is hashed as it is.
class Groups {
 public:
  std::vector<EntityState*>& operator[](const std::vector<Value>& key) {
    if (key.size() == 1 && key[0].type() == ValueType::integer)
      return ints_[key[0].get<std::int64_t>()];
    return others_[key_of(key)];
  }
  const std::vector<EntityState*>* find(const std::vector<Value>& key) const {
    if (key.size() == 1 && key[0].type() == ValueType::integer) {
      auto it = ints_.find(key[0].get<std::int64_t>());
      return it == ints_.end() ? nullptr : &it->second;
    }
    auto it = others_.find(key_of(key));
    return it == others_.end() ? nullptr : &it->second;
  }
  void reserve(std::size_t n) { ints_.reserve(n); }

 private:
  std::unordered_map<std::int64_t, std::vector<EntityState*>> ints_;
  std::unordered_map<std::string, std::vector<EntityState*>> others_;
};

bool has_null(const std::vector<Value>& values) {
  return std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); });
}

// "(a, b) IN ((?, ?), (?, ?))" or "a IN (?, ?)"
std::string in_list(const std::vector<std::string>& columns, std::size_t rows) {
  std::string out;
  if (columns.size() == 1) {
    out = columns.front() + " IN (";
    for (std::size_t r = 0; r < rows; ++r)
      out += r ? ", ?" : "?";
    return out + ")";
  }
  out = "(";
  for (std::size_t i = 0; i < columns.size(); ++i)
    out += (i ? ", " : "") + columns[i];
  out += ") IN (";
  std::string row = "(";
  for (std::size_t i = 0; i < columns.size(); ++i)
    row += i ? ", ?" : "?";
  row += ")";
  for (std::size_t r = 0; r < rows; ++r)
    out += (r ? ", " : "") + row;
  return out + ")";
}

}  // namespace

void SessionCore::load_relationship(EntityState* owner, const Relationship& rel) {
  autoflush();
  const sql::Dialect& d = *dialect_;
  const Mapper& target = *rel.target;
  void* object = owner->object;
  std::vector<EntityState*> found;
  if (rel.direction == Direction::many_to_one) {
    std::vector<Value> key;
    for (const auto& [local, remote] : rel.pairs)
      key.push_back(local->get(object));
    if (has_null(key)) {
      rel.set_items(rel.handle(object), {});
      return;
    }
    // The identity map answers without a query when the key is the target's primary key.
    std::vector<const Attribute*> remote;
    for (const auto& pair : rel.pairs)
      remote.push_back(pair.second);
    if (remote == target.primary_key()) {
      if (EntityState* s = get(target, key)) found.push_back(s);
      rel.set_items(rel.handle(object), found);
      return;
    }
  }
  const auto target_sql = polymorphic_sql(target, d);
  std::string sql = "SELECT " + target_sql.columns + " FROM " + target_sql.from;
  std::vector<Value> params;
  if (rel.direction == Direction::many_to_many) {
    const std::string s = d.quote(rel.spec.secondary.name());
    sql += " JOIN " + s + " ON ";
    for (std::size_t i = 0; i < rel.secondary_remote.size(); ++i) {
      sql += (i ? " AND " : "") + s + "." + d.quote(rel.secondary_remote[i].second) + " = " +
             column_of(target, *rel.secondary_remote[i].first, d);
    }
    sql += " WHERE ";
    for (std::size_t i = 0; i < rel.secondary_local.size(); ++i) {
      sql += (i ? " AND " : "") + s + "." + d.quote(rel.secondary_local[i].second) + " = ?";
      params.push_back(rel.secondary_local[i].first->get(object));
    }
  } else {
    sql += " WHERE ";
    for (std::size_t i = 0; i < rel.pairs.size(); ++i) {
      sql += (i ? " AND " : "") + column_of(target, *rel.pairs[i].second, d) + " = ?";
      params.push_back(rel.pairs[i].first->get(object));
    }
  }
  if (!target_sql.filter.empty()) sql += " AND " + target_sql.filter;
  sql += order_of(rel, d);
  if (has_null(params)) {
    rel.set_items(rel.handle(object), {});
    return;
  }
  auto result = connection().execute(sql, Params(std::move(params)));
  while (result.next())
    found.push_back(load(target, result.row().statement(), 0, false));
  rel.set_items(rel.handle(object), found);
}

std::vector<EntityState*> SessionCore::load_selectin(const Relationship& rel,
                                                     const std::vector<EntityState*>& owners) {
  const sql::Dialect& d = *dialect_;
  const Mapper& target = *rel.target;
  std::vector<EntityState*> loaded;

  // The owners still to load, by the key their rows are found with.
  Groups waiting;
  waiting.reserve(owners.size());
  std::vector<std::vector<Value>> keys;
  for (EntityState* owner : owners) {
    HandleBase& h = rel.handle(owner->object);
    if (Relationship::is_loaded(h)) continue;
    std::vector<Value> key;
    if (rel.direction == Direction::many_to_many) {
      for (const auto& [attr, column] : rel.secondary_local)
        key.push_back(attr->get(owner->object));
    } else {
      for (const auto& [local, remote] : rel.pairs)
        key.push_back(local->get(owner->object));
    }
    if (has_null(key)) {
      rel.set_items(h, {});
      continue;
    }
    auto& list = waiting[key];
    if (list.empty()) keys.push_back(key);
    list.push_back(owner);
  }
  const std::vector<std::vector<Value>> all_keys = keys;
  Groups results;
  results.reserve(keys.size());

  if (rel.direction == Direction::many_to_one) {
    // Targets already in the session need no query.
    std::vector<std::vector<Value>> missing;
    std::vector<const Attribute*> remote;
    for (const auto& pair : rel.pairs)
      remote.push_back(pair.second);
    const bool by_primary_key = remote == target.primary_key();
    for (const auto& key : keys) {
      EntityState* s = nullptr;
      if (by_primary_key) {
        if (target.int_identity() && key[0].type() == ValueType::integer) {
          s = identity(target).ints.find(key[0].get<std::int64_t>());
        }
      }
      if (s && !(s->flags & kExpired)) {
        results[key].push_back(s);
      } else {
        missing.push_back(key);
      }
    }
    keys = std::move(missing);
  }

  std::vector<std::string> match_columns;
  const auto target_sql = polymorphic_sql(target, d);
  std::string from = target_sql.from;
  std::string select = target_sql.columns;
  int offset = 0;
  if (rel.direction == Direction::many_to_many) {
    const std::string s = d.quote(rel.spec.secondary.name());
    from += " JOIN " + s + " ON ";
    for (std::size_t i = 0; i < rel.secondary_remote.size(); ++i) {
      from += (i ? " AND " : "") + s + "." + d.quote(rel.secondary_remote[i].second) + " = " +
              column_of(target, *rel.secondary_remote[i].first, d);
    }
    std::string local_columns;
    for (const auto& [attr, column] : rel.secondary_local) {
      match_columns.push_back(s + "." + d.quote(column));
      local_columns += match_columns.back() + ", ";
    }
    select = local_columns + select;
    offset = static_cast<int>(rel.secondary_local.size());
  } else {
    for (const auto& pair : rel.pairs)
      match_columns.push_back(column_of(target, *pair.second, d));
  }

  for (std::size_t start = 0; start < keys.size(); start += kInBatch) {
    const std::size_t n = std::min(kInBatch, keys.size() - start);
    const std::string& sql = cached_sql("S" + rel.full_name() + ":" + std::to_string(n), [&] {
      return "SELECT " + select + " FROM " + from + " WHERE " + in_list(match_columns, n) +
             (target_sql.filter.empty() ? "" : " AND " + target_sql.filter) + order_of(rel, d);
    });
    std::vector<Value> params;
    params.reserve(n * match_columns.size());
    for (std::size_t k = start; k < start + n; ++k)
      params.insert(params.end(), keys[k].begin(), keys[k].end());
    auto result = connection().execute(sql, Params(std::move(params)));
    std::vector<Value> key;
    while (result.next()) {
      auto& stmt = result.row().statement();
      EntityState* child = load(target, stmt, offset, false);
      loaded.push_back(child);
      key.clear();
      if (rel.direction == Direction::many_to_many) {
        for (int i = 0; i < offset; ++i) {
          key.push_back(rel.secondary_local[static_cast<std::size_t>(i)].first->type.from_db(
              stmt.get_value(i)));
        }
      } else {
        for (const auto& [local, remote] : rel.pairs)
          key.push_back(remote->get(child->object));
      }
      results[key].push_back(child);
    }
  }
  static const std::vector<EntityState*> none;
  for (const auto& key : all_keys) {
    const auto* items = results.find(key);
    for (EntityState* owner : *waiting.find(key))
      rel.set_items(rel.handle(owner->object), items ? *items : none);
  }
  return loaded;
}

}  // namespace retort::orm

namespace retort::orm {
namespace {

// What the options say about one relationship of a mapper: the strategy, and the options
// that go on to the objects it loads.
struct Plan {
  Loading strategy;
  std::vector<LoadOption> nested;
};

Plan plan_for(const Mapper& mapper, const Relationship& rel, const std::vector<LoadOption>& options,
              int depth) {
  // Eager defaults of the mapping apply a few levels deep (cycles end there).
  Plan plan{depth < 3 ? rel.spec.loading : Loading::lazy, {}};
  if (depth >= 3 && (rel.spec.loading == Loading::raise || rel.spec.loading == Loading::noload)) {
    plan.strategy = rel.spec.loading;
  }
  for (const auto& option : options) {
    const auto& [member, strategy] = option.steps().front();
    if (member.type_slot != mapper.slot() || !rel.maps(member.bytes, member.size)) continue;
    plan.strategy = strategy;
    if (option.steps().size() > 1) {
      plan.nested.push_back(LoadOption({option.steps().begin() + 1, option.steps().end()}));
    }
  }
  return plan;
}

}  // namespace

void SessionCore::apply_loaders(const Mapper& mapper, const std::vector<EntityState*>& states,
                                const std::vector<LoadOption>& options, int depth) {
  if (states.empty()) return;
  for (const auto& rel : mapper.relationships()) {
    const Plan plan = plan_for(mapper, *rel, options, depth);
    switch (plan.strategy) {
      case Loading::selectin:
      case Loading::joined: {  // joined below the top level loads like selectin
        std::vector<EntityState*> children = load_selectin(*rel, states);
        if (!rel->uselist || rel->direction == Direction::many_to_one) {
          // Targets that were already in the session come back loaded too.
          children.clear();
          for (EntityState* s : states)
            rel->items(rel->handle(s->object), children);
        }
        apply_loaders(*rel->target, children, plan.nested, depth + 1);
        break;
      }
      case Loading::raise:
        for (EntityState* s : states) {
          HandleBase& h = rel->handle(s->object);
          if (!Relationship::is_loaded(h)) h.raise_ = true;
        }
        break;
      case Loading::noload:
        for (EntityState* s : states) {
          HandleBase& h = rel->handle(s->object);
          if (!Relationship::is_loaded(h)) rel->set_items(h, {});
        }
        break;
      case Loading::lazy:
        break;
    }
  }
}

std::vector<EntityState*> SessionCore::run_query(const Mapper& mapper, const sql::Select& select,
                                                 bool populate_existing,
                                                 const std::vector<LoadOption>& options) {
  autoflush();
  // Relationships loaded by LEFT OUTER JOINs in this same statement, as a tree: each node
  // joins its relationship's table to its parent node's (-1: the queried table).
  struct Node {
    const Relationship* rel;
    int parent;
    int depth;
    std::vector<LoadOption> nested;
    int offset = 0;
    std::vector<EntityState*> owners;  // parent objects seen, in row order
    std::unordered_map<EntityState*, std::vector<EntityState*>> items;
    std::vector<EntityState*> loaded;
  };
  std::vector<Node> nodes;
  const auto& data = select.data();
  // LIMIT / OFFSET count joined rows, not objects: those queries load like selectin.
  if (!data.limit && !data.offset) {
    auto add_nodes = [&](auto& self, const Mapper& m, const std::vector<LoadOption>& opts,
                         int parent, int depth) -> void {
      if (depth >= 3) return;
      for (const auto& rel : m.relationships()) {
        Plan plan = plan_for(m, *rel, opts, depth);
        // A hierarchy's rows need joins of their own: those relationships load like selectin.
        if (plan.strategy != Loading::joined || rel->target->inheritance()) continue;
        Node& node = nodes.emplace_back();
        node.rel = rel.get();
        node.parent = parent;
        node.depth = depth;
        node.nested = std::move(plan.nested);
        const int index = static_cast<int>(nodes.size()) - 1;
        self(self, *rel->target, std::vector<LoadOption>(node.nested), index, depth + 1);
      }
    };
    add_nodes(add_nodes, mapper, options, -1, 0);
  }
  std::vector<EntityState*> out;
  if (nodes.empty()) {
    auto result = connection().execute(select);
    // A join repeats an object once per joined row: a query of entities returns each
    // once, in the order of its first row.
    while (result.next()) {
      EntityState* s = load(mapper, result.row().statement(), 0, populate_existing);
      if (s->flags & kInResult) continue;
      s->flags |= kInResult;
      out.push_back(s);
    }
    for (EntityState* s : out)
      s->flags &= ~kInResult;
    apply_loaders(mapper, out, options);
    return out;
  }

  sql::Select stmt = select;
  std::vector<sql::From> aliases;
  aliases.reserve(nodes.size());
  auto column = [&](int node, const Attribute& a) {
    return node < 0 ? column_table(mapper, a).c(a.name)
                    : aliases[static_cast<std::size_t>(node)].c(a.name);
  };
  int offset = static_cast<int>(row_width(mapper));
  for (std::size_t j = 0; j < nodes.size(); ++j) {
    Node& node = nodes[j];
    const Relationship& rel = *node.rel;
    aliases.push_back(rel.target->table().alias("rt_j" + std::to_string(j)));
    const sql::From& target = aliases.back();
    if (rel.direction == Direction::many_to_many) {
      const sql::From link = rel.spec.secondary.alias("rt_s" + std::to_string(j));
      std::vector<sql::Expr<bool>> parts, remote;
      for (const auto& [attr, col] : rel.secondary_local)
        parts.push_back(link.c(col) == column(node.parent, *attr));
      for (const auto& [attr, col] : rel.secondary_remote)
        remote.push_back(target.c(attr->name) == link.c(col));
      stmt = stmt.outerjoin(link, sql::and_(parts)).outerjoin(target, sql::and_(remote));
    } else {
      std::vector<sql::Expr<bool>> parts;
      for (const auto& [local, remote] : rel.pairs)
        parts.push_back(column(node.parent, *local) == target.c(remote->name));
      stmt = stmt.outerjoin(target, sql::and_(parts));
    }
    for (const auto& a : rel.target->attributes())
      stmt = stmt.add_columns(target.c(a->name));
    for (const auto& [attr, descending] : rel.order_by) {
      stmt = stmt.order_by(descending ? sql::OrderBy(target.c(attr->name).desc())
                                      : target.c(attr->name).asc());
    }
    node.offset = offset;
    offset += static_cast<int>(rel.target->attributes().size());
  }

  // Rows repeat a parent once per child: each object comes back once, with its related
  // objects gathered in row order.
  std::unordered_set<EntityState*> seen;
  std::vector<EntityState*> row_objects(nodes.size());
  auto result = connection().execute(stmt);
  while (result.next()) {
    auto& row = result.row().statement();
    EntityState* root = load(mapper, row, 0, populate_existing);
    if (seen.insert(root).second) out.push_back(root);
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      Node& node = nodes[j];
      EntityState* owner =
          node.parent < 0 ? root : row_objects[static_cast<std::size_t>(node.parent)];
      row_objects[j] = nullptr;
      if (!owner) continue;
      auto [it, first] = node.items.try_emplace(owner);
      if (first) node.owners.push_back(owner);
      const Mapper& target = *node.rel->target;
      if (row.is_null(node.offset + target.primary_key_columns().front())) continue;
      EntityState* child = load(target, row, node.offset, false);
      row_objects[j] = child;
      auto& list = it->second;
      if ((list.empty() || list.back() != child) &&
          std::find(list.begin(), list.end(), child) == list.end()) {
        list.push_back(child);
        node.loaded.push_back(child);
      }
    }
  }
  for (Node& node : nodes) {
    for (EntityState* owner : node.owners) {
      HandleBase& h = node.rel->handle(owner->object);
      if (!Relationship::is_loaded(h) || populate_existing)
        node.rel->set_items(h, node.items[owner]);
    }
  }
  // What the joins did not load (selectin, raise, noload, deeper levels).
  apply_loaders(mapper, out, options);
  for (Node& node : nodes) {
    // A many-to-one target shared by several owners was gathered once per owner.
    std::unordered_set<EntityState*> unique;
    std::erase_if(node.loaded, [&](EntityState* s) { return !unique.insert(s).second; });
    apply_loaders(*node.rel->target, node.loaded, node.nested, node.depth + 1);
  }
  return out;
}

}  // namespace retort::orm

namespace retort::orm {

sql::Select join_along(const sql::Select& select, const Relationship& rel, bool outer) {
  const Table& target = rel.target->table();
  auto join = [&](const sql::Select& s, const sql::From& to, std::vector<sql::Expr<bool>> on) {
    return outer ? s.outerjoin(to, sql::and_(std::move(on))) : s.join(to, sql::and_(std::move(on)));
  };
  if (rel.direction == Direction::many_to_many) {
    const Table& link = rel.spec.secondary;
    std::vector<sql::Expr<bool>> first, second;
    for (const auto& [attr, column] : rel.secondary_local)
      first.push_back(link.c(column) == column_table(*rel.parent, *attr).c(attr->name));
    for (const auto& [attr, column] : rel.secondary_remote)
      second.push_back(column_table(*rel.target, *attr).c(attr->name) == link.c(column));
    return join(join(select, link, first), target, second);
  }
  std::vector<sql::Expr<bool>> on;
  for (const auto& [local, remote] : rel.pairs)
    on.push_back(column_table(*rel.parent, *local).c(local->name) ==
                 column_table(*rel.target, *remote).c(remote->name));
  return join(select, target, on);
}

sql::Expr<bool> exists_along(const Relationship& rel, const sql::Expr<bool>& condition) {
  const Table& target = rel.target->table();
  std::vector<sql::Expr<bool>> where;
  sql::Select inner = sql::select(sql::text("1"));
  if (rel.direction == Direction::many_to_many) {
    const Table& link = rel.spec.secondary;
    std::vector<sql::Expr<bool>> on;
    for (const auto& [attr, column] : rel.secondary_remote)
      on.push_back(column_table(*rel.target, *attr).c(attr->name) == link.c(column));
    inner = inner.select_from(link.join(target, sql::and_(on)));
    for (const auto& [attr, column] : rel.secondary_local)
      where.push_back(link.c(column) == column_table(*rel.parent, *attr).c(attr->name));
  } else {
    inner = inner.select_from(target);
    for (const auto& [local, remote] : rel.pairs)
      where.push_back(column_table(*rel.target, *remote).c(remote->name) ==
                      column_table(*rel.parent, *local).c(local->name));
  }
  if (condition.node()) where.push_back(condition);
  return sql::exists(inner.where(sql::and_(where)));
}

}  // namespace retort::orm
