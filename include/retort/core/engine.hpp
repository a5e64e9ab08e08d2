// rt::Engine: the starting point. Knows where the database is, owns the connection pool.
//
//   auto engine = rt::create_engine("postgresql://app:pw@db/app", {.pool_size = 10});
//   auto conn = engine.connect();          // checked out; back to the pool at scope end
//   conn.execute("SELECT 1");
//
// Creating an engine does not connect; the first checkout does. Engine is a cheap,
// copyable, thread-safe handle: copies share one pool.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "retort/core/connection.hpp"
#include "retort/core/events.hpp"
#include "retort/core/pool.hpp"
#include "retort/core/url.hpp"

namespace retort {

// Engine options. The pool options mean what they mean in SQLAlchemy.
struct EngineOptions {
  // Idle connections kept open.
  int pool_size = 5;
  // Connections opened beyond pool_size under load (closed again when returned);
  // -1 for no limit.
  int max_overflow = 10;
  // How long a checkout waits for a free connection before rt::TimeoutError.
  std::chrono::milliseconds pool_timeout = std::chrono::seconds(30);
  // Connections older than this are replaced at checkout; unset keeps them forever.
  std::optional<std::chrono::seconds> pool_recycle{};
  // Test each connection with a round trip at checkout and replace it if dead.
  bool pool_pre_ping = false;
  // Hand out the most recently returned connection first (fewer connections stay warm).
  bool pool_use_lifo = false;
  // automatic: static for sqlite:// memory databases, queue otherwise.
  PoolKind poolclass = PoolKind::automatic;
  // "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED" or
  // "AUTOCOMMIT" (transactions become no-ops); empty for the database default.
  std::string isolation_level{};
  // Log every statement (and BEGIN/COMMIT/ROLLBACK) through logger.
  bool echo = false;
  // With echo, also log bound parameter values (off: they may hold secrets).
  bool echo_parameters = false;
  // Log each checkout and checkin of the pool, with its counts, through logger.
  bool echo_pool = false;
  // Where echo and echo_pool go; standard error when unset.
  std::function<void(std::string_view)> logger{};
  // Prepared statements kept per connection, least recently used evicted; 0 disables.
  int statement_cache_size = 128;
  // Runs on each new database connection before first use (SQLAlchemy's "connect"
  // event): session settings, or SQLite's ATTACH of the files that hold other schemas:
  //   .on_connect = [](rt::driver::Connection& c) {
  //     c.execute_script("ATTACH DATABASE 'app.db' AS app");
  //   }
  // What it throws fails the checkout; the connection is closed.
  std::function<void(driver::Connection&)> on_connect{};
};

class Pool;

class Engine {
 public:
  Engine(const URL& url, EngineOptions options = {});

  // Checks a connection out of the pool (connecting if needed). Raises rt::TimeoutError
  // when the pool stays exhausted for pool_timeout, rt::OperationalError when the
  // database cannot be reached.
  Connection connect() const;

  // Runs fn(conn) inside a transaction on a fresh checkout: commits if fn returns,
  // rolls back if it throws.
  template <class F>
  decltype(auto) transaction(F&& fn) const {
    auto conn = connect();
    auto tx = conn.begin();
    if constexpr (std::is_void_v<decltype(fn(conn))>) {
      fn(conn);
      tx.commit();
    } else {
      decltype(auto) result = fn(conn);
      tx.commit();
      return result;
    }
  }

  const URL& url() const;
  const EngineOptions& options() const;
  // "sqlite" or "postgresql"
  std::string_view dialect_name() const;
  PoolStatus pool_status() const;

  // Closes idle connections now and checked-out ones when they are returned.
  void dispose() const;

  ListenerId on_execute(ExecuteListener listener) const;
  void remove_listener(ListenerId id) const;

 private:
  std::shared_ptr<Pool> pool_;
};

// Parses the URL and builds an engine; raises rt::ArgumentError for a malformed URL, an
// unknown backend or a bad option.
Engine create_engine(std::string_view url, EngineOptions options = {});
Engine create_engine(const URL& url, EngineOptions options = {});

}  // namespace retort
