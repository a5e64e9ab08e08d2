// The fixes the messages of the other cases name: these must compile.
#include <vector>

#include "models.hpp"

int main() {
  using namespace std::chrono;
  auto a = rt::select(rt::c(&Movie::id)).order_by(rt::c(&Movie::title), rt::c(&Movie::id).desc());
  auto b = rt::select(rt::c(&Movie::id).label("n")).order_by("n");
  auto c =
      rt::query<Movie>()
          .where(rt::c(&Movie::released) > 2020y / 1 / 1 &&
                 rt::c(&Movie::released).between(rt::parse_date("2020-01-01"), 2020y / 12 / 31) &&
                 rt::c(&Movie::id) == 7)
          .order_by(&Movie::title);
  Movie m;
  m.actors.push_back(rt::make_ref(Actor{.name = "Ada"}));
  m.actors = std::vector<rt::Ref<Actor>>{rt::make_ref(Actor{.name = "Grace"})};
  (void)a, (void)b, (void)c;
}
