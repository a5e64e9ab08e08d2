// Streaming a large table, and what loading one costs in memory.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bench.hpp"
#include "model.hpp"

namespace bench {
namespace {

namespace rt = retort;

std::string sqlite_path() {
  return (std::filesystem::temp_directory_path() / "retort-bench" / "stream.sqlite").string();
}

void fill(rt::Engine& engine, long long n, bool postgres) {
  auto conn = engine.connect();
  conn.execute("DROP TABLE IF EXISTS bench_user");
  rt::registry().metadata().create_all(conn, {.tables = {"bench_user"}});
  conn.execute(
      std::string(
          postgres ? "INSERT INTO bench_user (login, email, score) SELECT 'user' || g, "
                     "CASE WHEN g % 3 = 0 THEN NULL ELSE 'user' || g || '@example.com' END, "
                     "g % 1000 FROM generate_series(1, ?::bigint) AS g"
                   : "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ?) "
                     "INSERT INTO bench_user (login, email, score) SELECT 'user' || g, "
                     "CASE WHEN g % 3 = 0 THEN NULL ELSE 'user' || g || '@example.com' END, "
                     "g % 1000 FROM s"),
      {n});
}

long resident_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4;
}

long peak_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

std::vector<Row> run_stream(const Options& options, bool postgres) {
  rt::registry().add<User>();
  const long long n = options.stream_rows;
  if (!postgres)
    std::filesystem::create_directories(std::filesystem::path(sqlite_path()).parent_path());
  auto engine = rt::create_engine(postgres ? options.postgres_url : "sqlite:///" + sqlite_path());
  fill(engine, n, postgres);
  Best stream;
  for (int rep = 0; rep < options.repeat; ++rep) {
    stream.baseline(seconds([&] {
      long long count = 0;
      User u;
      if (postgres) {
        PGconn* conn = PQconnectdb(rt::URL::parse(options.postgres_url).render(false).c_str());
        PQsendQuery(conn, "SELECT id, login, email, score FROM bench_user");
        PQsetSingleRowMode(conn);
        while (PGresult* r = PQgetResult(conn)) {
          if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
            u.id = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
            u.login.assign(PQgetvalue(r, 0, 1), PQgetlength(r, 0, 1));
            if (PQgetisnull(r, 0, 2))
              u.email.reset();
            else
              u.email.emplace(PQgetvalue(r, 0, 2), PQgetlength(r, 0, 2));
            u.score = std::strtoll(PQgetvalue(r, 0, 3), nullptr, 10);
            ++count;
          }
          PQclear(r);
        }
        PQfinish(conn);
      } else {
        sqlite3* db = nullptr;
        sqlite3_open_v2(sqlite_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "SELECT id, login, email, score FROM bench_user", -1, &s, nullptr);
        while (sqlite3_step(s) == SQLITE_ROW) {
          u.id = sqlite3_column_int64(s, 0);
          u.login.assign(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)),
                         sqlite3_column_bytes(s, 1));
          if (sqlite3_column_type(s, 2) == SQLITE_NULL)
            u.email.reset();
          else
            u.email.emplace(reinterpret_cast<const char*>(sqlite3_column_text(s, 2)),
                            sqlite3_column_bytes(s, 2));
          u.score = sqlite3_column_int64(s, 3);
          ++count;
        }
        sqlite3_finalize(s);
        sqlite3_close_v2(db);
      }
      if (count != n) throw std::runtime_error("stream: wrong row count");
    }));
    stream.retort(seconds([&] {
      rt::Session session(engine);
      long long count = 0;
      for (const rt::Ref<User>& u : session.query<User>().yield_per(1000))
        count += u.peek()->id > 0;
      if (count != n) throw std::runtime_error("stream: wrong row count");
    }));
  }
  auto conn = engine.connect();
  conn.execute("DROP TABLE bench_user");
  return {stream.row("stream", postgres ? "postgresql" : "sqlite", n,
                     postgres ? "libpq single-row" : "raw driver")};
}

// One measurement per process (peak memory only grows): prepare, session, vector or
// stream. Prints "memory <mode> <rows> <kB>".
int run_memory(const std::string& mode, long long n) {
  const auto path =
      (std::filesystem::temp_directory_path() / "retort-bench" / "memory.sqlite").string();
  rt::registry().add<User>();
  if (mode == "prepare") {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
    auto engine = rt::create_engine("sqlite:///" + path);
    fill(engine, n, false);
    return 0;
  }
  auto engine = rt::create_engine("sqlite:///" + path);
  { engine.connect().execute("SELECT count(*) FROM bench_user"); }
  const long before = resident_kb();
  long after = 0;
  if (mode == "session") {
    rt::Session session(engine);
    auto all = session.query<User>().all();
    after = peak_kb();
  } else if (mode == "vector") {
    auto conn = engine.connect();
    auto all = rt::query<User>().all(conn);
    after = peak_kb();
  } else if (mode == "stream") {
    rt::Session session(engine);
    long long count = 0;
    for (const rt::Ref<User>& u : session.query<User>().limit(n).yield_per(1000))
      count += u.peek()->id > 0;
    after = peak_kb();
  } else {
    std::fprintf(stderr, "unknown memory mode %s\n", mode.c_str());
    return 2;
  }
  std::printf("memory\t%s\t%lld\t%ld\n", mode.c_str(), n, after - before);
  return 0;
}

}  // namespace bench
