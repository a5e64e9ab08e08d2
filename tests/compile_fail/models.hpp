// The models the compile-fail cases misuse: a movie with a date and its actors.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "retort/orm.hpp"

namespace rt = retort;

struct Actor;
struct Movie {
  std::int64_t id = 0;
  std::string title{};
  std::chrono::year_month_day released{};
  rt::Many<Actor> actors{};
  static auto mapping();
};
struct Actor {
  std::int64_t id = 0;
  std::int64_t movie_id = 0;
  std::string name{};
  static auto mapping() {
    return rt::model<Actor>("actor")
        .column("id", &Actor::id, rt::primary_key)
        .column("movie_id", &Actor::movie_id, rt::ForeignKey("movie.id"))
        .column("name", &Actor::name);
  }
};
inline auto Movie::mapping() {
  return rt::model<Movie>("movie")
      .column("id", &Movie::id, rt::primary_key)
      .column("title", &Movie::title)
      .column("released", &Movie::released)
      .relationship("actors", &Movie::actors);
}
