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

namespace retort::proto {

// The generated accessors of one message field, for the rules that keep them behind a
// pointer (nested messages and lists). Only the entries for the field's kind are set.
struct FieldAccess {
  using Message = google::protobuf::Message;
  int number = 0;
  Message* (*mutable_message)(Message&) = nullptr;
  const Message* (*message)(const Message&) = nullptr;  // nullptr when the field is unset
  Message* (*add)(Message&) = nullptr;
  int (*size)(const Message&) = nullptr;
  const Message& (*at)(const Message&, int) = nullptr;
  void (*clear)(Message&) = nullptr;
};

// Specialised by the generated .retort.h for each message. For each field the mappings
// use, a `struct field_N` (N the field number) of static functions that call the
// message's own accessors, so a mapping's rule compiles them inline:
//   strings, bytes, int64, int32, double, bool: set(m, v), get(m), has(m) when the field
//     has presence (proto3 optional), clear(m), and `utf8` (true) on a string field that
//     carries only UTF-8 (proto3's; the mapping checks the text it sets there);
//   singular messages: mut(m), message(m) (nullptr when unset), clear(m);
//   repeated messages: add(m), size(m), at(m, i), clear(m).
// Each field_N has its position among them as `index`; `count` is how many there are.
// `visit(number, f)` calls f(field_N{}) for the field of that number, if it has one,
// `for_each(f)` calls f with each in turn, and `fields` lists the message kinds as
// FieldAccess.
template <class Message>
struct Accessors {};

// Whether protoc-gen-retort wrote accessors for Message.
template <class Message>
concept generated = requires {
  Accessors<Message>::visit(0, [](auto) {});
};

// The generated accessors of message field `number` of Message; nullptr when there are
// none.
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
