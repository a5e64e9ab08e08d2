#include "operation_runner.hpp"

#include <mutex>

#include "retort/core/error.hpp"
#include "retort/schema/ddl.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/select.hpp"
#include "table_change.hpp"

namespace retort::migrate {
namespace {

std::mutex steps_mutex;
std::map<std::string, std::function<void(Connection&)>>& steps() {
  static std::map<std::string, std::function<void(Connection&)>> registry;
  return registry;
}

std::string quoted_table(const TableData& t, const sql::Dialect& d) {
  return (t.schema.empty() ? "" : d.quote(t.schema) + ".") + d.quote(t.name);
}

sql::ColumnChange change_of(const AlterColumn& a) {
  return {a.type, a.nullable, a.server_default};
}

bool changes_column(const AlterColumn& a) {
  return a.type || a.nullable || a.server_default;
}

}  // namespace

void register_step(std::string name, std::function<void(Connection&)> step) {
  std::lock_guard lock(steps_mutex);
  steps()[std::move(name)] = std::move(step);
}

const std::function<void(Connection&)>* registered_step(const std::string& name) {
  std::lock_guard lock(steps_mutex);
  auto it = steps().find(name);
  return it == steps().end() ? nullptr : &it->second;
}

OperationRunner::OperationRunner(const sql::Dialect& dialect, Connection* conn,
                                 std::ostream* script, NamingConvention naming)
    : d_(dialect), conn_(conn), script_(script), naming_(std::move(naming)) {}

void OperationRunner::run(const std::string& sql) {
  if (conn_)
    conn_->execute(sql);
  else
    *script_ << sql << ";\n\n";
}

Table OperationRunner::current(const std::string& fullname) {
  const TableData ref = table_ref(fullname);
  if (conn_) return to_table(Inspector(*conn_).table(ref.name, ref.schema));
  auto it = model_.find(fullname);
  if (it == model_.end())
    throw ArgumentError("the script does not know table " + fullname +
                        " (no revision before this one creates it)");
  return it->second;
}

bool OperationRunner::enum_exists(const std::string& name) {
  if (enums_.count(name)) return true;
  if (!conn_) return false;
  for (const auto& e : d_.enum_type_names(*conn_)) {
    if (e == name) return true;
  }
  return false;
}

bool OperationRunner::rebuilds(const Operation& op) const {
  if (d_.alter_constraints()) return false;
  if (std::holds_alternative<DropColumn>(op) || std::holds_alternative<AddConstraint>(op) ||
      std::holds_alternative<DropConstraint>(op))
    return true;
  if (const auto* a = std::get_if<AddColumn>(&op)) {
    return a->column.unique || a->column.primary_key ||
           (a->column.type.kind() == TypeKind::enum_ && d_.enum_as_check());
  }
  if (const auto* a = std::get_if<AlterColumn>(&op)) {
    return changes_column(*a) &&
           d_.alter_column_ddl(d_.quote(a->table), d_.quote(a->column), change_of(*a)).empty();
  }
  return false;
}

void OperationRunner::create_table(const Table& table) {
  if (!d_.enum_as_check()) {
    for (const auto& e : enum_types(table)) {
      if (enum_exists(e.name())) continue;
      run(create_enum_ddl(e, d_));
      enums_.insert(e.name());
    }
  }
  for (const auto& sql : create_table_ddl(table, d_, naming_))
    run(sql);
  for (const auto& sql : alter_foreign_keys_ddl(table, d_, naming_))
    run(sql);
}

void OperationRunner::rebuild(const std::string& table, const Operation& op) {
  const Table old = current(table);
  const Table now = changed_table(old, op);
  TableData temporary = now.data();
  temporary.name = "_retort_tmp_" + temporary.name;
  const Table tmp = make_table(temporary);
  // The new table under a temporary name (its indexes come after the rename: the old
  // table's still hold their names), the rows copied, the old table replaced.
  run(create_table_ddl(tmp, d_, naming_).front());
  std::vector<std::string> columns;
  sql::Select rows;
  for (const auto& c : now.columns()) {
    if (!old.has_column(c.name)) continue;
    columns.push_back(c.name);
    rows = rows.add_columns(old.c(c.name));
  }
  const std::vector<std::string> dependents =
      conn_ ? d_.dependent_ddl(*conn_, old.name(), old.schema()) : std::vector<std::string>{};
  if (!columns.empty())
    run(std::string(sql::insert(tmp).from_select(columns, rows).compile(d_).sql));
  run(drop_table_ddl(old, d_));
  run(rename_table_ddl(tmp.data(), now.name(), d_));
  const auto ddl = create_table_ddl(now, d_, naming_);
  for (std::size_t i = 1; i < ddl.size(); ++i)
    run(ddl[i]);
  for (const auto& sql : dependents)
    run(sql);
}

void OperationRunner::bulk_insert(const BulkInsert& op) {
  if (op.rows.empty()) return;
  const Table table = current(op.table);
  std::vector<std::string> columns;
  for (const auto& [name, value] : op.rows.front())
    columns.push_back(name);
  std::vector<std::vector<Value>> rows;
  for (const auto& row : op.rows) {
    auto& values = rows.emplace_back();
    if (row.size() != columns.size())
      throw ArgumentError("bulk_insert into " + op.table + ": every row names the same columns");
    for (const auto& name : columns) {
      auto it = row.find(name);
      if (it == row.end())
        throw ArgumentError("bulk_insert into " + op.table + ": a row has no " + name);
      values.push_back(it->second);
    }
  }
  const auto insert = sql::insert(table).values(columns, rows);
  if (conn_)
    conn_->execute(insert);
  else
    run(insert.literal_sql(d_));
}

void OperationRunner::apply(const Operation& op) {
  std::visit(
      [&](const auto& o) {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, CreateTable>) {
          create_table(o.table);
        } else if constexpr (std::is_same_v<O, DropTable>) {
          run(drop_table_ddl(make_table(table_ref(o.table)), d_));
        } else if constexpr (std::is_same_v<O, RenameTable>) {
          run(rename_table_ddl(table_ref(o.table), o.new_name, d_));
        } else if constexpr (std::is_same_v<O, AddColumn>) {
          const TableData t = table_ref(o.table);
          if (rebuilds(op)) return rebuild(o.table, op);
          if (o.column.type.kind() == TypeKind::enum_ && !d_.enum_as_check()) {
            Type e = o.column.type.name().empty()
                         ? named_enum(o.column.type, t.name + "_" + o.column.name)
                         : o.column.type;
            if (!enum_exists(e.name())) {
              run(create_enum_ddl(e, d_));
              enums_.insert(e.name());
            }
          }
          Column plain = o.column;
          plain.unique = plain.index = plain.primary_key = false;
          run(add_column_ddl(t, plain, d_));
          if (o.column.unique)
            run(add_constraint_ddl(t, UniqueConstraint({o.column.name}), d_, naming_));
          if (o.column.index) run(create_index_ddl(t, Index("", {o.column.name}), d_, naming_));
        } else if constexpr (std::is_same_v<O, DropColumn>) {
          if (rebuilds(op)) return rebuild(o.table, op);
          run(drop_column_ddl(table_ref(o.table), o.column, d_));
        } else if constexpr (std::is_same_v<O, AlterColumn>) {
          const TableData t = table_ref(o.table);
          std::string column = o.column;
          if (!o.new_name.empty() && o.new_name != o.column) {
            run(rename_column_ddl(t, o.column, o.new_name, d_));
            column = o.new_name;
          }
          if (!changes_column(o)) return;
          AlterColumn rest = o;
          rest.column = column;
          rest.new_name.clear();
          const auto sql =
              d_.alter_column_ddl(quoted_table(t, d_), d_.quote(column), change_of(rest));
          if (sql.empty()) return rebuild(o.table, rest);
          for (const auto& s : sql)
            run(s);
        } else if constexpr (std::is_same_v<O, CreateIndex>) {
          run(create_index_ddl(table_ref(o.table), o.index, d_, naming_));
        } else if constexpr (std::is_same_v<O, DropIndex>) {
          run(drop_index_ddl(table_ref(o.table), o.name, d_));
        } else if constexpr (std::is_same_v<O, AddConstraint>) {
          if (rebuilds(op)) return rebuild(o.table, op);
          run(add_constraint_ddl(table_ref(o.table), o.constraint, d_, naming_));
        } else if constexpr (std::is_same_v<O, DropConstraint>) {
          if (rebuilds(op)) return rebuild(o.table, op);
          run(drop_constraint_ddl(table_ref(o.table), o.name, d_));
        } else if constexpr (std::is_same_v<O, CreateEnum>) {
          if (d_.enum_as_check()) return;
          run(create_enum_ddl(Enum(o.values, o.name), d_));
          enums_.insert(o.name);
        } else if constexpr (std::is_same_v<O, DropEnum>) {
          if (d_.enum_as_check()) return;
          run(drop_enum_ddl(Enum({"-"}, o.name), d_));
          enums_.erase(o.name);
        } else if constexpr (std::is_same_v<O, Execute>) {
          if (!o.dialect.empty() && o.dialect != d_.name()) return;
          if (conn_)
            conn_->execute_script(o.sql);
          else
            *script_ << o.sql << (o.sql.ends_with(";") ? "\n\n" : ";\n\n");
        } else if constexpr (std::is_same_v<O, BulkInsert>) {
          bulk_insert(o);
        } else {
          if (!conn_)
            throw ArgumentError("the step '" + o.step +
                                "' is C++ code and cannot be written to an SQL script");
          const auto* step = registered_step(o.step);
          if (!step)
            throw ArgumentError("no step is registered as '" + o.step +
                                "'; call rt::migrate::register_step before upgrading");
          (*step)(*conn_);
        }
      },
      op);
}

void OperationRunner::follow(const Operation& op) {
  std::visit(
      [&](const auto& o) {
        using O = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<O, CreateTable>) {
          model_[o.table.fullname()] = o.table;
          for (const auto& e : enum_types(o.table))
            enums_.insert(e.name());
        } else if constexpr (std::is_same_v<O, DropTable>) {
          model_.erase(o.table);
        } else if constexpr (std::is_same_v<O, RenameTable>) {
          if (!model_.count(o.table)) return;  // made by raw SQL: not followed
          const Table renamed = changed_table(model_.at(o.table), op);
          model_.erase(o.table);
          model_[renamed.fullname()] = renamed;
        } else if constexpr (std::is_same_v<O, CreateEnum>) {
          enums_.insert(o.name);
        } else if constexpr (std::is_same_v<O, DropEnum>) {
          enums_.erase(o.name);
        } else if constexpr (requires { o.table; }) {
          if constexpr (!std::is_same_v<O, BulkInsert>) {
            if (model_.count(o.table)) model_[o.table] = changed_table(model_[o.table], op);
          }
        }
      },
      op);
}

}  // namespace retort::migrate
