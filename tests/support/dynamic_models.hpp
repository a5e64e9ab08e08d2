// The followers example of the SQLAlchemy notes seed (the Flask mega-tutorial's models):
// users follow users through an association table, both sides query-backed, and a user's
// posts and notifications are collections too large to load (tables "dyn_...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "retort/orm.hpp"

namespace retort_test::dyn {

namespace rt = retort;

// Counts live objects: memory that does not grow with a collection's rows.
template <class T>
struct Alive {
  static inline int count = 0;
  Alive() { ++count; }
  Alive(const Alive&) { ++count; }
  Alive& operator=(const Alive&) { return *this; }
  ~Alive() { --count; }
};

inline const rt::Table& follows_table() {
  static const rt::Table table(
      "dyn_followers", {rt::Column("follower_id", rt::Integer(), rt::ForeignKey("dyn_user.id")),
                        rt::Column("followed_id", rt::Integer(), rt::ForeignKey("dyn_user.id")),
                        rt::PrimaryKeyConstraint({"follower_id", "followed_id"})});
  return table;
}

struct Post;
struct Notification;
struct User {
  std::int64_t id = 0;
  std::string username{};
  rt::DynamicMany<User> followed{};
  rt::DynamicMany<User> followers{};
  rt::DynamicMany<Post> posts{};
  rt::WriteOnly<Notification> notifications{};
  Alive<User> alive{};
  static auto mapping();
};
struct Post {
  std::int64_t id = 0;
  std::string body{};
  std::int64_t timestamp = 0;
  std::optional<std::int64_t> user_id{};
  rt::One<User> author{};
  static auto mapping() {
    return rt::model<Post>("dyn_post")
        .column("id", &Post::id, rt::primary_key)
        .column("body", &Post::body, rt::String(140))
        .column("timestamp", &Post::timestamp)
        .column("user_id", &Post::user_id, rt::ForeignKey("dyn_user.id"))
        .relationship("author", &Post::author, rt::back_populates("posts"));
  }
};
struct Notification {
  std::int64_t id = 0;
  std::string name{};
  std::optional<std::int64_t> user_id{};
  static auto mapping() {
    return rt::model<Notification>("dyn_notification")
        .column("id", &Notification::id, rt::primary_key)
        .column("name", &Notification::name, rt::String(40))
        .column("user_id", &Notification::user_id, rt::ForeignKey("dyn_user.id"));
  }
};
inline auto User::mapping() {
  return rt::model<User>("dyn_user")
      .column("id", &User::id, rt::primary_key)
      .column("username", &User::username, rt::String(64))
      .relationship("followed", &User::followed,
                    rt::secondary(follows_table(), "follower_id", "followed_id"),
                    rt::back_populates("followers"))
      .relationship("followers", &User::followers,
                    rt::secondary(follows_table(), "followed_id", "follower_id"),
                    rt::back_populates("followed"))
      .relationship("posts", &User::posts, rt::back_populates("author"),
                    rt::cascade::all_delete_orphan, rt::order_by(&Post::id))
      .relationship("notifications", &User::notifications, rt::cascade::all_delete_orphan,
                    rt::order_by(&Notification::id));
}

inline void register_all() {
  rt::registry().add<User, Post, Notification>();
  auto& md = rt::registry().metadata();
  if (!md.find("dyn_followers")) md.add(follows_table());
}

inline const std::vector<std::string>& tables() {
  static const std::vector<std::string> names = {"dyn_user", "dyn_followers", "dyn_post",
                                                 "dyn_notification"};
  return names;
}

// The seed's User methods, written against the query-backed collections.
inline bool is_following(const rt::Ref<User>& self, const rt::Ref<User>& user) {
  return self->followed.where(rt::c(&User::id) == user->id).count() > 0;
}
inline void follow(rt::Ref<User> self, const rt::Ref<User>& user) {
  if (!is_following(self, user)) self->followed.add(user);
}
inline void unfollow(rt::Ref<User> self, const rt::Ref<User>& user) {
  if (is_following(self, user)) self->followed.remove(user);
}
// Posts of the users `self` follows, and its own, newest first.
inline std::vector<rt::Ref<Post>> followed_posts(rt::Session& session, const rt::Ref<User>& self) {
  const rt::Table& follows = follows_table();
  auto followed = rt::select(follows.c("followed_id")).where(follows.c("follower_id") == self->id);
  return session.query<Post>()
      .where(rt::c(&Post::user_id).in_(followed) || rt::c(&Post::user_id) == self->id)
      .order_by(rt::c(&Post::timestamp).desc(), rt::c(&Post::id).desc())
      .all();
}

}  // namespace retort_test::dyn
