// The PostgreSQL driver: libpq's extended protocol behind the driver interface.
//
// Statements are prepared once per connection under a generated name and executed with
// PQexecPrepared; parameters travel separately from the SQL text (never interpolated),
// as text except bytea, which goes in binary. Results come back as text and are decoded
// by column type.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "retort/core/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::postgresql {

// Type OIDs from pg_type.h (stable across server versions).
enum Oid : unsigned {
  kBool = 16,
  kBytea = 17,
  kChar = 18,
  kName = 19,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kOid = 26,
  kJson = 114,
  kFloat4 = 700,
  kFloat8 = 701,
  kBpchar = 1042,
  kVarchar = 1043,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestamptz = 1184,
  kTimetz = 1266,
  kNumeric = 1700,
  kUuid = 2950,
  kJsonb = 3802,
};

// The libpq connection shared by a Connection and its statements, so that statements
// destroyed after the connection closed do not touch it.
struct Session {
  PGconn* conn = nullptr;
  // The statement whose streamed result is still being read; the connection cannot run
  // anything else until it is finished.
  const void* streaming = nullptr;
  // begin() was called and nothing has run since: BEGIN goes out with the next statement,
  // in the same round trip (a transaction that runs nothing costs none).
  bool begin_pending = false;
  // Statements sent in pipeline mode (Statement::send) whose results are not read yet:
  // their SQL, for the error of one that fails, and whether its count is wanted (not for
  // BEGIN or a statement's preparation).
  struct Sent {
    std::string sql;
    bool counted;
    std::string prepared = {};  // the name a preparation gives its statement
  };
  std::vector<Sent> sent;
  // Rows changed by sent statements already waited for, until Connection::sync().
  std::vector<std::int64_t> counts;
  // The error of a sent statement, met while waiting where it could not be raised (a
  // statement's destructor): raised by whatever runs next, unless a rollback comes first.
  std::exception_ptr failure;
  // A ROLLBACK sent without waiting (Connection::rollback), its answer not read yet.
  bool rollback_unread = false;
  // Prepared statements whose owners went while the connection could not free them (a
  // COPY, a streamed result, a failed transaction): freed at the next prepare with the
  // connection idle, where a DEALLOCATE cannot disturb a transaction.
  std::vector<std::string> unreleased;
  // Statements whose preparation was sent in a pipeline that failed before it: the
  // server never made them. Each is prepared when it next runs.
  std::vector<std::string> unprepared;
};

// Pipeline mode (pipeline.cpp). Sends a prepared statement after those already sent,
// entering pipeline mode with the first (and sending a pending BEGIN ahead of it).
void send_prepared(Session& s, const std::string& name, int n, const char* const* values,
                   const int* lengths, const int* formats, const std::string& sql);
// Sends the preparation of a statement after those already sent.
void send_prepare(Session& s, const std::string& name, const std::string& sql, int n);
// Reads the results of everything sent and leaves pipeline mode. The first error is
// raised, or with raise = false kept in s.failure.
void wait_sent(Session& s, bool raise);
// Reads the answer to a ROLLBACK sent without waiting; its error (the connection broke)
// is raised, or with raise = false kept in s.failure.
void read_rollback(Session& s, bool raise);
// Reads every answer not read yet, as wait_sent does.
inline void catch_up(Session& s, bool raise) {
  if (s.rollback_unread) read_rollback(s, raise);
  if (!s.sent.empty()) wait_sent(s, raise);
}
// Before the connection runs anything else: waits for what was sent and raises an error
// it left.
inline void settle(Session& s) {
  catch_up(s, true);
  if (s.failure) std::rethrow_exception(std::exchange(s.failure, nullptr));
}

// libpq's messages end in a newline and may go on in indented lines: one line reads
// better in logs and errors.
std::string one_line(const char* text);

// Raises the rt::DatabaseError subclass for a failed result (or, with res == nullptr, for
// the connection's error state). Consumes res.
[[noreturn]] void raise_error(PGconn* conn, PGresult* res, std::string_view statement);

class Statement final : public driver::Statement {
 public:
  Statement(std::shared_ptr<Session> session, std::string name, std::string sql,
            int parameter_count);
  ~Statement() override;

  int parameter_count() const override { return static_cast<int>(params_.size()); }
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
  // Arrays travel as text literals ({"a","b",NULL}) that the statement casts to its
  // element type.
  void begin_array(int index) override;
  void end_array() override;

  void execute(bool stream) override;
  bool send() override;
  bool next() override;
  std::int64_t rows_affected() const override { return changes_; }
  void reset() override;
  std::size_t rows_ahead() const override;

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
  struct Param {
    std::string buffer;
    const char* data = nullptr;  // nullptr binds NULL
    int length = 0;
    int format = 0;  // 0 text, 1 binary
  };

  Param& param(int index);
  void set_text(int index, std::string_view text, bool copy);
  // The next element of the array being bound; nullptr for NULL.
  void add_element(const std::string_view* text);
  // Takes res as the result that describes the columns.
  void describe(PGresult* res);
  // The current row's value in a column, and whether it is NULL.
  struct Cell {
    std::string_view text;
    bool null;
  };
  Cell cell(int index) const;
  void check_row(int index);
  [[noreturn]] void type_mismatch(int index, const char* wanted);
  void clear_results();
  // Takes the next streamed result; false when the stream has ended. Throws StalePlan
  // when the first result says the prepared plan went stale.
  bool fetch_streamed();
  struct StalePlan {};
  PGresult* run_buffered();
  // BEGIN and the statement in one pipeline: the statement's result.
  PGresult* run_after_begin();
  // A stale plan: run again once when that is safe, else raise (see execute()).
  PGresult* after_stale_plan(PGresult* res);
  OperationalError stale_plan_error() const;
  void prepare_again();
  // Prepares the statement if its pipelined preparation never ran (Session::unprepared).
  void prepare_if_lost();

  std::shared_ptr<Session> session_;
  std::string name_;
  std::string sql_;
  std::vector<Param> params_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  int array_ = -1;  // the parameter begin_array() is filling, with its literal so far
  std::string elements_;
  std::size_t element_count_ = 0;

  PGresult* meta_ = nullptr;     // the result that describes the columns
  std::vector<unsigned> types_;  // meta_'s column types, asked of libpq once per result
  PGresult* result_ = nullptr;   // the result holding the current row
  int row_ = -1;
  int rows_ = 0;
  bool streaming_ = false;
  bool pending_row_ = false;
  bool stale_ = false;        // to be prepared again before it runs next
  bool cancellable_ = false;  // the stream runs outside a transaction
  std::int64_t changes_ = 0;
  std::vector<std::uint8_t> blob_;  // decoded bytea of the last get_blob
};

// COPY ... FROM STDIN: rows go to the server in 64 KiB chunks, without a round trip per
// statement. Binary where the driver knows every column's type (read from the table when
// the writer starts), else text; either way each value is encoded for the column's own
// type, so nothing reaches the table converted on the way.
class RowWriter final : public driver::RowWriter {
 public:
  // The COPY is under way on the session; `types` are the columns' type OIDs.
  RowWriter(std::shared_ptr<Session> session, std::string sql, std::vector<std::string> columns,
            std::vector<unsigned> types, bool binary);
  ~RowWriter() override;

  // Whether a COPY of columns of these types can go in binary.
  static bool binary_types(const std::vector<unsigned>& types);

  int parameter_count() const override { return static_cast<int>(types_.size()); }
  void bind_null(int index) override;
  void bind_bool(int index, bool value) override;
  void bind_int64(int index, std::int64_t value) override;
  void bind_double(int index, double value) override;
  void bind_text(int index, std::string_view value) override;
  void bind_blob(int index, std::span<const std::uint8_t> value) override;
  void bind_date(int index, std::chrono::year_month_day value) override;
  void bind_timestamp(int index, Timestamp value) override;
  void bind_time(int index, TimeOfDay value) override;
  void bind_decimal(int index, std::string_view text) override;
  void bind_json(int index, std::string_view text) override;
  void bind_uuid(int index, const Uuid& value) override;
  void end_row() override;
  std::int64_t finish() override;
  std::string_view sql() const override { return sql_; }

 private:
  // The column `index` is next: its type OID.
  unsigned column(int index);
  [[noreturn]] void cannot_write(int index, const char* what);
  // A binary field of n bytes follows; its length goes first.
  void field_length(std::size_t n, int index);
  void binary_text(int index, std::string_view text);
  void double_field(int index, double value);
  // A text-format field: escaped where COPY's text format would read a byte otherwise.
  void text_field(int index, std::string_view text);
  void send_chunk();
  void abandon();

  std::shared_ptr<Session> session_;
  std::string sql_;
  std::vector<std::string> columns_;
  std::vector<unsigned> types_;
  bool binary_;
  bool done_ = false;
  int next_ = 0;  // the column the next bind gives
  std::int64_t rows_ = 0;
  std::string buffer_;
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
  std::vector<std::int64_t> sync() override;
  bool ping() override;
  std::string placeholder(int n, bool in_order) const override;
  // COPY ... FROM STDIN for the table's columns; their types are read from the table
  // first (one SELECT of no rows).
  std::unique_ptr<driver::RowWriter> write_rows(const std::string& schema, const std::string& table,
                                                const std::vector<std::string>& columns) override;

 private:
  void exec_simple(const char* sql);

  std::shared_ptr<Session> session_;
  std::uint64_t next_statement_ = 0;
};

driver::Driver& driver();

}  // namespace retort::postgresql
