// A message type's own generated setters and getters, for mappings to call instead of
// protobuf reflection (which costs several times more per field).
//
// protoc-gen-retort writes them next to protoc's C++ output: for user.proto, user.retort.h
// includes user.pb.h and specialises Accessors for each message. Include the .retort.h
// wherever a mapping for one of its messages is defined:
//
//   #include "proto/user.retort.h"   // rather than proto/user.pb.h
//   const auto m = rt::proto::mapping<User, pb::User>()...;
//
// In CMake, retort_proto_accessors(<target> <out dir> <protos...>) generates them.
// Without them a mapping does the same work through reflection.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

namespace retort::proto {

// The generated accessors of one field. Only the entries for the field's kind are set:
// strings and bytes, the scalar widths the typed rules use, singular messages, repeated
// messages; `has` for scalars with presence (proto3 optional), `clear` for every field.
struct FieldAccess {
  using Message = google::protobuf::Message;
  int number = 0;
  void (*set_string)(Message&, const std::string&) = nullptr;
  const std::string& (*string)(const Message&) = nullptr;
  void (*set_int64)(Message&, std::int64_t) = nullptr;
  std::int64_t (*int64)(const Message&) = nullptr;
  void (*set_int32)(Message&, std::int32_t) = nullptr;
  std::int32_t (*int32)(const Message&) = nullptr;
  void (*set_double)(Message&, double) = nullptr;
  double (*double_)(const Message&) = nullptr;
  void (*set_bool)(Message&, bool) = nullptr;
  bool (*bool_)(const Message&) = nullptr;
  bool (*has)(const Message&) = nullptr;
  Message* (*mutable_message)(Message&) = nullptr;
  const Message* (*message)(const Message&) = nullptr;  // nullptr when the field is unset
  Message* (*add)(Message&) = nullptr;
  int (*size)(const Message&) = nullptr;
  const Message& (*at)(const Message&, int) = nullptr;
  void (*clear)(Message&) = nullptr;
};

// Specialised by the generated .retort.h with `static constexpr FieldAccess fields[]`.
template <class Message>
struct Accessors {};

// The generated accessors of field `number` of Message; nullptr when there are none.
template <class Message>
const FieldAccess* accessors_of(int number) {
  if constexpr (requires { Accessors<Message>::fields; }) {
    for (const FieldAccess& f : Accessors<Message>::fields) {
      if (f.number == number) return &f;
    }
  }
  return nullptr;
}

}  // namespace retort::proto
