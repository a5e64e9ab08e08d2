#include "retort/service/model_service.hpp"

#include "retort/core/error.hpp"
#include "retort/orm/relationship.hpp"
#include "retort/sql/dml.hpp"

namespace retort {

std::optional<sql::Expr<bool>> Criteria::condition(const orm::Mapper& mapper) const {
  std::vector<sql::Expr<bool>> all;
  if (condition_) all.push_back(*condition_);
  if (equal_.is_object()) {
    for (const auto& [key, value] : equal_.items()) {
      const orm::Attribute* a = mapper.find(key);
      if (!a) {
        std::string known;
        for (const auto& at : mapper.attributes())
          known += (known.empty() ? "" : ", ") + at->name;
        throw ArgumentError(key + ": " + mapper.class_name() + " has no column '" + key +
                            "'; its columns are: " + known);
      }
      all.push_back(mapper.table().c(a->name) == json_to_value(value, a->type, true, key));
    }
  } else if (!equal_.is_null()) {
    throw ArgumentError("criteria: expected an object of column values, got " +
                        service::detail::shown(equal_));
  }
  if (all.empty()) return std::nullopt;
  return all.size() == 1 ? all.front() : sql::and_(std::move(all));
}

namespace service::detail {

std::vector<Value> key_values(const orm::Mapper& mapper, const void* object) {
  std::vector<Value> key;
  for (const orm::Attribute* a : mapper.primary_key()) {
    if (a->is_default(object)) return {};
    key.push_back(a->get(object));
  }
  return key;
}

sql::Expr<bool> key_condition(const orm::Mapper& mapper,
                              const std::vector<std::vector<Value>>& keys) {
  const auto& pk = mapper.primary_key();
  if (pk.size() == 1) {
    std::vector<Value> values;
    values.reserve(keys.size());
    for (const auto& k : keys)
      values.push_back(k.at(0));
    return mapper.table().c(pk[0]->name).in_(values);
  }
  std::vector<sql::Expr<bool>> rows;
  for (const auto& k : keys) {
    std::vector<sql::Expr<bool>> parts;
    for (std::size_t i = 0; i < pk.size(); ++i)
      parts.push_back(mapper.table().c(pk[i]->name) == k.at(i));
    rows.push_back(sql::and_(std::move(parts)));
  }
  return sql::or_(std::move(rows));
}

std::vector<Value> key_from_dict(const orm::Mapper& mapper, const Dict& values) {
  if (!values.is_object()) {
    throw ArgumentError("expected an object holding " + mapper.class_name() +
                        "'s primary key, got " + shown(values));
  }
  std::vector<Value> key;
  for (const orm::Attribute* a : mapper.primary_key()) {
    auto it = values.find(a->name);
    if (it == values.end() || it->is_null()) {
      throw ArgumentError(mapper.class_name() + ": the dictionary has no primary key value '" +
                          a->name + "'");
    }
    key.push_back(json_to_value(*it, a->type, false, a->name));
  }
  return key;
}

void merge_into(const orm::Mapper& mapper, orm::EntityState* target, void* source) {
  orm::detail::touch(target);
  mapper.copy_columns(source, target->object());
  for (const auto& rel : mapper.relationships()) {
    const orm::HandleBase& from = rel->handle(source);
    if (!orm::Relationship::is_loaded(from) || rel->query_backed) continue;
    std::vector<orm::EntityState*> items;
    rel->items(from, items);
    rel->assign(rel->handle(target->object()), items);
  }
}

void upsert_rows(Session& session, const orm::Mapper& mapper, const std::vector<void*>& objects) {
  if (mapper.inheritance()) {
    throw ArgumentError(mapper.class_name() +
                        ": saving with on_conflict needs a class mapped to one table of its own");
  }
  std::vector<std::string> columns, key_columns;
  for (const auto& a : mapper.attributes()) {
    columns.push_back(a->name);
    if (a->primary_key) key_columns.push_back(a->name);
  }
  const sql::Insert base = sql::insert(mapper.table());
  sql::Assignments set;
  for (const auto& a : mapper.attributes()) {
    if (!a->primary_key) set.emplace_back(a->name, base.excluded(a->name));
  }
  const std::size_t per_statement =
      std::max<std::size_t>(1, sql::dialect(session.engine().dialect_name()).max_parameters() /
                                   std::max<std::size_t>(1, columns.size()));
  for (std::size_t i = 0; i < objects.size(); i += per_statement) {
    std::vector<std::vector<Value>> rows;
    for (std::size_t j = i; j < std::min(objects.size(), i + per_statement); ++j) {
      mapper.run_set_hooks(objects[j], nullptr);
      std::vector<Value> row;
      for (const auto& a : mapper.attributes())
        row.push_back(a->get(objects[j]));
      rows.push_back(std::move(row));
    }
    const sql::Insert rows_insert = base.values(columns, rows);
    session.execute(set.empty() ? rows_insert.on_conflict_do_nothing(key_columns)
                                : rows_insert.on_conflict_do_update(key_columns, set));
  }
}

void sync_generated_key(Session& session, const orm::Mapper& mapper) {
  const orm::Attribute* key = mapper.generated_key();
  if (!key || !key->is_integer()) return;
  const sql::Dialect& dialect = sql::dialect(session.engine().dialect_name());
  const Table& table = mapper.table();
  const std::string name = (table.schema().empty() ? "" : dialect.quote(table.schema()) + ".") +
                           dialect.quote(table.name());
  for (const auto& statement : dialect.sequence_sync_sql(name, {key->name}))
    session.connection().execute(statement);
}

std::int64_t pages(std::int64_t total, std::int64_t per_page) {
  return per_page <= 0 ? 0 : (total + per_page - 1) / per_page;
}

}  // namespace service::detail
}  // namespace retort
