// Rewrites the placeholders of SQL text ("?", ":name", "$1") into a driver's native form.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retort/core/driver.hpp"

namespace retort::detail {

struct NativeSql {
  std::string sql;                 // with native placeholders
  int parameter_count = 0;         // distinct parameters
  std::vector<std::string> names;  // parameter names in native order; empty if positional
};

// Skips string literals, quoted identifiers, comments, dollar-quoted bodies and "::" casts.
// Raises rt::ArgumentError if positional and named placeholders are mixed.
NativeSql to_native(std::string_view sql, const driver::Connection& conn);

}  // namespace retort::detail
