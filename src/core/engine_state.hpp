// What an engine's pool and connections share: URL, options, driver, listeners (internal).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "retort/core/driver.hpp"
#include "retort/core/engine.hpp"
#include "retort/core/events.hpp"

namespace retort::detail {

class EngineState {
 public:
  EngineState(URL url, EngineOptions options);

  const URL url;
  const EngineOptions options;
  driver::Driver& driver;
  // AUTOCOMMIT isolation: transactions are not sent to the database.
  const bool autocommit;

  std::unique_ptr<driver::Connection> connect() const;

  void log(std::string_view line) const;
  // Echo and listeners, before a statement is sent.
  void before_execute(std::string_view sql, const driver::Statement* stmt,
                      bool transaction_control) const {
    if (options.echo) echo(sql, stmt);
    if (has_listeners_.load(std::memory_order_acquire)) notify(sql, transaction_control);
  }

  ListenerId add_listener(ExecuteListener listener);
  void remove_listener(ListenerId id);

 private:
  void echo(std::string_view sql, const driver::Statement* stmt) const;
  void notify(std::string_view sql, bool transaction_control) const;

  using Listeners = std::vector<std::pair<ListenerId, ExecuteListener>>;
  mutable std::mutex mutex_;
  std::shared_ptr<const Listeners> listeners_ = std::make_shared<Listeners>();
  std::atomic<bool> has_listeners_{false};
  ListenerId next_id_ = 0;
};

}  // namespace retort::detail
