// Values to and from protobuf fields: scalars with range checks, enums, and the
// well-known types (Timestamp, Struct / Value / ListValue, wrappers).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "retort/proto/mapping.hpp"

namespace retort::proto::detail {

void timestamp_out_of_range(std::int64_t seconds, std::int64_t nanos) {
  throw DataError("a Timestamp of " + std::to_string(seconds) + " s and " + std::to_string(nanos) +
                  " ns is outside the range protobuf allows (0001-01-01 to 9999-12-31)");
}

void check_duration(std::int64_t seconds, std::int64_t nanos) {
  constexpr std::int64_t kMax = 315576000000;
  if (seconds < -kMax || seconds > kMax || nanos < -999999999 || nanos > 999999999 ||
      (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    throw DataError("a Duration of " + std::to_string(seconds) + " s and " + std::to_string(nanos) +
                    " ns is outside the range protobuf allows (±315,576,000,000 s, nanos of the "
                    "seconds' sign)");
  }
}

void time_out_of_range(std::int64_t seconds) {
  throw DataError("the time " + std::to_string(seconds) +
                  " s from the epoch is outside the range of a Timestamp (0001-01-01 to "
                  "9999-12-31)");
}

bool requires_utf8(const pb::FieldDescriptor* f) {
  return f->type() == pb::FieldDescriptor::TYPE_STRING &&
         f->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3;
}

namespace {

// The length of the UTF-8 sequence at p (of n bytes, n > 0, *p not ASCII), or 0 when it is
// not one: the well-formed sequences of the Unicode standard's table 3-7, which leave out
// overlong forms, surrogates and anything above U+10FFFF.
std::size_t utf8_sequence(const unsigned char* p, std::size_t n) {
  const unsigned char c = p[0];
  auto continues = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return continues(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return continues(1, lo, hi) && continues(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return continues(1, lo, hi) && continues(2) && continues(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

void check_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII eight bytes at a time: most text is.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (!(word & 0x8080808080808080ull)) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence(p + i, n - i);
    if (length == 0) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", p[i]);
      throw DataError("holds text that is not UTF-8 (byte " + std::to_string(i + 1) + " of " +
                      std::to_string(n) + " is " + byte +
                      "): a proto3 string field carries only UTF-8, which its receiver checks; "
                      "map the member to a bytes field to carry other bytes");
    }
    i += length;
  }
}

namespace {

using FD = pb::FieldDescriptor;

std::string enum_names(const pb::EnumDescriptor* e) {
  std::string names;
  for (int i = 0; i < e->value_count(); ++i)
    names += (i ? ", " : "") + e->value(i)->name();
  return names;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// ContentType -> CONTENT_TYPE: the prefix protobuf's style guide puts on enum values.
std::string value_prefix(const std::string& enum_name) {
  std::string out;
  for (std::size_t i = 0; i < enum_name.size(); ++i) {
    const auto c = static_cast<unsigned char>(enum_name[i]);
    if (i > 0 && std::isupper(c) && !std::isupper(static_cast<unsigned char>(enum_name[i - 1])))
      out += '_';
    out += static_cast<char>(std::toupper(c));
  }
  return out + "_";
}

}  // namespace

const pb::EnumValueDescriptor* find_enum_value(const pb::EnumDescriptor* e, std::string_view name) {
  if (const auto* v = e->FindValueByName(std::string(name))) return v;
  const std::string up = upper(name);
  if (const auto* v = e->FindValueByName(up)) return v;
  return e->FindValueByName(value_prefix(e->name()) + up);
}

bool is_json_null(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  return first != std::string_view::npos && text.substr(first, last - first + 1) == "null";
}

Value enum_value_name(const pb::EnumDescriptor* e, int number) {
  if (const auto* v = e->FindValueByNumber(number)) return Value(v->name());
  throw DataError(std::to_string(number) + " is not a value of " + e->full_name() + " (" +
                  enum_names(e) + ")");
}

namespace {

// A uint64 field's value as Value's signed integer; rt::DataError above INT64_MAX (the
// callers add the path).
Value signed_value(std::uint64_t n) {
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw DataError(std::to_string(n) + " does not fit a 64-bit signed integer");
  return Value(static_cast<std::int64_t>(n));
}

[[noreturn]] void cannot(const Path& path, const Value& v, const FD* f,
                         const std::string& why = {}) {
  const std::string type = to_string(v.type());
  const char* article =
      std::string_view("aeiou").find(type[0]) == std::string_view::npos ? "a " : "an ";
  throw DataError(path.str() + ": " + article + type + " value cannot fill the " + f->type_name() +
                  " field " + f->full_name() + (why.empty() ? "" : " (" + why + ")"));
}

bool is_timestamp(const pb::Descriptor* d) {
  return d == pb::Timestamp::descriptor();
}
bool is_json(const pb::Descriptor* d) {
  return d == pb::Struct::descriptor() || d == pb::Value::descriptor() ||
         d == pb::ListValue::descriptor();
}
// google.protobuf.Int64Value and friends: a message with one field "value".
bool is_wrapper(const pb::Descriptor* d) {
  return d->file()->name() == "google/protobuf/wrappers.proto";
}

std::int64_t to_int(const Value& v, const Path& path, const FD* f) {
  switch (v.type()) {
    case ValueType::integer:
      return v.get<std::int64_t>();
    case ValueType::boolean:
      return v.get<bool>() ? 1 : 0;
    case ValueType::text: {
      const std::string& s = v.get<std::string>();
      std::int64_t out = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || end != s.data() + s.size())
        cannot(path, v, f, "'" + s + "' is not an integer");
      return out;
    }
    default:
      cannot(path, v, f);
  }
}

template <class I>
I in_range(std::int64_t n, const Value& v, const Path& path, const FD* f) {
  if constexpr (std::is_unsigned_v<I>) {
    if (n < 0 || static_cast<std::uint64_t>(n) > std::numeric_limits<I>::max()) {
      cannot(path, v, f, std::to_string(n) + " is out of range");
    }
  } else if (n < std::numeric_limits<I>::min() || n > std::numeric_limits<I>::max()) {
    cannot(path, v, f, std::to_string(n) + " is out of range");
  }
  return static_cast<I>(n);
}

double to_double(const Value& v, const Path& path, const FD* f) {
  switch (v.type()) {
    case ValueType::integer:
      return static_cast<double>(v.get<std::int64_t>());
    case ValueType::real:
      return v.get<double>();
    case ValueType::decimal:
    case ValueType::text:
      try {
        return v.as<double>();
      } catch (const Error&) {
        cannot(path, v, f);
      }
    default:
      cannot(path, v, f);
  }
}

std::string to_text(const Value& v, const Path& path, const FD* f) {
  switch (v.type()) {
    case ValueType::blob:
      cannot(path, v, f, "bytes do not become a string; map them to a bytes field");
    case ValueType::text:
      return v.get<std::string>();
    case ValueType::integer:
      return std::to_string(v.get<std::int64_t>());
    case ValueType::boolean:
      return v.get<bool>() ? "true" : "false";
    default:
      try {
        return v.as<std::string>();
      } catch (const Error&) {
        cannot(path, v, f);
      }
  }
}

void json_to_value(const nlohmann::json& j, pb::Value& out);
void json_to_struct(const nlohmann::json& j, pb::Struct& out) {
  for (const auto& [k, v] : j.items())
    json_to_value(v, (*out.mutable_fields())[k]);
}
void json_to_list(const nlohmann::json& j, pb::ListValue& out) {
  for (const auto& v : j)
    json_to_value(v, *out.add_values());
}
void json_to_value(const nlohmann::json& j, pb::Value& out) {
  if (j.is_null()) {
    out.set_null_value(pb::NULL_VALUE);
  } else if (j.is_boolean()) {
    out.set_bool_value(j.get<bool>());
  } else if (j.is_number()) {
    out.set_number_value(j.get<double>());
  } else if (j.is_string()) {
    out.set_string_value(j.get<std::string>());
  } else if (j.is_array()) {
    json_to_list(j, *out.mutable_list_value());
  } else {
    json_to_struct(j, *out.mutable_struct_value());
  }
}
nlohmann::json value_to_json(const pb::Value& v);
nlohmann::json struct_to_json(const pb::Struct& s) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : s.fields())
    out[k] = value_to_json(v);
  return out;
}
nlohmann::json list_to_json(const pb::ListValue& l) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : l.values())
    out.push_back(value_to_json(v));
  return out;
}
nlohmann::json value_to_json(const pb::Value& v) {
  switch (v.kind_case()) {
    case pb::Value::kBoolValue:
      return v.bool_value();
    case pb::Value::kNumberValue: {
      const double d = v.number_value();
      // Whole numbers come back as integers, as they most likely went in.
      if (std::trunc(d) == d && std::abs(d) < 9.007199254740992e15)
        return static_cast<std::int64_t>(d);
      return d;
    }
    case pb::Value::kStringValue:
      return v.string_value();
    case pb::Value::kListValue:
      return list_to_json(v.list_value());
    case pb::Value::kStructValue:
      return struct_to_json(v.struct_value());
    default:
      return nullptr;
  }
}

nlohmann::json parse_json(const Value& v, const Path& path, const FD* f) {
  if (v.type() != ValueType::json && v.type() != ValueType::text) cannot(path, v, f);
  const std::string& text =
      v.type() == ValueType::json ? v.get<JsonText>().text : v.get<std::string>();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path.str() + ": not JSON (" + e.what() + ")");
  }
}

void set_message(pb::Message& m, const FD* f, const Value& v, const Path& path) {
  const pb::Descriptor* d = f->message_type();
  const auto* refl = m.GetReflection();
  if (v.is_null()) {
    refl->ClearField(&m, f);
    return;
  }
  pb::Message* sub = refl->MutableMessage(&m, f);
  if (is_timestamp(d)) {
    auto& ts = static_cast<pb::Timestamp&>(*sub);
    if (v.type() == ValueType::integer) {  // epoch seconds
      pb::Timestamp staged;
      staged.set_seconds(v.get<std::int64_t>());
      try {
        (void)from_timestamp(staged);
      } catch (const Error& e) {
        throw DataError(path.str() + ": " + e.what());
      }
      ts = staged;
      return;
    }
    if (v.type() != ValueType::timestamp && v.type() != ValueType::date &&
        v.type() != ValueType::text)
      cannot(path, v, f);
    Timestamp t;
    try {
      t = v.as<Timestamp>();
    } catch (const Error&) {
      cannot(path, v, f);
    }
    try {
      to_timestamp(t, ts);
    } catch (const Error& e) {
      throw DataError(path.str() + ": " + e.what());
    }
  } else if (is_json(d)) {
    const nlohmann::json j = parse_json(v, path, f);
    if (j.is_null() && d != pb::Value::descriptor()) {
      refl->ClearField(&m, f);  // proto3 JSON: null is unset
      return;
    }
    if (d == pb::Struct::descriptor()) {
      if (!j.is_object())
        throw DataError(path.str() + ": a google.protobuf.Struct needs a JSON object, not " +
                        j.type_name());
      json_to_struct(j, static_cast<pb::Struct&>(*sub));
    } else if (d == pb::ListValue::descriptor()) {
      if (!j.is_array())
        throw DataError(path.str() + ": a google.protobuf.ListValue needs a JSON array, not " +
                        j.type_name());
      json_to_list(j, static_cast<pb::ListValue&>(*sub));
    } else {
      json_to_value(j, static_cast<pb::Value&>(*sub));
    }
  } else if (is_wrapper(d)) {
    set_field(*sub, d->FindFieldByName("value"), v, path);
  } else {
    cannot(path, v, f, "a message field needs a sub-mapping");
  }
}

Value get_message(const pb::Message& m, const FD* f) {
  const auto* refl = m.GetReflection();
  if (!refl->HasField(m, f)) return Value();
  const pb::Message& sub = refl->GetMessage(m, f);
  const pb::Descriptor* d = f->message_type();
  if (is_timestamp(d)) return Value(from_timestamp(static_cast<const pb::Timestamp&>(sub)));
  if (d == pb::Struct::descriptor())
    return Value(JsonText{struct_to_json(static_cast<const pb::Struct&>(sub)).dump()});
  if (d == pb::ListValue::descriptor()) {
    return Value(JsonText{list_to_json(static_cast<const pb::ListValue&>(sub)).dump()});
  }
  if (d == pb::Value::descriptor())
    return Value(JsonText{value_to_json(static_cast<const pb::Value&>(sub)).dump()});
  if (is_wrapper(d)) return get_field(sub, d->FindFieldByName("value"));
  throw MappingError(f->full_name() + ": a message field needs a sub-mapping");
}

}  // namespace

void fill_struct(const std::string& text, pb::Struct& out) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("not JSON (") + e.what() + ")");
  }
  if (!j.is_object()) {
    throw DataError(std::string("a google.protobuf.Struct needs a JSON object, not ") +
                    j.type_name());
  }
  json_to_struct(j, out);
}

const pb::Reflection* reflection_of(const pb::Descriptor* message) {
  const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(message);
  if (!prototype) throw MappingError(message->full_name() + " has no generated class");
  return prototype->GetReflection();
}

std::string struct_text(const pb::Struct& s) {
  return struct_to_json(s).dump();
}

bool holds_value(const pb::FieldDescriptor* f) {
  if (f->cpp_type() != FD::CPPTYPE_MESSAGE) return true;
  const pb::Descriptor* d = f->message_type();
  return is_timestamp(d) || is_json(d) || is_wrapper(d);
}

// Whether an enum field can hold numbers its enum does not name (proto3's open enums).
bool open_enum(const FD* f) {
  return f->enum_type()->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3;
}

// A number the mapping keeps for an enum field: an integer, or the decimal text a string
// member holds; nothing when unknown numbers are refused or the enum is closed.
std::optional<int> kept_number(const Value& v, const FD* f, UnknownEnums unknown) {
  if (unknown != UnknownEnums::keep || !open_enum(f)) return std::nullopt;
  std::int64_t n = 0;
  if (v.type() == ValueType::integer) {
    n = v.get<std::int64_t>();
  } else if (v.type() == ValueType::text) {
    const std::string& text = v.get<std::string>();
    const char* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, n);
    if (ec != std::errc() || at != end || text.empty()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (n < std::numeric_limits<std::int32_t>::min() || n > std::numeric_limits<std::int32_t>::max())
    return std::nullopt;
  return static_cast<int>(n);
}

// An enum field's number as its name, or as the number itself when the mapping keeps
// numbers the enum does not define.
Value enum_value(const FD* f, int number, UnknownEnums unknown) {
  if (unknown == UnknownEnums::keep && open_enum(f) && !f->enum_type()->FindValueByNumber(number))
    return Value(static_cast<std::int64_t>(number));
  return enum_value_name(f->enum_type(), number);
}

// One scalar or enum into a singular field (Set) or onto a repeated one (Add): the same
// conversions both ways.
void put_scalar(pb::Message& m, const FD* f, const Value& v, const Path& path, bool add,
                UnknownEnums unknown) {
  const auto* refl = m.GetReflection();
  auto put = [&](auto set, auto append, auto value) {
    add ? (refl->*append)(&m, f, std::move(value)) : (refl->*set)(&m, f, std::move(value));
  };
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      put(&pb::Reflection::SetInt32, &pb::Reflection::AddInt32,
          in_range<std::int32_t>(to_int(v, path, f), v, path, f));
      break;
    case FD::CPPTYPE_INT64:
      put(&pb::Reflection::SetInt64, &pb::Reflection::AddInt64, to_int(v, path, f));
      break;
    case FD::CPPTYPE_UINT32:
      put(&pb::Reflection::SetUInt32, &pb::Reflection::AddUInt32,
          in_range<std::uint32_t>(to_int(v, path, f), v, path, f));
      break;
    case FD::CPPTYPE_UINT64:
      put(&pb::Reflection::SetUInt64, &pb::Reflection::AddUInt64,
          in_range<std::uint64_t>(to_int(v, path, f), v, path, f));
      break;
    case FD::CPPTYPE_DOUBLE:
      put(&pb::Reflection::SetDouble, &pb::Reflection::AddDouble, to_double(v, path, f));
      break;
    case FD::CPPTYPE_FLOAT: {
      const double d = to_double(v, path, f);
      // Finite doubles beyond float's range would become infinities.
      if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
        cannot(path, v, f, "out of the range of a float");
      put(&pb::Reflection::SetFloat, &pb::Reflection::AddFloat, static_cast<float>(d));
      break;
    }
    case FD::CPPTYPE_BOOL:
      if (v.type() == ValueType::boolean) {
        put(&pb::Reflection::SetBool, &pb::Reflection::AddBool, v.get<bool>());
      } else if (v.type() == ValueType::integer &&
                 (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1)) {
        put(&pb::Reflection::SetBool, &pb::Reflection::AddBool, v.get<std::int64_t>() == 1);
      } else {
        cannot(path, v, f);
      }
      break;
    case FD::CPPTYPE_STRING:
      if (f->type() == FD::TYPE_BYTES) {
        if (v.type() == ValueType::blob) {
          const Blob& b = v.get<Blob>();
          put(&pb::Reflection::SetString, &pb::Reflection::AddString,
              std::string(b.begin(), b.end()));
        } else if (v.type() == ValueType::text) {
          put(&pb::Reflection::SetString, &pb::Reflection::AddString, v.get<std::string>());
        } else {
          cannot(path, v, f, "only blobs and strings become bytes");
        }
      } else {
        std::string text = to_text(v, path, f);
        if (requires_utf8(f)) {
          try {
            check_utf8(text);
          } catch (const Error& e) {
            throw DataError(path.str() + ": " + e.what());
          }
        }
        put(&pb::Reflection::SetString, &pb::Reflection::AddString, std::move(text));
      }
      break;
    case FD::CPPTYPE_ENUM: {
      const pb::EnumDescriptor* e = f->enum_type();
      const pb::EnumValueDescriptor* ev = nullptr;
      if (v.type() == ValueType::text) {
        ev = find_enum_value(e, v.get<std::string>());
      } else if (v.type() == ValueType::integer) {
        ev = e->FindValueByNumber(in_range<std::int32_t>(v.get<std::int64_t>(), v, path, f));
      } else {
        cannot(path, v, f);
      }
      if (ev) {
        put(&pb::Reflection::SetEnum, &pb::Reflection::AddEnum, ev);
        break;
      }
      if (const auto number = kept_number(v, f, unknown)) {
        put(&pb::Reflection::SetEnumValue, &pb::Reflection::AddEnumValue, *number);
        break;
      }
      throw DataError(path.str() + ": " + v.repr() + " is not a value of " + e->full_name() + " (" +
                      enum_names(e) + ")");
    }
    case FD::CPPTYPE_MESSAGE:
      cannot(path, v, f, "a message field needs a sub-mapping");
  }
}

void set_field(pb::Message& m, const FD* f, const Value& v, const Path& path,
               UnknownEnums unknown) {
  if (f->cpp_type() == FD::CPPTYPE_MESSAGE) return set_message(m, f, v, path);
  if (v.is_null()) {
    m.GetReflection()->ClearField(&m, f);  // proto3 optional: unset; plain proto3: the default
    return;
  }
  put_scalar(m, f, v, path, false, unknown);
}

Value get_field(const pb::Message& m, const FD* f, UnknownEnums unknown) {
  const auto* refl = m.GetReflection();
  if (f->cpp_type() == FD::CPPTYPE_MESSAGE) return get_message(m, f);
  if (f->has_presence() && !refl->HasField(m, f)) return Value();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return Value(refl->GetInt32(m, f));
    case FD::CPPTYPE_INT64:
      return Value(refl->GetInt64(m, f));
    case FD::CPPTYPE_UINT32:
      return Value(static_cast<std::int64_t>(refl->GetUInt32(m, f)));
    case FD::CPPTYPE_UINT64:
      return signed_value(refl->GetUInt64(m, f));
    case FD::CPPTYPE_DOUBLE:
      return Value(refl->GetDouble(m, f));
    case FD::CPPTYPE_FLOAT:
      return Value(static_cast<double>(refl->GetFloat(m, f)));
    case FD::CPPTYPE_BOOL:
      return Value(refl->GetBool(m, f));
    case FD::CPPTYPE_STRING: {
      std::string s = refl->GetString(m, f);
      if (f->type() == FD::TYPE_BYTES) return Value(Blob(s.begin(), s.end()));
      return Value(std::move(s));
    }
    case FD::CPPTYPE_ENUM:
      // By number: an open enum keeps numbers it has no name for.
      return enum_value(f, refl->GetEnumValue(m, f), unknown);
    case FD::CPPTYPE_MESSAGE:
      break;
  }
  return Value();
}

Value to_member(const Value& v, ValueType kind, const FD* f) {
  if (v.is_null() || v.type() == kind) return v;
  switch (kind) {
    case ValueType::text:
      if (v.type() == ValueType::integer) return std::to_string(v.get<std::int64_t>());
      break;
    case ValueType::integer:
      if (v.type() == ValueType::timestamp) {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   v.get<Timestamp>().time_since_epoch())
            .count();
      }
      if (v.type() == ValueType::text && f->enum_type()) {
        if (const auto* e = find_enum_value(f->enum_type(), v.get<std::string>()))
          return e->number();
        throw DataError("'" + v.get<std::string>() + "' is not a value of " +
                        f->enum_type()->full_name() + " (" + enum_names(f->enum_type()) + ")");
      }
      if (v.type() == ValueType::text) return to_int(v, Path{nullptr, &f->full_name()}, f);
      break;
    default:
      break;
  }
  return v;
}

void set_repeated(pb::Message& m, const FD* f, const std::vector<Value>& values, const Path& path,
                  UnknownEnums unknown) {
  m.GetReflection()->ClearField(&m, f);
  for (std::size_t i = 0; i < values.size(); ++i)
    put_scalar(m, f, values[i], Path{&path, nullptr, static_cast<long>(i)}, true, unknown);
}

std::vector<Value> get_repeated(const pb::Message& m, const FD* f, UnknownEnums unknown) {
  const auto* refl = m.GetReflection();
  std::vector<Value> out;
  const int n = refl->FieldSize(m, f);
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
        out.emplace_back(refl->GetRepeatedInt32(m, f, i));
        break;
      case FD::CPPTYPE_INT64:
        out.emplace_back(refl->GetRepeatedInt64(m, f, i));
        break;
      case FD::CPPTYPE_UINT32:
        out.emplace_back(static_cast<std::int64_t>(refl->GetRepeatedUInt32(m, f, i)));
        break;
      case FD::CPPTYPE_UINT64:
        out.push_back(signed_value(refl->GetRepeatedUInt64(m, f, i)));
        break;
      case FD::CPPTYPE_DOUBLE:
        out.emplace_back(refl->GetRepeatedDouble(m, f, i));
        break;
      case FD::CPPTYPE_FLOAT:
        out.emplace_back(static_cast<double>(refl->GetRepeatedFloat(m, f, i)));
        break;
      case FD::CPPTYPE_BOOL:
        out.emplace_back(refl->GetRepeatedBool(m, f, i));
        break;
      case FD::CPPTYPE_STRING: {
        std::string s = refl->GetRepeatedString(m, f, i);
        if (f->type() == FD::TYPE_BYTES) {
          out.emplace_back(Blob(s.begin(), s.end()));
        } else {
          out.emplace_back(std::move(s));
        }
        break;
      }
      case FD::CPPTYPE_ENUM:
        out.push_back(enum_value(f, refl->GetRepeatedEnumValue(m, f, i), unknown));
        break;
      case FD::CPPTYPE_MESSAGE:
        throw MappingError(f->full_name() + ": a repeated message field needs a sub-mapping");
    }
  }
  return out;
}

bool compatible(ValueType kind, const FD* f, std::string& why) {
  using enum ValueType;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
    case FD::CPPTYPE_INT64:
    case FD::CPPTYPE_UINT32:
    case FD::CPPTYPE_UINT64:
      why = "an integer field takes integers, booleans and numeric strings";
      return kind == integer || kind == boolean || kind == text;
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT:
      why = "a floating-point field takes numbers";
      return kind == integer || kind == real || kind == decimal;
    case FD::CPPTYPE_BOOL:
      why = "a bool field takes booleans";
      return kind == boolean;
    case FD::CPPTYPE_ENUM:
      why = "an enum field takes value names or numbers";
      return kind == text || kind == integer;
    case FD::CPPTYPE_STRING:
      if (f->type() == FD::TYPE_BYTES) {
        why = "a bytes field takes blobs and strings, never integers";
        return kind == blob || kind == text;
      }
      why = "bytes do not become a string";
      return kind != blob;
    case FD::CPPTYPE_MESSAGE: {
      const pb::Descriptor* d = f->message_type();
      if (is_timestamp(d)) {
        why = "a Timestamp takes time points, dates, ISO 8601 text and integer epoch seconds";
        return kind == timestamp || kind == date || kind == integer || kind == text;
      }
      if (is_json(d)) {
        why = "a Struct, Value or ListValue takes JSON";
        return kind == json || kind == text;
      }
      if (is_wrapper(d)) return compatible(kind, d->FindFieldByName("value"), why);
      why =
          "a message field needs a sub-mapping: .key(field, &T::one, mapping) or .list(field, "
          "&T::many, mapping)";
      return false;
    }
  }
  return false;
}

std::string describe_fields(const pb::Descriptor* d) {
  std::string out;
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    out += (i ? ", " : "") + f->name() + " (" + (f->is_repeated() ? "repeated " : "") +
           (f->cpp_type() == FD::CPPTYPE_MESSAGE ? f->message_type()->full_name()
            : f->cpp_type() == FD::CPPTYPE_ENUM  ? f->enum_type()->full_name()
                                                 : std::string(f->type_name())) +
           ")";
  }
  return out;
}

void mapping_error(const pb::Descriptor* d, const std::string& what) {
  throw MappingError("mapping to " + d->full_name() + ": " + what +
                     "; its fields are: " + describe_fields(d));
}

const FD* find_field(const pb::Descriptor* d, const std::string& name, const std::string&) {
  const FD* f = d->FindFieldByName(name);
  if (!f) mapping_error(d, "no field named '" + name + "'");
  return f;
}

}  // namespace retort::proto::detail

namespace retort::proto {

std::string Path::str() const {
  if (!parent) return name ? *name : std::string();
  if (index >= 0) return parent->str() + "[" + std::to_string(index) + "]";
  return parent->str() + "." + *name;
}

}  // namespace retort::proto
