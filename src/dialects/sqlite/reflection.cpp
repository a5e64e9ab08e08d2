#include "retort/schema/reflection.hpp"
#include "dialects/sqlite/dialect.hpp"
#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"

namespace retort::sqlite {

ReflectedTable Dialect::reflect_table(retort::Connection&, std::string_view table) const {
  throw ProgrammingError("reflection of '" + std::string(table) + "' is being written");
}

}  // namespace retort::sqlite
