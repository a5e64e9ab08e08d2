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
#include <type_traits>
#include <vector>

#include "retort/orm/detail/huge_pages.hpp"
#include "retort/orm/detail/session_core.hpp"
#include "retort/orm/load_options.hpp"
#include "retort/sql/select.hpp"

namespace retort::orm {

// What a query holds and runs whatever its class (query.cpp); Query<T> adds the types.
class QueryState {
 public:
  QueryState(SessionCore* core, const Mapper& mapper);
  // Over a statement of the mapper's columns made elsewhere (a relationship's rows).
  QueryState(SessionCore* core, const Mapper& mapper, sql::Select select);
  QueryState(const QueryState& other);
  QueryState(QueryState&& other) noexcept;
  QueryState& operator=(const QueryState& other);
  QueryState& operator=(QueryState&& other) noexcept;
  ~QueryState();

  const sql::Select& statement() const { return select_; }

 protected:
  SessionCore& session() const;  // rt::ArgumentError when the query has none
  Registry& registry_of() const;
  // The objects of the rows, through the session (after autoflush).
  void load(QuerySink& sink) const;
  std::int64_t count_rows() const;
  std::int64_t count_rows(Connection& conn) const;
  bool any_rows() const;
  std::int64_t update_rows(const std::vector<std::pair<std::string, Value>>& values) const;
  std::int64_t delete_rows() const;
  Result stream_rows() const;
  void add_option(const LoadOption& option);
  // The rows' values without a session: each row read into the object next_object(out)
  // returns, after make_room(out, n) when the driver says n rows are coming.
  void read_rows(Connection& conn, void* (*next_object)(void* out),
                 void (*make_room)(void* out, std::size_t rows), void* out) const;
  [[noreturn]] void no_result() const;
  [[noreturn]] void multiple_results() const;

  SessionCore* core_;
  const Mapper* mapper_;
  sql::Select select_;
  bool populate_existing_ = false;
  std::vector<LoadOption> options_;
};

}  // namespace retort::orm

namespace retort {

template <class T>
class Query : public orm::QueryState {
 public:
  // Unbound: run with all(conn) and friends.
  Query() : Query(nullptr, registry().mapper<T>()) {}
  Query(orm::SessionCore* core, const orm::Mapper& mapper) : QueryState(core, mapper) {}
  Query(orm::SessionCore* core, const orm::Mapper& mapper, sql::Select select)
      : QueryState(core, mapper, std::move(select)) {}

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
    (q.add_option(load_options), ...);
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
    struct Refs final : orm::QuerySink {
      std::vector<Ref<T>> out;
      void add(orm::EntityState* s) override {
        orm::detail::make_room(out);
        out.emplace_back(s, static_cast<T*>(s->object()));
      }
      void expect(std::size_t rows) override { orm::detail::make_room(out, rows); }
    } refs;
    load(refs);
    return std::move(refs.out);
  }
  // The first row's object, or a null Ref.
  Ref<T> first() const {
    auto rows = limit(1).all();
    return rows.empty() ? Ref<T>() : rows.front();
  }
  Ref<T> one() const {
    Ref<T> out = one_or_none();
    if (!out) no_result();
    return out;
  }
  Ref<T> one_or_none() const {
    auto rows = limit(2).all();
    if (rows.size() > 1) multiple_results();
    return rows.empty() ? Ref<T>() : rows.front();
  }
  std::int64_t count() const { return count_rows(); }
  bool exists() const { return any_rows(); }
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
    return update_rows(values);
  }
  std::int64_t delete_() const { return delete_rows(); }

  // Streams the rows (row by row on PostgreSQL too); objects are made as the range is
  // walked, so memory stays flat when the caller lets go of earlier ones. The session's
  // connection runs nothing else while the stream is open.
  class Stream;
  Stream yield_per(std::size_t chunk) const;

  // Without a session: plain values on conn.
  std::vector<T> all(Connection& conn) const {
    std::vector<T> out;
    read_rows(
        conn,
        [](void* v) -> void* {
          auto& rows = *static_cast<std::vector<T>*>(v);
          orm::detail::make_room(rows);
          return &rows.emplace_back();
        },
        [](void* v, std::size_t rows) {
          orm::detail::make_room(*static_cast<std::vector<T>*>(v), rows);
        },
        &out);
    return out;
  }
  std::optional<T> first(Connection& conn) const {
    auto rows = limit(1).all(conn);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  }
  T one(Connection& conn) const {
    auto rows = limit(2).all(conn);
    if (rows.empty()) no_result();
    if (rows.size() > 1) multiple_results();
    return std::move(rows.front());
  }
  std::int64_t count(Connection& conn) const { return count_rows(conn); }

 private:
  Query with(sql::Select select) const {
    Query q = *this;
    q.select_ = std::move(select);
    return q;
  }
  template <class O>
  auto order_item(const O& item) const {
    if constexpr (std::is_member_object_pointer_v<O>) {
      return registry_of().c(item);
    } else {
      return item;
    }
  }
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
        current_ = Ref<T>(s, static_cast<T*>(s->object()));
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
  Result rows = stream_rows();
  return Stream(session(), *mapper_, std::move(rows));
}

template <class T>
Query<T> query() {
  return Query<T>();
}

// Existence filters along relationships, as SQLAlchemy's any() / has():
//   session.query<User>().where(rt::any(&User::posts, rt::c(&Post::title).like("C++%")))
//   session.query<Post>().where(rt::has(&Post::author, rt::c(&User::login) == "ada"))
//   session.query<User>().where(rt::contains(&User::posts, post))
// Collections that are never loaded (rt::DynamicMany, rt::WriteOnly) take any() and
// contains() too.
template <class T>
class WriteOnly;
template <class T>
class DynamicMany;
namespace orm::detail {
template <class C>
struct collection_item {};
template <class U>
struct collection_item<Many<U>> {
  using type = U;
};
template <class U>
struct collection_item<WriteOnly<U>> {
  using type = U;
};
template <class U>
struct collection_item<DynamicMany<U>> {
  using type = U;
};
template <class C>
using collection_item_t = typename collection_item<C>::type;
}  // namespace orm::detail

template <class O, class C, class = orm::detail::collection_item_t<C>>
sql::Expr<bool> any(C O::*member, const sql::Expr<bool>& condition = sql::Expr<bool>()) {
  return orm::exists_along(registry().mapper<O>().relationship_for(&member, sizeof member),
                           condition);
}
template <class O, class U>
sql::Expr<bool> has(One<U> O::*member, const sql::Expr<bool>& condition = sql::Expr<bool>()) {
  return orm::exists_along(registry().mapper<O>().relationship_for(&member, sizeof member),
                           condition);
}
template <class O, class C, class U = orm::detail::collection_item_t<C>>
sql::Expr<bool> contains(C O::*member, const std::type_identity_t<Ref<U>>& item) {
  const auto& rel = registry().mapper<O>().relationship_for(&member, sizeof member);
  std::vector<sql::Expr<bool>> same;
  for (const orm::Attribute* a : rel.target->primary_key()) {
    same.push_back(rel.target->table().c(a->name) == a->get(item.peek()));
  }
  return orm::exists_along(rel, sql::and_(same));
}

}  // namespace retort
