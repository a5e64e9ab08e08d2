#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "dialects/postgresql/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::postgresql {
namespace {

std::int64_t changes_of(PGresult* res) {
  const char* tuples = PQcmdTuples(res);
  return tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
}

// A PostgreSQL parameter's length is an int.
int length_of(std::size_t size, int index) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw DataError("parameter " + std::to_string(index + 1) + " holds " + std::to_string(size) +
                    " bytes; a PostgreSQL parameter holds at most 2 GiB");
  }
  return static_cast<int>(size);
}

// After ALTER TABLE (a migration) changes what a prepared statement returns, the server
// refuses to run the statement's old plan.
bool stale_plan(const PGresult* res) {
  if (!res) return false;
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  return state && std::strcmp(state, "0A000") == 0 && message &&
         std::strstr(message, "cached plan must not change result type");
}

// Decimal digits after an optional '-', as PostgreSQL prints an integer: where the
// digits end, or nullptr when there are none or the value does not fit.
const char* parse_integer(const char* p, const char* end, std::int64_t& out) {
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  const char* digits = p;
  std::uint64_t v = 0;
  for (; p < end && static_cast<unsigned char>(*p - '0') < 10; ++p) {
    if (__builtin_mul_overflow(v, 10u, &v) ||
        __builtin_add_overflow(v, static_cast<unsigned>(*p - '0'), &v))
      return nullptr;
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (p == digits || v > kMax + negative) return nullptr;
  out = negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
  return p;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Statement::Statement(std::shared_ptr<Session> session, std::string name, std::string sql,
                     int parameter_count)
    : session_(std::move(session)),
      name_(std::move(name)),
      sql_(std::move(sql)),
      params_(parameter_count),
      values_(parameter_count),
      lengths_(parameter_count),
      formats_(parameter_count) {
  reads_members_ = true;
}

Statement::~Statement() {
  clear_results();
  PGconn* conn = session_->conn;
  if (conn) catch_up(*session_, false);
  // Free the server-side statement while the connection lives, now or once it can; a
  // closed connection took it with it.
  if (!conn || PQstatus(conn) != CONNECTION_OK) return;
  auto& lost = session_->unprepared;
  if (auto it = std::find(lost.begin(), lost.end(), name_); it != lost.end()) {
    lost.erase(it);  // never made: nothing to free
    return;
  }
  if (!session_->streaming &&
      (PQtransactionStatus(conn) == PQTRANS_IDLE || PQtransactionStatus(conn) == PQTRANS_INTRANS)) {
    const std::string sql = "DEALLOCATE " + name_;
    PQclear(PQexec(conn, sql.c_str()));
  } else {
    session_->unreleased.push_back(std::move(name_));
  }
}

Statement::Param& Statement::param(int index) {
  if (index < 0 || index >= static_cast<int>(params_.size())) {
    throw ArgumentError("parameter " + std::to_string(index + 1) +
                        " is out of range: the statement has " + std::to_string(params_.size()) +
                        " [SQL: " + sql_ + "]");
  }
  return params_[index];
}

void Statement::set_text(int index, std::string_view text, bool copy) {
  Param& p = param(index);
  // Text travels NUL-terminated and PostgreSQL's text types cannot hold NUL: cutting the
  // value there would store (or look up) another value than the one given.
  if (std::memchr(text.data(), '\0', text.size())) {
    throw DataError("parameter " + std::to_string(index + 1) +
                        " holds a NUL byte, which PostgreSQL text cannot store (use a "
                        "blob column for binary data)",
                    sql_);
  }
  if (array_ >= 0) return add_element(&text);
  p.length = length_of(text.size(), index);
  if (copy) {
    p.buffer.assign(text);
    p.data = p.buffer.data();
  } else {
    p.data = text.data() ? text.data() : "";
  }
  p.format = 0;
  if (recording()) record(index, Value(text).repr());
}

void Statement::bind_null(int index) {
  if (array_ >= 0) return add_element(nullptr);
  Param& p = param(index);
  p.data = nullptr;
  p.length = 0;
  p.format = 0;
  if (recording()) record(index, "NULL");
}

void Statement::bind_bool(int index, bool value) {
  set_text(index, value ? "t" : "f", false);
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void Statement::bind_int64(int index, std::int64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  if (array_ >= 0) {
    const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    return add_element(&text);
  }
  Param& p = param(index);
  p.buffer.assign(buf, r.ptr);
  p.data = p.buffer.data();
  p.length = static_cast<int>(p.buffer.size());
  p.format = 0;
  if (recording()) record(index, p.buffer);
}

void Statement::bind_double(int index, double value) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  set_text(index, std::string_view(buf, r.ptr - buf), true);
}

void Statement::bind_text(int index, std::string_view value) {
  set_text(index, value, true);
}

void Statement::bind_text_ref(int index, std::string_view value) {
  set_text(index, value, false);
}

void Statement::bind_blob(int index, std::span<const std::uint8_t> value) {
  if (array_ >= 0) {
    // An element is text: bytea's hex form.
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex = "\\x";
    hex.reserve(2 + value.size() * 2);
    for (const std::uint8_t b : value) {
      hex += digits[b >> 4];
      hex += digits[b & 15];
    }
    const std::string_view text = hex;
    return add_element(&text);
  }
  Param& p = param(index);
  p.length = length_of(value.size(), index);
  p.buffer.assign(reinterpret_cast<const char*>(value.data()), value.size());
  p.data = p.buffer.data();
  p.format = 1;
  if (recording()) record(index, "<blob " + std::to_string(value.size()) + " bytes>");
}

void Statement::bind_blob_ref(int index, std::span<const std::uint8_t> value) {
  if (array_ >= 0) return bind_blob(index, value);
  Param& p = param(index);
  p.length = length_of(value.size(), index);
  // An empty blob has no data pointer; a null one would bind NULL.
  p.data = value.data() ? reinterpret_cast<const char*>(value.data()) : "";
  p.format = 1;
  if (recording()) record(index, "<blob " + std::to_string(value.size()) + " bytes>");
}

void Statement::bind_date(int index, std::chrono::year_month_day value) {
  set_text(index, storable_date(value), true);
}

void Statement::bind_timestamp(int index, Timestamp value) {
  // With an explicit UTC offset, timestamptz stores the instant and timestamp (without
  // time zone) ignores the offset and keeps the wall-clock reading.
  set_text(index, storable_timestamp(value) + "+00", true);
}

void Statement::bind_time(int index, TimeOfDay value) {
  // As for timestamps: timetz takes the offset, time ignores it.
  set_text(index, format_time(value) + "+00", true);
}

void Statement::bind_decimal(int index, std::string_view text) {
  set_text(index, text, true);
}

void Statement::bind_json(int index, std::string_view text) {
  set_text(index, text, true);
}

void Statement::bind_uuid(int index, const Uuid& value) {
  set_text(index, value.str(), true);
}

void Statement::begin_array(int index) {
  param(index);    // in range
  array_ = index;  // (one that an error left unfinished is dropped)
  elements_ = "{";
  element_count_ = 0;
}

void Statement::add_element(const std::string_view* text) {
  if (element_count_++) elements_ += ',';
  if (!text) {
    elements_ += "NULL";
    return;
  }
  // Quoted, with backslashes before quotes and backslashes: whatever the text, it is one
  // element (never NULL, never split at a comma or brace, spaces kept).
  elements_ += '"';
  for (const char c : *text) {
    if (c == '"' || c == '\\') elements_ += '\\';
    elements_ += c;
  }
  elements_ += '"';
}

void Statement::end_array() {
  if (array_ < 0) throw ArgumentError("end_array: no array parameter is being bound");
  const int index = std::exchange(array_, -1);
  Param& p = param(index);
  elements_ += '}';
  p.length = length_of(elements_.size(), index);
  p.buffer = std::move(elements_);
  p.data = p.buffer.data();
  p.format = 0;
  if (recording()) record(index, "<array of " + std::to_string(element_count_) + " values>");
}

void Statement::clear_results() {
  if (streaming_) {
    // Drain what the server still sends so the connection is usable again. Outside a
    // transaction the rest is cancelled first, so that abandoning a large result is
    // quick; inside one, a cancel would abort the transaction, so the rest is read.
    if (result_ && result_ != meta_) PQclear(result_);
    result_ = nullptr;
    if (session_->conn) {
      if (cancellable_) {
        if (PGcancel* cancel = PQgetCancel(session_->conn)) {
          char error[256];
          PQcancel(cancel, error, sizeof error);
          PQfreeCancel(cancel);
        }
      }
      while (PGresult* r = PQgetResult(session_->conn))
        PQclear(r);
    }
    if (session_->streaming == this) session_->streaming = nullptr;
    streaming_ = false;
  }
  if (result_ && result_ != meta_) PQclear(result_);
  if (meta_) PQclear(meta_);
  result_ = meta_ = nullptr;
  types_.clear();
  row_ = -1;
  rows_ = 0;
  pending_row_ = false;
}

[[gnu::hot]] void Statement::execute(bool stream) {
  clear_results();
  PGconn* conn = session_->conn;
  if (!conn) throw OperationalError("the connection is closed", sql_);
  if (session_->streaming) {
    throw ProgrammingError(
        "another result is still being streamed on this connection; read it to the end or "
        "destroy it first",
        sql_);
  }
  settle(*session_);
  if (stale_ && PQtransactionStatus(conn) != PQTRANS_INERROR) prepare_again();
  prepare_if_lost();
  const int n = static_cast<int>(params_.size());
  for (int i = 0; i < n; ++i) {
    values_[i] = params_[i].data;
    lengths_[i] = params_[i].length;
    formats_[i] = params_[i].format;
  }
  changes_ = 0;
  if (!stream) {
    PGresult* res = run_buffered();
    if (stale_plan(res)) res = after_stale_plan(res);
    const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK) {
      changes_ = changes_of(res);
      describe(result_ = res);
      rows_ = PQntuples(res);
      row_ = -1;
    } else if (status == PGRES_COMMAND_OK) {
      changes_ = changes_of(res);
      PQclear(res);
    } else {
      raise_error(conn, res, sql_);
    }
    return;
  }
  if (session_->begin_pending) {
    session_->begin_pending = false;
    PGresult* begin = PQexec(conn, "BEGIN");
    if (!begin || PQresultStatus(begin) != PGRES_COMMAND_OK) raise_error(conn, begin, "BEGIN");
    PQclear(begin);
  }
  cancellable_ = PQtransactionStatus(conn) == PQTRANS_IDLE;
  for (int attempt = 0;; ++attempt) {
    if (!PQsendQueryPrepared(conn, name_.c_str(), n, values_.data(), lengths_.data(),
                             formats_.data(), 0)) {
      raise_error(conn, nullptr, sql_);
    }
    streaming_ = true;
    session_->streaming = this;
    if (!PQsetSingleRowMode(conn)) {
      // libpq could not switch (it can only right after sending): the result arrives
      // whole, as without streaming.
      streaming_ = false;
      session_->streaming = nullptr;
      PGresult* res = nullptr;
      while (PGresult* r = PQgetResult(conn)) {
        if (res) PQclear(res);
        res = r;
      }
      const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        changes_ = changes_of(res);
        describe(result_ = res);
        rows_ = status == PGRES_TUPLES_OK ? PQntuples(res) : 0;
        row_ = -1;
        return;
      }
      raise_error(conn, res, sql_);
    }
    try {
      if (fetch_streamed()) pending_row_ = true;
      return;
    } catch (const StalePlan& stale) {
      // Nothing was read yet: outside a transaction, the statement is prepared again and
      // sent once more.
      if (attempt > 0 || PQtransactionStatus(conn) != PQTRANS_IDLE) {
        stale_ = true;
        throw stale_plan_error();
      }
      prepare_again();
    }
  }
}

bool Statement::send() {
  clear_results();
  changes_ = 0;
  if (stale_) {
    settle(*session_);
    if (PQtransactionStatus(session_->conn) != PQTRANS_INERROR) prepare_again();
  }
  const auto& lost = session_->unprepared;
  if (std::find(lost.begin(), lost.end(), name_) != lost.end()) {
    settle(*session_);
    prepare_if_lost();
  }
  const int n = static_cast<int>(params_.size());
  for (int i = 0; i < n; ++i) {
    values_[i] = params_[i].data;
    lengths_[i] = params_[i].length;
    formats_[i] = params_[i].format;
  }
  send_prepared(*session_, name_, n, values_.data(), lengths_.data(), formats_.data(), sql_);
  return true;
}

PGresult* Statement::run_buffered() {
  if (session_->begin_pending) return run_after_begin();
  return PQexecPrepared(session_->conn, name_.c_str(), static_cast<int>(params_.size()),
                        values_.data(), lengths_.data(), formats_.data(), 0);
}

PGresult* Statement::run_after_begin() {
  PGconn* conn = session_->conn;
  session_->begin_pending = false;
  if (!PQenterPipelineMode(conn)) raise_error(conn, nullptr, "BEGIN");
  const bool sent = PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) &&
                    PQsendQueryPrepared(conn, name_.c_str(), static_cast<int>(params_.size()),
                                        values_.data(), lengths_.data(), formats_.data(), 0) &&
                    PQpipelineSync(conn);
  // Each query's result is followed by a null; the sync's own result comes last.
  PGresult* begin = sent ? PQgetResult(conn) : nullptr;
  PGresult* res = nullptr;
  if (begin) {
    PQclear(PQgetResult(conn));
    res = PQgetResult(conn);
    if (res) PQclear(PQgetResult(conn));
  }
  while (PGresult* rest = PQgetResult(conn)) {
    const bool sync = PQresultStatus(rest) == PGRES_PIPELINE_SYNC;
    PQclear(rest);
    if (sync) break;
  }
  PQexitPipelineMode(conn);
  if (!begin || PQresultStatus(begin) != PGRES_COMMAND_OK) {
    PQclear(res);
    raise_error(conn, begin, "BEGIN");
  }
  PQclear(begin);
  return res;
}

PGresult* Statement::after_stale_plan(PGresult* res) {
  PQclear(res);
  // Outside a transaction nothing was lost: prepare again and run once more. Inside one,
  // the error has aborted it; the statement is prepared again when next run (after the
  // rollback).
  if (PQtransactionStatus(session_->conn) == PQTRANS_IDLE) {
    prepare_again();
    res = run_buffered();
    if (!stale_plan(res)) return res;
    PQclear(res);
  }
  stale_ = true;
  throw stale_plan_error();
}

OperationalError Statement::stale_plan_error() const {
  return OperationalError(
      "the statement's prepared plan no longer matches its tables (they were altered, e.g. by "
      "a migration); the transaction was aborted: roll it back and run it again, the "
      "statement is prepared anew",
      sql_, "0A000");
}

void Statement::prepare_again() {
  PGconn* conn = session_->conn;
  PQclear(PQexec(conn, ("DEALLOCATE " + name_).c_str()));
  PGresult* res =
      PQprepare(conn, name_.c_str(), sql_.c_str(), static_cast<int>(params_.size()), nullptr);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) raise_error(conn, res, sql_);
  PQclear(res);
  stale_ = false;
}

void Statement::prepare_if_lost() {
  auto& lost = session_->unprepared;
  auto it = std::find(lost.begin(), lost.end(), name_);
  // In a failed transaction the statement would fail anyway: it is prepared after the
  // rollback.
  if (it == lost.end() || PQtransactionStatus(session_->conn) == PQTRANS_INERROR) return;
  lost.erase(it);
  PGconn* conn = session_->conn;
  PGresult* res =
      PQprepare(conn, name_.c_str(), sql_.c_str(), static_cast<int>(params_.size()), nullptr);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
    lost.push_back(name_);
    raise_error(conn, res, sql_);
  }
  PQclear(res);
}

bool Statement::fetch_streamed() {
  PGconn* conn = session_->conn;
  if (result_ && result_ != meta_) PQclear(result_);
  result_ = nullptr;
  PGresult* res = PQgetResult(conn);
  const auto status = res ? PQresultStatus(res) : PGRES_COMMAND_OK;
  if (status == PGRES_SINGLE_TUPLE) {
    if (!meta_) describe(res);  // the first row's result also describes the columns
    result_ = res;
    rows_ = 1;
    row_ = 0;
    return true;
  }
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
    if (res) changes_ = changes_of(res);
    if (res && !meta_ && status == PGRES_TUPLES_OK) {
      describe(res);
    } else if (res) {
      PQclear(res);
    }
    // End of the stream: collect the terminating null result.
    while (PGresult* r = PQgetResult(conn))
      PQclear(r);
    streaming_ = false;
    session_->streaming = nullptr;
    rows_ = 0;
    return false;
  }
  // An error part way: the rest of the stream is void.
  while (PGresult* r = PQgetResult(conn))
    PQclear(r);
  streaming_ = false;
  session_->streaming = nullptr;
  if (!meta_ && stale_plan(res)) {
    PQclear(res);
    throw StalePlan();
  }
  raise_error(conn, res, sql_);
}

[[gnu::hot]] bool Statement::next() {
  if (pending_row_) {
    pending_row_ = false;
    return true;
  }
  if (streaming_) return fetch_streamed();
  if (!result_ || row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  return true;
}

[[gnu::hot]] void Statement::reset() {
  clear_results();
  array_ = -1;
}

std::size_t Statement::rows_ahead() const {
  if (streaming_ || pending_row_ || !result_ || row_ + 1 >= rows_) return 0;
  return static_cast<std::size_t>(rows_ - row_ - 1);
}

int Statement::column_count() const {
  return static_cast<int>(types_.size());
}

std::string_view Statement::column_name(int index) const {
  if (!meta_ || index < 0 || index >= PQnfields(meta_)) return {};
  return PQfname(meta_, index);
}

void Statement::describe(PGresult* res) {
  meta_ = res;
  const int n = PQnfields(res);
  types_.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    types_[static_cast<std::size_t>(i)] = PQftype(res, i);
}

Statement::Cell Statement::cell(int index) const {
  const int length = PQgetlength(result_, row_, index);
  // Only an empty value may be NULL: libpq gives NULL as "".
  return {{PQgetvalue(result_, row_, index), static_cast<std::size_t>(length)},
          length == 0 && PQgetisnull(result_, row_, index)};
}

void Statement::check_row(int index) {
  if (!result_ || row_ < 0 || row_ >= rows_) {
    throw ArgumentError("no current row: call next() first [SQL: " + sql_ + "]");
  }
  if (index < 0 || static_cast<std::size_t>(index) >= types_.size()) {
    throw ArgumentError("column index " + std::to_string(index) +
                        " is out of range: the result has " + std::to_string(types_.size()) +
                        " columns");
  }
}

void Statement::type_mismatch(int index, const char* wanted) {
  std::string holds = PQgetisnull(result_, row_, index)
                          ? "NULL"
                          : "a value of type oid " + std::to_string(PQftype(result_, index));
  throw DataError("column '" + std::string(column_name(index)) + "' holds " + holds + ", not " +
                  wanted);
}

bool Statement::is_null(int index) {
  check_row(index);
  return PQgetisnull(result_, row_, index);
}

bool Statement::get_bool(int index) {
  check_row(index);
  if (!PQgetisnull(result_, row_, index)) {
    const char* v = PQgetvalue(result_, row_, index);
    const unsigned type = types_[static_cast<std::size_t>(index)];
    if (type == kBool) return v[0] == 't';
    if ((type == kInt2 || type == kInt4 || type == kInt8) && (v[0] == '0' || v[0] == '1') &&
        v[1] == 0)
      return v[0] == '1';
  }
  type_mismatch(index, "a boolean");
}

std::int64_t Statement::get_int64(int index) {
  check_row(index);
  const auto [v, null] = cell(index);
  const unsigned type = types_[static_cast<std::size_t>(index)];
  if (!null && type != kBool && type != kBytea) {
    std::int64_t out = 0;
    const char* end = v.data() + v.size();
    const char* p = parse_integer(v.data(), end, out);
    if (p && p == end) return out;
    // numeric "12.000" or float "3" are integers too
    if (p && *p == '.') {
      ++p;
      while (p < end && *p == '0')
        ++p;
      if (p == end) return out;
    }
  }
  type_mismatch(index, "an integer");
}

double Statement::get_double(int index) {
  check_row(index);
  if (!PQgetisnull(result_, row_, index)) {
    const unsigned type = types_[static_cast<std::size_t>(index)];
    if (type == kFloat4 || type == kFloat8 || type == kNumeric || type == kInt2 || type == kInt4 ||
        type == kInt8) {
      const char* v = PQgetvalue(result_, row_, index);
      const int len = PQgetlength(result_, row_, index);
      double out;
      auto r = std::from_chars(v, v + len, out);
      if (r.ec == std::errc() && r.ptr == v + len) return out;
    }
  }
  type_mismatch(index, "a real number");
}

std::string_view Statement::get_text(int index) {
  check_row(index);
  const auto [v, null] = cell(index);
  if (null) type_mismatch(index, "text");
  return v;
}

std::span<const std::uint8_t> Statement::get_blob(int index) {
  check_row(index);
  if (PQgetisnull(result_, row_, index)) type_mismatch(index, "a blob");
  const char* v = PQgetvalue(result_, row_, index);
  const int len = PQgetlength(result_, row_, index);
  if (types_[static_cast<std::size_t>(index)] != kBytea) {
    return {reinterpret_cast<const std::uint8_t*>(v), static_cast<std::size_t>(len)};
  }
  // bytea's text output is "\x" followed by hex digits.
  if (len < 2 || v[0] != '\\' || v[1] != 'x') {
    throw DataError("bytea column '" + std::string(column_name(index)) +
                    "' is not in hex output format");
  }
  blob_.resize((len - 2) / 2);
  for (std::size_t i = 0; i < blob_.size(); ++i) {
    blob_[i] = static_cast<std::uint8_t>(hex(v[2 + 2 * i]) * 16 + hex(v[3 + 2 * i]));
  }
  return blob_;
}

namespace {

// The members read_members() takes from the text results, each only where its get_*
// call would give the same value without converting: an integer column for an integer,
// a boolean for a bool, a floating-point column for a double, any column for text.
bool take(std::string_view v, unsigned type, std::int64_t& out) {
  if (type != kInt2 && type != kInt4 && type != kInt8) return false;
  const char* end = v.data() + v.size();
  const char* p = parse_integer(v.data(), end, out);
  return p && p == end;
}

bool take(std::string_view v, unsigned type, std::int32_t& out) {
  std::int64_t i;
  if (!take(v, type, i) || i < INT32_MIN || i > INT32_MAX) return false;
  out = static_cast<std::int32_t>(i);
  return true;
}

bool take(std::string_view v, unsigned type, bool& out) {
  if (type != kBool) return false;
  out = !v.empty() && v.front() == 't';
  return true;
}

bool take(std::string_view v, unsigned type, double& out) {
  if (type != kFloat4 && type != kFloat8) return false;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool take(std::string_view v, unsigned, std::string& out) {
  driver::assign_text(out, v);
  return true;
}

template <class M>
bool take_cell(std::string_view v, bool null, unsigned type, M& out) {
  return !null && take(v, type, out);
}

template <class M>
bool take_cell(std::string_view v, bool null, unsigned type, std::optional<M>& out) {
  if (null) {
    out.reset();
    return true;
  }
  if (!out) out.emplace();
  return take(v, type, *out);
}

}  // namespace

[[gnu::hot]] std::size_t Statement::read_members(std::span<const driver::Member> members, int first,
                                                 void* object) {
  // Outside a row or past the last column, the attributes raise the error.
  if (!result_ || row_ < 0 || row_ >= rows_ || first < 0) return 0;
  const std::size_t columns = types_.size();
  const std::size_t n = static_cast<std::size_t>(first) < columns
                            ? std::min(members.size(), columns - static_cast<std::size_t>(first))
                            : 0;
  auto* base = static_cast<char*>(object);
  for (std::size_t i = 0; i < n; ++i) {
    const int column = first + static_cast<int>(i);
    const auto [v, null] = cell(column);
    const unsigned type = types_[static_cast<std::size_t>(column)];
    const bool read =
        driver::with_member(members[i].kind, base + members[i].offset,
                            [&](auto& member) { return take_cell(v, null, type, member); });
    if (!read) return i;
  }
  return n;
}

[[gnu::hot]] bool Statement::read_member_rows(std::span<const driver::Member> members, int first,
                                              void* (*next_object)(void* out), void* out,
                                              void*& object, std::size_t& at) {
  return member_rows(*this, members, first, next_object, out, object, at);
}

Value Statement::get_value(int index) {
  check_row(index);
  const auto [text, null] = cell(index);
  if (null) return Value();
  const unsigned type = types_[static_cast<std::size_t>(index)];
  switch (type) {
    case kBool:
      return Value(text == "t");
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      return Value(get_int64(index));
    case kFloat4:
    case kFloat8:
      return Value(get_double(index));
    case kNumeric:
      return Value(Decimal{std::string(text)});
    case kBytea: {
      auto b = get_blob(index);
      return Value(Blob(b.begin(), b.end()));
    }
    case kDate:
    case kTimestamp:
    case kTimestamptz:
    case kTime:
    case kTimetz:
      // 'infinity' and BC dates have no C++ value: they come back as the text they are.
      try {
        if (type == kDate) return Value(parse_date(text));
        if (type == kTime) return Value(parse_time(text));
        if (type == kTimetz) return Value(parse_time_utc(text));
        return Value(parse_timestamp(text));
      } catch (const DataError&) {
        return Value(std::string(text));
      }
    case kJson:
    case kJsonb:
      return Value(JsonText{std::string(text)});
    case kUuid:
      return Value(Uuid::parse(text));
    default:
      return Value(std::string(text));
  }
}

}  // namespace retort::postgresql
