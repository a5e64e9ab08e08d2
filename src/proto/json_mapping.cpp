// JSON objects to messages through the same field conversions as the model mappings.
#include "retort/proto/json_mapping.hpp"

#include <limits>

#include "retort/core/json_value.hpp"
#include "retort/proto/mapping.hpp"

namespace retort::proto::detail {
namespace {

using FD = pb::FieldDescriptor;
constexpr int kMaxDepth = 32;

Value from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value();
    case nlohmann::json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return Value(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::json::value_t::string:
      return Value(j.get<std::string>());
    default:
      return Value(JsonText{j.dump()});
  }
}

// A JSON value for a field that holds one value: an array or object only for the JSON
// well-known types (Struct, Value, ListValue); errors name the path.
Value field_value(const nlohmann::json& j, const FD* field, const Path& at) {
  const pb::Descriptor* d = field->message_type();
  const bool json_type = d && (d == pb::Struct::descriptor() || d == pb::Value::descriptor() ||
                               d == pb::ListValue::descriptor());
  if (j.is_structured() && !json_type) {
    throw DataError(at.str() + ": a JSON " + j.type_name() + " cannot fill the field " +
                    field->full_name());
  }
  const bool floating =
      field->cpp_type() == FD::CPPTYPE_DOUBLE || field->cpp_type() == FD::CPPTYPE_FLOAT;
  if (floating && j.is_string()) {
    // Protobuf's JSON writes these three as strings.
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN") return Value(std::numeric_limits<double>::quiet_NaN());
    if (s == "Infinity") return Value(std::numeric_limits<double>::infinity());
    if (s == "-Infinity") return Value(-std::numeric_limits<double>::infinity());
  }
  try {
    return from_json(j);
  } catch (const Error& e) {
    throw DataError(at.str() + ": " + e.what());
  }
}

// Protobuf's JSON writes timestamps in UTC ("Z") and NaN as "NaN".
nlohmann::json to_json(const Value& v) {
  return retort::detail::json_value(v, true);
}

bool implicit(const FD* f) {
  return holds_value(f) && !(f->is_repeated() && f->cpp_type() == FD::CPPTYPE_MESSAGE);
}

}  // namespace

JsonRules::JsonRules(const pb::Descriptor* message) : descriptor_(message) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FD* f = message->field(i);
    if (implicit(f)) rules_.push_back({f, f->name(), nullptr});
  }
}

void JsonRules::replace(Rule rule) {
  std::erase_if(rules_, [&](const Rule& r) { return r.field == rule.field; });
  rules_.push_back(std::move(rule));
}

void JsonRules::key(const std::string& field, const std::string& source) {
  const FD* f = find_field(descriptor_, field, descriptor_->name());
  if (!implicit(f)) {
    mapping_error(descriptor_, "field '" + field + "' is a " +
                                   (f->is_repeated() ? "repeated " : "") +
                                   f->message_type()->full_name() + " and needs a sub-mapping");
  }
  replace({f, source, nullptr});
}

void JsonRules::nested(const std::string& field, const std::string& source,
                       std::shared_ptr<const JsonRules> sub, bool repeated) {
  const FD* f = find_field(descriptor_, field, descriptor_->name());
  if (f->message_type() != sub->descriptor() || f->is_repeated() != repeated) {
    mapping_error(descriptor_, "field '" + field + "' is not " + (repeated ? "a repeated " : "a ") +
                                   sub->descriptor()->full_name() + " (the sub-mapping's message)");
  }
  replace({f, source, std::move(sub)});
}

void JsonRules::skip(const std::string& field) {
  const FD* f = find_field(descriptor_, field, descriptor_->name());
  std::erase_if(rules_, [f](const Rule& r) { return r.field == f; });
}

void JsonRules::fill(const nlohmann::json& object, pb::Message& out, const Path& path,
                     int depth) const {
  if (depth > kMaxDepth)
    throw DataError(path.str() + ": mappings nest deeper than " + std::to_string(kMaxDepth) +
                    " levels (a cycle?)");
  if (!object.is_object())
    throw DataError(path.str() + ": a JSON object is needed, not " +
                    std::string(object.type_name()));
  const auto* refl = out.GetReflection();
  for (const Rule& r : rules_) {
    const auto it = object.find(r.source);
    if (it == object.end() || it->is_null()) continue;
    const Path at{&path, &r.field->name()};
    if (r.sub && r.field->is_repeated()) {
      if (!it->is_array())
        throw DataError(at.str() + ": a JSON array is needed, not " + std::string(it->type_name()));
      std::size_t i = 0;
      for (const auto& item : *it) {
        r.sub->fill(item, *refl->AddMessage(&out, r.field),
                    Path{&at, nullptr, static_cast<long>(i++)}, depth + 1);
      }
    } else if (r.sub) {
      r.sub->fill(*it, *refl->MutableMessage(&out, r.field), at, depth + 1);
    } else if (r.field->is_repeated()) {
      if (!it->is_array())
        throw DataError(at.str() + ": a JSON array is needed, not " + std::string(it->type_name()));
      std::vector<Value> values;
      long i = 0;
      for (const auto& item : *it)
        values.push_back(field_value(item, r.field, Path{&at, nullptr, i++}));
      set_repeated(out, r.field, values, at);
    } else {
      set_field(out, r.field, field_value(*it, r.field, at), at);
    }
  }
}

nlohmann::json JsonRules::read(const pb::Message& message, int depth) const {
  if (depth > kMaxDepth)
    throw DataError(descriptor_->name() + ": mappings nest deeper than " +
                    std::to_string(kMaxDepth) + " levels (a cycle?)");
  const auto* refl = message.GetReflection();
  nlohmann::json out = nlohmann::json::object();
  for (const Rule& r : rules_) {
    if (r.sub && r.field->is_repeated()) {
      nlohmann::json list = nlohmann::json::array();
      for (int i = 0, n = refl->FieldSize(message, r.field); i < n; ++i)
        list.push_back(r.sub->read(refl->GetRepeatedMessage(message, r.field, i), depth + 1));
      out[r.source] = std::move(list);
    } else if (r.sub) {
      if (refl->HasField(message, r.field))
        out[r.source] = r.sub->read(refl->GetMessage(message, r.field), depth + 1);
    } else if (r.field->is_repeated()) {
      nlohmann::json list = nlohmann::json::array();
      for (const Value& v : get_repeated(message, r.field))
        list.push_back(to_json(v));
      out[r.source] = std::move(list);
    } else if (const Value v = get_field(message, r.field); !v.is_null()) {
      out[r.source] = to_json(v);
    }
  }
  return out;
}

}  // namespace retort::proto::detail
