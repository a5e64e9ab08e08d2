// The connection pool behind an engine (internal): queue, null and static kinds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "engine_state.hpp"
#include "pooled_connection.hpp"
#include "retort/core/pool.hpp"

namespace retort {

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  explicit Pool(std::shared_ptr<detail::EngineState> state);
  ~Pool();

  detail::EngineState& state() { return *state_; }
  const std::shared_ptr<detail::EngineState>& shared_state() const { return state_; }

  // A connection for exclusive use, validated according to the options; the caller wraps
  // it in a Checkout. The static kind's one connection (an in-memory SQLite database) is
  // shared by the checkouts of one thread at a time: others wait for it, up to
  // pool_timeout.
  detail::PooledConnection* checkout();
  void checkin(detail::PooledConnection* rec) noexcept;

  // After a disconnect: connections opened before now are replaced at their next
  // checkout instead of being handed out.
  void invalidate_older_connections() noexcept;
  void dispose() noexcept;
  PoolStatus status() const;
  PoolKind kind() const { return kind_; }

 private:
  bool stale(const detail::PooledConnection& rec) const;
  detail::PooledConnection* checkout_static();
  detail::PooledConnection* checkout_queue();
  // echo_pool: one line through the engine's logger after a checkout or checkin.
  void log_status(const char* event) const noexcept;
  // Makes rec fit for use: reconnects it when stale or failing the pre-ping.
  void validate(detail::PooledConnection& rec);
  std::unique_ptr<detail::PooledConnection> make_record();

  std::shared_ptr<detail::EngineState> state_;
  PoolKind kind_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::deque<std::unique_ptr<detail::PooledConnection>> idle_;
  int open_ = 0;         // connections opened (idle or checked out)
  int checked_out_ = 0;  // checkouts in progress
  std::chrono::steady_clock::time_point invalidated_before_{};
  std::unique_ptr<detail::PooledConnection> shared_;  // the static kind's one connection
  // The thread using it: checkouts from that thread share it, others wait for it.
  std::thread::id shared_owner_{};
};

}  // namespace retort
