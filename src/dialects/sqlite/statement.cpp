#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "dialects/sqlite/driver.hpp"
#include "retort/core/error.hpp"

namespace retort::sqlite {

Statement::Statement(Connection* conn, sqlite3* db, sqlite3_stmt* stmt, std::string sql)
    : db_(db),
      stmt_(stmt),
      conn_(conn),
      writes_(sqlite3_stmt_readonly(stmt) == 0),
      sql_(std::move(sql)) {
  reads_members_ = true;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

int Statement::parameter_count() const {
  return sqlite3_bind_parameter_count(stmt_);
}

void Statement::rebind() {
  // SQLite refuses new bindings while a previous execution is still stepping.
  if (!done_ || pending_row_) reset();
}

void Statement::check_bind(int rc, int index) {
  if (rc == SQLITE_OK) return;
  if (rc == SQLITE_RANGE) {
    throw ArgumentError("parameter " + std::to_string(index + 1) +
                        " is out of range: the statement has " + std::to_string(parameter_count()) +
                        " [SQL: " + sql_ + "]");
  }
  raise_error(db_, rc, sql_);
}

void Statement::bind_null(int index) {
  rebind();
  if (recording()) record(index, "NULL");
  check_bind(sqlite3_bind_null(stmt_, index + 1), index);
}

void Statement::bind_bool(int index, bool value) {
  rebind();
  if (recording()) record(index, value ? "true" : "false");
  check_bind(sqlite3_bind_int(stmt_, index + 1, value ? 1 : 0), index);
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void Statement::bind_int64(int index, std::int64_t value) {
  rebind();
  if (recording()) record(index, std::to_string(value));
  check_bind(sqlite3_bind_int64(stmt_, index + 1, value), index);
}

void Statement::bind_double(int index, double value) {
  rebind();
  if (recording()) record(index, Value(value).repr());
  check_bind(sqlite3_bind_double(stmt_, index + 1, value), index);
}

void Statement::bind_text(int index, std::string_view value) {
  rebind();
  if (recording()) record(index, Value(value).repr());
  // A null pointer would bind NULL; an empty string is not NULL.
  check_bind(sqlite3_bind_text64(stmt_, index + 1, value.data() ? value.data() : "", value.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8),
             index);
}

void Statement::bind_text_ref(int index, std::string_view value) {
  rebind();
  if (recording()) record(index, Value(value).repr());
  check_bind(sqlite3_bind_text64(stmt_, index + 1, value.data() ? value.data() : "", value.size(),
                                 SQLITE_STATIC, SQLITE_UTF8),
             index);
}

void Statement::bind_blob(int index, std::span<const std::uint8_t> value) {
  rebind();
  if (recording()) record(index, "<blob " + std::to_string(value.size()) + " bytes>");
  if (value.empty()) return check_bind(sqlite3_bind_zeroblob(stmt_, index + 1, 0), index);
  check_bind(sqlite3_bind_blob64(stmt_, index + 1, value.data(), value.size(), SQLITE_TRANSIENT),
             index);
}

void Statement::bind_blob_ref(int index, std::span<const std::uint8_t> value) {
  rebind();
  if (recording()) record(index, "<blob " + std::to_string(value.size()) + " bytes>");
  if (value.empty()) return check_bind(sqlite3_bind_zeroblob(stmt_, index + 1, 0), index);
  check_bind(sqlite3_bind_blob64(stmt_, index + 1, value.data(), value.size(), SQLITE_STATIC),
             index);
}

void Statement::bind_date(int index, std::chrono::year_month_day value) {
  bind_text(index, storable_date(value));
}

void Statement::bind_timestamp(int index, Timestamp value) {
  bind_text(index, storable_timestamp(value));
}

void Statement::bind_time(int index, TimeOfDay value) {
  bind_text(index, format_time(value));
}

void Statement::bind_decimal(int index, std::string_view text) {
  bind_text(index, text);
}

void Statement::bind_json(int index, std::string_view text) {
  bind_text(index, text);
}

void Statement::bind_uuid(int index, const Uuid& value) {
  bind_text(index, value.str());
}

inline bool Statement::step_from_start() {
  pending_row_ = false;
  done_ = false;
  changes_ = 0;
  reset_ = false;
  if (writes_) conn_->before_write(stmt_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  done_ = true;
  if (rc == SQLITE_DONE) {
    changes_ = sqlite3_changes64(db_);
    return false;
  }
  sqlite3_reset(stmt_);
  raise_error(db_, rc, sql_);
}

[[gnu::hot]] void Statement::execute(bool /*stream: SQLite always steps row by row*/) {
  pending_row_ = step_from_start();
}

[[gnu::hot]] bool Statement::execute_first() {
  if (!reset_) sqlite3_reset(stmt_);
  return step_from_start();
}

[[gnu::hot]] bool Statement::next() {
  if (pending_row_) {
    pending_row_ = false;
    return true;
  }
  if (done_) return false;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  done_ = true;
  if (rc == SQLITE_DONE) {
    changes_ = sqlite3_changes64(db_);
    return false;
  }
  sqlite3_reset(stmt_);
  raise_error(db_, rc, sql_);
}

[[gnu::hot]] void Statement::reset() {
  pending_row_ = false;
  done_ = true;
  if (!reset_) sqlite3_reset(stmt_);
  reset_ = true;
}

int Statement::column_count() const {
  return sqlite3_column_count(stmt_);
}

std::string_view Statement::column_name(int index) const {
  const char* name = sqlite3_column_name(stmt_, index);
  return name ? std::string_view(name) : std::string_view();
}

void Statement::type_mismatch(int index, const char* wanted) {
  static constexpr const char* names[] = {"", "integer", "real", "text", "blob", "NULL"};
  const int type = sqlite3_column_type(stmt_, index);
  throw DataError("column '" + std::string(column_name(index)) + "' holds " +
                  (type >= 1 && type <= 5 ? names[type] : "an unknown type") + ", not " + wanted);
}

bool Statement::is_null(int index) {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

bool Statement::get_bool(int index) {
  sqlite3_value* value = sqlite3_column_value(stmt_, index);
  if (sqlite3_value_type(value) == SQLITE_INTEGER) {
    const auto v = sqlite3_value_int64(value);
    if (v == 0 || v == 1) return v == 1;
  }
  type_mismatch(index, "a boolean");
}

std::int64_t Statement::get_int64(int index) {
  // One sqlite3_column_value per read: the sqlite3_column_* calls each do the API's
  // bookkeeping again, which shows on the hot path.
  sqlite3_value* v = sqlite3_column_value(stmt_, index);
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      return sqlite3_value_int64(v);
    case SQLITE_FLOAT: {
      const double d = sqlite3_value_double(v);
      if (std::trunc(d) == d && std::abs(d) < 9.2e18) return static_cast<std::int64_t>(d);
      break;
    }
    case SQLITE_TEXT: {
      // NUMERIC columns hold large or exact values as text.
      const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
      const auto n = static_cast<std::size_t>(sqlite3_value_bytes(v));
      std::int64_t out;
      auto r = std::from_chars(p, p + n, out);
      if (r.ec == std::errc() && r.ptr == p + n) return out;
      break;
    }
    default:
      break;
  }
  type_mismatch(index, "an integer");
}

double Statement::get_double(int index) {
  sqlite3_value* v = sqlite3_column_value(stmt_, index);
  switch (sqlite3_value_type(v)) {
    case SQLITE_FLOAT:
    case SQLITE_INTEGER:
      return sqlite3_value_double(v);
    default:
      break;
  }
  type_mismatch(index, "a real number");
}

std::string_view Statement::get_text(int index) {
  sqlite3_value* v = sqlite3_column_value(stmt_, index);
  if (sqlite3_value_type(v) == SQLITE_NULL) type_mismatch(index, "text");
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return {p, static_cast<std::size_t>(sqlite3_value_bytes(v))};
}

std::span<const std::uint8_t> Statement::get_blob(int index) {
  if (sqlite3_column_type(stmt_, index) == SQLITE_NULL) type_mismatch(index, "a blob");
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

namespace {

// A column into a member as the get_* reader of the member's type reads it, for the
// stored values that need no converting; false for the others.
bool take(sqlite3_value* v, int type, std::int64_t& out) {
  if (type != SQLITE_INTEGER) return false;
  out = sqlite3_value_int64(v);
  return true;
}

bool take(sqlite3_value* v, int type, std::int32_t& out) {
  if (type != SQLITE_INTEGER) return false;
  const std::int64_t i = sqlite3_value_int64(v);
  if (i < INT32_MIN || i > INT32_MAX) return false;
  out = static_cast<std::int32_t>(i);
  return true;
}

bool take(sqlite3_value* v, int type, bool& out) {
  if (type != SQLITE_INTEGER) return false;
  const std::int64_t i = sqlite3_value_int64(v);
  if (i != 0 && i != 1) return false;
  out = i == 1;
  return true;
}

bool take(sqlite3_value* v, int type, double& out) {
  if (type != SQLITE_FLOAT) return false;
  out = sqlite3_value_double(v);
  return true;
}

bool take(sqlite3_value* v, int type, std::string& out) {
  if (type != SQLITE_TEXT) return false;
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  driver::assign_text(out, {p, static_cast<std::size_t>(sqlite3_value_bytes(v))});
  return true;
}

template <class M>
bool take(sqlite3_value* v, int type, std::optional<M>& out) {
  if (type == SQLITE_NULL) {
    out.reset();
    return true;
  }
  if (!out) out.emplace();
  return take(v, type, *out);
}

}  // namespace

[[gnu::hot]] std::size_t Statement::read_members(std::span<const driver::Member> members, int first,
                                                 void* object) {
  auto* base = static_cast<char*>(object);
  for (std::size_t i = 0; i < members.size(); ++i) {
    // One lookup of the column's value for both its type and its contents. The value is
    // "unprotected" (SQLite's term), which matters only on a connection with a mutex:
    // Retort opens every connection with SQLITE_OPEN_NOMUTEX.
    sqlite3_value* v = sqlite3_column_value(stmt_, first + static_cast<int>(i));
    const int type = sqlite3_value_type(v);
    const bool read = driver::with_member(members[i].kind, base + members[i].offset,
                                          [&](auto& member) { return take(v, type, member); });
    if (!read) return i;
  }
  return members.size();
}

[[gnu::hot]] bool Statement::read_member_rows(std::span<const driver::Member> members, int first,
                                              void* (*next_object)(void* out), void* out,
                                              void*& object, std::size_t& at) {
  return member_rows(*this, members, first, next_object, out, object, at);
}

Statement::Declared Statement::declared(int index) {
  if (declared_.empty()) {
    const int n = column_count();
    declared_.resize(n, Declared::plain);
    for (int i = 0; i < n; ++i) {
      const char* decl = sqlite3_column_decltype(stmt_, i);
      if (!decl) continue;
      std::string t;
      for (const char* p = decl; *p && *p != '('; ++p)
        t.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
      while (!t.empty() && t.back() == ' ')
        t.pop_back();
      if (t == "BOOLEAN" || t == "BOOL")
        declared_[i] = Declared::boolean;
      else if (t == "DATE")
        declared_[i] = Declared::date;
      else if (t == "DATETIME" || t.starts_with("TIMESTAMP"))
        declared_[i] = Declared::timestamp;
      else if (t == "TIME")
        declared_[i] = Declared::time;
      else if (t == "TIME WITH TIME ZONE")
        declared_[i] = Declared::time_utc;
      else if (t == "NUMERIC" || t == "DECIMAL")
        declared_[i] = Declared::decimal;
      else if (t == "JSON" || t == "JSONB")
        declared_[i] = Declared::json;
      else if (t == "UUID")
        declared_[i] = Declared::uuid;
    }
  }
  return declared_[index];
}

Value Statement::get_value(int index) {
  const int type = sqlite3_column_type(stmt_, index);
  if (type == SQLITE_NULL) return Value();
  const Declared decl = declared(index);
  switch (type) {
    case SQLITE_INTEGER: {
      const auto v = sqlite3_column_int64(stmt_, index);
      if (decl == Declared::boolean && (v == 0 || v == 1)) return Value(v == 1);
      if (decl == Declared::decimal) return Value(Decimal{std::to_string(v)});
      return Value(v);
    }
    case SQLITE_FLOAT: {
      const double d = sqlite3_column_double(stmt_, index);
      if (decl == Declared::decimal) return Value(Value(d).as<Decimal>());
      return Value(d);
    }
    case SQLITE_BLOB: {
      auto b = get_blob(index);
      return Value(Blob(b.begin(), b.end()));
    }
    default:
      break;
  }
  const auto text = get_text(index);
  // A value that does not parse as its declared type comes back as the text it is.
  try {
    switch (decl) {
      case Declared::date:
        return Value(parse_date(text));
      case Declared::timestamp:
        return Value(parse_timestamp(text));
      case Declared::time:
        return Value(parse_time(text));
      case Declared::time_utc:
        return Value(parse_time_utc(text));
      case Declared::decimal:
        return Value(Decimal{std::string(text)});
      case Declared::json:
        return Value(JsonText{std::string(text)});
      case Declared::uuid:
        return Value(Uuid::parse(text));
      default:
        break;
    }
  } catch (const DataError&) {
  }
  return Value(std::string(text));
}

}  // namespace retort::sqlite
