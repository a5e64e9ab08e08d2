// rt::TransactionScope: sqlservice's application-side nestable transaction.
//
//   {
//     auto tx = db.transaction();
//     users.save(a);             // save() opens an inner scope: it joins this one
//     {
//       auto inner = db.transaction();
//       users.save(b);
//       inner.commit();          // only marks the inner scope done
//     }
//     tx.commit();               // the outermost scope commits, once
//   }
//
// Scopes on one thread's session nest. Only the outermost one commits the session; an
// inner commit() flushes, so that errors surface where the work was done. A scope that
// ends without commit() (an exception, an early return) rolls the session back, once:
// the scopes around it end without sending a second ROLLBACK, and an outer commit()
// raises rt::ObjectStateError (rolling back what came after) instead of committing.
//
// With {.savepoint = true} the scope is a SAVEPOINT instead: ending it without commit()
// undoes only its own work, and the outer scope carries on.
#pragma once

#include <optional>

#include "retort/orm/session.hpp"

namespace retort {

class Database;

struct TransactionOptions {
  bool savepoint = false;
};

class TransactionScope {
 public:
  TransactionScope(TransactionScope&& other) noexcept;
  TransactionScope& operator=(TransactionScope&&) = delete;
  ~TransactionScope();

  void commit();
  // Ends the scope, rolling back as described above.
  void rollback();
  Session& session() { return *session_; }

  // Per thread: how deep the scopes are and whether an inner one rolled back.
  struct State {
    int depth = 0;
    bool rolled_back = false;
  };

 private:
  friend class Database;
  TransactionScope(Session& session, State& state, TransactionOptions options);
  void end(bool commit);

  Session* session_;
  State* state_;
  std::optional<SessionTransaction> savepoint_;
  bool active_ = true;
};

}  // namespace retort
