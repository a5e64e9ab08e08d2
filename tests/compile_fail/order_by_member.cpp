// Core's select().order_by() with a member pointer instead of rt::c(&Movie::title).
// expect: order_by\(&T::member\) needs the member's column
#include "models.hpp"

int main() {
  auto stmt = rt::select(rt::c(&Movie::id)).order_by(&Movie::title);
  (void)stmt;
}
