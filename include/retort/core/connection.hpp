// rt::Connection: one connection checked out of an engine's pool.
//
//   auto conn = engine.connect();
//   conn.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT)");
//   conn.execute("INSERT INTO person (name) VALUES (?)", {"Ada"});
//   auto tx = conn.begin();  ...  tx.commit();
//
// Outside begin() every statement commits on its own (autocommit). The connection goes
// back to the pool when the Connection and every Result, Statement and Transaction made
// from it are gone; an open transaction is rolled back then.
//
// A Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "retort/core/detail/checkout.hpp"
#include "retort/core/driver.hpp"
#include "retort/core/params.hpp"
#include "retort/core/result.hpp"
#include "retort/core/statement.hpp"
#include "retort/core/transaction.hpp"

namespace retort {

class Connection {
 public:
  Connection() = default;

  // Runs one statement with "?" or ":name" placeholders bound from params.
  Result execute(std::string_view sql, const Params& params = {});
  // As execute(), but a PostgreSQL result arrives row by row instead of all at once.
  Result stream(std::string_view sql, const Params& params = {});
  // Runs a statement of the expression language (rt::select, rt::insert, ...): compiled
  // for this connection's dialect once, named bindparams taken from params.
  template <class S>
  requires requires(const S& s, std::string_view d, const Params& p) { s.bind(d, p); }
  Result execute(const S& statement, const Params& params = {}) {
    auto bound = statement.bind(dialect_name(), params);
    if constexpr (requires { bound.readers; }) {
      return run(bound.sql, bound.params, false, bound.readers);
    } else {
      return execute(bound.sql, bound.params);
    }
  }
  template <class S>
  requires requires(const S& s, std::string_view d, const Params& p) { s.bind(d, p); }
  Result stream(const S& statement, const Params& params = {}) {
    auto bound = statement.bind(dialect_name(), params);
    if constexpr (requires { bound.readers; }) {
      return run(bound.sql, bound.params, true, bound.readers);
    } else {
      return stream(bound.sql, bound.params);
    }
  }
  // Runs the statement once per parameter set; returns the total rows affected.
  std::int64_t execute_many(std::string_view sql, const std::vector<Params>& param_sets);
  // Runs several ';'-separated statements that take no parameters (DDL scripts).
  void execute_script(std::string_view sql);
  // Writes rows into a table through the database's bulk path (PostgreSQL's COPY),
  // faster than INSERT when nothing has to come back: `fill` binds each row's columns in
  // order and ends the row (driver::RowWriter). Returns the rows written; nullopt, with
  // `fill` never called, where the database has no bulk path.
  std::optional<std::int64_t> write_rows(const std::string& schema, const std::string& table,
                                         const std::vector<std::string>& columns,
                                         const std::function<void(driver::RowWriter&)>& fill);
  // A prepared statement handle (served from the connection's statement cache).
  Statement prepare(std::string_view sql);
  // Waits for the statements sent with Statement::send() and returns the rows each
  // changed, in the order they were sent; the first that failed raises its error (those
  // sent after it did not run).
  std::vector<std::int64_t> sync();

  // Starts a transaction; rt::ArgumentError if one is already open (use begin_nested).
  Transaction begin();
  // Starts a savepoint inside the open transaction.
  Transaction begin_nested();
  bool in_transaction() const;

  // "sqlite" or "postgresql"
  std::string_view dialect_name() const;
  // Marks the underlying connection as unusable: the pool closes it instead of reusing it.
  void invalidate();
  // Gives the connection back now (results and transactions still open keep it).
  void close();
  bool closed() const { return !checkout_; }

  // The driver connection underneath, for what Core does not wrap.
  driver::Connection& driver();

 private:
  friend class Engine;
  explicit Connection(detail::Checkout checkout) : checkout_(std::move(checkout)) {}
  Result run(std::string_view sql, const Params& params, bool stream,
             std::shared_ptr<const ColumnReaders> readers = nullptr);

  detail::Checkout checkout_;
};

}  // namespace retort
