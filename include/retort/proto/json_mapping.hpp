// Mapping JSON objects to protobuf messages and back, as mercator maps plain dicts: the
// same conversions as rt::proto::Mapping, with object keys in place of members.
//
//   const auto token_json = rt::proto::json_mapping<pb::User::AuthToken>().key("value", "data");
//   const auto user_json = rt::proto::json_mapping<pb::User>()
//                              .key("uuid", "id")              // field <- key, renamed
//                              .key("username", "login")
//                              .list("tokens", "tokens", token_json);
//   pb::User msg = user_json.to_proto(nlohmann::json::parse(body));   // email by its name
//   nlohmann::json back = user_json.to_json(msg);                  // keys as they came in
//
// Every field that holds one value (scalars, enums, Timestamp, Struct, wrappers) and every
// repeated scalar maps implicitly from the key of its own name; a key the object lacks
// (or holds null) leaves the field unset. Nested and repeated messages need a sub-mapping.
// Errors name the path (User.tokens[1].created_at) and the value's type; definition
// errors list the message's fields.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "retort/proto/path.hpp"

namespace retort::proto {

namespace detail {

// The descriptor-driven part shared by every JsonMapping<Message>.
class JsonRules {
 public:
  explicit JsonRules(const google::protobuf::Descriptor* message);
  void key(const std::string& field, const std::string& source);
  void nested(const std::string& field, const std::string& source,
              std::shared_ptr<const JsonRules> sub, bool repeated);
  void skip(const std::string& field);

  void fill(const nlohmann::json& object, google::protobuf::Message& out, const Path& path,
            int depth) const;
  nlohmann::json read(const google::protobuf::Message& message, int depth) const;
  const google::protobuf::Descriptor* descriptor() const { return descriptor_; }

 private:
  struct Rule {
    const google::protobuf::FieldDescriptor* field;
    std::string source;
    std::shared_ptr<const JsonRules> sub;  // for message fields
  };
  void replace(Rule rule);
  const google::protobuf::Descriptor* descriptor_;
  std::vector<Rule> rules_;
};

}  // namespace detail

template <class Message>
class JsonMapping {
 public:
  JsonMapping() : rules_(std::make_shared<detail::JsonRules>(Message::descriptor())) {}

  // Field <- the object's key `source`, converting.
  JsonMapping key(const std::string& field, const std::string& source) const {
    return change([&](detail::JsonRules& r) { r.key(field, source); });
  }
  // A nested message from an object under `source`.
  template <class Sub>
  JsonMapping key(const std::string& field, const std::string& source,
                  const JsonMapping<Sub>& sub) const {
    return change([&](detail::JsonRules& r) { r.nested(field, source, sub.rules_, false); });
  }
  // A repeated message from an array of objects under `source`.
  template <class Sub>
  JsonMapping list(const std::string& field, const std::string& source,
                   const JsonMapping<Sub>& sub) const {
    return change([&](detail::JsonRules& r) { r.nested(field, source, sub.rules_, true); });
  }
  JsonMapping skip(const std::string& field) const {
    return change([&](detail::JsonRules& r) { r.skip(field); });
  }

  // rt::DataError naming the path when the input is not an object or a value cannot convert.
  Message to_proto(const nlohmann::json& object) const {
    Message out;
    rules_->fill(object, out, Path{nullptr, &Message::descriptor()->name()}, 0);
    return out;
  }
  // An object with the mapping's keys: bytes as base64, Timestamps as RFC 3339 text, JSON
  // fields as JSON; unset fields are left out.
  nlohmann::json to_json(const Message& message) const { return rules_->read(message, 0); }

 private:
  template <class F>
  JsonMapping change(F&& edit) const {
    JsonMapping out(*this);
    auto copy = std::make_shared<detail::JsonRules>(*rules_);
    edit(*copy);
    out.rules_ = std::move(copy);
    return out;
  }
  template <class>
  friend class JsonMapping;
  std::shared_ptr<const detail::JsonRules> rules_;
};

template <class Message>
JsonMapping<Message> json_mapping() {
  return JsonMapping<Message>();
}

}  // namespace retort::proto
