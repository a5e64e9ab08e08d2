// sqlservice's walk-through ("the missing SQLAlchemy ORM interface"), step by step in C++:
// a Database from a config map, a User whose phone keeps only digits, save / get / find /
// to_dict / upsert / destroy, a nested transaction, and a JSON dump at the end.
//
//   retort-sqlservice [URL]      (default sqlite:///sqlservice-demo.db, recreated)
#include <iostream>
#include <string>

#include "retort/service.hpp"

namespace rt = retort;

struct UserRole;

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

  static auto mapping() {
    return rt::model<UserRole>("user_role")
        .column("id", &UserRole::id, rt::primary_key)
        .column("user_id", &UserRole::user_id, rt::ForeignKey("user.id"))
        .column("role", &UserRole::role, rt::String(25));
  }
};

inline auto User::mapping() {
  return rt::model<User>("user")
      .column("id", &User::id, rt::primary_key)
      .column("name", &User::name, rt::String(100))
      .column("email", &User::email, rt::String(100))
      .column("phone", &User::phone, rt::String(10))
      .relationship("roles", &User::roles, rt::cascade::all_delete_orphan)
      // @event.on_set("phone", retval=True): strip non-numeric characters.
      .on_set(&User::phone, [](User&, std::string& phone) {
        std::erase_if(phone, [](char c) { return c < '0' || c > '9'; });
      });
}

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "sqlite:///sqlservice-demo.db";
  try {
    rt::Database db({
        {"SQL_DATABASE_URI", url},
        {"SQL_ECHO", false},
        {"SQL_ECHO_POOL", false},
        {"SQL_POOL_SIZE", 5},
        {"SQL_POOL_RECYCLE", 3600},
        {"SQL_AUTOCOMMIT", false},
        {"SQL_AUTOFLUSH", true},
    });
    db.add<User, UserRole>();
    db.drop_all();
    db.create_all();
    auto users = db.model<User>();

    rt::Dict data = {{"name", "Jenny"}, {"email", ""}, {"phone", "555-867-5309"}};
    auto user = users.save(data);
    std::cout << "saved:            " << rt::to_json(user) << "\n";
    std::cout << "get(1) is user:   " << std::boolalpha << (users.get(1) == user) << "\n";
    std::cout << "find_one is user: " << (users.find_one({{"id", 1}}) == user) << "\n";
    std::cout << "find()[0] is user: " << (users.find(rt::c(&User::name) == "Jenny").at(0) == user)
              << "\n";

    user->phone = "222-867-5309";
    users.save(user);
    std::cout << "updated phone:    " << user->phone << "\n";

    auto same =
        users.save(rt::Dict{{"id", 1}, {"name", "Jenny"}, {"email", ""}, {"phone", "5558675309"}});
    std::cout << "upsert is user:   " << (same == user) << ", " << rt::to_json(user) << "\n";

    // Nested scopes: only the outermost commits; a failure inside undoes all of it.
    try {
      db.transaction([&] {
        users.save(rt::Dict{{"name", "Ann"},
                            {"email", "ann@example.org"},
                            {"phone", "1"},
                            {"roles", {{{"role", "admin"}}}}});
        db.transaction([&] { throw std::runtime_error("the inner step failed"); });
      });
    } catch (const std::runtime_error& e) {
      std::cout << "rolled back:      " << e.what() << "; users: " << users.count() << "\n";
    }
    try {
      users.save(rt::Dict{{"name", "Bea"}, {"roles", {{{"role", 3}}}}});
    } catch (const rt::ArgumentError& e) {
      std::cout << "refused:          " << e.what() << "\n";
    }

    std::cout << "dump:\n" << rt::export_json(db.engine());
    std::cout << "destroyed:        " << users.destroy(rt::to_dict(user)) << " row, "
              << users.count() << " left\n";
    return 0;
  } catch (const rt::Error& e) {
    std::cerr << "retort-sqlservice: " << e.what() << "\n";
    return 1;
  }
}
