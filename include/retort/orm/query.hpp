// rt::Query<T>: a typed SELECT of mapped objects.
//
//   auto users = session.query<User>()
//                    .where(rt::c(&User::login).like("a%"))
//                    .order_by(rt::c(&User::id).desc())
//                    .limit(10)
//                    .all();                        // std::vector<rt::Ref<User>>
//   session.query<User>().where(...).one();         // NoResultError / MultipleResultsError
//   session.query<User>().count();
//   for (rt::Ref<User> u : session.query<User>().yield_per(1000)) { ... }   // streaming
//
// Rows go through the session's identity map: an object already loaded is returned as
// it is (populate_existing() overwrites it with the row). Pending changes are flushed
// first (autoflush).
//
// Without a session, the same query returns plain values, untracked — the fast path for
// read-only work:
//
//   std::vector<User> all = rt::query<User>().where(...).all(conn);
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/load_options.hpp"
#include "retort/sql/select.hpp"

namespace retort {

template <class T>
class Query {
 public:
  // Unbound: run with all(conn) and friends.
  Query() : Query(nullptr, registry().mapper<T>()) {}
  Query(orm::SessionCore* core, const orm::Mapper& mapper)
      : core_(core), mapper_(&mapper), select_(orm::SessionCore::select_of(mapper)) {}

  Query where(const sql::Expr<bool>& condition) const { return with(select_.where(condition)); }
  Query filter(const sql::Expr<bool>& condition) const { return where(condition); }
  // Expressions (rt::c(&User::id).desc()), members (&User::login, ascending) and names of
  // the select list (rt::desc("n")).
  template <class... O>
  Query order_by(const O&... items) const {
    return with(select_.order_by(order_item(items)...));
  }
  Query limit(std::int64_t n) const { return with(select_.limit(n)); }
  Query offset(std::int64_t n) const { return with(select_.offset(n)); }
  // Page `page` (from 1) of `per_page` rows.
  Query page(std::int64_t page, std::int64_t per_page) const {
    return with(select_.limit(per_page).offset((page - 1) * per_page));
  }
  Query distinct() const { return with(select_.distinct()); }
  Query join(const sql::From& target, const sql::Expr<bool>& on = {}) const {
    return with(select_.join(target, on));
  }
  Query outerjoin(const sql::From& target, const sql::Expr<bool>& on = {}) const {
    return with(select_.outerjoin(target, on));
  }
  // How relationships load (rt::selectin, rt::joined, rt::raiseload, ...).
  template <class... O>
  Query options(const O&... load_options) const {
    Query q = *this;
    (q.options_.push_back(load_options), ...);
    return q;
  }
  // Joins mapped class U: along T's one relationship to it, or, when there is none, on
  // the foreign key between their tables. rt::ArgumentError when T has several
  // relationships to U (name one: join(&T::member)).
  template <class U>
  Query join() const {
    return with(orm::join_to(select_, registry_of().template mapper<T>(),
                             registry_of().template mapper<U>(), false));
  }
  template <class U>
  Query outerjoin() const {
    return with(orm::join_to(select_, registry_of().template mapper<T>(),
                             registry_of().template mapper<U>(), true));
  }
  // Joins a related table along a relationship (its columns are then usable in where()).
  template <class O, class H>
  Query join(H O::*member) const {
    return with(orm::join_along(
        select_, registry_of().template mapper<O>().relationship_for(&member, sizeof member),
        false));
  }
  template <class O, class H>
  Query outerjoin(H O::*member) const {
    return with(orm::join_along(
        select_, registry_of().template mapper<O>().relationship_for(&member, sizeof member),
        true));
  }

  // Loaded rows overwrite objects already in the session.
  Query populate_existing() const {
    Query q = *this;
    q.populate_existing_ = true;
    return q;
  }

  std::vector<Ref<T>> all() const {
    const auto states = session().run_query(*mapper_, select_, populate_existing_, options_);
    std::vector<Ref<T>> out;
    out.reserve(states.size());
    for (orm::EntityState* s : states)
      out.push_back(ref(s));
    return out;
  }
  // The first row's object, or a null Ref.
  Ref<T> first() const {
    auto rows = limit(1).all();
    return rows.empty() ? Ref<T>() : rows.front();
  }
  Ref<T> one() const {
    Ref<T> out = one_or_none();
    if (!out) throw NoResultError("one(): no " + mapper_->class_name() + " matched");
    return out;
  }
  Ref<T> one_or_none() const {
    auto rows = limit(2).all();
    if (rows.size() > 1)
      throw MultipleResultsError("one(): more than one " + mapper_->class_name() + " matched");
    return rows.empty() ? Ref<T>() : rows.front();
  }
  std::int64_t count() const {
    auto& core = session();
    core.autoflush();
    return core.connection().execute(count_statement()).template scalar<std::int64_t>();
  }
  bool exists() const {
    auto& core = session();
    core.autoflush();
    return core.connection().execute(sql::select(sql::exists(select_))).template scalar<bool>();
  }
  // One value over the selected rows: query.scalar(rt::max(rt::c(&User::score))); nullopt
  // for NULL.
  template <class V>
  std::optional<sql::detail::element_t<V>> scalar(const sql::Expr<V>& expr) const {
    auto& core = session();
    core.autoflush();
    return core.connection()
        .execute(select_.with_only_columns(expr))
        .template scalar<std::optional<sql::detail::element_t<V>>>();
  }

  // ORM-enabled bulk statements over the rows this query selects (its where-clause);
  // objects already in the session are brought in line. Return the rows affected.
  std::int64_t update(const std::vector<std::pair<std::string, Value>>& values) const {
    return session().bulk_update(*mapper_, where_clause(), values);
  }
  std::int64_t delete_() const { return session().bulk_delete(*mapper_, where_clause()); }

  // Streams the rows (row by row on PostgreSQL too); objects are made as the range is
  // walked, so memory stays flat when the caller lets go of earlier ones. The session's
  // connection runs nothing else while the stream is open.
  class Stream;
  Stream yield_per(std::size_t chunk) const;

  // Without a session: plain values on conn.
  std::vector<T> all(Connection& conn) const {
    auto result = conn.execute(select_);
    std::vector<T> out;
    while (result.next()) {
      auto& stmt = result.row().statement();
      T& obj = out.emplace_back();
      int i = 0;
      for (const auto& a : mapper_->attributes())
        a->read(&obj, stmt, i++);
    }
    return out;
  }
  std::optional<T> first(Connection& conn) const {
    auto rows = limit(1).all(conn);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  }
  T one(Connection& conn) const {
    auto rows = limit(2).all(conn);
    if (rows.empty()) throw NoResultError("one(): no " + mapper_->class_name() + " matched");
    if (rows.size() > 1)
      throw MultipleResultsError("one(): more than one " + mapper_->class_name() + " matched");
    return std::move(rows.front());
  }
  std::int64_t count(Connection& conn) const {
    return conn.execute(count_statement()).template scalar<std::int64_t>();
  }

  const sql::Select& statement() const { return select_; }

 private:
  Query with(sql::Select select) const {
    Query q = *this;
    q.select_ = std::move(select);
    return q;
  }
  Registry& registry_of() const { return core_ ? core_->registry() : registry(); }
  template <class O>
  auto order_item(const O& item) const {
    if constexpr (std::is_member_object_pointer_v<O>) {
      return registry_of().c(item);
    } else {
      return item;
    }
  }
  orm::SessionCore& session() const {
    if (!core_) {
      throw ArgumentError(
          "this query has no session: use session.query<T>(), or pass a connection to all()");
    }
    return *core_;
  }
  Result execute(orm::SessionCore& core) const {
    core.autoflush();
    return core.connection().execute(select_);
  }
  Ref<T> ref(orm::EntityState* s) const { return Ref<T>(s, static_cast<T*>(s->object)); }
  sql::Select count_statement() const {
    return sql::select(sql::count()).select_from(select_.subquery("anon_1"));
  }
  sql::Expr<bool> where_clause() const {
    const auto& w = select_.data().where;
    std::vector<sql::Expr<bool>> parts;
    for (const auto& n : w)
      parts.emplace_back(n);
    return sql::and_(std::move(parts));
  }

  orm::SessionCore* core_;
  const orm::Mapper* mapper_;
  sql::Select select_;
  bool populate_existing_ = false;
  std::vector<LoadOption> options_;
};

template <class T>
class Query<T>::Stream {
 public:
  Stream(orm::SessionCore& core, const orm::Mapper& mapper, Result result)
      : core_(&core), mapper_(&mapper), result_(std::move(result)) {}

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Ref<T>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Stream* s) : stream_(s) { ++*this; }
    const Ref<T>& operator*() const { return current_; }
    iterator& operator++() {
      if (stream_->result_.next()) {
        auto* s =
            stream_->core_->load(*stream_->mapper_, stream_->result_.row().statement(), 0, false);
        current_ = Ref<T>(s, static_cast<T*>(s->object));
      } else {
        current_ = Ref<T>();
        stream_ = nullptr;
      }
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.stream_ == b.stream_; }

   private:
    Stream* stream_ = nullptr;
    Ref<T> current_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  orm::SessionCore* core_;
  const orm::Mapper* mapper_;
  Result result_;
};

template <class T>
typename Query<T>::Stream Query<T>::yield_per(std::size_t) const {
  auto& core = session();
  core.autoflush();
  return Stream(core, *mapper_, core.connection().stream(select_));
}

template <class T>
Query<T> query() {
  return Query<T>();
}

// Existence filters along relationships, as SQLAlchemy's any() / has():
//   session.query<User>().where(rt::any(&User::posts, rt::c(&Post::title).like("C++%")))
//   session.query<Post>().where(rt::has(&Post::author, rt::c(&User::login) == "ada"))
//   session.query<User>().where(rt::contains(&User::posts, post))
template <class O, class U>
sql::Expr<bool> any(Many<U> O::*member, const sql::Expr<bool>& condition = sql::Expr<bool>()) {
  return orm::exists_along(registry().mapper<O>().relationship_for(&member, sizeof member),
                           condition);
}
template <class O, class U>
sql::Expr<bool> has(One<U> O::*member, const sql::Expr<bool>& condition = sql::Expr<bool>()) {
  return orm::exists_along(registry().mapper<O>().relationship_for(&member, sizeof member),
                           condition);
}
template <class O, class U>
sql::Expr<bool> contains(Many<U> O::*member, const Ref<U>& item) {
  const auto& rel = registry().mapper<O>().relationship_for(&member, sizeof member);
  std::vector<sql::Expr<bool>> same;
  for (const orm::Attribute* a : rel.target->primary_key()) {
    same.push_back(rel.target->table().c(a->name) == a->get(item.peek()));
  }
  return orm::exists_along(rel, sql::and_(same));
}

}  // namespace retort
