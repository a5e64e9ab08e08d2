#include <array>
#include <utility>

#include "dialects/postgresql/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::postgresql {
namespace {

void ignore_notice(void*, const char*) {}

constexpr std::array<std::string_view, 4> isolation_levels = {"SERIALIZABLE", "REPEATABLE READ",
                                                              "READ COMMITTED", "READ UNCOMMITTED"};

}  // namespace

Connection::Connection(const URL& url, const driver::ConnectOptions& options)
    : session_(std::make_shared<Session>()) {
  if (!options.isolation_level.empty()) {
    bool known = false;
    for (auto level : isolation_levels)
      known = known || level == options.isolation_level;
    if (!known) {
      throw ArgumentError("unknown isolation level '" + options.isolation_level +
                          "'; use SERIALIZABLE, REPEATABLE READ, READ COMMITTED, "
                          "READ UNCOMMITTED or AUTOCOMMIT");
    }
  }
  std::vector<std::string> keys, values;
  auto add = [&](std::string k, std::string v) {
    keys.push_back(std::move(k));
    values.push_back(std::move(v));
  };
  if (url.host()) add("host", *url.host());
  if (url.port()) add("port", std::to_string(*url.port()));
  if (url.username()) add("user", *url.username());
  if (url.password()) add("password", *url.password());
  if (!url.database().empty()) add("dbname", url.database());
  bool has_timeout = false;
  for (const auto& [k, v] : url.query()) {
    has_timeout = has_timeout || k == "connect_timeout";
    add(k, v);
  }
  if (!has_timeout) add("connect_timeout", "10");
  add("client_encoding", "UTF8");

  std::vector<const char*> key_ptrs, value_ptrs;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    key_ptrs.push_back(keys[i].c_str());
    value_ptrs.push_back(values[i].c_str());
  }
  key_ptrs.push_back(nullptr);
  value_ptrs.push_back(nullptr);

  PGconn* conn = PQconnectdbParams(key_ptrs.data(), value_ptrs.data(), 0);
  if (!conn) throw OperationalError("out of memory connecting to " + url.str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = one_line(PQerrorMessage(conn));
    PQfinish(conn);
    if (message.find("invalid connection option") != std::string::npos) {
      throw ArgumentError("bad postgresql URL option: " + message + " (" + url.str() + ")");
    }
    throw OperationalError("cannot connect to " + url.str() + ": " + message);
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  session_->conn = conn;
  if (!options.isolation_level.empty()) {
    const std::string sql =
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL " + options.isolation_level;
    exec_simple(sql.c_str());
  }
}

Connection::~Connection() {
  close();
}

void Connection::close() {
  if (session_->conn) PQfinish(session_->conn);
  session_->conn = nullptr;
  session_->streaming = nullptr;
  session_->begin_pending = false;
  session_->rollback_unread = false;
  session_->sent.clear();
  session_->counts.clear();
  session_->failure = nullptr;
}

void Connection::exec_simple(const char* sql) {
  PGconn* conn = session_->conn;
  if (!conn) throw OperationalError("the connection is closed", sql);
  if (session_->streaming) {
    throw ProgrammingError(
        "another result is still being streamed on this connection; read it to the end or "
        "destroy it first",
        sql);
  }
  settle(*session_);
  PGresult* res = PQexec(conn, sql);
  const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    PQclear(res);
    return;
  }
  raise_error(conn, res, sql);
}

std::unique_ptr<driver::Statement> Connection::prepare(std::string_view sql, int parameter_count) {
  PGconn* conn = session_->conn;
  if (!conn) throw OperationalError("the connection is closed", std::string(sql));
  if (session_->streaming) {
    throw ProgrammingError(
        "another result is still being streamed on this connection; read it to the end or "
        "destroy it first",
        std::string(sql));
  }
  std::string name = "rt_" + std::to_string(++next_statement_);
  std::string text(sql);
  if (session_->rollback_unread) read_rollback(*session_, true);
  if (!session_->unreleased.empty() && session_->sent.empty() &&
      PQtransactionStatus(conn) == PQTRANS_IDLE) {
    std::string release;
    for (const auto& unused : session_->unreleased)
      release += "DEALLOCATE " + unused + ";";
    session_->unreleased.clear();
    PQclear(PQexec(conn, release.c_str()));
  }
  if (!session_->sent.empty()) {
    // Prepared in the pipeline too: a flush does not wait for its first use of a statement.
    send_prepare(*session_, name, text, parameter_count);
    return std::make_unique<Statement>(session_, std::move(name), std::move(text), parameter_count);
  }
  PGresult* res = PQprepare(conn, name.c_str(), text.c_str(), parameter_count, nullptr);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) raise_error(conn, res, sql);
  PQclear(res);
  return std::make_unique<Statement>(session_, std::move(name), std::move(text), parameter_count);
}

void Connection::execute_script(std::string_view sql) {
  if (!session_->begin_pending) return exec_simple(std::string(sql).c_str());
  // One simple query runs the pending BEGIN and the script, in the transaction.
  session_->begin_pending = false;
  exec_simple(("BEGIN; " + std::string(sql)).c_str());
}

void Connection::begin() {
  if (in_transaction()) return exec_simple("BEGIN");  // (PostgreSQL warns and goes on)
  if (!session_->conn) throw OperationalError("the connection is closed", "BEGIN");
  session_->begin_pending = true;
}
void Connection::commit() {
  if (std::exchange(session_->begin_pending, false)) return;  // nothing ran
  try {
    settle(*session_);
  } catch (...) {
    // A statement sent in the transaction failed: it ends as a failed COMMIT would.
    try {
      rollback();
    } catch (...) {
    }
    throw;
  }
  exec_simple("COMMIT");
  session_->counts.clear();
}
void Connection::rollback() {
  // What was sent is undone with the rest, and so is its error.
  catch_up(*session_, false);
  session_->failure = nullptr;
  session_->counts.clear();
  if (std::exchange(session_->begin_pending, false)) return;
  if (!in_transaction()) return;
  // Sent without waiting for the answer, which whatever runs next on the connection reads
  // first: the end of a session or request costs no round trip. A ROLLBACK fails only
  // with the connection, and then so does what runs next.
  if (session_->streaming || !PQsendQuery(session_->conn, "ROLLBACK"))
    return exec_simple("ROLLBACK");
  session_->rollback_unread = true;
}

std::vector<std::int64_t> Connection::sync() {
  settle(*session_);
  return std::exchange(session_->counts, {});
}

bool Connection::in_transaction() const {
  if (!session_->conn) return false;
  if (session_->begin_pending) return true;
  if (session_->rollback_unread) return false;
  const auto status = PQtransactionStatus(session_->conn);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

bool Connection::ping() {
  PGconn* conn = session_->conn;
  if (!conn || session_->streaming) return false;
  catch_up(*session_, false);
  PGresult* res = PQexec(conn, "");
  const bool ok = res && PQresultStatus(res) == PGRES_EMPTY_QUERY;
  PQclear(res);
  return ok && PQstatus(conn) == CONNECTION_OK;
}

std::string Connection::placeholder(int n, bool) const {
  return "$" + std::to_string(n);
}

namespace {

class Driver final : public driver::Driver {
 public:
  std::string_view name() const override { return "postgresql"; }
  std::unique_ptr<driver::Connection> connect(const URL& url,
                                              const driver::ConnectOptions& options) override {
    return std::make_unique<Connection>(url, options);
  }
};

}  // namespace

driver::Driver& driver() {
  static Driver instance;
  return instance;
}

}  // namespace retort::postgresql
