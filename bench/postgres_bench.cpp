// ORM workloads on PostgreSQL: Retort beside libpq used directly, reading into and
// writing from the same structs.
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <random>
#include <stdexcept>
#include <tuple>

#include "bench.hpp"
#include "model.hpp"
#include "reads.hpp"
#include "soci_peer.hpp"

namespace bench {
namespace {

struct RawPg {
  PGconn* conn = nullptr;
  explicit RawPg(const std::string& url) {
    conn = PQconnectdb(retort::URL::parse(url).render(false).c_str());
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
  }
  ~RawPg() { PQfinish(conn); }
  void exec(const char* sql) {
    PGresult* r = PQexec(conn, sql);
    const auto st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw std::runtime_error(PQerrorMessage(conn));
  }
  void prepare(const char* name, const std::string& sql, int n) {
    PGresult* r = PQprepare(conn, name, sql.c_str(), n, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(PQerrorMessage(conn));
  }
};

std::int64_t to_int(const char* p, int len) {
  std::int64_t v = 0;
  std::from_chars(p, p + len, v);
  return v;
}

void read_user(PGresult* r, int row, User& u) {
  u.id = to_int(PQgetvalue(r, row, 0), PQgetlength(r, row, 0));
  u.login.assign(PQgetvalue(r, row, 1), PQgetlength(r, row, 1));
  if (PQgetisnull(r, row, 2))
    u.email.reset();
  else
    u.email.emplace(PQgetvalue(r, row, 2), PQgetlength(r, row, 2));
  u.score = to_int(PQgetvalue(r, row, 3), PQgetlength(r, row, 3));
}

// Starts COPY ... FROM STDIN in a transaction.
void begin_copy(RawPg& pg, const char* sql) {
  pg.exec("BEGIN");
  PGresult* res = PQexec(pg.conn, sql);
  const bool ready = PQresultStatus(res) == PGRES_COPY_IN;
  PQclear(res);
  if (!ready) throw std::runtime_error(PQerrorMessage(pg.conn));
}

void put_copy(RawPg& pg, std::string& chunk) {
  if (PQputCopyData(pg.conn, chunk.data(), static_cast<int>(chunk.size())) != 1)
    throw std::runtime_error(PQerrorMessage(pg.conn));
  chunk.clear();
}

void end_copy(RawPg& pg) {
  if (PQputCopyEnd(pg.conn, nullptr) != 1) throw std::runtime_error(PQerrorMessage(pg.conn));
  PGresult* res = PQgetResult(pg.conn);
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  PQclear(res);
  while ((res = PQgetResult(pg.conn)))
    PQclear(res);
  if (!ok) throw std::runtime_error(PQerrorMessage(pg.conn));
  pg.exec("COMMIT");
}

// COPY ... FROM STDIN in text form, sent in chunks: the fastest way in, with no keys back.
void raw_insert_copy(RawPg& pg, const std::vector<User>& users) {
  begin_copy(pg, "COPY bench_user (login, email, score) FROM STDIN");
  // Text form: tab-separated, \N for NULL, backslash escapes for what would break a row.
  const auto field = [](std::string& out, const std::string& text) {
    for (const char c : text) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          out += c;
      }
    }
  };
  std::string chunk;
  for (std::size_t r = 0; r < users.size(); ++r) {
    const User& u = users[r];
    field(chunk, u.login);
    chunk += '\t';
    if (u.email) {
      field(chunk, *u.email);
    } else {
      chunk += "\\N";
    }
    chunk += '\t';
    chunk += std::to_string(u.score);
    chunk += '\n';
    if (chunk.size() > 64 * 1024) put_copy(pg, chunk);
  }
  put_copy(pg, chunk);
  end_copy(pg);
}

// UUID-keyed rows by COPY's text form. The generated logins and emails hold nothing
// that the text form escapes.
void raw_keyed_copy_text(RawPg& pg, const std::vector<KeyedUser>& users) {
  begin_copy(pg, "COPY bench_keyed_user (id, login, email, score) FROM STDIN");
  std::string chunk;
  for (std::size_t r = 0; r < users.size(); ++r) {
    const KeyedUser& u = users[r];
    chunk += u.id.str();
    chunk += '\t';
    chunk += u.login;
    chunk += '\t';
    chunk += u.email ? *u.email : "\\N";
    chunk += '\t';
    chunk += std::to_string(u.score);
    chunk += '\n';
    if (chunk.size() > 64 * 1024) put_copy(pg, chunk);
  }
  put_copy(pg, chunk);
  end_copy(pg);
}

// The same in COPY's binary form: each field its length and its bytes in network order.
void raw_keyed_copy_binary(RawPg& pg, const std::vector<KeyedUser>& users) {
  begin_copy(pg, "COPY bench_keyed_user (id, login, email, score) FROM STDIN (FORMAT binary)");
  std::string chunk("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
  const auto be = [&](std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      chunk += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  const auto text = [&](const std::string& s) {
    be(s.size(), 4);
    chunk += s;
  };
  for (const KeyedUser& u : users) {
    be(4, 2);
    be(16, 4);
    chunk.append(reinterpret_cast<const char*>(u.id.bytes().data()), 16);
    text(u.login);
    if (u.email) {
      text(*u.email);
    } else {
      be(0xffffffff, 4);
    }
    be(8, 4);
    be(static_cast<std::uint64_t>(u.score), 8);
    if (chunk.size() > 64 * 1024) put_copy(pg, chunk);
  }
  be(0xffff, 2);
  put_copy(pg, chunk);
  end_copy(pg);
}

// Multi-row INSERT ... RETURNING id, 500 rows a statement, prepared once per size.
void raw_insert_values(RawPg& pg, std::vector<User>& users) {
  constexpr std::size_t batch = 500;
  pg.exec("BEGIN");
  std::vector<std::string> scores(users.size());
  std::size_t prepared_full = 0, prepared_tail = 0;
  for (std::size_t start = 0; start < users.size(); start += batch) {
    const std::size_t n = std::min(batch, users.size() - start);
    const char* name = n == batch ? "ins_full" : "ins_tail";
    std::size_t& prepared = n == batch ? prepared_full : prepared_tail;
    if (prepared != n) {
      std::string sql = "INSERT INTO bench_user (login, email, score) VALUES ";
      for (std::size_t r = 0; r < n; ++r) {
        sql += (r ? ", ($" : "($") + std::to_string(3 * r + 1) + ", $" + std::to_string(3 * r + 2) +
               ", $" + std::to_string(3 * r + 3) + ")";
      }
      sql += " RETURNING id";
      pg.prepare(name, sql, static_cast<int>(3 * n));
      prepared = n;
    }
    std::vector<const char*> values(3 * n);
    for (std::size_t r = 0; r < n; ++r) {
      User& u = users[start + r];
      scores[start + r] = std::to_string(u.score);
      values[3 * r] = u.login.c_str();
      values[3 * r + 1] = u.email ? u.email->c_str() : nullptr;
      values[3 * r + 2] = scores[start + r].c_str();
    }
    PGresult* res =
        PQexecPrepared(pg.conn, name, static_cast<int>(3 * n), values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) throw std::runtime_error(PQerrorMessage(pg.conn));
    std::vector<std::int64_t> ids;
    for (int i = 0; i < PQntuples(res); ++i)
      ids.push_back(to_int(PQgetvalue(res, i, 0), PQgetlength(res, i, 0)));
    std::sort(ids.begin(), ids.end());
    for (std::size_t r = 0; r < n; ++r)
      users[start + r].id = ids[r];
    PQclear(res);
  }
  pg.exec("COMMIT");
  if (prepared_full) pg.exec("DEALLOCATE ins_full");
  if (prepared_tail) pg.exec("DEALLOCATE ins_tail");
}

// One prepared INSERT ... RETURNING id per row, sent in pipeline mode.
void raw_insert_pipeline(RawPg& pg, std::vector<User>& users) {
  pg.exec("BEGIN");
  pg.prepare("ins", "INSERT INTO bench_user (login, email, score) VALUES ($1, $2, $3) RETURNING id",
             3);
  PQenterPipelineMode(pg.conn);
  std::vector<std::string> scores(users.size());
  std::size_t sent = 0, received = 0;
  auto receive = [&] {
    PGresult* res = PQgetResult(pg.conn);
    if (!res) return;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
      users[received++].id = to_int(PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0));
    } else if (PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
      throw std::runtime_error(PQerrorMessage(pg.conn));
    }
    PQclear(res);
  };
  for (auto& u : users) {
    scores[sent] = std::to_string(u.score);
    const char* values[3] = {u.login.c_str(), u.email ? u.email->c_str() : nullptr,
                             scores[sent].c_str()};
    PQsendQueryPrepared(pg.conn, "ins", 3, values, nullptr, nullptr, 0);
    ++sent;
    if (sent % 1000 == 0) {
      PQpipelineSync(pg.conn);
      // Drain what is ready: each query's result, then its end marker.
      while (received < sent) {
        receive();
        PGresult* end = PQgetResult(pg.conn);  // the null after each result
        if (end) PQclear(end);
      }
      PGresult* sync = PQgetResult(pg.conn);
      if (sync) PQclear(sync);
    }
  }
  PQpipelineSync(pg.conn);
  while (received < sent) {
    receive();
    PGresult* end = PQgetResult(pg.conn);
    if (end) PQclear(end);
  }
  PGresult* sync = PQgetResult(pg.conn);
  if (sync) PQclear(sync);
  PQexitPipelineMode(pg.conn);
  pg.exec("COMMIT");
  pg.exec("DEALLOCATE ins");
}

std::vector<User> raw_load(RawPg& pg) {
  PGresult* res = PQexec(pg.conn, "SELECT id, login, email, score FROM bench_user");
  std::vector<User> out;
  const int n = PQntuples(res);
  out.reserve(n);
  for (int i = 0; i < n; ++i)
    read_user(res, i, out.emplace_back());
  PQclear(res);
  return out;
}

std::vector<User> raw_get(RawPg& pg, const std::vector<std::int64_t>& ids) {
  std::vector<User> out;
  pg.exec("BEGIN");
  pg.prepare("get", "SELECT id, login, email, score FROM bench_user WHERE id = $1", 1);
  for (auto id : ids) {
    const std::string key = std::to_string(id);
    const char* values[1] = {key.c_str()};
    PGresult* res = PQexecPrepared(pg.conn, "get", 1, values, nullptr, nullptr, 0);
    if (PQntuples(res) == 1) read_user(res, 0, out.emplace_back());
    PQclear(res);
  }
  pg.exec("COMMIT");
  pg.exec("DEALLOCATE get");
  return out;
}

// The per-row statement in pipeline mode: the rows go out without waiting, and the
// results are read once per 1000 rows.
void raw_each_pipeline(RawPg& pg, const char* name, const char* sql, int nparams,
                       std::vector<User>& users, bool update) {
  pg.exec("BEGIN");
  pg.prepare(name, sql, nparams);
  PQenterPipelineMode(pg.conn);
  std::size_t sent = 0, received = 0;
  const auto drain = [&] {
    PQpipelineSync(pg.conn);
    while (received < sent) {
      PGresult* res = PQgetResult(pg.conn);
      if (PQresultStatus(res) != PGRES_COMMAND_OK)
        throw std::runtime_error(PQerrorMessage(pg.conn));
      PQclear(res);
      ++received;
      if (PGresult* end = PQgetResult(pg.conn)) PQclear(end);  // the null after each result
    }
    if (PGresult* sync = PQgetResult(pg.conn)) PQclear(sync);
  };
  for (auto& u : users) {
    if (update) u.score += 1;
    const std::string a = std::to_string(update ? u.score : u.id), b = std::to_string(u.id);
    const char* values[2] = {a.c_str(), b.c_str()};
    // libpq copies the parameters into its output buffer: a and b may go.
    PQsendQueryPrepared(pg.conn, name, nparams, values, nullptr, nullptr, 0);
    if (++sent % 1000 == 0) drain();
  }
  drain();
  PQexitPipelineMode(pg.conn);
  pg.exec("COMMIT");
  const std::string dealloc = std::string("DEALLOCATE ") + name;
  pg.exec(dealloc.c_str());
}

// A PostgreSQL array literal of the values: {1,2,3}.
template <class F>
std::string array_of(const std::vector<User>& users, F value) {
  std::string out = "{";
  for (const auto& u : users) {
    out += std::to_string(value(u));
    out += ',';
  }
  if (out.size() > 1) out.pop_back();
  return out + "}";
}

// One statement for all the rows: their keys and new values as two arrays.
void raw_update_arrays(RawPg& pg, std::vector<User>& users) {
  for (auto& u : users)
    u.score += 1;
  const std::string ids = array_of(users, [](const User& u) { return u.id; });
  const std::string scores = array_of(users, [](const User& u) { return u.score; });
  const char* values[2] = {ids.c_str(), scores.c_str()};
  PGresult* res = PQexecParams(pg.conn,
                               "UPDATE bench_user AS u SET score = v.score "
                               "FROM unnest($1::bigint[], $2::bigint[]) AS v(id, score) "
                               "WHERE u.id = v.id",
                               2, nullptr, values, nullptr, nullptr, 0);
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  PQclear(res);
  if (!ok) throw std::runtime_error(PQerrorMessage(pg.conn));
}

void raw_delete_array(RawPg& pg, const std::vector<User>& users) {
  const std::string ids = array_of(users, [](const User& u) { return u.id; });
  const char* values[1] = {ids.c_str()};
  PGresult* res = PQexecParams(pg.conn, "DELETE FROM bench_user WHERE id = ANY($1::bigint[])", 1,
                               nullptr, values, nullptr, nullptr, 0);
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  PQclear(res);
  if (!ok) throw std::runtime_error(PQerrorMessage(pg.conn));
}

// The fastest of several raw versions of a workload, and its name for the report.
struct Fastest {
  double seconds = 1e9;
  std::string name;
  void add(const char* what, double s) {
    if (s < seconds) {
      seconds = s;
      name = what;
    }
  }
};

}  // namespace

std::vector<Row> run_postgres(const Options& options) {
  namespace rt = retort;
  auto engine = rt::create_engine(options.postgres_url);
  rt::registry().add<User>();
  rt::registry().add<KeyedUser>();
  const long long n = options.rows;
  auto want = [&](const char* w) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), w) != options.only.end();
  };
  auto fresh_table = [&] {
    auto conn = engine.connect();
    conn.execute("DROP TABLE IF EXISTS bench_user");
    rt::registry().metadata().create_all(conn, {.tables = {"bench_user"}});
  };
  const auto fresh_keyed_table = [&] {
    auto conn = engine.connect();
    conn.execute("DROP TABLE IF EXISTS bench_keyed_user");
    rt::registry().metadata().create_all(conn, {.tables = {"bench_keyed_user"}});
  };
  std::vector<User> source;
  std::vector<KeyedUser> keyed_source;
  for (long long i = 0; i < n; ++i) {
    source.push_back(make_user(i));
    keyed_source.push_back(make_keyed_user(i));
  }
  std::vector<std::int64_t> ids;
  {
    std::mt19937_64 rng(42);
    for (long long i = 0; i < n / 10; ++i)
      ids.push_back(1 + static_cast<std::int64_t>(rng() % n));
  }
  // Retort's insert of a copy of the rows: each added to a session, then one commit.
  const auto retort_insert = [&](auto users) {
    std::vector<rt::Ref<typename decltype(users)::value_type>> refs;
    refs.reserve(users.size());
    rt::Session session(engine);
    return seconds([&] {
      for (auto& u : users)
        refs.push_back(session.add(std::move(u)));
      session.commit();
    });
  };
  Best insert, keyed, load, get, update, plain, remove;
  Fastest update_raw, remove_raw, keyed_raw;
  std::string insert_baseline = "libpq";
  double values_best = 1e9, pipeline_best = 1e9, copy_best = 1e9;
  for (int rep = 0; rep < options.repeat; ++rep) {
    if (want("insert")) {
      fresh_table();
      {
        RawPg raw(options.postgres_url);
        auto users = source;
        values_best = std::min(values_best, seconds([&] { raw_insert_values(raw, users); }));
      }
      fresh_table();
      {
        RawPg raw(options.postgres_url);
        auto users = source;
        pipeline_best = std::min(pipeline_best, seconds([&] { raw_insert_pipeline(raw, users); }));
      }
      fresh_table();
      {
        RawPg raw(options.postgres_url);
        copy_best = std::min(copy_best, seconds([&] { raw_insert_copy(raw, source); }));
      }
      fresh_table();
      SociPeer soci(SociPeer::Backend::postgresql, options.postgres_url);
      insert.soci(seconds([&] { soci.insert(source); }));
    }
    fresh_table();
    insert.retort(retort_insert(source));
    if (want("insert")) {
      fresh_keyed_table();
      {
        RawPg raw(options.postgres_url);
        keyed_raw.add("libpq COPY text", seconds([&] { raw_keyed_copy_text(raw, keyed_source); }));
      }
      fresh_keyed_table();
      {
        RawPg raw(options.postgres_url);
        keyed_raw.add("libpq COPY binary",
                      seconds([&] { raw_keyed_copy_binary(raw, keyed_source); }));
      }
      fresh_keyed_table();
      {
        SociPeer soci(SociPeer::Backend::postgresql, options.postgres_url);
        keyed.soci(seconds([&] { soci.insert_keyed(keyed_source); }));
      }
      fresh_keyed_table();
      keyed.retort(retort_insert(keyed_source));
    }
    // A table just filled is read slower by whoever reads it first (the server sets each
    // row's hint bits then, and autovacuum may be at work on it): vacuumed, both sides
    // read it settled.
    engine.connect().execute("VACUUM ANALYZE bench_user");
    // The reads: each Retort run right after the raw run it is measured against, so that
    // both meet the server in the same state (a long run of round trips in between
    // leaves it slower to answer the next large query).
    {
      RawPg raw(options.postgres_url);
      if (want("load") || want("plain")) {
        load.baseline(seconds([&] { (void)raw_load(raw); }));
        plain.baseline(load.last_baseline);
      }
      if (want("load")) {
        load.retort(seconds([&] { retort_load(engine, n); }));
      }
      if (want("plain")) {
        plain.retort(seconds([&] { retort_plain(engine, n); }));
      }
      if (want("get")) {
        get.baseline(seconds([&] { (void)raw_get(raw, ids); }));
        get.retort(seconds([&] { retort_get(engine, ids); }));
      }
    }
    {
      SociPeer soci(SociPeer::Backend::postgresql, options.postgres_url);
      if (want("load") || want("plain")) {
        const double s = seconds([&] { (void)soci.load(); });
        load.soci(s);
        plain.soci(s);
      }
      if (want("get")) get.soci(seconds([&] { (void)soci.get(ids); }));
    }
    if (want("update")) {
      {
        RawPg raw(options.postgres_url);
        auto users = raw_load(raw);
        const char* sql = "UPDATE bench_user SET score = $1 WHERE id = $2";
        update_raw.add("libpq pipeline",
                       seconds([&] { raw_each_pipeline(raw, "upd", sql, 2, users, true); }));
        update_raw.add("libpq unnest arrays", seconds([&] { raw_update_arrays(raw, users); }));
      }
      {
        SociPeer soci(SociPeer::Backend::postgresql, options.postgres_url);
        auto users = soci.load();
        update.soci(seconds([&] { soci.update(users); }));
      }
      rt::Session session(engine);
      auto all = session.query<User>().all();
      update.retort(seconds([&] {
        for (auto& u : all)
          u->score += 1;
        session.commit();
      }));
    }
    if (want("delete")) {
      const auto refill = [&] {
        fresh_table();
        auto users = source;
        RawPg raw(options.postgres_url);
        raw_insert_values(raw, users);
      };
      {
        RawPg raw(options.postgres_url);
        auto users = raw_load(raw);
        remove_raw.add("libpq pipeline", seconds([&] {
                         raw_each_pipeline(raw, "del", "DELETE FROM bench_user WHERE id = $1", 1,
                                           users, false);
                       }));
      }
      refill();
      {
        RawPg raw(options.postgres_url);
        const auto users = raw_load(raw);
        remove_raw.add("libpq = ANY(array)", seconds([&] { raw_delete_array(raw, users); }));
      }
      refill();
      {
        SociPeer soci(SociPeer::Backend::postgresql, options.postgres_url);
        const auto users = soci.load();
        remove.soci(seconds([&] { soci.remove(users); }));
      }
      refill();
      rt::Session session(engine);
      auto all = session.query<User>().all();
      remove.retort(seconds([&] {
        for (auto& u : all)
          session.delete_(u);
        session.commit();
      }));
    }
  }
  keyed.baseline(keyed_raw.seconds);
  update.baseline(update_raw.seconds);
  remove.baseline(remove_raw.seconds);
  insert.baseline(std::min(values_best, pipeline_best));
  insert_baseline = values_best <= pipeline_best ? "libpq multi-row VALUES" : "libpq pipeline";
  engine.connect().execute("DROP TABLE IF EXISTS bench_user");
  engine.connect().execute("DROP TABLE IF EXISTS bench_keyed_user");
  engine.dispose();
  std::vector<Row> out;
  for (auto [best, name, rows] : {std::tuple{&insert, "insert", n},
                                  {&keyed, "insert uuid", n},
                                  {&load, "load", n},
                                  {&get, "get", n / 10},
                                  {&update, "update", n},
                                  {&remove, "delete", n},
                                  {&plain, "plain", n}}) {
    if (!want(best == &keyed ? "insert" : name)) continue;
    std::string baseline = "libpq";
    if (best == &keyed) baseline = keyed_raw.name;
    if (best == &insert) baseline = insert_baseline;
    if (best == &update) baseline = update_raw.name;
    if (best == &remove) baseline = remove_raw.name;
    out.push_back(best->row(name, "postgresql", rows, baseline));
    // Inserts beside COPY too, which is faster but gives no keys back.
    if (best == &insert) {
      Row copy = out.back();
      copy.baseline_seconds = copy_best;
      copy.baseline = "libpq COPY (no keys back)";
      out.push_back(copy);
    }
  }
  return out;
}

}  // namespace bench
