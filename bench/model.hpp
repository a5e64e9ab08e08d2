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

// Fresh bench_parent and bench_child tables holding `parents` parents with ten children
// each, numbered 0 to 9 (the selectin and flush workloads).
inline void make_tree(retort::Engine& engine, long long parents) {
  auto conn = engine.connect();
  conn.execute("DROP TABLE IF EXISTS bench_child");
  conn.execute("DROP TABLE IF EXISTS bench_parent");
  retort::registry().metadata().create_all(conn, {.tables = {"bench_parent", "bench_child"}});
  retort::Session session(engine);
  std::vector<Parent> ps(static_cast<std::size_t>(parents));
  for (long long i = 0; i < parents; ++i)
    ps[static_cast<std::size_t>(i)].name = "parent" + std::to_string(i);
  session.bulk_insert(ps);
  std::vector<Child> cs;
  cs.reserve(ps.size() * 10);
  for (const auto& p : ps) {
    for (int n = 0; n < 10; ++n)
      cs.push_back(Child{0, p.id, n, "child" + std::to_string(n)});
  }
  session.bulk_insert(cs);
  session.commit();
}

// The same parents and children as plain rows, for the raw and SOCI sides of the flush
// workload: each parent's name and each child's number, by key.
struct TreeRows {
  std::vector<std::int64_t> parent_ids{};
  std::vector<std::string> names{};
  std::vector<std::int64_t> child_ids{}, numbers{};
};

// What the flush workload writes: every parent renamed (in place), the children numbered
// one up, and each parent's last child (number 9) deleted.
struct TreeChange {
  std::vector<std::int64_t> ids{}, numbers{}, dropped{};
};
inline TreeChange flush_changes(TreeRows& t) {
  for (auto& name : t.names)
    name += "x";
  TreeChange c;
  for (std::size_t i = 0; i < t.child_ids.size(); ++i) {
    if (t.numbers[i] == 9) {
      c.dropped.push_back(t.child_ids[i]);
    } else {
      c.ids.push_back(t.child_ids[i]);
      c.numbers.push_back(t.numbers[i] + 1);
    }
  }
  return c;
}

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
