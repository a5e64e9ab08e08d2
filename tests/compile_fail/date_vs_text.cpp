// A date column compared with text.
// expect: a date column meets dates, not text
#include "models.hpp"

int main() {
  auto q = rt::query<Movie>().where(rt::c(&Movie::released) > "2020-01-01");
  (void)q;
}
