// Listening to the statements an engine sends.
//
//   rt::StatementCounter counter(engine);
//   session.get<User>(1);
//   EXPECT_EQ(counter.count(), 1);
//
// Listeners run on the thread that executes the statement, before it is sent. They see
// the SQL text but never the bound values.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace retort {

class Engine;

struct ExecuteEvent {
  std::string_view sql;
  // BEGIN, COMMIT, ROLLBACK and savepoint statements.
  bool transaction_control = false;
};

using ExecuteListener = std::function<void(const ExecuteEvent&)>;
using ListenerId = std::uint64_t;

// Counts (and remembers) the statements an engine executes while it is alive, leaving
// out transaction control unless asked.
class StatementCounter {
 public:
  explicit StatementCounter(Engine& engine, bool include_transaction_control = false);
  ~StatementCounter();
  StatementCounter(const StatementCounter&) = delete;
  StatementCounter& operator=(const StatementCounter&) = delete;

  std::size_t count() const;
  std::vector<std::string> statements() const;
  void clear();

 private:
  Engine& engine_;
  ListenerId id_;
  mutable std::mutex mutex_;
  std::vector<std::string> statements_;
};

}  // namespace retort
