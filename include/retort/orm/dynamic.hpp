// Collections too large to load: the member is a query over the related rows
// (SQLAlchemy's lazy="dynamic" and WriteOnlyMapped).
//
//   struct User {
//     std::int64_t id = 0;
//     rt::DynamicMany<User> followed;    // whom this user follows
//     rt::DynamicMany<User> followers;   // who follows this user
//     rt::WriteOnly<Event> events;       // appended to, queried explicitly
//     static auto mapping() {
//       return rt::model<User>("user")
//           .column("id", &User::id, rt::primary_key)
//           .relationship("followed", &User::followed,
//                         rt::secondary(follows, "follower_id", "followed_id"),
//                         rt::back_populates("followers"))
//           .relationship("followers", &User::followers,
//                         rt::secondary(follows, "followed_id", "follower_id"),
//                         rt::back_populates("followed"))
//           .relationship("events", &User::events, rt::order_by(&Event::id));
//     }
//   };
//
//   user->followers.count();                              // SELECT count(*) ...
//   user->followers.where(rt::c(&User::name).like("a%")).page(2, 50).all();
//   user->followed.add(other);                            // no SELECT; written at flush
//   user->followed.remove(other);
//   user->events.query().order_by(...).all();             // WriteOnly: only this way
//
// Nothing is ever loaded into the member: add() and remove() are recorded and written by
// the next flush (association rows for a many-to-many, the child's foreign key for a
// one-to-many), and a query autoflushes first, so it sees them. Deleting the owner visits
// the children of a one-to-many as SQLAlchemy does (loads them to delete them or clear
// their key) unless the relationship is rt::passive_deletes. A query-backed relationship
// takes no loader option and cannot be replaced as a whole.
#pragma once

#include <cstdint>
#include <vector>

#include "retort/orm/inheritance.hpp"
#include "retort/orm/query.hpp"
#include "retort/orm/relationship.hpp"

namespace retort::orm {

// The query over the related rows of the handle's owner (an error when the owner is in no
// session).
sql::Select with_parent(const HandleBase& handle, const char* what);

}  // namespace retort::orm

namespace retort {

// A collection that can only be added to, removed from and queried explicitly.
template <class T>
class WriteOnly : public orm::QueryBacked<T> {
 public:
  using value_type = Ref<T>;
  WriteOnly() = default;
  WriteOnly(const WriteOnly& other) = default;

  // The related objects as a query, in the relationship's order: narrow it, page it, run
  // it; it autoflushes first.
  Query<T> query() const {
    const auto select = orm::with_parent(*this, "query");
    return Query<T>(this->owner_->session, *this->rel_->target, select);
  }
  void add_all(const std::vector<Ref<T>>& items) {
    for (const auto& item : items)
      this->add(item);
  }
};

// A collection read through queries: each call runs one statement, none loads the whole.
template <class T>
class DynamicMany : public WriteOnly<T> {
 public:
  DynamicMany() = default;
  DynamicMany(const DynamicMany& other) = default;

  Query<T> where(const sql::Expr<bool>& condition) const { return this->query().where(condition); }
  template <class... O>
  Query<T> order_by(const O&... items) const {
    return this->query().order_by(items...);
  }
  Query<T> limit(std::int64_t n) const { return this->query().limit(n); }
  Query<T> page(std::int64_t page, std::int64_t per_page) const {
    return this->query().page(page, per_page);
  }
  std::vector<Ref<T>> all() const { return this->query().all(); }
  Ref<T> first() const { return this->query().first(); }
  std::int64_t count() const { return this->query().count(); }
  bool exists() const { return this->query().exists(); }
  // One query for the object's row among the related ones (a new object is flushed first,
  // for its key).
  bool contains(const Ref<T>& item) const {
    if (!item) return false;
    auto query = this->query();
    if ((item.state()->flags & orm::kPending) && item.state()->session)
      item.state()->session->autoflush();
    std::vector<sql::Expr<bool>> same;
    const orm::Mapper& target = *this->rel_->target;
    for (const orm::Attribute* a : target.primary_key())
      same.push_back(orm::column_table(target, *a).c(a->name) == a->get(item.peek()));
    return query.where(sql::and_(same)).exists();
  }
};

}  // namespace retort

namespace retort::orm {

template <class U>
struct handle_traits<DynamicMany<U>> {
  using target = U;
};
template <class U>
struct handle_traits<WriteOnly<U>> {
  using target = U;
};

}  // namespace retort::orm
