#include "retort/service/database.hpp"

#include "retort/core/error.hpp"

namespace retort {

Database::Database(std::string_view url, EngineOptions engine, SessionOptions session)
    : engine_(create_engine(url, std::move(engine))),
      session_options_(std::move(session)),
      registry_(session_options_.registry ? session_options_.registry : &retort::registry()) {}

Database::Database(const DatabaseConfig& config) : Database(parse_config(config)) {}

Database::Database(DatabaseSettings settings)
    : Database(settings.url, std::move(settings.engine), std::move(settings.session)) {}

Database::~Database() {
  try {
    close();
  } catch (...) {
  }
}

Database::Scoped& Database::scoped() {
  std::lock_guard lock(mutex_);
  auto& slot = sessions_[std::this_thread::get_id()];
  if (!slot) {
    slot = std::make_unique<Scoped>();
    slot->session = std::make_unique<Session>(engine_, session_options_);
  }
  return *slot;
}

Session& Database::session() {
  return *scoped().session;
}

void Database::remove() {
  std::unique_ptr<Scoped> gone;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(std::this_thread::get_id());
    if (it == sessions_.end()) return;
    if (it->second->scopes.depth > 0)
      throw ObjectStateError("remove(): a transaction scope of this thread is still open");
    gone = std::move(it->second);
    sessions_.erase(it);
  }
  gone->session->close();  // outside the lock: closing may talk to the database
}

Session Database::new_session() const {
  return Session(engine_, session_options_);
}

void Database::bind(Connection connection) {
  close_sessions();
  std::lock_guard lock(mutex_);
  session_options_.bind = std::move(connection);
}

TransactionScope Database::transaction(TransactionOptions options) {
  Scoped& s = scoped();
  return TransactionScope(*s.session, s.scopes, options);
}

void Database::create_all() {
  if (!session_options_.bind.closed()) {
    metadata().create_all(session_options_.bind);
  } else {
    metadata().create_all(engine_);
  }
}

void Database::drop_all() {
  if (!session_options_.bind.closed()) {
    metadata().drop_all(session_options_.bind);
  } else {
    metadata().drop_all(engine_);
  }
}

MetaData Database::reflect() {
  MetaData out;
  if (!session_options_.bind.closed()) {
    out.reflect(session_options_.bind);
  } else {
    out.reflect(engine_);
  }
  return out;
}

bool Database::ping() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      Connection conn = engine_.connect();
      if (conn.driver().ping()) return true;
      conn.invalidate();
    } catch (const Error&) {
      // A failed connect counts as a failed round trip.
    }
    engine_.dispose();  // the other idle connections are likely dead too
  }
  return false;
}

void Database::close() {
  close_sessions();
  engine_.dispose();
}

void Database::close_sessions() {
  std::unordered_map<std::thread::id, std::unique_ptr<Scoped>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(sessions_);
  }
  for (auto& [thread, s] : all)
    s->session->close();
}

}  // namespace retort
