#include "engine_state.hpp"

#include <cstdio>

#include "retort/core/error.hpp"

namespace retort::detail {

EngineState::EngineState(URL url_in, EngineOptions options_in)
    : url(std::move(url_in)),
      options(std::move(options_in)),
      driver(driver::find_driver(url)),
      autocommit(options.isolation_level == "AUTOCOMMIT") {
  if (options.pool_size < 0) throw ArgumentError("pool_size must not be negative");
  if (options.pool_timeout.count() < 0) throw ArgumentError("pool_timeout must not be negative");
  if (options.statement_cache_size < 0) {
    throw ArgumentError("statement_cache_size must not be negative");
  }
}

std::unique_ptr<driver::Connection> EngineState::connect() const {
  driver::ConnectOptions connect_options;
  if (!autocommit) connect_options.isolation_level = options.isolation_level;
  auto conn = driver.connect(url, connect_options);
  if (options.on_connect) options.on_connect(*conn);
  return conn;
}

void EngineState::log(std::string_view line) const {
  if (options.logger) {
    options.logger(line);
  } else {
    std::fprintf(stderr, "[retort] %.*s\n", static_cast<int>(line.size()), line.data());
  }
}

void EngineState::echo(std::string_view sql, const driver::Statement* stmt) const {
  log(sql);
  if (stmt && stmt->parameter_count() > 0) {
    log(options.echo_parameters ? "[parameters: " + stmt->describe_parameters() + "]"
                                : std::string("[parameters hidden]"));
  }
}

void EngineState::notify(std::string_view sql, bool transaction_control) const {
  std::shared_ptr<const Listeners> current;
  {
    std::lock_guard lock(mutex_);
    current = listeners_;
  }
  const ExecuteEvent event{sql, transaction_control};
  for (const auto& [id, listener] : *current)
    listener(event);
}

ListenerId EngineState::add_listener(ExecuteListener listener) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<Listeners>(*listeners_);
  const ListenerId id = ++next_id_;
  next->emplace_back(id, std::move(listener));
  listeners_ = std::move(next);
  has_listeners_.store(true, std::memory_order_release);
  return id;
}

void EngineState::remove_listener(ListenerId id) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<Listeners>(*listeners_);
  std::erase_if(*next, [id](const auto& entry) { return entry.first == id; });
  has_listeners_.store(!next->empty(), std::memory_order_release);
  listeners_ = std::move(next);
}

}  // namespace retort::detail
