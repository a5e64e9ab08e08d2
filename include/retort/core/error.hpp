// The one exception hierarchy of Retort.
//
// Every failure surfaces as a subclass of rt::Error, so a caller can catch broadly or
// precisely:
//
//   Error
//   ├── ArgumentError         bad input from the caller: malformed URL, unknown option,
//   │                         missing bound parameter, misuse of an API
//   ├── TimeoutError          the pool had no connection within pool_timeout
//   ├── NoResultError         one() / scalar() found no row
//   ├── MultipleResultsError  one() found more than one row
//   ├── MappingError          a model mapping that cannot work (member mapped twice, a
//   │                         column type that cannot hold the member, no primary key),
//   │                         or a value that does not fit at a named field path
//   ├── ObjectStateError      an object used in a state that forbids it: a lazy load
//   │                         after its session closed, an unloaded relationship under
//   │                         the raise strategy
//   ├── StaleDataError        an UPDATE or DELETE of an object matched no row
//   └── DatabaseError         the database refused: carries the statement text
//       ├── OperationalError  connection lost, server unreachable, login refused, locked
//       ├── IntegrityError    unique / foreign key / not null / check violated
//       ├── ProgrammingError  bad SQL: syntax, unknown table or column
//       └── DataError         a value that does not fit: NULL read into a non-optional,
//                             text that is not a number, an integer out of range (raised
//                             by the database or while converting on the client)
//
// Messages never contain a password or the values of bound parameters.
#pragma once

#include <stdexcept>
#include <string>

namespace retort {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ArgumentError : public Error {
 public:
  using Error::Error;
};

class TimeoutError : public Error {
 public:
  using Error::Error;
};

class NoResultError : public Error {
 public:
  using Error::Error;
};

class MultipleResultsError : public Error {
 public:
  using Error::Error;
};

class MappingError : public Error {
 public:
  using Error::Error;
};

class ObjectStateError : public Error {
 public:
  using Error::Error;
};

class StaleDataError : public Error {
 public:
  using Error::Error;
};

// Raised from the database. what() reads "<problem> [SQL: <statement>]"; the parts are
// also available separately.
class DatabaseError : public Error {
 public:
  DatabaseError(std::string problem, std::string statement = {}, std::string sqlstate = {});

  // The database's own description of the problem.
  const std::string& problem() const { return problem_; }
  // The statement that failed, if any (empty for connection-level failures).
  const std::string& statement() const { return statement_; }
  // PostgreSQL's five-character SQLSTATE, or SQLite's extended result code in decimal
  // (e.g. "2067" for SQLITE_CONSTRAINT_UNIQUE); empty for errors raised on the client.
  const std::string& code() const { return code_; }

 private:
  std::string problem_;
  std::string statement_;
  std::string code_;
};

class OperationalError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;

  // True when the connection that raised this can no longer be used; the pool has
  // discarded it and the next checkout gets a fresh one.
  bool connection_invalidated() const { return invalidated_; }
  void set_connection_invalidated(bool value) { invalidated_ = value; }

 private:
  bool invalidated_ = false;
};

class ProgrammingError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

class IntegrityError : public DatabaseError {
 public:
// GCC 12 warns that these scoped enumerators shadow rt::null and the column flags
// (rt::unique, ...), which they cannot: they are reached through the enum only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
  enum class Kind { unique, foreign_key, not_null, check, primary_key, exclusion, other };
#pragma GCC diagnostic pop

  IntegrityError(Kind kind, std::string constraint, std::string problem, std::string statement,
                 std::string code);

  Kind kind() const {
    return kind_;
  }
  // The constraint's name when the database reports it (PostgreSQL always does; SQLite
  // names CHECK constraints, and reports "table.column" for UNIQUE and NOT NULL).
  const std::string& constraint() const {
    return constraint_;
  }

 private:
  Kind kind_;
  std::string constraint_;
};

class DataError : public DatabaseError {
 public:
  explicit DataError(std::string problem, std::string statement = {}, std::string code = {})
      : DatabaseError(std::move(problem), std::move(statement), std::move(code)) {}
};

const char* to_string(IntegrityError::Kind kind);

}  // namespace retort
