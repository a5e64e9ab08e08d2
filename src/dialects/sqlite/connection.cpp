#include <cctype>
#include <charconv>
#include <filesystem>

#include "dialects/sqlite/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::sqlite {
namespace {

// Query options a sqlite:// URL understands.
constexpr std::string_view known_options =
    "mode (ro|rw|rwc), immutable (on|off), timeout (seconds), foreign_keys (on|off), "
    "journal_mode, synchronous, begin (deferred|immediate), cache_size (pages, or KiB if "
    "negative), mmap_size (bytes)";

bool truthy(std::string_view v, std::string_view key) {
  if (v == "1" || v == "on" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "off" || v == "false" || v == "no") return false;
  throw ArgumentError("sqlite URL option " + std::string(key) + "=" + std::string(v) +
                      " is not on/off");
}

bool identifier_word(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A path as a file: URI (for its immutable parameter): %, ? and # escaped.
std::string file_uri(const std::string& path) {
  std::string out = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[static_cast<unsigned char>(c) >> 4];
      out += hex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out + "?immutable=1";
}

}  // namespace

bool is_memory(const URL& url) {
  return url.database().empty() || url.database() == ":memory:";
}

Connection::Connection(const URL& url, const driver::ConnectOptions& options) {
  const bool memory = is_memory(url);
  const std::string path = memory ? ":memory:" : url.database();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int busy_ms = 5000;
  bool foreign_keys = true;
  bool immutable = false;
  std::string pragmas;
  for (const auto& [key, value] : url.query()) {
    if (key == "mode") {
      if (value == "ro")
        flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
      else if (value == "rw")
        flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
      else if (value != "rwc")
        throw ArgumentError("sqlite URL option mode=" + value + " is not ro, rw or rwc");
    } else if (key == "immutable") {
      immutable = truthy(value, key);
    } else if (key == "timeout") {
      double seconds = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), seconds);
      // At most a day: a larger (or infinite, or NaN) value would overflow the
      // milliseconds SQLite takes.
      if (r.ec != std::errc() || r.ptr != value.data() + value.size() || !(seconds >= 0) ||
          seconds > 86400) {
        throw ArgumentError("sqlite URL option timeout=" + value +
                            " is not a number of seconds between 0 and 86400");
      }
      busy_ms = static_cast<int>(seconds * 1000);
    } else if (key == "begin") {
      if (value != "deferred" && value != "immediate")
        throw ArgumentError("sqlite URL option begin=" + value + " is not deferred or immediate");
      immediate_ = value == "immediate";
    } else if (key == "foreign_keys") {
      foreign_keys = truthy(value, key);
    } else if (key == "journal_mode" || key == "synchronous") {
      if (!identifier_word(value))
        throw ArgumentError("sqlite URL option " + key + "=" + value + " is not a plain word");
      pragmas += "PRAGMA " + key + " = " + value + ";";
    } else if (key == "cache_size" || key == "mmap_size") {
      // SQLite's page cache (2 MiB by default) and memory-mapped reads: a table that fits
      // is read without a copy from the operating system's cache for each page it misses.
      long long n = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size() ||
          (key == "mmap_size" && n < 0)) {
        throw ArgumentError("sqlite URL option " + key + "=" + value + " is not " +
                            (key == "mmap_size" ? "a number of bytes" : "a whole number"));
      }
      pragmas += "PRAGMA " + key + " = " + std::to_string(n) + ";";
    } else {
      throw ArgumentError("unknown sqlite URL option '" + key +
                          "'; known: " + std::string(known_options));
    }
  }

  // A file on a read-only medium, or that nothing changes while it is open: no locks and
  // no journal, read only.
  if (immutable && !memory) flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  std::error_code ignored;
  // Only a database this open creates is switched to write-ahead logging (below): the mode
  // stays with the file, and an existing one is left as it is.
  const bool created = !memory && (flags & SQLITE_OPEN_CREATE) &&
                       (!std::filesystem::exists(path, ignored) ||
                        (std::filesystem::is_regular_file(path, ignored) &&
                         std::filesystem::file_size(path, ignored) == 0));
  const int rc = sqlite3_open_v2((flags & SQLITE_OPEN_URI) ? file_uri(path).c_str() : path.c_str(),
                                 &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string problem = "cannot open SQLite database '" + path + "'";
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent)) {
      problem += ": directory '" + parent.string() + "' does not exist";
    } else if (std::filesystem::is_directory(path, ignored)) {
      problem += ": it is a directory";
    } else {
      problem += ": " + std::string(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    }
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw OperationalError(problem, "", std::to_string(rc));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_ms);
  if (foreign_keys) pragmas += "PRAGMA foreign_keys = ON;";
  // Write-ahead logging lets readers and one writer work at the same time, which a pool
  // of connections (and sessions that keep a read transaction open) need. A new database
  // gets it; an existing file keeps its mode, as Python's sqlite3 leaves it (a URL can ask
  // for ?journal_mode=wal).
  if (created && !url.query_value("journal_mode")) pragmas += "PRAGMA journal_mode = WAL;";
  if (options.isolation_level == "READ UNCOMMITTED") {
    pragmas += "PRAGMA read_uncommitted = 1;";
  } else if (!options.isolation_level.empty() && options.isolation_level != "SERIALIZABLE") {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw ArgumentError("SQLite does not support isolation level '" + options.isolation_level +
                        "'; use SERIALIZABLE, READ UNCOMMITTED or AUTOCOMMIT");
  }
  // A file that is not a database (or is damaged) says so now, by its name, rather than at
  // the first statement with that statement's SQL.
  if (!memory) {
    const int check = sqlite3_exec(db_, "PRAGMA schema_version", nullptr, nullptr, nullptr);
    if ((check & 0xff) == SQLITE_NOTADB || (check & 0xff) == SQLITE_CORRUPT) {
      const std::string problem =
          "'" + path + "' is not a SQLite database (" + sqlite3_errmsg(db_) + ")";
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw OperationalError(problem, "", std::to_string(check));
    }
  }
  try {
    if (!pragmas.empty()) execute_script(pragmas);
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  if (db_) sqlite3_close_v2(db_);
}

std::unique_ptr<driver::Statement> Connection::prepare(std::string_view sql, int) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) raise_error(db_, rc, sql);
  if (!stmt) throw ArgumentError("empty SQL statement");
  // Text after the first statement would be silently ignored by SQLite; refuse it so
  // that "1; DROP TABLE x" in a statement can never half-run.
  for (const char* p = tail; p && p < sql.data() + sql.size(); ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') {
      sqlite3_finalize(stmt);
      throw ProgrammingError("more than one statement in a prepared statement; use a script",
                             std::string(sql));
    }
  }
  return std::make_unique<Statement>(this, db_, stmt, std::string(sql));
}

void Connection::execute_script(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) raise_error(db_, rc, sql);
  // Savepoints come through here (core issues them as scripts).
  if (began_) {
    if (sql.starts_with("SAVEPOINT "))
      ++savepoints_;
    else if (sql.starts_with("RELEASE ") && savepoints_ > 0)
      --savepoints_;
  }
}

void Connection::begin() {
  execute_script(immediate_ ? "BEGIN IMMEDIATE" : "BEGIN");
  began_ = true;
  savepoints_ = 0;
}
void Connection::commit() {
  began_ = false;
  execute_script("COMMIT");
}
void Connection::rollback() {
  began_ = false;
  if (in_transaction()) execute_script("ROLLBACK");
}

void Connection::before_write(sqlite3_stmt* writer) {
  if (!began_ || savepoints_ > 0 || sqlite3_txn_state(db_, nullptr) != SQLITE_TXN_READ) return;
  // A statement still stepping reads the old snapshot: it stays, and so does the snapshot.
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s; s = sqlite3_next_stmt(db_, s)) {
    if (s != writer && sqlite3_stmt_busy(s)) return;
  }
  // What was read before is as of the earlier snapshot (as with Python's sqlite3, whose
  // transactions begin at the first write).
  execute_script("ROLLBACK");
  try {
    execute_script("BEGIN IMMEDIATE");
  } catch (...) {
    // Still in a transaction for the caller, who rolls it back.
    execute_script("BEGIN");
    throw;
  }
}

bool Connection::in_transaction() const {
  return db_ && sqlite3_get_autocommit(db_) == 0;
}

void Connection::close() {
  // close_v2 waits for statements still alive (in the cache) to be finalized.
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

bool Connection::ping() {
  return db_ != nullptr;
}

std::string Connection::placeholder(int n, bool in_order) const {
  return in_order ? std::string("?") : "?" + std::to_string(n);
}

namespace {

class Driver final : public driver::Driver {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::unique_ptr<driver::Connection> connect(const URL& url,
                                              const driver::ConnectOptions& options) override {
    return std::make_unique<Connection>(url, options);
  }
  bool single_connection(const URL& url) const override { return is_memory(url); }
  URL read_only(const URL& url) const override {
    if (is_memory(url) || url.query_value("mode")) return url;
    // SQLite would say only "unable to open database file".
    std::error_code ignored;
    if (!std::filesystem::exists(url.database(), ignored))
      throw OperationalError("no SQLite database at '" + url.database() + "'");
    URL target = url;
    target.set_query_value("mode", "ro");
    return target;
  }
};

}  // namespace

driver::Driver& driver() {
  static Driver instance;
  return instance;
}

}  // namespace retort::sqlite
