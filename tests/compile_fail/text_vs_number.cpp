// A numeric column compared with text.
// expect: a numeric column meets numbers, not text
#include "models.hpp"

int main() {
  auto q = rt::query<Movie>().where(rt::c(&Movie::id) == "7");
  (void)q;
}
