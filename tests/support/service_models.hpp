// The seed's sqlservice models (a User whose phone keeps only digits, with roles), in a
// registry of their own, apart from the other tests' models.
#pragma once

#include <string>

#include "retort/orm.hpp"

namespace retort_test::service_models {

namespace rt = retort;

// The service tests' own models, apart from the other tests' (table names as the seed's).
inline rt::Registry& models() {
  static rt::Registry registry;
  return registry;
}

struct UserRole;

// The seed's models: a User whose phone keeps only digits (an on_set hook), with roles.
struct User {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string phone;
  rt::Many<UserRole> roles;

  static auto mapping();
};

struct UserRole {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string role;
  rt::One<User> user;

  static auto mapping() {
    return rt::model<UserRole>("user_role")
        .column("id", &UserRole::id, rt::primary_key)
        .column("user_id", &UserRole::user_id, rt::ForeignKey("user.id"))
        .column("role", &UserRole::role, rt::String(25))
        .relationship("user", &UserRole::user, rt::back_populates("roles"));
  }
};

inline auto User::mapping() {
  return rt::model<User>("user")
      .column("id", &User::id, rt::primary_key)
      .column("name", &User::name, rt::String(100))
      .column("email", &User::email, rt::String(100))
      .column("phone", &User::phone, rt::String(10))
      .relationship("roles", &User::roles, rt::back_populates("user"),
                    rt::cascade::all_delete_orphan, rt::order_by(&UserRole::id))
      .on_set(&User::phone, [](User&, std::string& phone) {
        std::erase_if(phone, [](char c) { return c < '0' || c > '9'; });
      });
}

// A user of this name with empty email and phone.
inline User person(std::string name, std::int64_t id = 0) {
  User u;
  u.id = id;
  u.name = std::move(name);
  return u;
}

}  // namespace retort_test::service_models
