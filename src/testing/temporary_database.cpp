#include "retort/testing/temporary_database.hpp"

#include <cstdlib>
#include <map>
#include <mutex>

#include "retort/core/error.hpp"
#include "retort/core/uuid.hpp"
#include "retort/migrate/commands.hpp"
#include "retort/sql/dialect.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/select.hpp"

namespace retort::testing {
namespace {

void run_on_server(const URL& server, const std::vector<std::string>& statements) {
  if (statements.empty()) return;
  Engine admin = create_engine(server, {.pool_size = 0, .max_overflow = 1});
  Connection conn = admin.connect();
  for (const auto& s : statements)
    conn.execute(s);
}

void remove_files(const std::vector<std::string>& files) {
  for (const auto& f : files) {
    std::error_code ignored;
    std::filesystem::remove(f, ignored);
  }
}

std::mutex shared_mutex;
std::map<std::string, std::unique_ptr<TemporaryDatabase>>& shared_databases() {
  static std::map<std::string, std::unique_ptr<TemporaryDatabase>> databases;
  return databases;
}

}  // namespace

TemporaryDatabase::TemporaryDatabase(const TemporaryDatabaseOptions& options)
    : server_(URL::parse(options.url)), version_table_(options.version_table) {
  std::string name = "retort_test_" + Uuid::random().str();
  std::erase(name, '-');
  const auto scratch = sql::dialect(server_.backend()).scratch_database(server_, name);
  url_ = scratch.url;
  drop_sql_ = scratch.drop_sql;
  files_ = scratch.files;
  run_on_server(server_, scratch.create_sql);
  try {
    db_ = std::make_unique<Database>(url_.render(false), options.engine, options.session);
    if (!options.migrations.empty()) {
      migrate::Config config;
      config.directory = options.migrations;
      config.url = url_.render(false);
      config.version_table = options.version_table;
      migrate::upgrade(config, "head");
    } else {
      const MetaData& tables = options.metadata ? *options.metadata : db_->metadata();
      tables.create_all(db_->engine());
    }
  } catch (...) {
    db_.reset();
    try {
      run_on_server(server_, drop_sql_);
    } catch (...) {
    }
    remove_files(files_);
    throw;
  }
}

TemporaryDatabase::~TemporaryDatabase() {
  db_.reset();
  try {
    run_on_server(server_, drop_sql_);
  } catch (...) {
    // The server is gone: so is the database.
  }
  remove_files(files_);
}

std::vector<std::string> TemporaryDatabase::tables_with_rows() {
  Connection conn = engine().connect();
  MetaData metadata;
  metadata.reflect(conn);
  std::vector<std::string> out;
  for (const Table& t : metadata.sorted_tables()) {
    if (t.name() == version_table_) continue;
    Result r = conn.execute(sql::select(sql::count()).select_from(t));
    r.next();
    if (r.row().get<std::int64_t>(0) > 0) out.push_back(t.name());
  }
  return out;
}

void TemporaryDatabase::delete_rows() {
  engine().transaction([&](Connection& conn) {
    MetaData metadata;
    metadata.reflect(conn);
    auto tables = metadata.sorted_tables();
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      if (it->name() != version_table_) conn.execute(sql::delete_(*it));
    }
  });
}

TemporaryDatabase& TemporaryDatabase::shared(const TemporaryDatabaseOptions& options) {
  const URL server = URL::parse(options.url);
  // One per server: the database named in a server URL is only where to connect.
  const std::string key = server.backend() + "://" + server.username().value_or("") + "@" +
                          server.host().value_or("") + ":" +
                          std::to_string(server.port().value_or(0)) + "|" +
                          options.migrations.string() + "|" + options.version_table;
  std::lock_guard lock(shared_mutex);
  auto& slot = shared_databases()[key];
  if (!slot) {
    slot = std::make_unique<TemporaryDatabase>(options);
    // Dropped at exit by a handler registered after the first connection: exit handlers
    // run in reverse order, so this one runs before the database client libraries' own
    // clean-up (OpenSSL's), which static destructors would come after.
    static const bool registered = std::atexit([] { release_shared(); }) == 0;
    (void)registered;
  }
  return *slot;
}

void TemporaryDatabase::release_shared() {
  std::lock_guard lock(shared_mutex);
  shared_databases().clear();
}

TestScope::TestScope(TemporaryDatabase& database, Isolation isolation)
    : database_(&database), isolation_(isolation) {
  if (isolation_ == Isolation::rollback) {
    connection_ = database.engine().connect();
    transaction_ = connection_.begin();
    database.db().bind(connection_);
  }
}

TestScope::~TestScope() {
  try {
    if (isolation_ == Isolation::rollback) {
      db().bind(Connection());  // closes the test's sessions
      transaction_.rollback();
    } else {
      db().close();
      database_->delete_rows();
    }
  } catch (...) {
    // A test that broke the connection leaves its transaction to the server, which
    // rolls it back.
  }
}

}  // namespace retort::testing
