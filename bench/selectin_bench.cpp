// The selectin workload: parents with ten children each, loaded with
// rt::selectin(&Parent::children), beside the same rows read with two prepared
// statements of the raw driver (parents, then children by parent key in batches of 1000)
// and stitched together by hand.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <charconv>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

#include "bench.hpp"
#include "model.hpp"

namespace bench {
namespace {

namespace rt = retort;

constexpr std::size_t kBatch = 1000;

// What the raw side builds: plain structs, children in their parent.
struct RawChild {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
  std::int64_t n = 0;
  std::string label;
};
struct RawParent {
  std::int64_t id = 0;
  std::string name;
  std::vector<RawChild> children;
};

std::string in_list(std::size_t n, bool numbered) {
  std::string s = "(";
  for (std::size_t i = 0; i < n; ++i) {
    s += i ? ", " : "";
    s += numbered ? "$" + std::to_string(i + 1) : "?";
  }
  return s + ")";
}

void check_tree(std::size_t parents, std::size_t children, long long want) {
  if (static_cast<long long>(parents) != want || static_cast<long long>(children) != want * 10) {
    throw std::runtime_error("selectin: wrong row count");
  }
}

std::vector<RawParent> raw_sqlite(sqlite3* db) {
  auto prepare = [&](const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db));
    }
    return s;
  };
  std::vector<RawParent> parents;
  std::unordered_map<std::int64_t, std::size_t> index;
  sqlite3_stmt* p = prepare("SELECT id, name FROM bench_parent");
  while (sqlite3_step(p) == SQLITE_ROW) {
    auto& parent = parents.emplace_back();
    parent.id = sqlite3_column_int64(p, 0);
    parent.name.assign(reinterpret_cast<const char*>(sqlite3_column_text(p, 1)),
                       sqlite3_column_bytes(p, 1));
    index.emplace(parent.id, parents.size() - 1);
  }
  sqlite3_finalize(p);
  sqlite3_stmt* full =
      prepare("SELECT id, parent_id, n, label FROM bench_child WHERE parent_id IN " +
              in_list(kBatch, false) + " ORDER BY id");
  for (std::size_t start = 0; start < parents.size(); start += kBatch) {
    const std::size_t n = std::min(kBatch, parents.size() - start);
    sqlite3_stmt* c =
        n == kBatch
            ? full
            : prepare("SELECT id, parent_id, n, label FROM bench_child WHERE parent_id IN " +
                      in_list(n, false) + " ORDER BY id");
    for (std::size_t i = 0; i < n; ++i)
      sqlite3_bind_int64(c, static_cast<int>(i + 1), parents[start + i].id);
    while (sqlite3_step(c) == SQLITE_ROW) {
      RawChild child;
      child.id = sqlite3_column_int64(c, 0);
      child.parent_id = sqlite3_column_int64(c, 1);
      child.n = sqlite3_column_int64(c, 2);
      child.label.assign(reinterpret_cast<const char*>(sqlite3_column_text(c, 3)),
                         sqlite3_column_bytes(c, 3));
      parents[index.at(child.parent_id)].children.push_back(std::move(child));
    }
    if (c == full) {
      sqlite3_reset(c);
    } else {
      sqlite3_finalize(c);
    }
  }
  sqlite3_finalize(full);
  return parents;
}

std::int64_t to_int(const char* p, int len) {
  std::int64_t v = 0;
  std::from_chars(p, p + len, v);
  return v;
}

std::vector<RawParent> raw_postgres(PGconn* conn, bool& prepared) {
  auto ok = [&](PGresult* r) {
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const std::string message = PQerrorMessage(conn);
      PQclear(r);
      throw std::runtime_error(message);
    }
    return r;
  };
  if (!prepared) {
    PQclear(ok(PQprepare(conn, "parents", "SELECT id, name FROM bench_parent", 0, nullptr)));
    PQclear(ok(PQprepare(conn, "children",
                         ("SELECT id, parent_id, n, label FROM bench_child WHERE parent_id IN " +
                          in_list(kBatch, true) + " ORDER BY id")
                             .c_str(),
                         static_cast<int>(kBatch), nullptr)));
    prepared = true;
  }
  std::vector<RawParent> parents;
  std::unordered_map<std::int64_t, std::size_t> index;
  PGresult* r = ok(PQexecPrepared(conn, "parents", 0, nullptr, nullptr, nullptr, 0));
  const int rows = PQntuples(r);
  parents.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    auto& parent = parents.emplace_back();
    parent.id = to_int(PQgetvalue(r, i, 0), PQgetlength(r, i, 0));
    parent.name.assign(PQgetvalue(r, i, 1), static_cast<std::size_t>(PQgetlength(r, i, 1)));
    index.emplace(parent.id, parents.size() - 1);
  }
  PQclear(r);
  std::vector<std::string> keys(kBatch);
  std::vector<const char*> values(kBatch);
  for (std::size_t start = 0; start < parents.size(); start += kBatch) {
    const std::size_t n = std::min(kBatch, parents.size() - start);
    // A short last batch repeats its first key: the same prepared statement serves.
    for (std::size_t i = 0; i < kBatch; ++i) {
      keys[i] = std::to_string(parents[start + (i < n ? i : 0)].id);
      values[i] = keys[i].c_str();
    }
    PGresult* c = ok(PQexecPrepared(conn, "children", static_cast<int>(kBatch), values.data(),
                                    nullptr, nullptr, 0));
    for (int i = 0, m = PQntuples(c); i < m; ++i) {
      RawChild child;
      child.id = to_int(PQgetvalue(c, i, 0), PQgetlength(c, i, 0));
      child.parent_id = to_int(PQgetvalue(c, i, 1), PQgetlength(c, i, 1));
      child.n = to_int(PQgetvalue(c, i, 2), PQgetlength(c, i, 2));
      child.label.assign(PQgetvalue(c, i, 3), static_cast<std::size_t>(PQgetlength(c, i, 3)));
      parents[index.at(child.parent_id)].children.push_back(std::move(child));
    }
    PQclear(c);
  }
  return parents;
}

}  // namespace

std::vector<Row> run_selectin(const Options& options, bool postgres) {
  const long long parents = std::max(1LL, options.rows / 10);
  std::string url, path;
  if (postgres) {
    url = options.postgres_url;
  } else {
    const auto dir = std::filesystem::temp_directory_path() / "retort-bench";
    std::filesystem::create_directories(dir);
    path = (dir / "selectin.sqlite").string();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
    url = "sqlite:///" + path;
  }
  auto engine = rt::create_engine(url);
  rt::registry().add<Parent, Child>();
  make_tree(engine, parents);

  Best best;
  bool prepared = false;
  sqlite3* db = nullptr;
  PGconn* pg = nullptr;
  if (postgres) {
    pg = PQconnectdb(rt::URL::parse(url).render(false).c_str());
    if (PQstatus(pg) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(pg));
  } else if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                             nullptr) != SQLITE_OK) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
  for (int rep = 0; rep < options.repeat; ++rep) {
    best.baseline(seconds([&] {
      const auto tree = postgres ? raw_postgres(pg, prepared) : raw_sqlite(db);
      std::size_t children = 0;
      for (const auto& p : tree)
        children += p.children.size();
      check_tree(tree.size(), children, parents);
    }));
    best.retort(seconds([&] {
      rt::Session session(engine);
      const auto tree = session.query<Parent>().options(rt::selectin(&Parent::children)).all();
      std::size_t children = 0;
      for (const auto& p : tree)
        children += p->children.size();
      check_tree(tree.size(), children, parents);
    }));
  }
  if (pg) PQfinish(pg);
  if (db) sqlite3_close_v2(db);
  engine.dispose();
  if (!postgres) {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
  }
  return {best.row("selectin", postgres ? "postgresql" : "sqlite", parents * 10)};
}

}  // namespace bench
