#include "retort/core/error.hpp"

#include "dialects/sqlite/driver.hpp"

namespace retort::sqlite {
namespace {

// SQLite reports "UNIQUE constraint failed: user.login" or "CHECK constraint failed:
// positive_price"; what follows the colon names the constraint (or its columns).
std::string constraint_from(std::string_view message) {
  const auto colon = message.find("failed: ");
  if (colon == message.npos) return {};
  return std::string(message.substr(colon + 8));
}

}  // namespace

void raise_error(sqlite3* db, int rc, std::string_view statement) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string code = std::to_string(extended);
  std::string sql(statement);
  using Kind = IntegrityError::Kind;
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
      throw IntegrityError(Kind::unique, constraint_from(message), message, sql, code);
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      throw IntegrityError(Kind::primary_key, constraint_from(message), message, sql, code);
    case SQLITE_CONSTRAINT_NOTNULL:
      throw IntegrityError(Kind::not_null, constraint_from(message), message, sql, code);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      throw IntegrityError(Kind::foreign_key, constraint_from(message), message, sql, code);
    case SQLITE_CONSTRAINT_CHECK:
      throw IntegrityError(Kind::check, constraint_from(message), message, sql, code);
    default:
      break;
  }
  switch (extended & 0xff) {
    case SQLITE_CONSTRAINT:
      throw IntegrityError(Kind::other, constraint_from(message), message, sql, code);
    case SQLITE_ERROR:
    case SQLITE_AUTH:
      throw ProgrammingError(message, sql, code);
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      throw DataError(message, sql, code);
    default:
      throw OperationalError(message, sql, code);
  }
}

}  // namespace retort::sqlite
