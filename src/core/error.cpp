#include "retort/core/error.hpp"

namespace retort {
namespace {

std::string compose(const std::string& problem, const std::string& statement) {
  if (statement.empty()) return problem;
  return problem + " [SQL: " + statement + "]";
}

}  // namespace

DatabaseError::DatabaseError(std::string problem, std::string statement, std::string code)
    : Error(compose(problem, statement)),
      problem_(std::move(problem)),
      statement_(std::move(statement)),
      code_(std::move(code)) {}

IntegrityError::IntegrityError(Kind kind, std::string constraint, std::string problem,
                               std::string statement, std::string code)
    : DatabaseError(std::move(problem), std::move(statement), std::move(code)),
      kind_(kind),
      constraint_(std::move(constraint)) {}

const char* to_string(IntegrityError::Kind kind) {
  switch (kind) {
    case IntegrityError::Kind::unique:
      return "unique";
    case IntegrityError::Kind::foreign_key:
      return "foreign key";
    case IntegrityError::Kind::not_null:
      return "not null";
    case IntegrityError::Kind::check:
      return "check";
    case IntegrityError::Kind::primary_key:
      return "primary key";
    case IntegrityError::Kind::exclusion:
      return "exclusion";
    case IntegrityError::Kind::other:
      return "other";
  }
  return "other";
}

}  // namespace retort
