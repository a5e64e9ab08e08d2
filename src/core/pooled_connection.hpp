// One database connection as the pool keeps it: the driver connection, its statement
// cache and its transaction stack (internal).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine_state.hpp"
#include "placeholders.hpp"
#include "retort/core/detail/checkout.hpp"
#include "retort/core/detail/prepared.hpp"
#include "retort/core/error.hpp"
#include "retort/core/params.hpp"

namespace retort {
class Pool;
}

namespace retort::detail {

struct PreparedEntry {
  PooledConnection* owner = nullptr;
  std::string sql;  // as written: the cache key
  NativeSql native;
  std::unique_ptr<driver::Statement> stmt;
  int users = 0;       // handles and results referring to it
  bool cached = true;  // owned by the cache; otherwise deleted with its last user
  std::uint64_t executions = 0;
};

// Binds params to the entry's statement by position or by ":name"; rt::ArgumentError
// for a missing name or a wrong count.
void bind_params(PreparedEntry& entry, const Params& params);

// Prepared statements by SQL text, least recently used evicted first (never one in use).
class StatementCache {
 public:
  explicit StatementCache(std::size_t capacity) : capacity_(capacity) {}
  PreparedEntry* find(std::string_view sql);
  PreparedEntry* insert(std::unique_ptr<PreparedEntry> entry);
  void clear();
  std::size_t size() const { return map_.size(); }

 private:
  using List = std::list<std::unique_ptr<PreparedEntry>>;
  std::size_t capacity_;
  List lru_;  // most recently used first
  std::unordered_map<std::string_view, List::iterator> map_;
};

class PooledConnection {
 public:
  PooledConnection(std::shared_ptr<const EngineState> state, Pool* pool);
  ~PooledConnection();

  const EngineState& state() const { return *state_; }
  driver::Connection& driver();

  // Opens the driver connection (again), dropping cached statements.
  void connect();
  void close() noexcept;
  bool is_open() const { return conn_ != nullptr; }
  std::chrono::steady_clock::time_point created() const { return created_; }

  // A prepared statement for sql, from the cache when it is free.
  PreparedRef acquire(std::string_view sql);
  // Sends the statement (echo and listeners first). Inline in its callers: a query often
  // waits in the kernel, and each call it then returns through costs far more than its
  // instructions (bench/profile.py get), which at one row per query counts.
  void execute(PreparedEntry& entry, bool stream);
  // Runs the statement from its start to its first row (driver::Statement::execute_first).
  bool execute_first(PreparedEntry& entry);
  // Statement::send and Connection::sync.
  void send(PreparedEntry& entry);
  std::vector<std::int64_t> sync();
  void execute_script(std::string_view sql);
  std::optional<std::int64_t> write_rows(const std::string& schema, const std::string& table,
                                         const std::vector<std::string>& columns,
                                         const std::function<void(driver::RowWriter&)>& fill);

  std::uint64_t begin(bool nested);
  void end_transaction(std::uint64_t id, std::size_t level, bool commit);
  bool transaction_active(std::uint64_t id, std::size_t level) const {
    return level < transactions_.size() && transactions_[level] == id;
  }
  std::size_t transaction_depth() const { return transactions_.size(); }
  // Rolls back whatever is open, as the connection returns to the pool.
  void reset() noexcept;

  // The connection is broken or was given up on: the pool closes it at checkin.
  void invalidate() noexcept { invalidated_ = true; }
  bool invalidated() const { return invalidated_; }

  // Runs fn; a driver error that says the connection is gone invalidates it first.
  template <class F>
  decltype(auto) guarded(F&& fn) {
    try {
      return fn();
    } catch (const OperationalError& e) {
      if (e.connection_invalidated()) on_disconnect();
      throw;
    }
  }

  std::atomic<int> refs{0};
  // Keeps the pool alive while the connection is checked out.
  std::shared_ptr<Pool> pool_hold;
  Pool* const pool;

 private:
  void on_disconnect() noexcept;
  void check_usable() const;
  // What comes before each execution: the usability check, echo and listeners.
  void starting(PreparedEntry& entry);
  void control(const char* sql, void (driver::Connection::*op)());
  void savepoint_command(const std::string& sql);

  std::shared_ptr<const EngineState> state_;
  std::unique_ptr<driver::Connection> conn_;
  std::chrono::steady_clock::time_point created_;
  bool invalidated_ = false;
  StatementCache cache_;
  std::vector<std::uint64_t> transactions_;  // ids, outermost first
  // Counts of statements sent to a driver that ran them at once, for sync().
  std::vector<std::int64_t> sent_;
  std::uint64_t next_transaction_ = 0;
};

inline void PooledConnection::starting(PreparedEntry& entry) {
  check_usable();
  state_->before_execute(entry.sql, entry.stmt.get(), false);
  ++entry.executions;
}

inline void PooledConnection::execute(PreparedEntry& entry, bool stream) {
  starting(entry);
  guarded([&] { entry.stmt->execute(stream); });
}

inline bool PooledConnection::execute_first(PreparedEntry& entry) {
  starting(entry);
  return guarded([&] { return entry.stmt->execute_first(); });
}

}  // namespace retort::detail
