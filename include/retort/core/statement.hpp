// rt::Statement: SQL prepared once on a connection and run many times.
//
//   auto insert = conn.prepare("INSERT INTO t (a, b) VALUES (?, ?)");
//   for (auto& [a, b] : items) insert.execute({a, b});
//
// Plain Connection::execute() caches prepared statements too; a Statement handle skips
// the cache lookup and gives access to the typed binders of the driver (raw()), which
// the ORM uses to bind struct members without building rt::Value objects:
//
//   auto& raw = insert.raw();
//   raw.bind_int64(0, item.a);
//   raw.bind_text_ref(1, item.b);
//   insert.run();
#pragma once

#include <string>
#include <vector>

#include "retort/core/detail/checkout.hpp"
#include "retort/core/detail/prepared.hpp"
#include "retort/core/driver.hpp"
#include "retort/core/params.hpp"
#include "retort/core/result.hpp"

namespace retort {

class Statement {
 public:
  Statement() = default;

  // Binds params (positional, or named for ":name" SQL) and runs.
  Result execute(const Params& params = {});
  // As execute(), row by row on PostgreSQL.
  Result stream(const Params& params = {});
  // Runs with the values already bound through raw().
  Result run(bool stream = false);
  // Runs an INSERT / UPDATE / DELETE without RETURNING, bound through raw(), and returns
  // the rows it changed (no Result is made: the ORM's per-row path).
  std::int64_t run_dml();
  // As run_dml(), without waiting for the database where it can take statement after
  // statement (PostgreSQL's pipeline mode): the connection's sync() gives the count.
  // Statements sent in a row cost one round trip; anything else run on the connection
  // waits for them first. Where the database runs each at once, so does send().
  //
  //   for (auto& [id, score] : changes) {
  //     update.raw().bind_int64(0, score);
  //     update.raw().bind_int64(1, id);
  //     update.send();
  //   }
  //   for (auto n : conn.sync()) if (n != 1) ...
  void send();
  // Runs a query bound through raw() and calls f(row) on its first row, if it has one;
  // the statement is reset afterwards (no Result is made: the ORM's get()).
  template <class F>
  void run_first(F&& f) {
    struct Finish {
      Statement& s;
      ~Finish() { s.finish(); }
    } finish{*this};
    if (driver::Statement* row = start_first()) f(*row);
  }

  driver::Statement& raw();
  // False for a default-constructed handle.
  explicit operator bool() const { return static_cast<bool>(entry_); }
  int parameter_count() const;
  // Parameter names in placeholder order, for ":name" SQL; empty for positional SQL.
  const std::vector<std::string>& parameter_names() const;
  // The SQL as written (before placeholders were made native).
  const std::string& sql() const;

 private:
  friend class Connection;
  Statement(detail::Checkout checkout, detail::PreparedRef entry);
  // run_first's halves: runs and returns the statement on its first row (nullptr when
  // there is none); resets it.
  driver::Statement* start_first();
  void finish() noexcept;

  detail::Checkout checkout_;
  detail::PreparedRef entry_;
};

}  // namespace retort
