#include "retort/core/error.hpp"

#include "dialects/postgresql/driver.hpp"

namespace retort::postgresql {
namespace {

std::string field(const PGresult* res, int code) {
  const char* v = res ? PQresultErrorField(res, code) : nullptr;
  return v ? v : "";
}

// Data errors quote the offending value ('invalid input syntax for type integer: "x"'),
// which may be a bound secret: the quoted text is left out.
std::string without_quoted_values(const std::string& message) {
  std::string out;
  bool quoted = false;
  for (char c : message) {
    if (c == '"') {
      out += quoted ? "\"" : "\"...";
      quoted = !quoted;
    } else if (!quoted) {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string one_line(const char* text) {
  std::string s;
  for (const char* p = text ? text : ""; *p; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else {
      s += *p;
    }
  }
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

void raise_error(PGconn* conn, PGresult* res, std::string_view statement) {
  const std::string sqlstate = field(res, PG_DIAG_SQLSTATE);
  // The primary message only: DETAIL can quote bound values ("Key (login)=(x) already
  // exists"), which must not end up in logs.
  std::string message = field(res, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = one_line(res ? PQresultErrorMessage(res) : nullptr);
  if (message.empty()) message = one_line(conn ? PQerrorMessage(conn) : nullptr);
  if (message.empty()) message = "connection to the server was lost";
  const std::string constraint = field(res, PG_DIAG_CONSTRAINT_NAME);
  if (res) PQclear(res);
  std::string sql(statement);

  const bool broken = !conn || PQstatus(conn) == CONNECTION_BAD;
  auto operational = [&] {
    OperationalError error(message, sql, sqlstate);
    error.set_connection_invalidated(broken || sqlstate.starts_with("57P") ||
                                     sqlstate.starts_with("08"));
    throw error;
  };
  if (broken || sqlstate.empty()) operational();

  using Kind = IntegrityError::Kind;
  const std::string_view cls = std::string_view(sqlstate).substr(0, 2);
  if (cls == "23") {
    Kind kind = Kind::other;
    if (sqlstate == "23505")
      kind = Kind::unique;
    else if (sqlstate == "23503")
      kind = Kind::foreign_key;
    else if (sqlstate == "23502")
      kind = Kind::not_null;
    else if (sqlstate == "23514")
      kind = Kind::check;
    else if (sqlstate == "23P01")
      kind = Kind::exclusion;
    throw IntegrityError(kind, constraint, message, sql, sqlstate);
  }
  if (cls == "22") throw DataError(without_quoted_values(message), sql, sqlstate);
  if (cls == "42" || cls == "0A" || cls == "25" || cls == "26" || cls == "2B" || cls == "34" ||
      cls == "3F") {
    throw ProgrammingError(message, sql, sqlstate);
  }
  operational();
  __builtin_unreachable();
}

}  // namespace retort::postgresql
