// Rows into a table through COPY ... FROM STDIN, in binary where every column's type is
// one this file can encode, else in COPY's text format.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "dialects/postgresql/dialect.hpp"
#include "dialects/postgresql/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::postgresql {
namespace {

// Sent to the server when it has about this much; a larger buffer gains nothing.
constexpr std::size_t kChunk = 64 * 1024;

// PostgreSQL counts dates and timestamps from 2000-01-01.
constexpr std::int64_t kEpochDays = 10957;
constexpr std::int64_t kEpochMicros = kEpochDays * 86400 * 1000000LL;

bool text_like(unsigned type) {
  return type == kText || type == kVarchar || type == kBpchar || type == kName || type == kJson;
}

const char* type_name(unsigned type) {
  switch (type) {
    case kBool:
      return "boolean";
    case kBytea:
      return "bytea";
    case kInt2:
      return "smallint";
    case kInt4:
      return "integer";
    case kInt8:
      return "bigint";
    case kFloat4:
      return "real";
    case kFloat8:
      return "double precision";
    case kDate:
      return "date";
    case kTime:
      return "time";
    case kTimetz:
      return "time with time zone";
    case kTimestamp:
      return "timestamp";
    case kTimestamptz:
      return "timestamp with time zone";
    case kUuid:
      return "uuid";
    case kJsonb:
      return "jsonb";
    default:
      return "text";
  }
}

template <class T>
void put(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  auto bits = static_cast<U>(value);
  char bytes[sizeof(T)];
  for (std::size_t i = sizeof(T); i-- > 0; bits = static_cast<U>(bits >> 8))
    bytes[i] = static_cast<char>(bits & 0xff);
  out.append(bytes, sizeof(T));
}

std::string to_text(std::int64_t value) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

std::string to_text(double value) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

}  // namespace

RowWriter::RowWriter(std::shared_ptr<Session> session, std::string sql,
                     std::vector<std::string> columns, std::vector<unsigned> types, bool binary)
    : session_(std::move(session)),
      sql_(std::move(sql)),
      columns_(std::move(columns)),
      types_(std::move(types)),
      binary_(binary) {
  session_->streaming = this;
  buffer_.reserve(kChunk + 4096);
  if (binary_) {
    // The signature, no flags, no header extension.
    buffer_.append("PGCOPY\n\377\r\n\0", 11);
    put<std::int32_t>(buffer_, 0);
    put<std::int32_t>(buffer_, 0);
  }
}

RowWriter::~RowWriter() {
  if (!done_) abandon();
}

bool RowWriter::binary_types(const std::vector<unsigned>& types) {
  for (const unsigned t : types) {
    switch (t) {
      case kBool:
      case kBytea:
      case kInt2:
      case kInt4:
      case kInt8:
      case kFloat4:
      case kFloat8:
      case kDate:
      case kTime:
      case kTimetz:
      case kTimestamp:
      case kTimestamptz:
      case kUuid:
      case kJsonb:
        break;
      default:
        if (!text_like(t)) return false;
    }
  }
  return true;
}

void RowWriter::abandon() {
  done_ = true;
  if (session_->streaming == this) session_->streaming = nullptr;
  PGconn* conn = session_->conn;
  if (!conn) return;
  // The server drops the rows it has, and the transaction fails with them.
  if (PQputCopyEnd(conn, "the rows were abandoned") == 1) {
    while (PGresult* r = PQgetResult(conn))
      PQclear(r);
  }
}

unsigned RowWriter::column(int index) {
  if (done_) throw ProgrammingError("the rows were already written", sql_);
  if (index != next_ || index >= static_cast<int>(types_.size())) {
    throw ArgumentError("a row writer takes its columns in order: column " +
                        std::to_string(next_ + 1) + " of " + std::to_string(types_.size()) +
                        " is next, not " + std::to_string(index + 1));
  }
  if (index == 0) {
    if (binary_) {
      put<std::int16_t>(buffer_, static_cast<std::int16_t>(types_.size()));
    }
  } else if (!binary_) {
    buffer_ += '\t';
  }
  ++next_;
  return types_[index];
}

void RowWriter::cannot_write(int index, const char* what) {
  throw DataError("column \"" + columns_[index] + "\" is " + type_name(types_[index]) + ": " +
                      what + " cannot be written to it",
                  sql_);
}

void RowWriter::field_length(std::size_t n, int index) {
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw DataError("column \"" + columns_[index] + "\" is given " + std::to_string(n) +
                        " bytes; a PostgreSQL value holds at most 1 GiB",
                    sql_);
  }
  put<std::int32_t>(buffer_, static_cast<std::int32_t>(n));
}

void RowWriter::text_field(int index, std::string_view text) {
  (void)index;
  for (const char c : text) {
    switch (c) {
      case '\\':
        buffer_ += "\\\\";
        break;
      case '\t':
        buffer_ += "\\t";
        break;
      case '\n':
        buffer_ += "\\n";
        break;
      case '\r':
        buffer_ += "\\r";
        break;
      default:
        buffer_ += c;
    }
  }
}

void RowWriter::binary_text(int index, std::string_view text) {
  const unsigned type = types_[index];
  if (type == kUuid) {
    Uuid u;
    if (!Uuid::try_parse(text, u)) cannot_write(index, "text that is not a UUID");
    field_length(16, index);
    buffer_.append(reinterpret_cast<const char*>(u.bytes().data()), 16);
  } else if (type == kJsonb) {
    field_length(text.size() + 1, index);
    buffer_ += '\1';  // the jsonb format's version
    buffer_.append(text);
  } else if (text_like(type)) {
    field_length(text.size(), index);
    buffer_.append(text);
  } else {
    cannot_write(index, "text");
  }
}

void RowWriter::bind_null(int index) {
  column(index);
  if (binary_) {
    put<std::int32_t>(buffer_, -1);
  } else {
    buffer_ += "\\N";
  }
}

void RowWriter::bind_bool(int index, bool value) {
  const unsigned type = column(index);
  if (!binary_) return text_field(index, value ? "t" : "f");
  if (type != kBool) cannot_write(index, "a boolean");
  field_length(1, index);
  buffer_ += static_cast<char>(value);
}

void RowWriter::bind_int64(int index, std::int64_t value) {
  const unsigned type = column(index);
  if (!binary_) return text_field(index, to_text(value));
  const auto fits = [&](std::int64_t low, std::int64_t high) {
    if (value < low || value > high) {
      throw DataError("column \"" + columns_[index] + "\" is " + type_name(type) + ": " +
                          std::to_string(value) + " is out of its range",
                      sql_);
    }
  };
  switch (type) {
    case kInt8:
      field_length(8, index);
      return put<std::int64_t>(buffer_, value);
    case kInt4:
      fits(std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max());
      field_length(4, index);
      return put<std::int32_t>(buffer_, static_cast<std::int32_t>(value));
    case kInt2:
      fits(std::numeric_limits<std::int16_t>::min(), std::numeric_limits<std::int16_t>::max());
      field_length(2, index);
      return put<std::int16_t>(buffer_, static_cast<std::int16_t>(value));
    case kFloat8:
    case kFloat4:
      // As the server reads the integer's text: the nearest value of the column's type.
      return double_field(index, static_cast<double>(value));
    default:
      cannot_write(index, "an integer");
  }
}

void RowWriter::double_field(int index, double value) {
  if (types_[index] == kFloat4) {
    field_length(4, index);
    return put<std::uint32_t>(buffer_, std::bit_cast<std::uint32_t>(static_cast<float>(value)));
  }
  field_length(8, index);
  put<std::uint64_t>(buffer_, std::bit_cast<std::uint64_t>(value));
}

void RowWriter::bind_double(int index, double value) {
  const unsigned type = column(index);
  if (!binary_) return text_field(index, to_text(value));
  if (type != kFloat8 && type != kFloat4) cannot_write(index, "a floating-point number");
  double_field(index, value);
}

void RowWriter::bind_text(int index, std::string_view value) {
  column(index);
  // As for parameters: PostgreSQL text cannot hold NUL, and cutting the value there would
  // store another value than the one given.
  if (std::memchr(value.data(), '\0', value.size())) {
    throw DataError("column \"" + columns_[index] +
                        "\" is given text holding a NUL byte, which PostgreSQL text cannot "
                        "store (use a blob column for binary data)",
                    sql_);
  }
  if (binary_) return binary_text(index, value);
  text_field(index, value);
}

void RowWriter::bind_blob(int index, std::span<const std::uint8_t> value) {
  const unsigned type = column(index);
  if (binary_) {
    if (type != kBytea) cannot_write(index, "a blob");
    field_length(value.size(), index);
    buffer_.append(reinterpret_cast<const char*>(value.data()), value.size());
    return;
  }
  // bytea's hex form, its backslash doubled for the text format.
  static constexpr char digits[] = "0123456789abcdef";
  buffer_ += "\\\\x";
  for (const std::uint8_t b : value) {
    buffer_ += digits[b >> 4];
    buffer_ += digits[b & 15];
  }
}

void RowWriter::bind_date(int index, std::chrono::year_month_day value) {
  const unsigned type = column(index);
  const std::string text = storable_date(value);  // refuses what the text path refuses
  if (!binary_) return text_field(index, text);
  if (type != kDate) cannot_write(index, "a date");
  field_length(4, index);
  const auto days = std::chrono::sys_days(value).time_since_epoch().count();
  put<std::int32_t>(buffer_, static_cast<std::int32_t>(days - kEpochDays));
}

void RowWriter::bind_timestamp(int index, Timestamp value) {
  const unsigned type = column(index);
  if (!binary_) return text_field(index, storable_timestamp(value) + "+00");
  (void)storable_date(std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(value)));
  if (type != kTimestamp && type != kTimestamptz) cannot_write(index, "a timestamp");
  // A timestamp without time zone keeps the UTC reading, as the text path's "+00" does.
  field_length(8, index);
  put<std::int64_t>(buffer_, value.time_since_epoch().count() - kEpochMicros);
}

void RowWriter::bind_time(int index, TimeOfDay value) {
  const unsigned type = column(index);
  if (!binary_) return text_field(index, format_time(value) + "+00");
  if (type != kTime && type != kTimetz) cannot_write(index, "a time of day");
  field_length(type == kTime ? 8 : 12, index);
  put<std::int64_t>(buffer_, value.since_midnight.count());
  if (type == kTimetz) put<std::int32_t>(buffer_, 0);  // UTC
}

void RowWriter::bind_decimal(int index, std::string_view text) {
  column(index);
  // numeric has no binary encoder here, so its column makes the COPY text.
  if (binary_) cannot_write(index, "a decimal");
  text_field(index, text);
}

void RowWriter::bind_json(int index, std::string_view text) {
  bind_text(index, text);
}

void RowWriter::bind_uuid(int index, const Uuid& value) {
  const unsigned type = column(index);
  if (!binary_) return text_field(index, value.str());
  if (type == kUuid) {
    field_length(16, index);
    buffer_.append(reinterpret_cast<const char*>(value.bytes().data()), 16);
  } else {
    binary_text(index, value.str());
  }
}

void RowWriter::end_row() {
  if (next_ != static_cast<int>(types_.size())) {
    throw ArgumentError("a row ended after " + std::to_string(next_) + " of its " +
                        std::to_string(types_.size()) + " columns");
  }
  if (!binary_) buffer_ += '\n';
  next_ = 0;
  ++rows_;
  if (buffer_.size() >= kChunk) send_chunk();
}

void RowWriter::send_chunk() {
  PGconn* conn = session_->conn;
  if (!conn) throw OperationalError("the connection is closed", sql_);
  if (!buffer_.empty() &&
      PQputCopyData(conn, buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    raise_error(conn, nullptr, sql_);
  }
  buffer_.clear();
}

std::int64_t RowWriter::finish() {
  if (done_) throw ProgrammingError("the rows were already written", sql_);
  if (next_ != 0) {
    throw ArgumentError("the last row has " + std::to_string(next_) + " of its " +
                        std::to_string(types_.size()) + " columns; end_row() it first");
  }
  if (binary_) put<std::int16_t>(buffer_, -1);  // the trailer
  send_chunk();
  done_ = true;
  session_->streaming = nullptr;
  PGconn* conn = session_->conn;
  if (PQputCopyEnd(conn, nullptr) != 1) raise_error(conn, nullptr, sql_);
  PGresult* res = PQgetResult(conn);
  while (PGresult* rest = PQgetResult(conn))
    PQclear(rest);
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) raise_error(conn, res, sql_);
  const char* tuples = PQcmdTuples(res);
  const std::int64_t written = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
  PQclear(res);
  if (written != rows_) {
    throw OperationalError(
        "COPY wrote " + std::to_string(written) + " rows of " + std::to_string(rows_), sql_);
  }
  return written;
}

std::unique_ptr<driver::RowWriter> Connection::write_rows(const std::string& schema,
                                                          const std::string& table,
                                                          const std::vector<std::string>& columns) {
  PGconn* conn = session_->conn;
  if (!conn) throw OperationalError("the connection is closed");
  if (session_->streaming) {
    throw ProgrammingError(
        "another result is still being streamed on this connection; read it to the end or "
        "destroy it first");
  }
  settle(*session_);
  if (columns.empty()) return nullptr;
  const Dialect& d = dialect();
  const auto name = [&](const std::string& identifier) {
    if (identifier.find('\0') != std::string::npos)
      throw ArgumentError("an identifier holds a NUL byte");
    return d.quote(identifier);
  };
  std::string target = schema.empty() ? name(table) : name(schema) + "." + name(table);
  std::string list;
  for (const auto& c : columns)
    list += (list.empty() ? "" : ", ") + name(c);

  // The columns' types, as the table has them now: one SELECT of no rows (after the
  // pending BEGIN, in the same round trip).
  std::string describe = "SELECT " + list + " FROM " + target + " LIMIT 0";
  if (std::exchange(session_->begin_pending, false)) describe = "BEGIN; " + describe;
  PGresult* res = PQexec(conn, describe.c_str());
  if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) raise_error(conn, res, describe);
  std::vector<unsigned> types(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i)
    types[i] = PQftype(res, static_cast<int>(i));
  PQclear(res);

  const bool binary = RowWriter::binary_types(types);
  std::string sql = "COPY " + target + " (" + list + ") FROM STDIN";
  if (binary) sql += " (FORMAT binary)";
  res = PQexec(conn, sql.c_str());
  if (!res || PQresultStatus(res) != PGRES_COPY_IN) raise_error(conn, res, sql);
  PQclear(res);
  return std::make_unique<RowWriter>(session_, std::move(sql), columns, std::move(types), binary);
}

}  // namespace retort::postgresql
