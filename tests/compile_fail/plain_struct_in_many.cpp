// A plain struct pushed into a Many, where a Ref (rt::make_ref(Actor{...})) belongs.
// expect: rt::Many<T> holds Ref<T>s, not T objects
#include "models.hpp"

int main() {
  Movie m;
  m.actors.push_back(Actor{.name = "Ada"});
}
