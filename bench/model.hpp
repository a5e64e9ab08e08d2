// The benchmark's model: the same struct for Retort and the raw driver code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// The same rows under keys the client makes: an insert needs nothing back.
struct KeyedUser {
  retort::Uuid id{};
  std::string login{};
  std::optional<std::string> email{};
  std::int64_t score = 0;

  static auto mapping() {
    return retort::model<KeyedUser>("bench_keyed_user")
        .column("id", &KeyedUser::id, retort::primary_key)
        .column("login", &KeyedUser::login, retort::String(64))
        .column("email", &KeyedUser::email, retort::String(128))
        .column("score", &KeyedUser::score);
  }
};

// Parents with ten children each, for the selectin workload.
struct Child;
struct Parent {
  std::int64_t id = 0;
  std::string name{};
  retort::Many<Child> children{};
  static auto mapping();
};
struct Child {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;
  std::int64_t n = 0;
  std::string label{};
  static auto mapping() {
    return retort::model<Child>("bench_child")
        .column("id", &Child::id, retort::primary_key)
        .column("parent_id", &Child::parent_id, retort::ForeignKey("bench_parent.id"),
                retort::index)
        .column("n", &Child::n)
        .column("label", &Child::label, retort::String(32));
  }
};
inline auto Parent::mapping() {
  return retort::model<Parent>("bench_parent")
      .column("id", &Parent::id, retort::primary_key)
      .column("name", &Parent::name, retort::String(32))
      .relationship("children", &Parent::children, retort::order_by(&Child::id));
}

// The same parents and children as plain rows, for the raw and SOCI sides of the flush
// workload: each parent's name and each child's number, by key.
struct TreeRows {
  std::vector<std::int64_t> parent_ids{};
  std::vector<std::string> names{};
  std::vector<std::int64_t> child_ids{}, numbers{};
};

inline User make_user(std::int64_t i) {
  return User{0, "user" + std::to_string(i),
              i % 3 ? std::optional<std::string>("user" + std::to_string(i) + "@example.com")
                    : std::nullopt,
              i % 1000};
}

inline KeyedUser make_keyed_user(std::int64_t i) {
  User u = make_user(i);
  return KeyedUser{retort::Uuid::random(), std::move(u.login), std::move(u.email), u.score};
}

}  // namespace bench
