// Where in an object a mapping is, for error messages.
#pragma once

#include <string>

namespace retort::proto {

// Where in an object mapping is, for messages: "User.tokens[2].created_at". Built as a
// chain on the stack and rendered only when an error needs it.
struct Path {
  const Path* parent = nullptr;
  const std::string* name = nullptr;  // a field (or, at the root, the message)
  long index = -1;                    // an element of a list
  std::string str() const;
};

}  // namespace retort::proto
