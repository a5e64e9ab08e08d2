// The SQLite driver: the sqlite3 C API behind the driver interface.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "retort/core/driver.hpp"

namespace retort::sqlite {

// Raises the rt::DatabaseError subclass matching the connection's last error.
[[noreturn]] void raise_error(sqlite3* db, int rc, std::string_view statement);

class Connection;

class Statement final : public driver::Statement {
 public:
  Statement(Connection* conn, sqlite3* db, sqlite3_stmt* stmt, std::string sql);
  ~Statement() override;

  int parameter_count() const override;
  void bind_null(int index) override;
  void bind_bool(int index, bool value) override;
  void bind_int64(int index, std::int64_t value) override;
  void bind_double(int index, double value) override;
  void bind_text(int index, std::string_view value) override;
  void bind_text_ref(int index, std::string_view value) override;
  void bind_blob(int index, std::span<const std::uint8_t> value) override;
  void bind_blob_ref(int index, std::span<const std::uint8_t> value) override;
  void bind_date(int index, std::chrono::year_month_day value) override;
  void bind_timestamp(int index, Timestamp value) override;
  void bind_time(int index, TimeOfDay value) override;
  void bind_decimal(int index, std::string_view text) override;
  void bind_json(int index, std::string_view text) override;
  void bind_uuid(int index, const Uuid& value) override;

  void execute(bool stream) override;
  bool next() override;
  bool execute_first() override;
  std::int64_t rows_affected() const override { return changes_; }
  void reset() override;

  int column_count() const override;
  std::string_view column_name(int index) const override;
  bool is_null(int index) override;
  bool get_bool(int index) override;
  std::int64_t get_int64(int index) override;
  double get_double(int index) override;
  std::string_view get_text(int index) override;
  std::span<const std::uint8_t> get_blob(int index) override;
  Value get_value(int index) override;
  std::size_t read_members(std::span<const driver::Member> members, int first,
                           void* object) override;
  bool read_member_rows(std::span<const driver::Member> members, int first,
                        void* (*next_object)(void* out), void* out, void*& object,
                        std::size_t& at) override;

 private:
  // execute() and execute_first() after the reset: true when the statement gave a row.
  bool step_from_start();
  // What the declared column type says a stored value means.
  enum class Declared : std::uint8_t {
    plain,
    boolean,
    date,
    timestamp,
    time,
    time_utc,  // TIME WITH TIME ZONE: an offset in the text converts to UTC
    decimal,
    json,
    uuid
  };

  void rebind();
  void check_bind(int rc, int index);
  [[noreturn]] void type_mismatch(int index, const char* wanted);
  Declared declared(int index);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  Connection* conn_;
  bool writes_;  // not sqlite3_stmt_readonly: may need the write lock
  std::string sql_;
  bool pending_row_ = false;  // execute() stepped onto the first row already
  bool done_ = true;
  bool reset_ = true;  // sqlite3_reset since the last step: resetting again is a no-op
  std::int64_t changes_ = 0;
  std::vector<Declared> declared_;
};

class Connection final : public driver::Connection {
 public:
  Connection(const URL& url, const driver::ConnectOptions& options);
  ~Connection() override;

  std::unique_ptr<driver::Statement> prepare(std::string_view sql, int parameter_count) override;
  void execute_script(std::string_view sql) override;
  void begin() override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const override;
  void close() override;
  bool ping() override;
  std::string placeholder(int n, bool in_order) const override;
  std::optional<std::int64_t> last_insert_id() const override {
    return sqlite3_last_insert_rowid(db_);
  }

  sqlite3* handle() const { return db_; }

  // Before a statement that writes: a transaction of begin() that has only read so far
  // holds a read snapshot, and SQLite cannot upgrade a snapshot another connection has
  // written past (SQLITE_BUSY at once, whatever the busy timeout). Such a transaction
  // starts again as BEGIN IMMEDIATE, which waits for the write lock up to the timeout.
  void before_write(sqlite3_stmt* writer);

 private:
  sqlite3* db_ = nullptr;
  bool immediate_ = false;  // ?begin=immediate: every transaction takes the write lock
  bool began_ = false;      // in a transaction of begin()
  int savepoints_ = 0;      // open inside it (a restart would lose them)
};

driver::Driver& driver();
// sqlite:// or sqlite:///:memory:
bool is_memory(const URL& url);

}  // namespace retort::sqlite
