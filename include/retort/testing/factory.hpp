// Model factories in the spirit of factory_boy: defaults, sequences, sub-factories for
// relationships, build (not saved) or create (saved), batches.
//
//   auto users = rt::testing::factory<User>()
//                    .set(&User::login, rt::testing::sequence("user{}"))   // user1, user2, ...
//                    .set(&User::email, [](int n) { return "user" + std::to_string(n) + "@x.org";
//                    }) .set(&User::active, true);
//   auto posts = rt::testing::factory<Post>()
//                    .set(&Post::title, rt::testing::sequence("post {}"))
//                    .sub(&Post::author, users);                // a new user for each post
//
//   User u = users.build();                                     // not saved
//   rt::Ref<Post> p = posts.create(session);                    // saved, with its author
//   auto many = users.create_batch(10, session, [](User& u) { u.active = false; });
//
// Each factory counts its objects from 1 (copies of a factory share the count); a value
// given as a function of n is computed from that count. set(), sub() and after() run in
// the order they were declared, then the overrides given to build() or create().
// create() adds the object to the session and flushes, so that keys are set; the test's
// scope (temporary_database.hpp) undoes it at the end.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "retort/orm/session.hpp"
#include "retort/service/database.hpp"

namespace retort::testing {

// A function of the sequence number: "user{}" gives user1, user2, ...
inline std::function<std::string(int)> sequence(std::string pattern) {
  return [pattern = std::move(pattern)](int n) {
    std::string out = pattern;
    const auto at = out.find("{}");
    if (at != std::string::npos) out.replace(at, 2, std::to_string(n));
    return out;
  };
}

template <class T>
class Factory {
 public:
  using Override = std::function<void(T&)>;

  // A member's default: a value, or a function of the sequence number n.
  template <class M, class V>
  Factory& set(M T::*member, V value) {
    if constexpr (std::is_invocable_v<V&, int>) {
      steps_.push_back([member, fn = std::move(value)](T& o, int n) mutable { o.*member = fn(n); });
    } else {
      steps_.push_back([member, v = M(std::move(value))](T& o, int) { o.*member = v; });
    }
    return *this;
  }
  // A many-to-one filled by another factory: each object gets a new one, built with it
  // (and so saved with it by create(), through the relationship's save cascade).
  template <class H, class U>
  Factory& sub(H T::*member, Factory<U> factory) {
    steps_.push_back([member, factory](T& o, int) { o.*member = make_ref(factory.build()); });
    return *this;
  }
  // Runs fn(object, n) in its place among the steps (factory_boy's lazy attributes and
  // post_generation).
  Factory& after(std::function<void(T&, int)> fn) {
    steps_.push_back(std::move(fn));
    return *this;
  }

  T build(const Override& override = {}) const {
    const int n = ++*count_;
    T object{};
    for (const auto& step : steps_)
      step(object, n);
    if (override) override(object);
    return object;
  }
  std::vector<T> build_batch(std::size_t size, const Override& override = {}) const {
    std::vector<T> out;
    out.reserve(size);
    for (std::size_t i = 0; i < size; ++i)
      out.push_back(build(override));
    return out;
  }

  Ref<T> create(Session& session, const Override& override = {}) const {
    Ref<T> out = session.add(build(override));
    session.flush();
    return out;
  }
  // In the database's session for this thread, in a transaction scope of its own.
  Ref<T> create(Database& db, const Override& override = {}) const {
    return db.transaction([&] { return create(db.session(), override); });
  }
  std::vector<Ref<T>> create_batch(std::size_t size, Session& session,
                                   const Override& override = {}) const {
    std::vector<Ref<T>> out;
    out.reserve(size);
    for (std::size_t i = 0; i < size; ++i)
      out.push_back(session.add(build(override)));
    session.flush();
    return out;
  }
  std::vector<Ref<T>> create_batch(std::size_t size, Database& db,
                                   const Override& override = {}) const {
    return db.transaction([&] { return create_batch(size, db.session(), override); });
  }

  // The next object is number n.
  void reset_sequence(int n = 1) { *count_ = n - 1; }

 private:
  std::vector<std::function<void(T&, int)>> steps_;
  std::shared_ptr<std::atomic<int>> count_ = std::make_shared<std::atomic<int>>(0);
};

template <class T>
Factory<T> factory() {
  return Factory<T>();
}

}  // namespace retort::testing
