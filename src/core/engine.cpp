#include "retort/core/engine.hpp"

#include "pool.hpp"

namespace retort {

Engine::Engine(const URL& url, EngineOptions options)
    : pool_(
          std::make_shared<Pool>(std::make_shared<detail::EngineState>(url, std::move(options)))) {}

Connection Engine::connect() const {
  return Connection(detail::Checkout(pool_->checkout()));
}

const URL& Engine::url() const {
  return pool_->state().url;
}
const EngineOptions& Engine::options() const {
  return pool_->state().options;
}
std::string_view Engine::dialect_name() const {
  return pool_->state().driver.name();
}
PoolStatus Engine::pool_status() const {
  return pool_->status();
}
void Engine::dispose() const {
  pool_->dispose();
}

ListenerId Engine::on_execute(ExecuteListener listener) const {
  return pool_->state().add_listener(std::move(listener));
}

void Engine::remove_listener(ListenerId id) const {
  pool_->state().remove_listener(id);
}

Engine create_engine(std::string_view url, EngineOptions options) {
  return Engine(URL::parse(url), std::move(options));
}

Engine create_engine(const URL& url, EngineOptions options) {
  return Engine(url, std::move(options));
}

}  // namespace retort
