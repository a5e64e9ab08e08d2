// Names joined for messages and history lines (internal to the migrate library).
#pragma once

#include <string>
#include <vector>

namespace retort::migrate {

// "a, b, c"
inline std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace retort::migrate
