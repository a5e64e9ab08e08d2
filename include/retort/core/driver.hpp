// The interface a database backend implements (see src/dialects/<name>/ for SQLite and
// PostgreSQL).
//
// Core and the layers above talk to a database only through these two classes:
// driver::Connection (one session with the server) and driver::Statement (one prepared
// statement and, after execute(), its current result). Binding and reading are typed
// calls with 0-based indexes so that the ORM can move struct members in and out without
// building rt::Value objects.
//
// Drivers report failures as rt::DatabaseError subclasses; an OperationalError whose
// connection_invalidated() is true means the connection is gone for good.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retort/core/datetime.hpp"
#include "retort/core/url.hpp"
#include "retort/core/uuid.hpp"
#include "retort/core/value.hpp"

namespace retort::driver {

// A member of an object that a column of the current row is read straight into: its byte
// offset and its C++ type, one of the common ones. The ORM reads a row with one call
// this way where it would otherwise make two virtual calls per column.
struct Member {
  enum class Kind : std::uint8_t {
    other,  // a type only the member's own codec reads
    int64,  // std::int64_t
    int32,  // std::int32_t
    boolean,
    real,  // double
    text,  // std::string
    optional_int64,
    optional_int32,
    optional_boolean,
    optional_real,
    optional_text,
  };
  Kind kind = Kind::other;
  std::uint32_t offset = 0;
};

// Calls f with the member of kind `kind` at `member`, as a reference to its type
// (std::int64_t&, std::optional<std::string>&, ...), and returns what f returns; false
// for Kind::other. The one switch over the kinds that each driver's read_members() needs.
template <class F>
bool with_member(Member::Kind kind, void* member, F&& f) {
  using Kind = Member::Kind;
  switch (kind) {
    case Kind::int64:
      return f(*static_cast<std::int64_t*>(member));
    case Kind::int32:
      return f(*static_cast<std::int32_t*>(member));
    case Kind::boolean:
      return f(*static_cast<bool*>(member));
    case Kind::real:
      return f(*static_cast<double*>(member));
    case Kind::text:
      return f(*static_cast<std::string*>(member));
    case Kind::optional_int64:
      return f(*static_cast<std::optional<std::int64_t>*>(member));
    case Kind::optional_int32:
      return f(*static_cast<std::optional<std::int32_t>*>(member));
    case Kind::optional_boolean:
      return f(*static_cast<std::optional<bool>*>(member));
    case Kind::optional_real:
      return f(*static_cast<std::optional<double>*>(member));
    case Kind::optional_text:
      return f(*static_cast<std::optional<std::string>*>(member));
    case Kind::other:
      break;
  }
  return false;
}

// Sets a string to text read from a row. assign() would grow the buffer to twice its old
// capacity: for a row read once, a malloc size class more per string than the text needs.
inline void assign_text(std::string& to, std::string_view text) {
  if (text.size() > to.capacity())
    to = std::string(text);
  else
    to.assign(text);
}

class Statement {
 public:
  virtual ~Statement() = default;

  virtual int parameter_count() const = 0;

  // Bound values stay in effect until rebound. bind_text and bind_blob copy the bytes;
  // the *_ref variants only point at them, so the caller keeps them alive until the
  // statement is reset.
  virtual void bind_null(int index) = 0;
  virtual void bind_bool(int index, bool value) = 0;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_text_ref(int index, std::string_view value) { bind_text(index, value); }
  virtual void bind_blob(int index, std::span<const std::uint8_t> value) = 0;
  virtual void bind_blob_ref(int index, std::span<const std::uint8_t> value) {
    bind_blob(index, value);
  }
  virtual void bind_date(int index, std::chrono::year_month_day value) = 0;
  virtual void bind_timestamp(int index, Timestamp value) = 0;
  virtual void bind_time(int index, TimeOfDay value) = 0;
  virtual void bind_decimal(int index, std::string_view text) = 0;
  virtual void bind_json(int index, std::string_view text) = 0;
  virtual void bind_uuid(int index, const Uuid& value) = 0;
  // Dispatches on the value's type.
  void bind(int index, const Value& value);
  // A list of values as one parameter, for drivers whose dialect binds arrays
  // (sql::Dialect::binds_arrays): the bind calls between begin_array(index) and
  // end_array() give the elements of parameter `index` in order (their own index is not
  // used). Others raise rt::ArgumentError.
  virtual void begin_array(int index);
  virtual void end_array();

  // Runs the statement. With stream=true a driver that would otherwise buffer the whole
  // result (PostgreSQL) fetches it row by row instead.
  virtual void execute(bool stream) = 0;
  // Advances to the next row; false when the result is exhausted.
  virtual bool next() = 0;
  // reset(), execute(false) and next() in one call: a statement read for its first row
  // alone (a get() by key) pays for one call rather than three.
  virtual bool execute_first() {
    reset();
    execute(false);
    return next();
  }
  // Rows inserted, updated or deleted by the last execute().
  virtual std::int64_t rows_affected() const = 0;
  // Sends an INSERT, UPDATE or DELETE without RETURNING, with its bound parameters, and
  // returns without waiting for it, where the server can take statement after statement
  // (PostgreSQL's pipeline mode): the rows it changed come from the connection's sync().
  // Other drivers run it at once, return false and give the count in rows_affected().
  // Before anything else runs on the connection, what was sent is waited for.
  virtual bool send() {
    execute(false);
    return false;
  }
  // Ends the current result so the statement can be executed again.
  virtual void reset() = 0;
  // How many rows are still to come when the driver already holds the whole result (a
  // buffered PostgreSQL result), so a caller can make room for them at once; 0 when it
  // does not know (SQLite steps row by row).
  virtual std::size_t rows_ahead() const { return 0; }

  virtual int column_count() const = 0;
  virtual std::string_view column_name(int index) const = 0;

  // Readers of the current row. Each raises rt::DataError when the stored value cannot be
  // read as the requested type; text and blob views stay valid until next() or reset().
  virtual bool is_null(int index) = 0;
  virtual bool get_bool(int index) = 0;
  virtual std::int64_t get_int64(int index) = 0;
  virtual double get_double(int index) = 0;
  virtual std::string_view get_text(int index) = 0;
  virtual std::span<const std::uint8_t> get_blob(int index) = 0;
  // The column as a Value typed by what the database declares (a PostgreSQL date comes
  // back as a date; SQLite uses the declared column type).
  virtual Value get_value(int index) = 0;
  // Reads columns first, first + 1, ... of the current row into the members of object
  // that `members` describe, in order, exactly as the get_* reader of each member's type
  // would. Stops at the first member it does not read that way (a kind it does not take,
  // or a stored value that needs converting or an error raised) and returns how many it
  // read; the caller reads that one itself and may call again for the rest. By default
  // it reads none.
  virtual std::size_t read_members(std::span<const Member> members, int first, void* object);
  // read_members() over the rows to come: steps to each next row and reads it into the
  // object next_object(out) returns, which may look at the row first; a null object skips
  // the row. False at the end of the result; true at a row with a member read_members()
  // did not read, which is then the current row, with `object` its object and `at` that
  // member. One call for a whole result saves the calls through the layers above per row.
  virtual bool read_member_rows(std::span<const Member> members, int first,
                                void* (*next_object)(void* out), void* out, void*& object,
                                std::size_t& at);
  // Whether read_members reads anything: a driver that overrides it says so, so that
  // callers do not ask the others once per column.
  bool reads_members() const { return reads_members_; }

  // While recording is on, binds also keep a printable copy of each value so that echo
  // can show the parameters; off by default because it costs an allocation per bind.
  void record_parameters(bool on) { recording_ = on; }
  // "(1, 'alice', NULL)" from the recorded binds.
  std::string describe_parameters() const;

 protected:
  // The loop of read_member_rows(), for a driver to instantiate with its own final class:
  // next() and read_members() are then direct calls.
  template <class Self>
  static bool member_rows(Self& self, std::span<const Member> members, int first,
                          void* (*next_object)(void* out), void* out, void*& object,
                          std::size_t& at) {
    while (self.next()) {
      object = next_object(out);
      if (!object) continue;
      at = self.read_members(members, first, object);
      if (at < members.size()) return true;
    }
    return false;
  }
  bool recording() const { return recording_; }
  void record(int index, std::string shown);
  bool reads_members_ = false;

 private:
  bool recording_ = false;
  std::vector<std::string> recorded_;
};

// Rows streamed into one table by a database's bulk path (PostgreSQL's COPY ... FROM
// STDIN), faster than INSERT statements when nothing needs to come back. The bind calls
// give the current row's columns, in the order the columns were named, and end_row()
// adds the row; finish() ends the stream and says how many rows the database took.
//
// It is a Statement so that whatever binds a parameter (an ORM attribute, a custom
// codec) writes a column the same way; it has no result, and the readers raise
// rt::ProgrammingError. Until it is finished or destroyed its connection runs nothing
// else; destroying it unfinished abandons the rows, and with them the transaction.
class RowWriter : public Statement {
 public:
  virtual void end_row() = 0;
  virtual std::int64_t finish() = 0;
  // The statement that opened the stream, for echo and listeners.
  virtual std::string_view sql() const = 0;

  void execute(bool stream) final;
  bool send() final;
  bool next() final;
  std::int64_t rows_affected() const final;
  void reset() final;
  int column_count() const final;
  std::string_view column_name(int index) const final;
  bool is_null(int index) final;
  bool get_bool(int index) final;
  std::int64_t get_int64(int index) final;
  double get_double(int index) final;
  std::string_view get_text(int index) final;
  std::span<const std::uint8_t> get_blob(int index) final;
  Value get_value(int index) final;
};

// Session-level settings passed when connecting.
struct ConnectOptions {
  // "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED" or empty for
  // the database's default.
  std::string isolation_level{};
};

class Connection {
 public:
  virtual ~Connection() = default;

  // Prepares sql, written with this driver's native placeholders ("?NNN" for SQLite,
  // "$N" for PostgreSQL), expecting parameter_count parameters.
  virtual std::unique_ptr<Statement> prepare(std::string_view sql, int parameter_count) = 0;
  // Runs parameterless SQL (transaction control, DDL scripts); may hold several
  // statements.
  virtual void execute_script(std::string_view sql) = 0;

  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // True when the server side has a transaction open (cheap, no round trip).
  virtual bool in_transaction() const = 0;

  // Ends the session with the server. Statements prepared on it may still be destroyed
  // afterwards; nothing else may be called.
  virtual void close() = 0;

  // Waits for the statements sent (Statement::send) and returns the rows each changed, in
  // the order they were sent. The first that failed raises its error; those sent after
  // it did not run. Counts of statements waited for on the way (before something else
  // ran) come back too.
  virtual std::vector<std::int64_t> sync() { return {}; }

  // A round trip that proves the connection still works.
  virtual bool ping() = 0;

  // The key the database generated for the last row inserted on this connection (SQLite's
  // rowid); drivers without one return nullopt.
  virtual std::optional<std::int64_t> last_insert_id() const { return std::nullopt; }

  // A writer of rows into `table`'s `columns` (names as the schema gives them,
  // unquoted; `schema` empty for the default), or nullptr where the database has no way
  // in faster than INSERT statements.
  virtual std::unique_ptr<RowWriter> write_rows(const std::string& schema, const std::string& table,
                                                const std::vector<std::string>& columns) {
    (void)schema, (void)table, (void)columns;
    return nullptr;
  }

  // Native placeholder for the n-th (1-based) parameter. `in_order` says the parameters
  // appear once each in order, which lets SQLite use a plain "?" (cheaper to prepare
  // than "?NNN" when there are thousands).
  virtual std::string placeholder(int n, bool in_order) const = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;
  // The backend: "sqlite", "postgresql" (also the name of its SQL dialect).
  virtual std::string_view name() const = 0;
  // Raises OperationalError (server unreachable, login refused, file cannot be opened)
  // or ArgumentError (bad URL option).
  virtual std::unique_ptr<Connection> connect(const URL& url, const ConnectOptions& options) = 0;
  // Whether the URL names a database that lives in one connection (SQLite's memory
  // databases): the engine then shares that connection, one thread at a time.
  virtual bool single_connection(const URL&) const { return false; }
  // The URL opening the same database for reading only, where the URL says how (SQLite's
  // mode=ro); a server's URL is returned as it is.
  virtual URL read_only(const URL& url) const { return url; }
};

// Makes a driver known for a URL backend ("postgresql") and the driver names a URL may
// give after '+' ("libpq"; "" for none). Each database's library registers its own when
// it is linked (src/dialects/<name>/register.cpp).
void register_driver(std::string backend, std::vector<std::string> driver_names, Driver& driver);
// The driver for a URL's backend ("sqlite", "postgresql") and optional driver name
// ("libpq"); rt::ArgumentError lists the known backends when there is none.
Driver& find_driver(const URL& url);

}  // namespace retort::driver
