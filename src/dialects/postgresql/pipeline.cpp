// Pipeline mode: statements sent one after another without waiting for each result, so
// that the writes of a flush cost one round trip rather than one per statement. libpq
// runs nothing else in this mode, so whatever else the connection does first waits for
// what was sent (settle) and leaves the mode.
#include <cstdlib>

#include "dialects/postgresql/driver.hpp"

namespace retort::postgresql {
namespace {

// The server answers every statement while the client is still sending: past this many
// unread answers the client reads them, so that neither side fills its socket buffer
// waiting for the other.
constexpr std::size_t kMaxSent = 256;

void enter(Session& s, const std::string& sql) {
  PGconn* conn = s.conn;
  if (!conn) throw OperationalError("the connection is closed", sql);
  if (s.streaming) {
    throw ProgrammingError(
        "another result is still being streamed on this connection; read it to the end or "
        "destroy it first",
        sql);
  }
  if (s.rollback_unread) read_rollback(s, true);
  if (s.failure) std::rethrow_exception(std::exchange(s.failure, nullptr));
  if (s.sent.size() >= kMaxSent) wait_sent(s, true);
  if (PQpipelineStatus(conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(conn))
    raise_error(conn, nullptr, sql);
  if (std::exchange(s.begin_pending, false)) {
    if (!PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0))
      raise_error(conn, nullptr, "BEGIN");
    s.sent.push_back({"BEGIN", false});
  }
}

// The error of a statement whose answer came late: raised now, or kept for the next use
// of the connection when the caller cannot raise (a destructor, a rollback).
void fail(Session& s, PGresult* failed, std::string_view sql, bool raise) {
  try {
    raise_error(s.conn, failed, sql);
  } catch (...) {
    if (raise) throw;
    s.failure = std::current_exception();
  }
}

}  // namespace

void send_prepared(Session& s, const std::string& name, int n, const char* const* values,
                   const int* lengths, const int* formats, const std::string& sql) {
  enter(s, sql);
  if (!PQsendQueryPrepared(s.conn, name.c_str(), n, values, lengths, formats, 0))
    raise_error(s.conn, nullptr, sql);
  s.sent.push_back({sql, true});
}

void send_prepare(Session& s, const std::string& name, const std::string& sql, int n) {
  enter(s, sql);
  if (!PQsendPrepare(s.conn, name.c_str(), sql.c_str(), n, nullptr))
    raise_error(s.conn, nullptr, sql);
  s.sent.push_back({sql, false, name});
}

void wait_sent(Session& s, bool raise) {
  PGconn* conn = s.conn;
  const auto sent = std::move(s.sent);
  s.sent.clear();
  if (!conn || sent.empty()) return;
  const bool synced = PQpipelineSync(conn);
  // Each statement's result is followed by a null; after an error the server skips the
  // rest up to the sync, and each of those reads as "aborted".
  PGresult* failed = nullptr;
  std::string failed_sql = synced ? "" : sent.front().sql;
  bool lost = !synced;
  for (const auto& item : sent) {
    PGresult* res = lost ? nullptr : PQgetResult(conn);
    if (!res) {
      // The connection broke: no more answers come.
      if (!failed) failed_sql = item.sql;
      lost = true;
      break;
    }
    const auto status = PQresultStatus(res);
    if (!item.prepared.empty() && status != PGRES_COMMAND_OK) s.unprepared.push_back(item.prepared);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      if (item.counted) {
        const char* tuples = PQcmdTuples(res);
        s.counts.push_back(tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0);
      }
      PQclear(res);
    } else if (status == PGRES_PIPELINE_ABORTED || failed) {
      PQclear(res);
    } else {
      failed = res;
      failed_sql = item.sql;
    }
    while (PGresult* rest = PQgetResult(conn))
      PQclear(rest);
  }
  if (!lost) {
    while (PGresult* rest = PQgetResult(conn)) {
      const bool sync = PQresultStatus(rest) == PGRES_PIPELINE_SYNC;
      PQclear(rest);
      if (sync) break;
    }
  }
  PQexitPipelineMode(conn);
  if (!failed && !lost) return;
  s.counts.clear();
  fail(s, failed, failed_sql, raise);
}

void read_rollback(Session& s, bool raise) {
  s.rollback_unread = false;
  PGconn* conn = s.conn;
  if (!conn) return;
  PGresult* failed = nullptr;
  while (PGresult* res = PQgetResult(conn)) {
    if (!failed && PQresultStatus(res) != PGRES_COMMAND_OK)
      failed = res;
    else
      PQclear(res);
  }
  if (!failed && PQstatus(conn) == CONNECTION_OK) return;
  fail(s, failed, "ROLLBACK", raise);
}

}  // namespace retort::postgresql
