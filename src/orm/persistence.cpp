// Persistence: the INSERT, UPDATE and DELETE statements of a flush and of the bulk
// operations, built as sql:: statements per mapper and shape and compiled by the dialect.
#include <algorithm>

#include "retort/core/error.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/sql/dialect.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/from.hpp"

namespace retort::orm {
namespace {

// Rows per multi-row INSERT or DELETE: large enough to amortise the statement, small
// enough to stay under SQLite's 32766 and PostgreSQL's 65535 parameters.
constexpr std::size_t kInsertBatch = 500;
constexpr std::size_t kDeleteBatch = 500;
// Rows per UPDATE or DELETE where each column's values travel as one array: the planner
// sees the whole list at once (500 keys may already make it scan the table, so one scan
// for many more rows costs less), and the statement text stays the same.
constexpr std::size_t kArrayBatch = 100000;
// Rows from which an INSERT that gives nothing back goes through the database's bulk
// path (PostgreSQL's COPY), where it has one: the bulk path costs two more round trips
// to start (the columns' types, then the COPY), and pays for them from a few batches on.
constexpr std::size_t kBulkRows = 2 * kInsertBatch;

bool has_insert_hooks(const Mapper& m) {
  return !m.events().before_insert.empty() || m.has_set_hooks();
}

// Rows grouped by which columns they leave to the database: a generated key still at its
// default, an empty optional whose column has a server default (one byte per attribute).
std::vector<std::pair<std::string, std::vector<void*>>> by_omitted_columns(
    const Mapper& mapper, const std::vector<void*>& objects) {
  const auto& attrs = mapper.attributes();
  std::vector<std::pair<std::string, std::vector<void*>>> groups;
  std::string omit(attrs.size(), '\0');
  std::size_t last = 0;  // rows mostly share one group: no search for those
  for (void* o : objects) {
    for (std::size_t i = 0; i < attrs.size(); ++i) {
      const Attribute& a = *attrs[i];
      omit[i] = (a.generated || (a.server_default && a.optional)) && a.is_default(o);
    }
    if (groups.empty() || groups[last].first != omit) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& g) { return g.first == omit; });
      if (it == groups.end()) it = groups.insert(groups.end(), {omit, {}});
      last = static_cast<std::size_t>(it - groups.begin());
    }
    groups[last].second.push_back(o);
  }
  return groups;
}

// How one group's INSERT statements look.
struct InsertShape {
  std::vector<std::size_t> columns;    // attributes given
  std::vector<std::size_t> returning;  // attributes the database fills in, read back
  const Attribute* key = nullptr;      // the generated key
  bool sort_by_key = false;            // the key is generated: rows map to ascending keys
  bool rowid_keys = false;             // keys follow from the last insert id (no RETURNING)
  std::size_t batch = 1;               // rows per statement
};

InsertShape insert_shape(const Mapper& mapper, const std::string& omit, const sql::Dialect& d,
                         std::size_t parameter_budget) {
  const auto& attrs = mapper.attributes();
  InsertShape shape;
  for (std::size_t i = 0; i < attrs.size(); ++i)
    (omit[i] ? shape.returning : shape.columns).push_back(i);
  shape.key = mapper.generated_key();
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    if (attrs[i].get() == shape.key) shape.sort_by_key = omit[i];
  }
  // SQLite numbers the rows of one INSERT consecutively after the table's largest rowid,
  // so their keys follow from the last one; RETURNING would cost it about half its speed.
  shape.rowid_keys =
      shape.sort_by_key && shape.returning.size() == 1 && d.consecutive_insert_keys();
  if (shape.rowid_keys) shape.returning.clear();
  const std::size_t per_row = std::max<std::size_t>(shape.columns.size(), 1);
  shape.batch = std::max<std::size_t>(1, std::min(kInsertBatch, parameter_budget / per_row));
  // Without a generated key to order RETURNING rows by, rows go one at a time; so do rows
  // with no column to give (INSERT ... DEFAULT VALUES).
  if ((!shape.returning.empty() && !shape.sort_by_key) || shape.columns.empty()) shape.batch = 1;
  return shape;
}

// Writes what an INSERT returned into its n rows' objects.
void take_returned(const Mapper& mapper, const InsertShape& shape, Result& result,
                   driver::Statement& raw, void* const* rows, std::size_t n) {
  const auto& attrs = mapper.attributes();
  if (shape.returning.size() == 1 && shape.sort_by_key) {
    // Generated keys come back in an unspecified order but ascend with the rows' order
    // in VALUES.
    std::vector<std::int64_t> keys;
    keys.reserve(n);
    while (result.next())
      keys.push_back(raw.get_int64(0));
    if (keys.size() != n)
      throw StaleDataError("the INSERT returned " + std::to_string(keys.size()) + " keys for " +
                           std::to_string(n) + " rows");
    std::sort(keys.begin(), keys.end());
    for (std::size_t r = 0; r < n; ++r)
      shape.key->set_int(rows[r], keys[r]);
    return;
  }
  std::vector<std::vector<Value>> returned;
  while (result.next()) {
    std::vector<Value> row;
    for (std::size_t k = 0; k < shape.returning.size(); ++k)
      row.push_back(attrs[shape.returning[k]]->type.from_db(raw.get_value(static_cast<int>(k))));
    returned.push_back(std::move(row));
  }
  if (returned.size() != n)
    throw StaleDataError("the INSERT returned " + std::to_string(returned.size()) + " rows for " +
                         std::to_string(n));
  if (shape.sort_by_key) {
    std::size_t key_pos = 0;
    while (attrs[shape.returning[key_pos]].get() != shape.key)
      ++key_pos;
    std::sort(returned.begin(), returned.end(), [&](const auto& a, const auto& b) {
      return a[key_pos].template as<std::int64_t>() < b[key_pos].template as<std::int64_t>();
    });
  }
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t k = 0; k < shape.returning.size(); ++k)
      attrs[shape.returning[k]]->set(rows[r], returned[r][k]);
  }
}

}  // namespace

void SessionCore::update_objects(const std::string& mask, const std::vector<EntityState*>& states) {
  const Mapper& mapper = *states.front()->mapper;
  const Inheritance* h = mapper.inheritance();
  if (!h || h->parts.size() == 1) return update_rows(mapper, mask, states);
  // Joined-table: each table gets the changed columns it holds.
  for (std::size_t p = 0; p < h->parts.size(); ++p) {
    const auto& positions = h->part_attributes[p];
    std::string part_mask(positions.size(), '\0');
    bool any = false;
    for (std::size_t i = 0; i < positions.size(); ++i) {
      part_mask[i] = mask[positions[i]];
      any = any || part_mask[i];
    }
    if (any) update_rows(*h->parts[p], part_mask, states);
  }
}

void SessionCore::update_rows_batched(const Mapper& m, const std::string& mask,
                                      const std::vector<std::size_t>& set,
                                      const std::vector<EntityState*>& states) {
  const auto& attrs = m.attributes();
  const auto& pk = m.primary_key();
  const Table& table = m.table();
  const bool arrays = dialect_->binds_arrays();
  const std::size_t per_row = pk.size() + set.size();
  const std::size_t batch =
      arrays ? kArrayBatch
             : std::max<std::size_t>(1, std::min(kInsertBatch, parameter_budget() / per_row));
  for (std::size_t start = 0; start < states.size(); start += batch) {
    const std::size_t n = std::min(batch, states.size() - start);
    const std::string shape = arrays ? "UA" + mask : "UV" + mask + ":" + std::to_string(n);
    const auto& sql = statement(m, shape, [&] {
      std::vector<std::pair<std::string, Type>> columns;
      for (const Attribute* a : pk)
        columns.emplace_back(a->name, a->type);
      for (std::size_t i : set)
        columns.emplace_back(attrs[i]->name, attrs[i]->type);
      const sql::From rows =
          arrays ? sql::unnest("rt_v", columns) : sql::values("rt_v", columns, n);
      sql::Assignments assignments;
      for (std::size_t i : set)
        assignments.emplace_back(attrs[i]->name, rows.c(attrs[i]->name));
      sql::Update update = sql::update(table).from(rows).values(assignments);
      for (const Attribute* a : pk)
        update = update.where(table.c(a->name) == rows.c(a->name));
      return update;
    });
    Statement stmt = conn_->prepare(sql.sql);
    auto& raw = stmt.raw();
    if (arrays) {
      // Column by column: the keys each row had when loaded, then the new values.
      int index = 0;
      for (std::size_t k = 0; k < pk.size(); ++k) {
        raw.begin_array(index++);
        for (std::size_t r = start; r < start + n; ++r) {
          const char* p = states[r]->snapshot.data();
          for (std::size_t before = 0; before < k; ++before)
            (void)pk[before]->decode(p);  // the key's columns before this one
          pk[k]->bind_decoded(p, raw, 0);
        }
        raw.end_array();
      }
      for (std::size_t i : set) {
        raw.begin_array(index++);
        for (std::size_t r = start; r < start + n; ++r)
          attrs[i]->bind(states[r]->object(), raw, 0);
        raw.end_array();
      }
    } else {
      int index = 0;
      for (std::size_t r = start; r < start + n; ++r) {
        EntityState* s = states[r];
        const char* p = s->snapshot.data();
        for (const Attribute* a : pk)
          a->bind_decoded(p, raw, index++);
        for (std::size_t i : set)
          attrs[i]->bind(s->object(), raw, index++);
      }
    }
    stmt.send();
    sent(m, "update of", n);
  }
}

void SessionCore::update_rows(const Mapper& m, const std::string& mask,
                              const std::vector<EntityState*>& states) {
  const auto& attrs = m.attributes();
  std::vector<std::size_t> set;
  bool key_changes = false;
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    if (mask[i]) {
      set.push_back(i);
      key_changes = key_changes || attrs[i]->primary_key;
    }
  }
  // Many rows per UPDATE, joined on the key to a list of values (UPDATE ... FROM): on a
  // server every statement is a round trip, and SQLite spends about a third less per row
  // than on a statement of its own. A changed key needs the row-by-row form.
  if (!key_changes && states.size() > 1) return update_rows_batched(m, mask, set, states);
  const auto& pk = m.primary_key();
  const Table& table = m.table();
  const auto& sql = statement(m, "U" + mask, [&] {
    sql::Assignments assignments;
    for (std::size_t i : set)
      assignments.emplace_back(attrs[i]->name, sql::placeholder(attrs[i]->type));
    sql::Update update = sql::update(table).values(assignments);
    for (const Attribute* a : pk)
      update = update.where(table.c(a->name) == sql::placeholder(a->type));
    return update;
  });
  Statement stmt = conn_->prepare(sql.sql);
  auto& raw = stmt.raw();
  for (EntityState* s : states) {
    int index = 0;
    for (std::size_t i : set)
      attrs[i]->bind(s->object(), raw, index++);
    // The row is found by the key it had when loaded (its snapshot's head).
    const char* p = s->snapshot.data();
    for (const Attribute* a : pk)
      a->bind_decoded(p, raw, index++);
    stmt.send();
    sent(m, "update of", 1);
  }
}

void SessionCore::insert_objects(const Mapper& mapper, const std::vector<EntityState*>& all,
                                 const ParentMap& parents) {
  // Rows of a self-referential table go in by depth: parents first, so that children can
  // take their keys.
  for (const auto& states : by_depth(mapper, all, parents)) {
    for (EntityState* s : states)
      sync_foreign_keys(s, parents);
    insert_level(mapper, states);
  }
}

void SessionCore::insert_level(const Mapper& mapper, const std::vector<EntityState*>& states) {
  std::vector<void*> objects;
  objects.reserve(states.size());
  const bool hooks = has_insert_hooks(mapper);
  for (EntityState* s : states) {
    if (hooks) {
      for (const auto& hook : mapper.events().before_insert)
        hook(s->object());
      mapper.run_set_hooks(s->object(), nullptr);
    }
    objects.push_back(s->object());
  }
  write_rows(mapper, objects);
}

void SessionCore::write_rows(const Mapper& mapper, const std::vector<void*>& objects) {
  const Inheritance* h = mapper.inheritance();
  if (!h) return insert_rows(mapper, objects);
  // The discriminator says which class each row is; joined-table rows go to each table,
  // the base table's first (it generates the key the others take).
  if (h->discriminator) {
    for (void* o : objects)
      h->discriminator->set(o, Value(h->identity));
  }
  for (const Mapper* part : h->parts)
    insert_rows(*part, objects);
}

void SessionCore::insert_rows(const Mapper& mapper, const std::vector<void*>& objects) {
  const auto& attrs = mapper.attributes();
  Connection& conn = connection();
  for (const auto& [omit, rows] : by_omitted_columns(mapper, objects)) {
    const InsertShape shape = insert_shape(mapper, omit, *dialect_, parameter_budget());
    if (shape.returning.empty() && !shape.rowid_keys && !shape.columns.empty() &&
        rows.size() >= kBulkRows && write_bulk(mapper, shape.columns, rows))
      continue;
    for (std::size_t start = 0; start < rows.size(); start += shape.batch) {
      const std::size_t n = std::min(shape.batch, rows.size() - start);
      const auto& sql = statement(
          mapper, "I" + omit + ":" + std::to_string(n) + (shape.rowid_keys ? "r" : ""), [&] {
            const Table& table = mapper.table();
            std::vector<std::string> names;
            for (std::size_t c : shape.columns)
              names.push_back(attrs[c]->name);
            std::vector<sql::Expr<>> back;
            for (std::size_t c : shape.returning)
              back.push_back(table.c(attrs[c]->name));
            return sql::insert(table).placeholders(names, n).returning(back);
          });
      Statement stmt = conn.prepare(sql.sql);
      auto& raw = stmt.raw();
      int index = 0;
      for (std::size_t r = start; r < start + n; ++r) {
        for (std::size_t c : shape.columns)
          attrs[c]->bind(rows[r], raw, index++);
      }
      auto result = stmt.run();
      if (shape.rowid_keys) {
        const auto last = conn.driver().last_insert_id();
        if (!last || result.rows_affected() != static_cast<std::int64_t>(n)) {
          throw StaleDataError("the INSERT into '" + mapper.table().name() + "' did not insert " +
                               std::to_string(n) + " rows");
        }
        for (std::size_t r = 0; r < n; ++r)
          shape.key->set_int(rows[start + r], *last - static_cast<std::int64_t>(n - 1 - r));
      } else if (!shape.returning.empty()) {
        take_returned(mapper, shape, result, raw, rows.data() + start, n);
      }
    }
  }
}

bool SessionCore::write_bulk(const Mapper& mapper, const std::vector<std::size_t>& columns,
                             const std::vector<void*>& rows) {
  const auto& attrs = mapper.attributes();
  std::vector<std::string> names;
  for (std::size_t c : columns)
    names.push_back(attrs[c]->name);
  const auto written = connection().write_rows(mapper.table().schema(), mapper.table().name(),
                                               names, [&](driver::RowWriter& writer) {
                                                 for (void* row : rows) {
                                                   int index = 0;
                                                   for (std::size_t c : columns)
                                                     attrs[c]->bind(row, writer, index++);
                                                   writer.end_row();
                                                 }
                                               });
  if (written && *written != static_cast<std::int64_t>(rows.size())) {
    throw StaleDataError("the rows written into '" + mapper.table().name() + "' were " +
                         std::to_string(*written) + " of " + std::to_string(rows.size()));
  }
  return written.has_value();
}

void SessionCore::delete_objects(const Mapper& mapper, const std::vector<EntityState*>& states) {
  for (EntityState* s : states) {
    for (const auto& hook : mapper.events().before_delete)
      hook(s->object());
  }
  const Inheritance* h = mapper.inheritance();
  if (!h) return delete_rows(mapper, states);
  // Joined-table: the subclass tables' rows first, the base table's last.
  for (auto part = h->parts.rbegin(); part != h->parts.rend(); ++part)
    delete_rows(**part, states);
}

void SessionCore::delete_rows(const Mapper& mapper, const std::vector<EntityState*>& states) {
  Connection& conn = connection();
  const auto& pk = mapper.primary_key();
  bool self_referential = false;
  for (const auto& rel : mapper.relationships()) {
    self_referential = self_referential || (rel->target == &mapper && !rel->spec.viewonly);
  }
  if (pk.size() == 1 && !self_referential) {
    const bool arrays = dialect_->binds_arrays();
    const std::size_t batch = arrays ? kArrayBatch : kDeleteBatch;
    for (std::size_t start = 0; start < states.size(); start += batch) {
      const std::size_t n = std::min(batch, states.size() - start);
      const auto& sql = statement(mapper, arrays ? "DA" : "D" + std::to_string(n), [&] {
        const auto key = mapper.table().c(pk.front()->name);
        if (arrays)
          return sql::delete_(mapper.table())
              .where(key == sql::any(sql::placeholder_array(pk.front()->type)));
        std::vector<sql::Expr<>> keys;
        for (std::size_t r = 0; r < n; ++r)
          keys.push_back(sql::placeholder(pk.front()->type));
        return sql::delete_(mapper.table()).where(key.in_(keys));
      });
      Statement stmt = conn.prepare(sql.sql);
      auto& raw = stmt.raw();
      if (arrays) raw.begin_array(0);
      for (std::size_t r = 0; r < n; ++r)
        raw.bind(arrays ? 0 : static_cast<int>(r), snapshot_key_head(states[start + r]));
      if (arrays) raw.end_array();
      stmt.send();
      sent(mapper, "delete from", n);
    }
    return;
  }
  const auto& sql = statement(mapper, "D", [&] {
    sql::Delete del = sql::delete_(mapper.table());
    for (const Attribute* a : pk)
      del = del.where(mapper.table().c(a->name) == sql::placeholder(a->type));
    return del;
  });
  Statement stmt = conn.prepare(sql.sql);
  // Rows of a self-referential table go one at a time, rows that refer to another deleted
  // one first.
  for (EntityState* s : children_first(mapper, states)) {
    int index = 0;
    for (auto& v : snapshot_key(s))
      stmt.raw().bind(index++, v);
    stmt.send();
    sent(mapper, "delete from", 1);
  }
}

void SessionCore::check_sent() {
  if (sent_.empty()) return;
  const auto expected = std::move(sent_);
  sent_.clear();
  const auto counts = conn_->sync();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const SentWrite& w = expected[i];
    const std::int64_t matched = i < counts.size() ? counts[i] : -1;
    if (matched == w.rows) continue;
    throw StaleDataError(
        "the " + std::string(w.verb) + " table '" + w.mapper->table().name() +
        "' expected to match " + std::to_string(w.rows) + " row(s) of " + w.mapper->class_name() +
        " objects; " + (matched < 0 ? "no count came back" : std::to_string(matched) + " matched"));
  }
}

void SessionCore::bulk_insert(const Mapper& mapper, const std::vector<void*>& objects) {
  autoflush();
  write_rows(mapper, objects);
}

namespace {

// Rows per statement of a bulk change by key.
constexpr std::size_t kKeyBatch = 500;

// "key IN (...)" in `part`'s table for the keys [first, first + n), `width` values each.
sql::Expr<bool> keys_in(const Mapper& part, const std::vector<Value>& keys, std::size_t first,
                        std::size_t n) {
  const auto& pk = part.primary_key();
  std::vector<sql::NodePtr> columns;
  for (const Attribute* a : pk)
    columns.push_back(part.table().c(a->name).node());
  std::vector<sql::Expr<>> items;
  for (std::size_t r = first; r < first + n; ++r) {
    std::vector<sql::NodePtr> row;
    for (std::size_t i = 0; i < pk.size(); ++i)
      row.push_back(sql::literal(keys[r * pk.size() + i]).node());
    items.push_back(pk.size() == 1 ? sql::Expr<>(row.front())
                                   : sql::Expr<>(std::make_shared<sql::TupleNode>(row)));
  }
  const sql::Expr<> key = pk.size() == 1 ? sql::Expr<>(columns.front())
                                         : sql::Expr<>(std::make_shared<sql::TupleNode>(columns));
  return key.in_(items);
}

std::vector<sql::Expr<>> key_columns(const Mapper& mapper) {
  std::vector<sql::Expr<>> out;
  for (const Attribute* a : mapper.primary_key())
    out.push_back(mapper.table().c(a->name));
  return out;
}

// Every row's first `width` values, one row after another.
std::vector<Value> values_of(Result result, std::size_t width) {
  std::vector<Value> out;
  while (result.next()) {
    for (std::size_t i = 0; i < width; ++i)
      out.push_back(result.row().value(static_cast<int>(i)));
  }
  return out;
}

}  // namespace

std::vector<EntityState*> SessionCore::tracked(const Mapper& mapper,
                                               const std::vector<Value>& keys) {
  const std::size_t width = mapper.primary_key().size();
  std::vector<EntityState*> out;
  for (std::size_t k = 0; k < keys.size(); k += width) {
    if (mapper.int_identity()) {
      out.push_back(identity(mapper).ints.find(keys[k].get<std::int64_t>()));
      continue;
    }
    auto probe = detail::OwnedEntity(mapper.new_entity());
    std::size_t i = k;
    for (const Attribute* a : mapper.primary_key())
      a->set(probe->object(), keys[i++]);
    out.push_back(find_identity(mapper, probe->object()));
  }
  return out;
}

std::vector<Value> SessionCore::keys_where(const Mapper& mapper, const sql::Expr<bool>& where) {
  const Mapper& root = *mapper.inheritance()->root;
  sql::Select select;
  for (const Attribute* a : root.primary_key())
    select = select.add_columns(root.table().c(a->name));
  select = select.select_from(root.table());
  if (where.node()) select = select.where(where);
  return values_of(connection().execute(select), root.primary_key().size());
}

void SessionCore::bulk_by_key(const Mapper& part, const std::vector<Value>& keys,
                              const std::function<sql::Executable(sql::Expr<bool>)>& statement) {
  const std::size_t width = part.primary_key().size();
  const std::size_t rows = keys.size() / width;
  for (std::size_t first = 0; first < rows; first += kKeyBatch)
    connection().execute(statement(keys_in(part, keys, first, std::min(kKeyBatch, rows - first))));
}

std::int64_t SessionCore::bulk_update(const Mapper& mapper, const sql::Expr<bool>& where,
                                      const std::vector<std::pair<std::string, Value>>& values) {
  autoflush();
  std::vector<sql::Assignments> sets(1);
  const Inheritance* h = mapper.inheritance();
  if (h && !h->joined()) h = nullptr;  // rows of one table: one statement
  if (h) sets.resize(h->parts.size());
  for (const auto& [name, value] : values) {
    const Attribute& a = mapper.attribute(name);
    sets[h ? static_cast<std::size_t>(a.part) : 0].emplace_back(name, value);
  }
  std::vector<Value> keys;
  if (h) {
    // Each table of the rows gets the columns it holds, by the keys read first: the
    // condition may name columns that an earlier table's UPDATE changes.
    keys = keys_where(mapper, where);
    for (std::size_t p = 0; p < sets.size(); ++p) {
      if (sets[p].empty()) continue;
      const Mapper& part = *h->parts[p];
      bulk_by_key(part, keys, [&](sql::Expr<bool> rows) {
        return sql::update(part.table()).values(sets[p]).where(rows);
      });
    }
  } else {
    sql::Update stmt = sql::update(mapper.table()).values(sets[0]);
    if (where.node()) stmt = stmt.where(where);
    keys = values_of(connection().execute(stmt.returning(key_columns(mapper))),
                     mapper.primary_key().size());
  }
  // Objects already loaded take the new values (and keep them as their snapshot).
  for (EntityState* s : tracked(mapper, keys)) {
    if (!s) continue;
    for (const auto& [name, value] : values)
      mapper.attribute(name).set(s->object(), value);
    if (s->flags & kTouched) snapshot(s);
  }
  return static_cast<std::int64_t>(keys.size() / mapper.primary_key().size());
}

std::int64_t SessionCore::bulk_delete(const Mapper& mapper, const sql::Expr<bool>& where) {
  autoflush();
  std::vector<Value> keys;
  if (mapper.inheritance() && mapper.inheritance()->joined()) {
    // The rows leave every table they are in: their subclasses' tables first (each below
    // its ancestors), then their own and their bases', so that no foreign key from one to
    // the next is left dangling on the way.
    const Inheritance& h = *mapper.inheritance();
    std::vector<const Mapper*> classes;
    h.collect(classes, mapper);
    std::vector<const Mapper*> parts;
    for (auto c = classes.rbegin(); c + 1 != classes.rend(); ++c) {
      if (const Mapper* own = (*c)->inheritance()->own_part.get()) parts.push_back(own);
    }
    parts.insert(parts.end(), h.parts.rbegin(), h.parts.rend());
    keys = keys_where(mapper, where);
    for (const Mapper* part : parts) {
      bulk_by_key(*part, keys,
                  [&](sql::Expr<bool> rows) { return sql::delete_(part->table()).where(rows); });
    }
  } else {
    sql::Delete stmt = sql::delete_(mapper.table());
    if (where.node()) stmt = stmt.where(where);
    keys = values_of(connection().execute(stmt.returning(key_columns(mapper))),
                     mapper.primary_key().size());
  }
  // Their rows are gone: the objects leave the session.
  for (EntityState* s : tracked(mapper, keys)) {
    if (!s) continue;
    erase_identity(s);
    s->flags &= ~kPersistent;
    retain(s);
    levels_.back().deleted.push_back(s);
  }
  return static_cast<std::int64_t>(keys.size() / mapper.primary_key().size());
}

}  // namespace retort::orm
