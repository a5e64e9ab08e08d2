// How a mapping fills one message field from an object and the object from it (internal
// to rt::proto, in a header because mappings are templates).
//
// Every field gets a general rule that converts through rt::Value, so any member type
// meets any field type it can convert to. The common exact pairs (a string member and a
// string field, a time point and a Timestamp, a JSON column and a Struct, ...) then get
// a typed rule that reads and writes the member directly, as hand-written code would,
// and falls back to the general rule for anything else (an absent field, say).
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <functional>
#include <typeindex>

#include "retort/core/error.hpp"
#include "retort/core/value.hpp"
#include "retort/proto/path.hpp"

namespace retort::proto::detail {

namespace pb = google::protobuf;

struct Rule {
  const pb::FieldDescriptor* field = nullptr;
  std::function<void(const void* object, pb::Message& message, const Path& path, int depth)> to;
  std::function<void(void* object, const pb::Message& message, const Path& path, int depth)> from;
};

// JSON text into a Struct; rt::DataError naming the path when it is not a JSON object.
void fill_struct(const std::string& json, pb::Struct& out, const Path& path);
// A Struct as JSON text.
std::string struct_text(const pb::Struct& s);
// The reflection of the generated class for a message type, looked up once per rule:
// Message::GetReflection() costs a thread-local once-check on every call.
const pb::Reflection* reflection_of(const pb::Descriptor* message);

// Calls f.template operator()<M>() for the member types that have typed rules.
template <class F>
void dispatch_member_type(std::type_index type, F&& f) {
  if (type == typeid(std::string)) f.template operator()<std::string>();
  if (type == typeid(Uuid)) f.template operator()<Uuid>();
  if (type == typeid(Timestamp)) f.template operator()<Timestamp>();
  if (type == typeid(JsonText)) f.template operator()<JsonText>();
  if (type == typeid(std::int64_t)) f.template operator()<std::int64_t>();
  if (type == typeid(std::int32_t)) f.template operator()<std::int32_t>();
  if (type == typeid(double)) f.template operator()<double>();
  if (type == typeid(bool)) f.template operator()<bool>();
}

// The reflection setter and getter for a scalar member type of the same width.
template <class M>
struct Scalar {
  static constexpr bool known = false;
};
#define RETORT_PROTO_SCALAR(M, CPP, NAME)                    \
  template <>                                                \
  struct Scalar<M> {                                         \
    static constexpr bool known = true;                      \
    static constexpr auto type = pb::FieldDescriptor::CPP;   \
    static constexpr auto set = &pb::Reflection::Set##NAME;  \
    static constexpr auto read = &pb::Reflection::Get##NAME; \
  };
RETORT_PROTO_SCALAR(std::int64_t, CPPTYPE_INT64, Int64)
RETORT_PROTO_SCALAR(std::int32_t, CPPTYPE_INT32, Int32)
RETORT_PROTO_SCALAR(double, CPPTYPE_DOUBLE, Double)
RETORT_PROTO_SCALAR(bool, CPPTYPE_BOOL, Bool)
#undef RETORT_PROTO_SCALAR

// The typed rule for member type M and this field, or `general` unchanged when the pair
// has none. get(object) and mut(object) reach the member.
template <class M, class Get, class Mut>
Rule typed_rule(const pb::FieldDescriptor* f, Get get, Mut mut, Rule general) {
  using FD = pb::FieldDescriptor;
  if (f->is_repeated()) return general;
  Rule r = general;
  const auto cpp = f->cpp_type();
  const pb::Reflection* refl = reflection_of(f->containing_type());
  if constexpr (std::is_same_v<M, std::string>) {
    if (cpp != FD::CPPTYPE_STRING) return general;
    r.to = [f, refl, get](const void* o, pb::Message& m, const Path&, int) {
      refl->SetString(&m, f, get(o));
    };
    r.from = [f, refl, mut](void* o, const pb::Message& m, const Path&, int) {
      mut(o) = refl->GetString(m, f);
    };
  } else if constexpr (std::is_same_v<M, Uuid>) {
    if (cpp != FD::CPPTYPE_STRING || f->type() == FD::TYPE_BYTES) return general;
    r.to = [f, refl, get](const void* o, pb::Message& m, const Path&, int) {
      refl->SetString(&m, f, get(o).str());
    };
    r.from = [f, refl, mut, from = general.from](void* o, const pb::Message& m, const Path& path,
                                                 int depth) {
      std::string scratch;
      const std::string& text = refl->GetStringReference(m, f, &scratch);
      if (!Uuid::try_parse(text, mut(o))) from(o, m, path, depth);  // the error, named
    };
  } else if constexpr (std::is_same_v<M, Timestamp>) {
    if (f->message_type() != pb::Timestamp::descriptor()) return general;
    r.to = [f, refl, get](const void* o, pb::Message& m, const Path&, int) {
      const std::int64_t us = get(o).time_since_epoch().count();
      std::int64_t seconds = us / 1000000, rest = us % 1000000;
      if (rest < 0) {
        rest += 1000000;
        --seconds;
      }
      auto& ts = static_cast<pb::Timestamp&>(*refl->MutableMessage(&m, f));
      ts.set_seconds(seconds);
      ts.set_nanos(static_cast<std::int32_t>(rest * 1000));
    };
    r.from = [f, refl, mut, from = general.from](void* o, const pb::Message& m, const Path& path,
                                                 int depth) {
      if (!refl->HasField(m, f)) return from(o, m, path, depth);
      const auto& ts = static_cast<const pb::Timestamp&>(refl->GetMessage(m, f));
      mut(o) = Timestamp(std::chrono::microseconds(ts.seconds() * 1000000 + ts.nanos() / 1000));
    };
  } else if constexpr (std::is_same_v<M, JsonText>) {
    if (f->message_type() != pb::Struct::descriptor()) return general;
    r.to = [f, refl, get](const void* o, pb::Message& m, const Path& path, int) {
      fill_struct(get(o).text, static_cast<pb::Struct&>(*refl->MutableMessage(&m, f)), path);
    };
    r.from = [f, refl, mut, from = general.from](void* o, const pb::Message& m, const Path& path,
                                                 int depth) {
      if (!refl->HasField(m, f)) return from(o, m, path, depth);
      mut(o).text = struct_text(static_cast<const pb::Struct&>(refl->GetMessage(m, f)));
    };
  } else if constexpr (Scalar<M>::known) {
    // Same-typed scalars: the member's value goes straight through the setter / getter.
    if (cpp != Scalar<M>::type) return general;
    r.to = [f, refl, get](const void* o, pb::Message& m, const Path&, int) {
      (refl->*Scalar<M>::set)(&m, f, get(o));
    };
    r.from = [f, refl, mut](void* o, const pb::Message& m, const Path&, int) {
      mut(o) = (refl->*Scalar<M>::read)(m, f);
    };
  } else {
    return general;
  }
  // A scalar field that can be absent (proto3 optional) reads through the general rule,
  // which tells absent from zero.
  if (cpp != FD::CPPTYPE_MESSAGE && f->has_presence()) r.from = general.from;
  return r;
}

}  // namespace retort::proto::detail
