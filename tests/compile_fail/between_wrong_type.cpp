// between() with bounds of another type than the column's.
// expect: a date column meets dates, not text
#include "models.hpp"

int main() {
  auto q = rt::query<Movie>().where(rt::c(&Movie::released).between("2020-01-01", "2020-12-31"));
  (void)q;
}
