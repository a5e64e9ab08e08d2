// The flush workload on PostgreSQL: one unit of work over two tables. N/10 parents with
// ten children each are loaded; every parent is renamed, every child but the last of each
// parent gets a new number and the last is deleted, and the session commits: UPDATEs of
// two tables and DELETEs, which Retort's flush sends without waiting for each answer.
// The raw side does the same with libpq, the better of pipeline mode (one prepared
// statement per row) and one statement per kind of change over arrays of all the rows.
#include <libpq-fe.h>

#include <charconv>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench.hpp"
#include "model.hpp"
#include "soci_peer.hpp"

namespace bench {
namespace {

namespace rt = retort;

std::int64_t to_int(const char* p, int len) {
  std::int64_t v = 0;
  std::from_chars(p, p + len, v);
  return v;
}

PGresult* checked(PGconn* conn, PGresult* res) {
  const auto st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    PQclear(res);
    throw std::runtime_error(PQerrorMessage(conn));
  }
  return res;
}

void exec(PGconn* conn, const char* sql) {
  PQclear(checked(conn, PQexec(conn, sql)));
}

TreeRows read_tree(PGconn* conn) {
  TreeRows t;
  PGresult* p = checked(conn, PQexec(conn, "SELECT id, name FROM bench_parent"));
  for (int i = 0, n = PQntuples(p); i < n; ++i) {
    t.parent_ids.push_back(to_int(PQgetvalue(p, i, 0), PQgetlength(p, i, 0)));
    t.names.emplace_back(PQgetvalue(p, i, 1), PQgetlength(p, i, 1));
  }
  PQclear(p);
  PGresult* c = checked(conn, PQexec(conn, "SELECT id, n FROM bench_child"));
  for (int i = 0, n = PQntuples(c); i < n; ++i) {
    t.child_ids.push_back(to_int(PQgetvalue(c, i, 0), PQgetlength(c, i, 0)));
    t.numbers.push_back(to_int(PQgetvalue(c, i, 1), PQgetlength(c, i, 1)));
  }
  PQclear(c);
  return t;
}

// Pipeline mode: every row's statement sent, the answers read once per 1000.
void raw_pipeline(PGconn* conn, TreeRows& t) {
  exec(conn, "BEGIN");
  PQclear(checked(
      conn, PQprepare(conn, "fp", "UPDATE bench_parent SET name = $1 WHERE id = $2", 2, nullptr)));
  PQclear(checked(
      conn, PQprepare(conn, "fc", "UPDATE bench_child SET n = $1 WHERE id = $2", 2, nullptr)));
  PQclear(
      checked(conn, PQprepare(conn, "fd", "DELETE FROM bench_child WHERE id = $1", 1, nullptr)));
  PQenterPipelineMode(conn);
  std::size_t sent = 0, received = 0;
  const auto drain = [&] {
    PQpipelineSync(conn);
    while (received < sent) {
      PGresult* res = PQgetResult(conn);
      if (PQresultStatus(res) != PGRES_COMMAND_OK) throw std::runtime_error(PQerrorMessage(conn));
      PQclear(res);
      ++received;
      if (PGresult* end = PQgetResult(conn)) PQclear(end);  // the null after each result
    }
    if (PGresult* sync = PQgetResult(conn)) PQclear(sync);
  };
  const auto send = [&](const char* name, const std::string& a, const std::string* b) {
    const char* values[2] = {a.c_str(), b ? b->c_str() : nullptr};
    PQsendQueryPrepared(conn, name, b ? 2 : 1, values, nullptr, nullptr, 0);
    if (++sent % 1000 == 0) drain();
  };
  const TreeChange c = flush_changes(t);
  for (std::size_t i = 0; i < t.parent_ids.size(); ++i) {
    const std::string id = std::to_string(t.parent_ids[i]);
    send("fp", t.names[i], &id);
  }
  // The updates first and the deletes after, as a flush orders them.
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    const std::string n = std::to_string(c.numbers[i]), id = std::to_string(c.ids[i]);
    send("fc", n, &id);
  }
  for (const std::int64_t id : c.dropped)
    send("fd", std::to_string(id), nullptr);
  drain();
  PQexitPipelineMode(conn);
  exec(conn, "COMMIT");
  exec(conn, "DEALLOCATE ALL");
}

// A PostgreSQL array literal: {1,2,3}, or {"a","b"} for the names (which hold no quote or
// backslash).
template <class T>
std::string array_of(const std::vector<T>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if constexpr (std::is_same_v<T, std::string>) {
      out += '"' + v + '"';
    } else {
      out += std::to_string(v);
    }
    out += ',';
  }
  if (out.size() > 1) out.pop_back();
  return out + "}";
}

// One statement per kind of change, over arrays of all its rows.
void raw_arrays(PGconn* conn, TreeRows& t) {
  const TreeChange c = flush_changes(t);
  exec(conn, "BEGIN");
  const auto run = [&](const char* sql, const std::string& a, const std::string* b) {
    const char* values[2] = {a.c_str(), b ? b->c_str() : nullptr};
    PQclear(
        checked(conn, PQexecParams(conn, sql, b ? 2 : 1, nullptr, values, nullptr, nullptr, 0)));
  };
  const std::string names = array_of(t.names), numbered = array_of(c.numbers);
  run("UPDATE bench_parent AS p SET name = v.name FROM unnest($1::bigint[], $2::text[]) "
      "AS v(id, name) WHERE p.id = v.id",
      array_of(t.parent_ids), &names);
  run("UPDATE bench_child AS c SET n = v.n FROM unnest($1::bigint[], $2::bigint[]) AS v(id, n) "
      "WHERE c.id = v.id",
      array_of(c.ids), &numbered);
  run("DELETE FROM bench_child WHERE id = ANY($1::bigint[])", array_of(c.dropped), nullptr);
  exec(conn, "COMMIT");
}

// Checks that a side made the changes: the sums the database holds afterwards.
void check_written(rt::Engine& engine, long long parents) {
  auto conn = engine.connect();
  const auto renamed =
      conn.execute("SELECT count(*) FROM bench_parent WHERE name LIKE '%x'").scalar<std::int64_t>();
  const auto children = conn.execute("SELECT count(*) FROM bench_child").scalar<std::int64_t>();
  const auto numbers = conn.execute("SELECT sum(n) FROM bench_child").scalar<std::int64_t>();
  // Each parent keeps children numbered 1..9 after the change: 45 a parent.
  if (renamed != parents || children != parents * 9 || numbers != parents * 45)
    throw std::runtime_error("flush: the changes were not all written");
}

}  // namespace

std::vector<Row> run_flush(const Options& options) {
  const long long parents = std::max(1LL, options.rows / 10);
  auto engine = rt::create_engine(options.postgres_url);
  rt::registry().add<Parent, Child>();
  const auto fresh = [&] {
    make_tree(engine, parents);
    auto conn = engine.connect();
    conn.execute("VACUUM ANALYZE bench_parent");
    conn.execute("VACUUM ANALYZE bench_child");
  };
  const std::string url = rt::URL::parse(options.postgres_url).render(false);
  const auto raw_side = [&](void (*write)(PGconn*, TreeRows&)) {
    fresh();
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
    TreeRows tree = read_tree(conn);
    const double s = seconds([&] { write(conn, tree); });
    PQfinish(conn);
    check_written(engine, parents);
    return s;
  };

  Best best;
  double pipeline_best = 1e9, arrays_best = 1e9;
  for (int rep = 0; rep < options.repeat; ++rep) {
    pipeline_best = std::min(pipeline_best, raw_side(raw_pipeline));
    arrays_best = std::min(arrays_best, raw_side(raw_arrays));
    best.baseline(std::min(pipeline_best, arrays_best));
    {
      fresh();
      SociPeer soci(SociPeer::Backend::postgresql, options.postgres_url);
      TreeRows tree = soci.load_tree();
      best.soci(seconds([&] { soci.change_tree(tree); }));
    }
    check_written(engine, parents);
    fresh();
    {
      rt::Session session(engine);
      auto ps = session.query<Parent>().all();
      auto cs = session.query<Child>().all();
      best.retort(seconds([&] {
        for (auto& p : ps)
          p->name += "x";
        for (auto& c : cs) {
          if (c->n == 9) {
            session.delete_(c);
          } else {
            c->n += 1;
          }
        }
        session.commit();
      }));
    }
    check_written(engine, parents);
  }
  {
    auto conn = engine.connect();
    conn.execute("DROP TABLE IF EXISTS bench_child");
    conn.execute("DROP TABLE IF EXISTS bench_parent");
  }
  engine.dispose();
  return {best.row("flush", "postgresql", parents * 11,
                   pipeline_best <= arrays_best ? "libpq pipeline" : "libpq arrays")};
}

}  // namespace bench
