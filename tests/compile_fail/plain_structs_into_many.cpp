// A vector of plain structs assigned to a Many, where Refs belong.
// expect: rt::Many<T> holds Ref<T>s, not T objects
#include <vector>

#include "models.hpp"

int main() {
  Movie m;
  m.actors = std::vector<Actor>{Actor{.name = "Ada"}};
}
