// Loading relationships: one object on access (lazy), or all the objects of a query with
// one statement per level (selectin).
#include <algorithm>
#include <bit>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/dynamic.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/orm/load_options.hpp"
#include "retort/sql/dialect.hpp"

namespace retort {

LoadOption::LoadOption(orm::Loading strategy, orm::MemberRef member) : steps_{{member, strategy}} {}
LoadOption::LoadOption(Steps steps) : steps_(std::move(steps)) {}
LoadOption::LoadOption(const LoadOption& other) = default;
LoadOption::LoadOption(LoadOption&& other) noexcept = default;
LoadOption& LoadOption::operator=(const LoadOption& other) = default;
LoadOption& LoadOption::operator=(LoadOption&& other) noexcept = default;
LoadOption::~LoadOption() = default;

LoadOption LoadOption::then(orm::MemberRef member, orm::Loading strategy) const {
  LoadOption out = *this;
  out.steps_.emplace_back(member, strategy);
  return out;
}

}  // namespace retort

namespace retort::orm {
namespace {

// Rows per IN list: a thousand parents load with one statement, well under either
// database's parameter limit.
constexpr std::size_t kInBatch = 1000;

// The rows of a relationship's target (every table of a hierarchy), after `leading`
// columns, joined to the association table of a many-to-many, in the relationship's
// order; the caller adds the condition.
sql::Select related_rows(const Relationship& rel, const std::vector<sql::Expr<>>& leading) {
  const Mapper& target = *rel.target;
  const sql::Select base = SessionCore::select_of(target);
  sql::Select s;
  for (const auto& e : leading)
    s = s.add_columns(e);
  for (const auto& c : base.data().columns)
    s = s.add_columns(sql::Expr<>(c));
  if (base.data().froms.empty()) {
    s = s.select_from(target.table());
  } else {
    for (const auto& f : base.data().froms)
      s = s.select_from(sql::From(f));
  }
  for (const auto& w : base.data().where)
    s = s.where(sql::Expr<bool>(w));
  if (rel.direction == Direction::many_to_many) {
    const Table& link = rel.spec.secondary;
    std::vector<sql::Expr<bool>> on;
    for (const auto& [attr, column] : rel.secondary_remote)
      on.push_back(link.c(column) == column_table(target, *attr).c(attr->name));
    s = s.join(link, sql::and_(on));
  }
  for (const auto& [attr, descending] : rel.order_by) {
    const auto column = column_table(target, *attr).c(attr->name);
    s = s.order_by(descending ? sql::OrderBy(column.desc()) : column.asc());
  }
  return s;
}

// The columns a relationship's rows are found by: the association table's for a
// many-to-many, the target's join columns otherwise.
std::vector<sql::Expr<>> match_columns(const Relationship& rel) {
  std::vector<sql::Expr<>> out;
  if (rel.direction == Direction::many_to_many) {
    for (const auto& [attr, column] : rel.secondary_local)
      out.push_back(rel.spec.secondary.c(column));
  } else {
    for (const auto& [local, remote] : rel.pairs)
      out.push_back(column_table(*rel.target, *remote).c(remote->name));
  }
  return out;
}

// The parent's values its related rows are found by (match_columns' values).
std::vector<Value> parent_key(const Relationship& rel, const void* parent) {
  std::vector<Value> key;
  if (rel.direction == Direction::many_to_many) {
    for (const auto& [attr, column] : rel.secondary_local)
      key.push_back(attr->get(parent));
  } else {
    for (const auto& [local, remote] : rel.pairs)
      key.push_back(local->get(parent));
  }
  return key;
}

// A printable key of values: how a key other than one integer is hashed.
std::string key_of(const std::vector<Value>& values) {
  std::string out;
  for (const auto& v : values) {
    out += v.repr();
    out += '\x1f';
  }
  return out;
}

// Keys numbered in the order they were first met. A single integer, the common case, is
// hashed as it is, in an open-addressing table sized once for at most `n` keys; other
// keys (several columns, text, UUID) by their printable form.
class KeyNumbers {
 public:
  explicit KeyNumbers(std::size_t n) : slots_(std::bit_ceil(2 * n + 2)), mask_(slots_.size() - 1) {}

  // The number of a key; a new key gets the next one.
  std::uint32_t number(std::int64_t k) {
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.number == kNone) {
        s = {k, count_};
        return count_++;
      }
      if (s.key == k) return s.number;
    }
  }
  std::uint32_t number(const std::vector<Value>& key) {
    if (is_int(key)) return number(key[0].get<std::int64_t>());
    const auto [it, added] = others_.try_emplace(key_of(key), count_);
    if (added) ++count_;
    return it->second;
  }
  // kNone when the key has no number.
  std::uint32_t find(std::int64_t k) const {
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.number == kNone || s.key == k) return s.number;
    }
  }
  std::uint32_t find(const std::vector<Value>& key) const {
    if (is_int(key)) return find(key[0].get<std::int64_t>());
    auto it = others_.find(key_of(key));
    return it == others_.end() ? kNone : it->second;
  }
  std::uint32_t size() const { return count_; }
  static constexpr std::uint32_t kNone = UINT32_MAX;

 private:
  struct Slot {
    std::int64_t key = 0;
    std::uint32_t number = kNone;
  };
  static bool is_int(const std::vector<Value>& key) {
    return key.size() == 1 && key[0].type() == ValueType::integer;
  }
  // Fibonacci hashing: strided keys spread as well as dense ones.
  std::size_t home(std::int64_t k) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ull) >> 32) &
           mask_;
  }
  std::vector<Slot> slots_;
  std::size_t mask_;
  std::unordered_map<std::string, std::uint32_t> others_;
  std::uint32_t count_ = 0;
};

bool has_null(const std::vector<Value>& values) {
  return std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); });
}

}  // namespace

sql::Select with_parent(const HandleBase& handle, const char* what) {
  const Relationship* rel = handle.relationship();
  const EntityState* owner = handle.owner_;
  if (!rel || !owner || !owner->session) {
    throw ObjectStateError(std::string(what) + "() of " +
                           (rel ? rel->full_name() : std::string("a query-backed collection")) +
                           ": its object is in no session");
  }
  // A new owner has no key until it is inserted.
  if (owner->flags & kPending) owner->session->autoflush();
  const std::vector<Value> key = parent_key(*rel, owner->object());
  sql::Select select = related_rows(*rel, {});
  const auto columns = match_columns(*rel);
  for (std::size_t i = 0; i < columns.size(); ++i)
    select = select.where(columns[i] == key[i]);
  return select;
}

std::vector<EntityState*> SessionCore::related_objects(EntityState* owner,
                                                       const Relationship& rel) {
  std::vector<Value> params = parent_key(rel, owner->object());
  std::vector<EntityState*> found;
  if (has_null(params)) return found;
  const auto& sql = statement(*rel.parent, "L" + rel.name, [&] {
    sql::Select select = related_rows(rel, {});
    for (const auto& column : match_columns(rel))
      select = select.where(column == sql::placeholder());
    return select;
  });
  auto result = connection().execute(sql.sql, Params(sql.parameters(std::move(params))));
  while (result.next())
    found.push_back(load(*rel.target, result.row().statement(), 0, false));
  return found;
}

void SessionCore::load_relationship(EntityState* owner, const Relationship& rel) {
  autoflush();
  const Mapper& target = *rel.target;
  void* object = owner->object();
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
  rel.set_items(rel.handle(object), related_objects(owner, rel));
}

namespace {

// SELECT of the related rows for n keys: "(a, b) IN ((?, ?), ...)" or "a IN (?, ...)".
sql::Select selectin_statement(const Relationship& rel, const std::vector<sql::Expr<>>& matched_by,
                               const std::vector<sql::Expr<>>& leading, std::size_t n) {
  std::vector<sql::Expr<>> items;
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<sql::NodePtr> row;
    for (std::size_t i = 0; i < matched_by.size(); ++i)
      row.push_back(sql::placeholder().node());
    items.push_back(matched_by.size() == 1
                        ? sql::Expr<>(row.front())
                        : sql::Expr<>(std::make_shared<sql::TupleNode>(std::move(row))));
  }
  std::vector<sql::NodePtr> columns;
  for (const auto& c : matched_by)
    columns.push_back(c.node());
  const sql::Expr<> matched = matched_by.size() == 1
                                  ? matched_by.front()
                                  : sql::Expr<>(std::make_shared<sql::TupleNode>(columns));
  return related_rows(rel, leading).where(matched.in_(items));
}

}  // namespace

// Each owner's key gets a number, each related row is filed under its key's number, and
// the rows are put in order of those numbers once, into one array that every owner's
// collection is set from: no list per key. Plain integers on both sides (is_integer():
// never NULL) are read without making a Value.
std::vector<EntityState*> SessionCore::load_selectin(const Relationship& rel,
                                                     const std::vector<EntityState*>& owners) {
  const Mapper& target = *rel.target;
  const auto matched_by = match_columns(rel);
  const std::size_t width = matched_by.size();
  const bool ints = rel.direction != Direction::many_to_many && rel.pairs.size() == 1 &&
                    rel.pairs[0].first->is_integer() && rel.pairs[0].second->is_integer();
  KeyNumbers numbers(owners.size());
  std::vector<Value> keys;                                      // `width` values per number
  std::vector<std::pair<EntityState*, std::uint32_t>> waiting;  // owners and their keys
  waiting.reserve(owners.size());
  for (EntityState* owner : owners) {
    HandleBase& h = rel.handle(owner->object());
    if (Relationship::is_loaded(h)) continue;
    std::uint32_t number = 0;
    if (ints) {
      std::int64_t k = 0;
      rel.pairs[0].first->int_key(owner->object(), k);
      number = numbers.number(k);
      if (number * width == keys.size()) keys.emplace_back(k);
    } else {
      std::vector<Value> key = parent_key(rel, owner->object());
      if (has_null(key)) {
        rel.set_items(h, {});
        continue;
      }
      number = numbers.number(key);
      if (number * width == keys.size())
        keys.insert(keys.end(), std::make_move_iterator(key.begin()),
                    std::make_move_iterator(key.end()));
    }
    waiting.emplace_back(owner, number);
  }

  // The related objects by number; kNone for a row no owner asked for (its object in the
  // session holds another key).
  std::vector<std::pair<std::uint32_t, EntityState*>> filed;
  std::vector<std::uint32_t> to_query;
  to_query.reserve(numbers.size());
  bool by_identity = false;
  if (rel.direction == Direction::many_to_one && target.int_identity()) {
    // Targets already in the session need no query.
    std::vector<const Attribute*> remote;
    for (const auto& pair : rel.pairs)
      remote.push_back(pair.second);
    by_identity = remote == target.primary_key();
  }
  for (std::uint32_t number = 0; number < numbers.size(); ++number) {
    const Value& key = keys[number * width];
    EntityState* s = by_identity && key.type() == ValueType::integer
                         ? identity(target).ints.find(key.get<std::int64_t>())
                         : nullptr;
    if (s && !(s->flags & kExpired)) {
      filed.emplace_back(number, s);
    } else {
      to_query.push_back(number);
    }
  }

  std::vector<sql::Expr<>> leading;
  if (rel.direction == Direction::many_to_many) leading = matched_by;
  const int offset = static_cast<int>(leading.size());
  std::vector<EntityState*> loaded;
  std::vector<Value> key;
  for (std::size_t start = 0; start < to_query.size(); start += kInBatch) {
    const std::size_t n = std::min(kInBatch, to_query.size() - start);
    const auto& sql = statement(*rel.parent, "S" + rel.name + ":" + std::to_string(n),
                                [&] { return selectin_statement(rel, matched_by, leading, n); });
    std::vector<Value> params;
    params.reserve(n * width);
    for (std::size_t q = start; q < start + n; ++q) {
      const auto first = keys.begin() + static_cast<std::ptrdiff_t>(to_query[q] * width);
      params.insert(params.end(), first, first + static_cast<std::ptrdiff_t>(width));
    }
    auto result = connection().execute(sql.sql, Params(sql.parameters(std::move(params))));
    // Each related object under the number of the key it belongs to; `row` is its row,
    // for a many-to-many's leading columns.
    auto file = [&](EntityState* child, driver::Statement* row) {
      loaded.push_back(child);
      std::uint32_t number = KeyNumbers::kNone;
      if (ints) {
        std::int64_t k = 0;
        rel.pairs[0].second->int_key(child->object(), k);
        number = numbers.find(k);
      } else {
        key.clear();
        if (rel.direction == Direction::many_to_many) {
          for (int i = 0; i < offset; ++i) {
            key.push_back(rel.secondary_local[static_cast<std::size_t>(i)].first->type.from_db(
                row->get_value(i)));
          }
        } else {
          for (const auto& [local, remote] : rel.pairs)
            key.push_back(remote->get(child->object()));
        }
        number = numbers.find(key);
      }
      filed.emplace_back(number, child);
    };
    if (offset == 0 && can_load_rows(target)) {
      struct Filing final : QuerySink {
        explicit Filing(decltype(file)& f) : to(f) {}
        void add(EntityState* child) override { to(child, nullptr); }
        decltype(file)& to;
      } filing(file);
      load_rows(target, result, false, filing);
      continue;
    }
    while (result.next()) {
      auto& stmt = result.row().statement();
      file(load(target, stmt, offset, false), &stmt);
    }
  }

  // Counting sort: stable, so each collection keeps the rows' order.
  std::vector<std::size_t> begin(numbers.size() + 1, 0);
  for (const auto& [number, s] : filed) {
    if (number != KeyNumbers::kNone) ++begin[number + 1];
  }
  for (std::size_t i = 1; i < begin.size(); ++i)
    begin[i] += begin[i - 1];
  std::vector<EntityState*> grouped(begin.back());
  std::vector<std::size_t> next(begin.begin(), begin.end() - 1);
  for (const auto& [number, s] : filed) {
    if (number != KeyNumbers::kNone) grouped[next[number]++] = s;
  }
  for (const auto& [owner, number] : waiting) {
    rel.set_items(rel.handle(owner->object()),
                  std::span<EntityState* const>(grouped).subspan(
                      begin[number], begin[number + 1] - begin[number]));
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
    if (rel.query_backed) {
      throw ArgumentError(rel.full_name() +
                          " is a query-backed collection: it loads no objects, so it takes no "
                          "loader option");
    }
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
            rel->items(rel->handle(s->object()), children);
        }
        apply_loaders(*rel->target, children, plan.nested, depth + 1);
        break;
      }
      case Loading::raise:
        for (EntityState* s : states) {
          HandleBase& h = rel->handle(s->object());
          if (!Relationship::is_loaded(h)) h.raise_ = true;
        }
        break;
      case Loading::noload:
        for (EntityState* s : states) {
          HandleBase& h = rel->handle(s->object());
          if (!Relationship::is_loaded(h)) rel->set_items(h, {});
        }
        break;
      case Loading::lazy:
        break;
    }
  }
}

namespace {

// A relationship loaded by a LEFT OUTER JOIN in the query's own statement; the nodes form
// a tree, each joining its relationship's table to its parent node's (-1: the queried
// table).
struct JoinNode {
  const Relationship* rel;
  int parent;
  int depth;
  std::vector<LoadOption> nested;
  int offset = 0;                    // its columns' position in the row
  std::vector<EntityState*> owners;  // parent objects seen, in row order
  std::unordered_map<EntityState*, std::vector<EntityState*>> items;
  std::vector<EntityState*> loaded;
};

void add_join_nodes(std::vector<JoinNode>& nodes, const Mapper& m,
                    const std::vector<LoadOption>& options, int parent, int depth) {
  if (depth >= 3) return;
  for (const auto& rel : m.relationships()) {
    Plan plan = plan_for(m, *rel, options, depth);
    // A hierarchy's rows need joins of their own: those relationships load like selectin.
    if (plan.strategy != Loading::joined || rel->target->inheritance()) continue;
    JoinNode& node = nodes.emplace_back();
    node.rel = rel.get();
    node.parent = parent;
    node.depth = depth;
    node.nested = std::move(plan.nested);
    const int index = static_cast<int>(nodes.size()) - 1;
    add_join_nodes(nodes, *rel->target, std::vector<LoadOption>(node.nested), index, depth + 1);
  }
}

// The query with each node's table joined and its columns added (their offsets noted).
sql::Select with_joins(const Mapper& mapper, sql::Select stmt, std::vector<JoinNode>& nodes) {
  std::vector<sql::From> aliases;
  aliases.reserve(nodes.size());
  auto column = [&](int node, const Attribute& a) {
    return node < 0 ? column_table(mapper, a).c(a.name)
                    : aliases[static_cast<std::size_t>(node)].c(a.name);
  };
  int offset = static_cast<int>(row_width(mapper));
  for (std::size_t j = 0; j < nodes.size(); ++j) {
    JoinNode& node = nodes[j];
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
  return stmt;
}

}  // namespace

void SessionCore::run_query(const Mapper& mapper, const sql::Select& select, bool populate_existing,
                            const std::vector<LoadOption>& options, QuerySink& sink) {
  // The rows of the mapper's own table, with no relationship to load: each row is another
  // object, and goes to the sink as it is read.
  if (select.data().froms.empty() && mapper.relationships().empty()) {
    autoflush();
    auto result = connection().execute(select);
    if (const std::size_t rows = result.rows_ahead()) {
      if (mapper.int_identity()) identity(mapper).ints.reserve(rows);
      sink.expect(rows);
    }
    if (can_load_rows(mapper)) return load_rows(mapper, result, populate_existing, sink);
    while (result.next())
      sink.add(load(mapper, result.row().statement(), 0, populate_existing));
    return;
  }
  for (EntityState* s : run_query(mapper, select, populate_existing, options))
    sink.add(s);
}

std::vector<EntityState*> SessionCore::run_query(const Mapper& mapper, const sql::Select& select,
                                                 bool populate_existing,
                                                 const std::vector<LoadOption>& options) {
  autoflush();
  std::vector<JoinNode> nodes;
  // LIMIT / OFFSET count joined rows, not objects: those queries load like selectin.
  if (!select.data().limit && !select.data().offset) add_join_nodes(nodes, mapper, options, -1, 0);
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

  // Rows repeat a parent once per child: each object comes back once, with its related
  // objects gathered in row order.
  std::unordered_set<EntityState*> seen;
  std::vector<EntityState*> row_objects(nodes.size());
  auto result = connection().execute(with_joins(mapper, select, nodes));
  while (result.next()) {
    auto& row = result.row().statement();
    EntityState* root = load(mapper, row, 0, populate_existing);
    if (seen.insert(root).second) out.push_back(root);
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      JoinNode& node = nodes[j];
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
  for (JoinNode& node : nodes) {
    for (EntityState* owner : node.owners) {
      HandleBase& h = node.rel->handle(owner->object());
      if (!Relationship::is_loaded(h) || populate_existing)
        node.rel->set_items(h, node.items[owner]);
    }
  }
  // What the joins did not load (selectin, raise, noload, deeper levels).
  apply_loaders(mapper, out, options);
  for (JoinNode& node : nodes) {
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

sql::Select join_to(const sql::Select& select, const Mapper& from, const Mapper& to, bool outer) {
  const Relationship* found = nullptr;
  std::string names;
  for (const auto& rel : from.relationships()) {
    if (rel->target != &to) continue;
    names += (found ? ", " : "") + rel->name;
    if (found) {
      throw ArgumentError("join<" + to.class_name() + ">(): " + from.class_name() +
                          " has several relationships to it (" + names +
                          "); join along one with join(&" + from.class_name() + "::member)");
    }
    found = rel.get();
  }
  if (found) return join_along(select, *found, outer);
  return outer ? select.outerjoin(to.table()) : select.join(to.table());
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
