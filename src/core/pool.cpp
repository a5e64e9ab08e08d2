#include "pool.hpp"

#include <cstdio>

#include "retort/core/error.hpp"

namespace retort {
namespace {

PoolKind resolve_kind(const detail::EngineState& state) {
  if (state.options.poolclass != PoolKind::automatic) return state.options.poolclass;
  return state.driver.single_connection(state.url) ? PoolKind::static_ : PoolKind::queue;
}

}  // namespace

Pool::Pool(std::shared_ptr<detail::EngineState> state)
    : state_(std::move(state)), kind_(resolve_kind(*state_)) {}

Pool::~Pool() {
  dispose();
}

std::unique_ptr<detail::PooledConnection> Pool::make_record() {
  return std::make_unique<detail::PooledConnection>(state_, this);
}

bool Pool::stale(const detail::PooledConnection& rec) const {
  if (rec.invalidated() || !rec.is_open()) return true;
  if (rec.created() < invalidated_before_) return true;
  const auto& recycle = state_->options.pool_recycle;
  return recycle && std::chrono::steady_clock::now() - rec.created() > *recycle;
}

void Pool::validate(detail::PooledConnection& rec) {
  bool replace;
  {
    std::lock_guard lock(mutex_);
    replace = stale(rec);
  }
  if (!replace && state_->options.pool_pre_ping && !rec.driver().ping()) replace = true;
  if (replace) rec.connect();
}

detail::PooledConnection* Pool::checkout() {
  detail::PooledConnection* rec = kind_ == PoolKind::static_ ? checkout_static() : checkout_queue();
  if (state_->options.echo_pool) log_status("checked out");
  return rec;
}

void Pool::log_status(const char* event) const noexcept {
  try {
    const PoolStatus s = status();
    state_->log("pool: connection " + std::string(event) + " (" + std::to_string(s.checked_out) +
                " checked out, " + std::to_string(s.idle) + " idle, " + std::to_string(s.overflow) +
                " overflow)");
  } catch (...) {
    // A logger that fails must not fail the pool.
  }
}

detail::PooledConnection* Pool::checkout_queue() {
  const auto& opts = state_->options;
  const auto deadline = std::chrono::steady_clock::now() + opts.pool_timeout;
  const int limit = opts.max_overflow < 0 ? -1 : opts.pool_size + opts.max_overflow;

  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<detail::PooledConnection> rec;
      if (opts.pool_use_lifo) {
        rec = std::move(idle_.back());
        idle_.pop_back();
      } else {
        rec = std::move(idle_.front());
        idle_.pop_front();
      }
      ++checked_out_;
      lock.unlock();
      try {
        validate(*rec);
      } catch (...) {
        rec.reset();
        lock.lock();
        --checked_out_;
        --open_;
        available_.notify_one();
        throw;
      }
      rec->pool_hold = shared_from_this();
      return rec.release();
    }
    if (kind_ == PoolKind::null || limit < 0 || open_ < limit) {
      ++open_;
      ++checked_out_;
      lock.unlock();
      auto rec = make_record();
      try {
        rec->connect();
      } catch (...) {
        lock.lock();
        --open_;
        --checked_out_;
        available_.notify_one();
        throw;
      }
      rec->pool_hold = shared_from_this();
      return rec.release();
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        (limit >= 0 && open_ >= limit)) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2f", opts.pool_timeout.count() / 1000.0);
      throw TimeoutError("QueuePool limit of size " + std::to_string(opts.pool_size) +
                         " overflow " + std::to_string(opts.max_overflow) +
                         " reached, connection timed out, timeout " + seconds + "s (" +
                         std::to_string(checked_out_) + " connections checked out)");
    }
  }
}

detail::PooledConnection* Pool::checkout_static() {
  std::unique_lock lock(mutex_);
  // One connection must not run on two threads at once: a connection opened without
  // SQLite's own mutex would corrupt itself.
  const auto me = std::this_thread::get_id();
  const auto deadline = std::chrono::steady_clock::now() + state_->options.pool_timeout;
  while (shared_owner_ != std::thread::id() && shared_owner_ != me) {
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout &&
        shared_owner_ != std::thread::id() && shared_owner_ != me) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.2f", state_->options.pool_timeout.count() / 1000.0);
      throw TimeoutError(
          std::string("the in-memory database's one connection stayed in use by another thread "
                      "for the pool timeout of ") +
          seconds + "s");
    }
  }
  shared_owner_ = me;
  if (!shared_) shared_ = make_record();
  if (shared_->refs.load() == 0 && stale(*shared_)) {
    if (shared_->is_open() && !shared_->invalidated()) {
      // Recycling a memory database would lose it; only a broken one is replaced.
    } else {
      shared_->connect();
      if (open_ == 0) open_ = 1;
    }
  }
  try {
    if (!shared_->is_open()) {
      shared_->connect();
      open_ = 1;
    }
  } catch (...) {
    shared_owner_ = std::thread::id();
    available_.notify_one();
    throw;
  }
  shared_->pool_hold = shared_from_this();
  return shared_.get();
}

void Pool::checkin(detail::PooledConnection* raw) noexcept {
  // The pool may be held only by this connection; keep it alive until we are done.
  std::shared_ptr<Pool> hold = std::move(raw->pool_hold);
  raw->reset();
  if (kind_ == PoolKind::static_) {
    {
      std::lock_guard lock(mutex_);
      if (raw->invalidated()) {
        raw->close();
        open_ = 0;
      }
      shared_owner_ = std::thread::id();
    }
    available_.notify_one();
    if (state_->options.echo_pool) log_status("returned");
    return;
  }
  std::unique_ptr<detail::PooledConnection> rec(raw);
  std::unique_lock lock(mutex_);
  --checked_out_;
  const bool keep = kind_ == PoolKind::queue && !stale(*rec) &&
                    static_cast<int>(idle_.size()) < state_->options.pool_size;
  if (keep) {
    idle_.push_back(std::move(rec));
  } else {
    --open_;
  }
  lock.unlock();
  available_.notify_one();
  rec.reset();  // closes a connection that was not kept, outside the lock
  if (state_->options.echo_pool) log_status(keep ? "returned" : "returned and closed");
}

void Pool::invalidate_older_connections() noexcept {
  std::lock_guard lock(mutex_);
  invalidated_before_ = std::chrono::steady_clock::now();
}

void Pool::dispose() noexcept {
  std::deque<std::unique_ptr<detail::PooledConnection>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
    open_ -= static_cast<int>(closing.size());
    invalidated_before_ = std::chrono::steady_clock::now();
    if (shared_ && shared_->refs.load() == 0) {
      shared_->close();
      open_ = 0;
    }
  }
  available_.notify_all();
}

PoolStatus Pool::status() const {
  std::lock_guard lock(mutex_);
  PoolStatus s;
  s.size = state_->options.pool_size;
  if (kind_ == PoolKind::static_) {
    const bool in_use = shared_owner_ != std::thread::id();
    s.size = 1;
    s.checked_out = in_use ? 1 : 0;
    s.idle = open_ > 0 && !in_use ? 1 : 0;
    return s;
  }
  s.checked_out = checked_out_;
  s.idle = static_cast<int>(idle_.size());
  s.overflow = kind_ == PoolKind::queue ? std::max(0, open_ - state_->options.pool_size) : 0;
  return s;
}

}  // namespace retort
