#include "retort/migrate/migration.hpp"

#include <ostream>

#include "operation_runner.hpp"
#include "retort/schema/ddl.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/select.hpp"

namespace retort::migrate {
namespace {

// Alembic's version table.
Table version_table(const std::string& name) {
  return Table(name, {Column("version_num", String(32), not_null),
                      PrimaryKeyConstraint({"version_num"}, name + "_pkc")});
}

std::string revision_name(const Revision& r) {
  return "revision " + r.id + (r.path.empty() ? "" : " (" + r.path.filename().string() + ")");
}

// The heads after `revision` went up or down from `applied`.
std::vector<std::string> heads_after(const ScriptDirectory& scripts, std::set<std::string> applied,
                                     const Revision& revision, bool up) {
  if (up)
    applied.insert(revision.id);
  else
    applied.erase(revision.id);
  return scripts.heads_of(applied);
}

// Runs a revision's operations; a failure names the revision and the operation.
void apply_all(OperationRunner& runner, const Revision& revision, bool up, bool follow) {
  const auto& ops = up ? revision.upgrade : revision.downgrade;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    try {
      runner.apply(ops[i]);
      if (follow) runner.follow(ops[i]);
    } catch (const std::exception& e) {
      std::throw_with_nested(MigrationError(
          revision_name(revision) + (up ? " upgrade" : " downgrade") + ", operation " +
              std::to_string(i + 1) + " (" + describe(ops[i]) + "): " + e.what(),
          revision.id));
    }
  }
}

bool rebuilds(const OperationRunner& runner, const Revision& revision, bool up) {
  for (const auto& op : up ? revision.upgrade : revision.downgrade) {
    if (runner.rebuilds(op)) return true;
  }
  return false;
}

}  // namespace

Migrator::Migrator(Connection& conn, ScriptDirectory scripts, MigrationOptions options)
    : conn_(conn), scripts_(std::move(scripts)), options_(std::move(options)) {}

std::vector<std::string> Migrator::current() {
  if (!Inspector(conn_).has_table(options_.version_table)) return {};
  const Table v = version_table(options_.version_table);
  return conn_.execute(sql::select(v.c("version_num")).order_by(v.c("version_num")))
      .scalars<std::string>();
}

std::vector<std::string> Migrator::upgrade(std::string_view target) {
  return run(target, true);
}

std::vector<std::string> Migrator::downgrade(std::string_view target) {
  return run(target, false);
}

void Migrator::stamp(std::string_view target) {
  const auto& d = sql::dialect(conn_.dialect_name());
  const Table v = version_table(options_.version_table);
  const auto heads = scripts_.resolve(target);
  if (!Inspector(conn_).has_table(options_.version_table))
    conn_.execute(create_table_ddl(v, d).front());
  auto tx = conn_.begin();
  conn_.execute(d.migration_lock_sql(d.quote(options_.version_table)));
  conn_.execute(sql::delete_(v));
  for (const auto& h : heads)
    conn_.execute(sql::insert(v).values({{"version_num", h}}));
  tx.commit();
}

std::vector<std::string> Migrator::run(std::string_view target, bool up) {
  const auto& d = sql::dialect(conn_.dialect_name());
  const Table v = version_table(options_.version_table);
  if (!Inspector(conn_).has_table(options_.version_table)) {
    try {
      conn_.execute(create_table_ddl(v, d).front());
    } catch (const DatabaseError&) {
      // Another process created it first.
      if (!Inspector(conn_).has_table(options_.version_table)) throw;
    }
  }
  const auto start = current();
  const auto plan =
      up ? scripts_.upgrade_path(start, target) : scripts_.downgrade_path(start, target);
  const sql::RebuildGuard guard = d.rebuild_guard();
  std::vector<std::string> done;
  OperationRunner runner(d, &conn_, nullptr, options_.naming);
  for (const Revision* revision : plan) {
    bool guarded = false;
    if (!guard.enabled.empty() && rebuilds(runner, *revision, up)) {
      guarded = conn_.execute(guard.enabled).scalar<std::int64_t>() == 1;
      if (guarded) conn_.execute(guard.before_begin);
    }
    try {
      auto tx = conn_.begin();
      // Under the lock, the version as it is now: another process may have moved it.
      conn_.execute(d.migration_lock_sql(d.quote(options_.version_table)));
      const auto applied = scripts_.applied(current());
      if (applied.count(revision->id) == (up ? 1u : 0u)) {
        tx.commit();
        if (guarded) conn_.execute(guard.after_end);
        continue;
      }
      if (options_.on_revision) options_.on_revision(*revision, up);
      apply_all(runner, *revision, up, false);
      conn_.execute(sql::delete_(v));
      for (const auto& h : heads_after(scripts_, applied, *revision, up))
        conn_.execute(sql::insert(v).values({{"version_num", h}}));
      if (guarded) {
        auto broken = conn_.execute(guard.check).all();
        if (!broken.empty()) {
          throw MigrationError(revision_name(*revision) +
                                   ": leaves rows whose foreign keys point nowhere (" +
                                   std::to_string(broken.size()) + " found); nothing was changed",
                               revision->id);
        }
      }
      tx.commit();
    } catch (...) {
      if (guarded) conn_.execute(guard.after_end);
      throw;
    }
    if (guarded) conn_.execute(guard.after_end);
    done.push_back(revision->id);
  }
  return done;
}

void write_script(std::ostream& out, const ScriptDirectory& scripts, const sql::Dialect& d,
                  std::string_view from, std::string_view to, bool upgrade,
                  const MigrationOptions& options) {
  OperationRunner runner(d, nullptr, &out, options.naming);
  const Table v = version_table(options.version_table);
  const auto start = scripts.resolve(from);
  // The schema the script starts from, followed through the revisions below it.
  std::set<std::string> applied = scripts.applied(start);
  for (const Revision* r : scripts.ordered()) {
    if (!applied.count(r->id)) continue;
    for (const auto& op : r->upgrade)
      runner.follow(op);
  }
  if (start.empty() && upgrade) runner.run(create_table_ddl(v, d).front());
  const auto plan = upgrade ? scripts.upgrade_path(start, to) : scripts.downgrade_path(start, to);
  const sql::RebuildGuard guard = d.rebuild_guard();
  for (const Revision* r : plan) {
    out << "-- " << (upgrade ? "Running upgrade " : "Running downgrade ") << r->id << ": ";
    for (char c : r->message)
      out << (c == '\n' || c == '\r' ? ' ' : c);
    out << "\n\n";
    const bool guarded = !guard.before_begin.empty() && rebuilds(runner, *r, upgrade);
    if (guarded) runner.run(guard.before_begin);
    runner.run(d.begin_sql());
    apply_all(runner, *r, upgrade, true);
    const auto old_heads = scripts.heads_of(applied);
    const auto new_heads = heads_after(scripts, applied, *r, upgrade);
    if (upgrade)
      applied.insert(r->id);
    else
      applied.erase(r->id);
    for (const auto& h : old_heads) {
      if (std::find(new_heads.begin(), new_heads.end(), h) == new_heads.end())
        runner.run(sql::delete_(v).where(v.c("version_num") == h).literal_sql(d));
    }
    for (const auto& h : new_heads) {
      if (std::find(old_heads.begin(), old_heads.end(), h) == old_heads.end())
        runner.run(sql::insert(v).values({{"version_num", h}}).literal_sql(d));
    }
    runner.run(d.commit_sql());
    if (guarded) runner.run(guard.after_end);
  }
}

}  // namespace retort::migrate
