#include "retort/schema/reflection.hpp"
#include "dialects/postgresql/dialect.hpp"
#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"

namespace retort::postgresql {

ReflectedTable Dialect::reflect_table(retort::Connection&, std::string_view table) const {
  throw ProgrammingError("reflection of '" + std::string(table) + "' is being written");
}

}  // namespace retort::postgresql
