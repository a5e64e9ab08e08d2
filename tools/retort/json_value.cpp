#include "json_value.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "retort/core/error.hpp"

namespace retort::cli {
namespace {

std::string base64(const Blob& data) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = data[i] << 16;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned v = data[i] << 16 | data[i + 1] << 8;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string quoted(const std::string& text) {
  return '"' + text + '"';
}

// Copies a JSON document compactly. Going through nlohmann's DOM instead would sort the
// keys and round numbers through double (12345678901234567890123 would not survive); the
// SAX events keep each number's own spelling and the keys in their stored order.
class CompactCopy final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return scalar("null"); }
  bool boolean(bool v) override { return scalar(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return scalar(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& text) override { return scalar(text); }
  bool string(string_t& v) override { return scalar(json_string(v)); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open('{'); }
  bool end_object() override { return close('}'); }
  bool start_array(std::size_t) override { return open('['); }
  bool end_array() override { return close(']'); }
  bool key(string_t& k) override {
    if (comma_) out_ += ',';
    out_ += json_string(k);
    out_ += ':';
    after_key_ = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  std::string take() { return std::move(out_); }

 private:
  void separate() {
    if (comma_ && !after_key_) out_ += ',';
    after_key_ = false;
  }
  bool scalar(const std::string& text) {
    separate();
    out_ += text;
    comma_ = true;
    return true;
  }
  bool open(char c) {
    separate();
    out_ += c;
    comma_ = false;
    return true;
  }
  bool close(char c) {
    out_ += c;
    comma_ = true;
    return true;
  }

  std::string out_;
  bool comma_ = false;
  bool after_key_ = false;
};

std::string json_document(const std::string& text) {
  CompactCopy copy;
  if (!nlohmann::json::sax_parse(text, &copy)) return json_string(text);
  return copy.take();
}

std::string json_real(double d) {
  if (std::isnan(d)) return "\"NaN\"";
  if (std::isinf(d)) return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return nlohmann::json(d).dump();
}

}  // namespace

std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_value(const Value& stored, const Type& type) {
  Value v = stored;
  try {
    v = type.from_db(stored);
  } catch (const Error&) {
    // Written as stored: SQLite lets any column hold anything.
  }
  switch (v.type()) {
    case ValueType::null:
      return "null";
    case ValueType::boolean:
      return v.get<bool>() ? "true" : "false";
    case ValueType::integer:
      return std::to_string(v.get<std::int64_t>());
    case ValueType::real:
      return json_real(v.get<double>());
    case ValueType::text:
      return json_string(v.get<std::string>());
    case ValueType::blob:
      return quoted(base64(v.get<Blob>()));
    case ValueType::date:
      return quoted(format_date(v.get<std::chrono::year_month_day>()));
    case ValueType::timestamp:
      return quoted(isoformat(v.get<Timestamp>()) + (type.timezone() ? "Z" : ""));
    case ValueType::time:
      return quoted(isoformat(v.get<TimeOfDay>()));
    case ValueType::decimal:
      return json_string(v.get<Decimal>().text);
    case ValueType::json:
      return json_document(v.get<JsonText>().text);
    case ValueType::uuid:
      return quoted(v.get<Uuid>().str());
  }
  return "null";
}

}  // namespace retort::cli
