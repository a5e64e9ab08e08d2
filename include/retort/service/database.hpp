// rt::Database: one object that owns the engine, the models and the sessions, as
// sqlservice's SQLClient.
//
//   rt::Database db({{"SQL_DATABASE_URI", "sqlite:///app.db"}, {"SQL_POOL_SIZE", 5}});
//   db.add<User, UserRole>().create_all();
//   auto users = db.model<User>();                 // save, get, find, destroy, ...
//   auto jenny = users.save({{"name", "Jenny"}, {"phone", "555-867-5309"}});
//   db.transaction([&] {                           // nestable; only the outermost commits
//     users.save(User{.name = "Ann"});
//   });
//
// Each thread works through its own session (db.session(), created on first use, as a
// scoped session); call db.remove() when a thread's unit of work (a request) ends.
// new_session() hands out a session the caller owns. A Database is thread-safe; the
// sessions it hands out are used by one thread at a time.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "retort/orm.hpp"  // all of it: add<T>() instantiates what inheritance.hpp defines
#include "retort/schema/metadata.hpp"
#include "retort/service/config.hpp"
#include "retort/service/transaction.hpp"

namespace retort {

template <class T>
class ModelService;

class Database {
 public:
  explicit Database(std::string_view url, EngineOptions engine = {}, SessionOptions session = {});
  explicit Database(const DatabaseConfig& config);
  explicit Database(DatabaseSettings settings);
  // Closes every session and the pool's connections.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Engine& engine() { return engine_; }
  Registry& registry() { return *registry_; }
  MetaData& metadata() { return registry_->metadata(); }
  const SessionOptions& session_options() const { return session_options_; }

  // Registers declarative models (needed before create_all() for models not used yet).
  template <class... T>
  Database& add() {
    registry_->add<T...>();
    return *this;
  }

  // This thread's session, made on first use.
  Session& session();
  // Closes this thread's session (rolling back what it did not commit) and forgets it.
  void remove();
  // A session of the caller's own, with the database's options.
  Session new_session() const;

  // Sessions made from now on work inside this connection's transaction (its savepoints),
  // so that the connection's owner can roll back all they commit: for test fixtures.
  // Closes the current sessions first. A closed connection unbinds.
  void bind(Connection connection);

  template <class T>
  ModelService<T> model() {
    return ModelService<T>(*this);
  }

  // A transaction scope on this thread's session (see transaction.hpp).
  TransactionScope transaction(TransactionOptions options = {});
  // Runs fn in a transaction scope: committed when fn returns (if outermost), rolled back
  // if it throws.
  template <class F>
  decltype(auto) transaction(F&& fn, TransactionOptions options = {}) {
    TransactionScope scope = transaction(options);
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      fn();
      scope.commit();
    } else {
      decltype(auto) result = fn();
      scope.commit();
      return result;
    }
  }

  // This thread's session's unit of work.
  void commit() { session().commit(); }
  void rollback() { session().rollback(); }
  void flush() { session().flush(); }
  // A Core statement in this thread's session's transaction.
  template <class S>
  Result execute(const S& statement, const Params& params = {}) {
    return session().execute(statement, params);
  }

  // CREATE / DROP the models' tables (those that exist, or do not, are skipped).
  void create_all();
  void drop_all();
  // The live database's tables, read back.
  MetaData reflect();
  // One round trip on a connection from the pool. A connection that fails is replaced
  // and the round trip tried once more; false when that fails too.
  bool ping();
  // Closes every thread's session and the pool's idle connections.
  void close();

 private:
  friend class TransactionScope;
  // A thread's session and the depth of its transaction scopes.
  struct Scoped {
    std::unique_ptr<Session> session;
    TransactionScope::State scopes;
  };
  Scoped& scoped();
  void close_sessions();

  Engine engine_;
  SessionOptions session_options_;
  Registry* registry_;
  std::mutex mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Scoped>> sessions_;
};

}  // namespace retort

#include "retort/service/model_service.hpp"
