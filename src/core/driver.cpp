#include "retort/core/driver.hpp"

#include <algorithm>
#include <mutex>

#include "retort/core/error.hpp"

namespace retort::driver {

void Statement::bind(int index, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          bind_null(index);
        else if constexpr (std::is_same_v<T, bool>)
          bind_bool(index, v);
        else if constexpr (std::is_same_v<T, std::int64_t>)
          bind_int64(index, v);
        else if constexpr (std::is_same_v<T, double>)
          bind_double(index, v);
        else if constexpr (std::is_same_v<T, std::string>)
          bind_text(index, v);
        else if constexpr (std::is_same_v<T, Blob>)
          bind_blob(index, v);
        else if constexpr (std::is_same_v<T, std::chrono::year_month_day>)
          bind_date(index, v);
        else if constexpr (std::is_same_v<T, Timestamp>)
          bind_timestamp(index, v);
        else if constexpr (std::is_same_v<T, TimeOfDay>)
          bind_time(index, v);
        else if constexpr (std::is_same_v<T, Decimal>)
          bind_decimal(index, v.text);
        else if constexpr (std::is_same_v<T, JsonText>)
          bind_json(index, v.text);
        else
          bind_uuid(index, v);
      },
      value.storage());
}

bool Statement::read_member_rows(std::span<const Member> members, int first,
                                 void* (*next_object)(void* out), void* out, void*& object,
                                 std::size_t& at) {
  return member_rows(*this, members, first, next_object, out, object, at);
}

std::size_t Statement::read_members(std::span<const Member>, int, void*) {
  return 0;
}

void Statement::begin_array(int) {
  throw ArgumentError("this database driver cannot bind a list of values as one parameter");
}

void Statement::end_array() {
  throw ArgumentError("this database driver cannot bind a list of values as one parameter");
}

namespace {
[[noreturn]] void no_result() {
  throw ProgrammingError("a row writer has no result to run or read");
}
}  // namespace

void RowWriter::execute(bool) {
  no_result();
}
bool RowWriter::send() {
  no_result();
}
bool RowWriter::next() {
  no_result();
}
std::int64_t RowWriter::rows_affected() const {
  no_result();
}
void RowWriter::reset() {
  no_result();
}
int RowWriter::column_count() const {
  no_result();
}
std::string_view RowWriter::column_name(int) const {
  no_result();
}
bool RowWriter::is_null(int) {
  no_result();
}
bool RowWriter::get_bool(int) {
  no_result();
}
std::int64_t RowWriter::get_int64(int) {
  no_result();
}
double RowWriter::get_double(int) {
  no_result();
}
std::string_view RowWriter::get_text(int) {
  no_result();
}
std::span<const std::uint8_t> RowWriter::get_blob(int) {
  no_result();
}
Value RowWriter::get_value(int) {
  no_result();
}

void Statement::record(int index, std::string shown) {
  if (recorded_.size() <= static_cast<std::size_t>(index)) recorded_.resize(index + 1);
  recorded_[index] = std::move(shown);
}

std::string Statement::describe_parameters() const {
  std::string out = "(";
  for (std::size_t i = 0; i < recorded_.size(); ++i) {
    if (i) out += ", ";
    out += recorded_[i];
  }
  return out + ")";
}

namespace {

struct Registered {
  std::string backend;
  std::vector<std::string> names;
  Driver* driver;
};

// Filled by static initializers of the dialect libraries, read afterwards.
std::vector<Registered>& drivers() {
  static std::vector<Registered> all;
  return all;
}
std::mutex& drivers_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void register_driver(std::string backend, std::vector<std::string> driver_names, Driver& driver) {
  std::lock_guard lock(drivers_mutex());
  drivers().push_back({std::move(backend), std::move(driver_names), &driver});
}

Driver& find_driver(const URL& url) {
  std::lock_guard lock(drivers_mutex());
  std::string known;
  for (const auto& r : drivers()) {
    if (r.backend == url.backend() &&
        std::find(r.names.begin(), r.names.end(), url.driver()) != r.names.end())
      return *r.driver;
    known += (known.empty() ? "" : ", ") + r.backend;
  }
  const std::string scheme = url.backend() + (url.driver().empty() ? "" : "+" + url.driver());
  throw ArgumentError(
      "unknown database backend '" + scheme + "'; known: " +
      (known.empty() ? "none (link a dialect library, e.g. Retort::sqlite)" : known));
}

}  // namespace retort::driver
