#include "pooled_connection.hpp"

#include "pool.hpp"

namespace retort::detail {

PreparedEntry* StatementCache::find(std::string_view sql) {
  auto it = map_.find(sql);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->get();
}

PreparedEntry* StatementCache::insert(std::unique_ptr<PreparedEntry> entry) {
  PreparedEntry* raw = entry.get();
  lru_.push_front(std::move(entry));
  map_[raw->sql] = lru_.begin();
  // Evict from the cold end, skipping statements still in use.
  auto it = lru_.end();
  while (map_.size() > capacity_ && it != lru_.begin()) {
    --it;
    if ((*it)->users == 0 && it->get() != raw) {
      map_.erase((*it)->sql);
      it = lru_.erase(it);
    }
  }
  return raw;
}

void StatementCache::clear() {
  map_.clear();
  lru_.clear();
}

PooledConnection::PooledConnection(std::shared_ptr<const EngineState> state, Pool* owner)
    : pool(owner),
      state_(std::move(state)),
      cache_(static_cast<std::size_t>(state_->options.statement_cache_size)) {}

PooledConnection::~PooledConnection() {
  close();
}

driver::Connection& PooledConnection::driver() {
  check_usable();
  return *conn_;
}

void PooledConnection::connect() {
  close();
  conn_ = state_->connect();
  created_ = std::chrono::steady_clock::now();
  invalidated_ = false;
}

void PooledConnection::close() noexcept {
  if (conn_) {
    try {
      conn_->close();
    } catch (...) {
    }
  }
  // Statements go after the connection so PostgreSQL does not deallocate them one by one.
  cache_.clear();
  conn_.reset();
  transactions_.clear();
}

void PooledConnection::check_usable() const {
  if (invalidated_ || !conn_) {
    throw OperationalError(
        "this connection was invalidated after an error; check out a new one from the engine");
  }
}

void PooledConnection::on_disconnect() noexcept {
  invalidated_ = true;
  pool->invalidate_older_connections();
}

PreparedRef PooledConnection::acquire(std::string_view sql) {
  check_usable();
  PreparedEntry* found = cache_.find(sql);
  if (found && found->users == 0) return PreparedRef(found);

  auto entry = std::make_unique<PreparedEntry>();
  entry->owner = this;
  entry->sql.assign(sql);
  entry->native = to_native(sql, *conn_);
  entry->stmt =
      guarded([&] { return conn_->prepare(entry->native.sql, entry->native.parameter_count); });
  if (state_->options.echo && state_->options.echo_parameters) {
    entry->stmt->record_parameters(true);
  }
  if (found || state_->options.statement_cache_size == 0) {
    entry->cached = false;
    return PreparedRef(entry.release());
  }
  return PreparedRef(cache_.insert(std::move(entry)));
}

void PooledConnection::send(PreparedEntry& entry) {
  check_usable();
  state_->before_execute(entry.sql, entry.stmt.get(), false);
  ++entry.executions;
  try {
    guarded([&] {
      if (!entry.stmt->send()) sent_.push_back(entry.stmt->rows_affected());
    });
  } catch (...) {
    sent_.clear();  // the caller learns of the failure here, not from sync()
    throw;
  }
  entry.stmt->reset();
}

std::vector<std::int64_t> PooledConnection::sync() {
  check_usable();
  auto counts = guarded([&] { return conn_->sync(); });
  if (counts.empty()) counts.swap(sent_);
  sent_.clear();
  return counts;
}

void PooledConnection::execute_script(std::string_view sql) {
  check_usable();
  state_->before_execute(sql, nullptr, false);
  guarded([&] { conn_->execute_script(sql); });
}

std::optional<std::int64_t> PooledConnection::write_rows(
    const std::string& schema, const std::string& table, const std::vector<std::string>& columns,
    const std::function<void(driver::RowWriter&)>& fill) {
  check_usable();
  return guarded([&]() -> std::optional<std::int64_t> {
    auto writer = conn_->write_rows(schema, table, columns);
    if (!writer) return std::nullopt;
    state_->before_execute(writer->sql(), nullptr, false);
    fill(*writer);
    return writer->finish();
  });
}

void PooledConnection::control(const char* sql, void (driver::Connection::*op)()) {
  state_->before_execute(sql, nullptr, true);
  guarded([&] { ((*conn_).*op)(); });
}

void PooledConnection::savepoint_command(const std::string& sql) {
  state_->before_execute(sql, nullptr, true);
  guarded([&] { conn_->execute_script(sql); });
}

std::uint64_t PooledConnection::begin(bool nested) {
  check_usable();
  const std::uint64_t id = ++next_transaction_;
  if (!nested) {
    if (!transactions_.empty()) {
      throw ArgumentError(
          "a transaction is already open on this connection; use begin_nested() for a "
          "savepoint");
    }
    if (!state_->autocommit) control("BEGIN", &driver::Connection::begin);
  } else {
    if (transactions_.empty()) {
      throw ArgumentError("begin_nested() needs an open transaction; call begin() first");
    }
    if (!state_->autocommit) savepoint_command("SAVEPOINT rt_sp_" + std::to_string(id));
  }
  transactions_.push_back(id);
  return id;
}

void PooledConnection::end_transaction(std::uint64_t id, std::size_t level, bool commit) {
  if (!transaction_active(id, level)) {
    if (commit) throw ArgumentError("this transaction is no longer active");
    return;
  }
  // The transaction and its savepoints end whatever happens below.
  transactions_.resize(level);
  sent_.clear();
  if (state_->autocommit) return;
  check_usable();
  if (level == 0) {
    if (commit) {
      control("COMMIT", &driver::Connection::commit);
    } else {
      control("ROLLBACK", &driver::Connection::rollback);
    }
    return;
  }
  const std::string name = "rt_sp_" + std::to_string(id);
  if (commit) {
    savepoint_command("RELEASE SAVEPOINT " + name);
  } else {
    savepoint_command("ROLLBACK TO SAVEPOINT " + name);
    savepoint_command("RELEASE SAVEPOINT " + name);
  }
}

void PooledConnection::reset() noexcept {
  transactions_.clear();
  sent_.clear();
  if (!conn_ || invalidated_) return;
  try {
    if (conn_->in_transaction()) control("ROLLBACK", &driver::Connection::rollback);
  } catch (...) {
    invalidated_ = true;
  }
}

void bind_params(detail::PreparedEntry& entry, const Params& params) {
  driver::Statement& stmt = *entry.stmt;
  const auto& native = entry.native;
  if (!native.names.empty()) {
    if (!params.is_named() && !params.empty()) {
      throw ArgumentError("the statement takes named parameters (:" + native.names.front() +
                          ", ...) but positional values were given [SQL: " + entry.sql + "]");
    }
    for (std::size_t i = 0; i < native.names.size(); ++i) {
      const Value* v = params.find(native.names[i]);
      if (!v) {
        throw ArgumentError("no value for bound parameter ':" + native.names[i] +
                            "' [SQL: " + entry.sql + "]");
      }
      stmt.bind(static_cast<int>(i), *v);
    }
    return;
  }
  if (params.is_named()) {
    throw ArgumentError(
        "named values were given but the statement takes positional '?' "
        "parameters [SQL: " +
        entry.sql + "]");
  }
  if (static_cast<int>(params.size()) != native.parameter_count) {
    throw ArgumentError("the statement takes " + std::to_string(native.parameter_count) +
                        " parameters but " + std::to_string(params.size()) +
                        " were given [SQL: " + entry.sql + "]");
  }
  for (std::size_t i = 0; i < params.size(); ++i)
    stmt.bind(static_cast<int>(i), params[i]);
}

void retain(PooledConnection* rec) noexcept {
  rec->refs.fetch_add(1, std::memory_order_relaxed);
}

void release(PooledConnection* rec) noexcept {
  if (rec->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) rec->pool->checkin(rec);
}

void retain(PreparedEntry* entry) noexcept {
  ++entry->users;
}

void release(PreparedEntry* entry) noexcept {
  if (--entry->users == 0 && !entry->cached) delete entry;
}

}  // namespace retort::detail
