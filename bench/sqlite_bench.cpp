// ORM workloads on a SQLite file: Retort beside the same work written against the
// sqlite3 C API, reading into and writing from the same structs.
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <tuple>

#include "bench.hpp"
#include "model.hpp"
#include "reads.hpp"
#include "soci_peer.hpp"

namespace bench {
namespace {

void check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(sqlite3_errmsg(db));
}

// The raw side opens its own connection with the pragmas Retort uses for files.
struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const std::string& path) {
    check(
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
        db);
    exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000");
  }
  ~RawDb() { sqlite3_close_v2(db); }
  void exec(const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db); }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db);
    return s;
  }
};

void read_user(sqlite3_stmt* s, User& u) {
  u.id = sqlite3_column_int64(s, 0);
  u.login.assign(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)),
                 sqlite3_column_bytes(s, 1));
  if (sqlite3_column_type(s, 2) == SQLITE_NULL) {
    u.email.reset();
  } else {
    u.email.emplace(reinterpret_cast<const char*>(sqlite3_column_text(s, 2)),
                    sqlite3_column_bytes(s, 2));
  }
  u.score = sqlite3_column_int64(s, 3);
}

void raw_insert(RawDb& raw, std::vector<User>& users) {
  raw.exec("BEGIN");
  sqlite3_stmt* s = raw.prepare("INSERT INTO bench_user (login, email, score) VALUES (?, ?, ?)");
  for (auto& u : users) {
    sqlite3_bind_text(s, 1, u.login.data(), static_cast<int>(u.login.size()), SQLITE_STATIC);
    if (u.email)
      sqlite3_bind_text(s, 2, u.email->data(), static_cast<int>(u.email->size()), SQLITE_STATIC);
    else
      sqlite3_bind_null(s, 2);
    sqlite3_bind_int64(s, 3, u.score);
    check(sqlite3_step(s), raw.db);
    sqlite3_reset(s);
    u.id = sqlite3_last_insert_rowid(raw.db);
  }
  sqlite3_finalize(s);
  raw.exec("COMMIT");
}

std::vector<User> raw_load(RawDb& raw) {
  std::vector<User> out;
  sqlite3_stmt* s = raw.prepare("SELECT id, login, email, score FROM bench_user");
  while (sqlite3_step(s) == SQLITE_ROW)
    read_user(s, out.emplace_back());
  sqlite3_finalize(s);
  return out;
}

// The rows are dropped before it returns, as the Retort side drops its objects; a call of
// its own, so that a profile tells its time apart (bench/profile.py).
[[gnu::noinline]] std::size_t raw_get(RawDb& raw, const std::vector<std::int64_t>& ids) {
  std::vector<User> out;
  out.reserve(ids.size());
  raw.exec("BEGIN");
  sqlite3_stmt* s = raw.prepare("SELECT id, login, email, score FROM bench_user WHERE id = ?");
  for (auto id : ids) {
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) read_user(s, out.emplace_back());
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  raw.exec("COMMIT");
  return out.size();
}

void raw_update(RawDb& raw, std::vector<User>& users) {
  raw.exec("BEGIN");
  sqlite3_stmt* s = raw.prepare("UPDATE bench_user SET score = ? WHERE id = ?");
  for (auto& u : users) {
    u.score += 1;
    sqlite3_bind_int64(s, 1, u.score);
    sqlite3_bind_int64(s, 2, u.id);
    check(sqlite3_step(s), raw.db);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  raw.exec("COMMIT");
}

void raw_delete(RawDb& raw, const std::vector<User>& users) {
  raw.exec("BEGIN");
  sqlite3_stmt* s = raw.prepare("DELETE FROM bench_user WHERE id = ?");
  for (const auto& u : users) {
    sqlite3_bind_int64(s, 1, u.id);
    check(sqlite3_step(s), raw.db);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  raw.exec("COMMIT");
}

}  // namespace

std::vector<Row> run_sqlite(const Options& options) {
  namespace rt = retort;
  const auto dir = std::filesystem::temp_directory_path() / "retort-bench";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bench.sqlite").string();
  auto reset = [&] {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
  };
  reset();
  auto engine = rt::create_engine("sqlite:///" + path);
  rt::registry().add<User>();
  const long long n = options.rows;
  // Each timed run starts from the same file state: everything written so far moved from
  // the write-ahead log into the database and the log emptied. Otherwise one side pays
  // for checkpointing the other's writes, or finds the log file already grown.
  auto settle = [&] { engine.connect().execute("PRAGMA wal_checkpoint(TRUNCATE)"); };
  auto fresh_table = [&] {
    {
      auto conn = engine.connect();
      conn.execute("DROP TABLE IF EXISTS bench_user");
      rt::registry().metadata().create_all(conn, {.tables = {"bench_user"}});
    }
    settle();
  };
  std::vector<User> source;
  for (long long i = 0; i < n; ++i)
    source.push_back(make_user(i));
  std::vector<std::int64_t> ids;
  {
    std::mt19937_64 rng(42);
    for (long long i = 0; i < n / 10; ++i)
      ids.push_back(1 + static_cast<std::int64_t>(rng() % n));
  }

  auto want = [&](const char* w) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), w) != options.only.end();
  };
  Best insert, load, get, update, plain, remove;
  for (int rep = 0; rep < options.repeat; ++rep) {
    // insert
    fresh_table();
    {
      RawDb raw(path);
      auto users = source;
      if (want("insert"))
        insert.baseline(seconds([&] { raw_insert(raw, users); }));
      else
        raw_insert(raw, users);
    }
    if (want("insert")) {
      fresh_table();
      SociPeer soci(SociPeer::Backend::sqlite, path);
      insert.soci(seconds([&] { soci.insert(source); }));
    }
    fresh_table();
    {
      auto users = source;
      // The objects stay referenced, as the raw side's vector does.
      std::vector<rt::Ref<User>> refs;
      refs.reserve(users.size());
      rt::Session session(engine);
      insert.retort(seconds([&] {
        for (auto& u : users)
          refs.push_back(session.add(std::move(u)));
        session.commit();
      }));
    }
    // load, get and plain read the table the Retort insert left. Reading changes nothing,
    // so each side gets three tries per repetition, taken in turn: these workloads are
    // the shortest and vary the most from one run to the next.
    settle();
    for (int k = 0; k < 3; ++k) {
      {
        RawDb raw(path);
        if (want("load") || want("plain")) {
          load.baseline(seconds([&] { (void)raw_load(raw); }));
          plain.baseline(load.last_baseline);
        }
        if (want("get")) get.baseline(seconds([&] { (void)raw_get(raw, ids); }));
      }
      {
        SociPeer soci(SociPeer::Backend::sqlite, path);
        if (want("load") || want("plain")) {
          const double s = seconds([&] { (void)soci.load(); });
          load.soci(s);
          plain.soci(s);
        }
        if (want("get")) get.soci(seconds([&] { (void)soci.get(ids); }));
      }
      if (want("load")) load.retort(seconds([&] { retort_load(engine, n); }));
      if (want("plain")) plain.retort(seconds([&] { retort_plain(engine, n); }));
      if (want("get")) get.retort(seconds([&] { retort_get(engine, ids); }));
    }
    // update: the objects are loaded first (not timed), then one column changes on all
    if (want("update")) {
      {
        RawDb raw(path);
        auto users = raw_load(raw);
        settle();
        update.baseline(seconds([&] { raw_update(raw, users); }));
      }
      {
        SociPeer soci(SociPeer::Backend::sqlite, path);
        auto users = soci.load();
        settle();
        update.soci(seconds([&] { soci.update(users); }));
      }
      settle();  // before the session's read, which holds the log open
      rt::Session session(engine);
      auto all = session.query<User>().all();
      update.retort(seconds([&] {
        for (auto& u : all)
          u->score += 1;
        session.commit();
      }));
    }
    // delete: likewise, then every object goes
    if (want("delete")) {
      {
        RawDb raw(path);
        auto users = raw_load(raw);
        settle();
        remove.baseline(seconds([&] { raw_delete(raw, users); }));
      }
      fresh_table();
      {
        RawDb raw(path);
        auto users = source;
        raw_insert(raw, users);
      }
      settle();
      {
        SociPeer soci(SociPeer::Backend::sqlite, path);
        const auto users = soci.load();
        settle();
        remove.soci(seconds([&] { soci.remove(users); }));
      }
      fresh_table();
      {
        auto users = source;
        rt::Session session(engine);
        for (auto& u : users)
          session.add(std::move(u));
        session.commit();
      }
      settle();
      rt::Session session(engine);
      auto all = session.query<User>().all();
      remove.retort(seconds([&] {
        for (auto& u : all)
          session.delete_(u);
        session.commit();
      }));
    }
  }
  engine.dispose();
  reset();
  std::vector<Row> out;
  for (auto [best, name, rows] : {std::tuple{&insert, "insert", n},
                                  {&load, "load", n},
                                  {&get, "get", n / 10},
                                  {&update, "update", n},
                                  {&remove, "delete", n},
                                  {&plain, "plain", n}}) {
    if (want(name)) out.push_back(best->row(name, "sqlite", rows));
  }
  return out;
}

}  // namespace bench
