// The benchmark's model: the same struct for Retort and the raw driver code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "retort/orm.hpp"

namespace bench {

struct User {
  std::int64_t id = 0;
  std::string login{};
  std::optional<std::string> email{};
  std::int64_t score = 0;

  static auto mapping() {
    return retort::model<User>("bench_user")
        .column("id", &User::id, retort::primary_key)
        .column("login", &User::login, retort::String(64))
        .column("email", &User::email, retort::String(128))
        .column("score", &User::score);
  }
};

inline User make_user(std::int64_t i) {
  return User{0, "user" + std::to_string(i),
              i % 3 ? std::optional<std::string>("user" + std::to_string(i) + "@example.com")
                    : std::nullopt,
              i % 1000};
}

}  // namespace bench
