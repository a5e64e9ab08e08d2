// How a mapping fills one message field from an object and the object from it (internal
// to rt::proto, in a header because mappings are templates).
//
// Every field gets a general rule that converts through rt::Value, so any member type
// meets any field type it can convert to. The common exact pairs (a string member and a
// string field, a time point and a Timestamp, a JSON column and a Struct, ...) then get
// a typed rule that reads and writes the member directly, as hand-written code would,
// and falls back to the general rule for anything else (an absent field, say). A typed
// rule calls the message's generated accessors when protoc-gen-retort wrote them, and
// protobuf reflection otherwise.
#pragma once

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <functional>
#include <limits>
#include <optional>
#include <typeindex>
#include <vector>

#include "retort/core/error.hpp"
#include "retort/core/value.hpp"
#include "retort/proto/accessors.hpp"
#include "retort/proto/path.hpp"

namespace retort::proto::detail {

namespace pb = google::protobuf;

struct Rule {
  const pb::FieldDescriptor* field = nullptr;
  std::function<void(const void* object, pb::Message& message, const Path& path, int depth)> to;
  std::function<void(void* object, const pb::Message& message, const Path& path, int depth)> from;
  // update() reads into a staged object first, then moves what `from` wrote onto the real
  // one; after every rule's prepare() succeeded, no commit() fails.
  std::function<void(void* target, void* staged)> commit;
  // Loads what commit() will replace (a relationship not loaded yet).
  std::function<void(void* target)> prepare;
  // A to-one relationship's rule: FieldMask paths into it ("author.username") change the
  // object it refers to; checks and reads now, and returns what applies the change.
  std::function<std::function<void()>(void* target, const pb::Message& message,
                                      const std::vector<std::string>& paths, const Path& path)>
      nested_update;
};

// The enum value of this name: as written, in upper case, or with the enum's conventional
// prefix (ContentType: "image" finds CONTENT_TYPE_IMAGE); nullptr when there is none.
const pb::EnumValueDescriptor* find_enum_value(const pb::EnumDescriptor* e, std::string_view name);
// The name of an enum number; rt::DataError (listing the names) for a number the enum
// does not define (an open enum's unknown value).
Value enum_value_name(const pb::EnumDescriptor* e, int number);

// A Timestamp as a time point; rt::DataError when it is outside the range protobuf allows
// (0001-01-01 to 9999-12-31) or its nanos are not 0..999999999.
Timestamp from_timestamp(const pb::Timestamp& ts);
// And back, with the same range check.
void to_timestamp(Timestamp t, pb::Timestamp& ts);

// rt::DataError unless seconds and nanos make a Duration protobuf allows: at most
// 315,576,000,000 s (10,000 years) either way, nanos within ±999,999,999 and of the
// seconds' sign.
void check_duration(std::int64_t seconds, std::int64_t nanos);

template <class T>
struct is_duration : std::false_type {};
template <class Rep, class Period>
struct is_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

// A std::chrono::duration as a Duration's seconds and nanos; rt::DataError when it is
// beyond the Duration's range.
template <class Rep, class Period>
void to_duration(std::chrono::duration<Rep, Period> d, pb::Duration& out) {
  static_assert(std::is_integral_v<Rep> && (Period::num == 1 || Period::den == 1),
                "a std::chrono::duration with an integer count of seconds, or of a whole "
                "fraction or multiple of a second, maps to google.protobuf.Duration");
  std::int64_t seconds = 0, nanos = 0;
  const auto count = static_cast<std::int64_t>(d.count());
  if constexpr (Period::num == 1) {
    static_assert(1000000000 % Period::den == 0, "ticks finer than a nanosecond");
    seconds = count / Period::den;  // both truncate toward zero: the signs agree
    nanos = count % Period::den * (1000000000 / Period::den);
  } else if (__builtin_mul_overflow(count, static_cast<std::int64_t>(Period::num), &seconds)) {
    throw DataError("a duration of " + std::to_string(count) + " × " + std::to_string(Period::num) +
                    " s is beyond the range of a Duration");
  }
  check_duration(seconds, nanos);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<std::int32_t>(nanos));
}

// And back: rt::DataError when the Duration is out of its range, does not fit the member's
// count, or is finer than the member's ticks (never rounded).
template <class Rep, class Period>
void from_duration(const pb::Duration& in, std::chrono::duration<Rep, Period>& out) {
  check_duration(in.seconds(), in.nanos());
  const auto refuse = [&](const char* why) {
    throw DataError("a Duration of " + std::to_string(in.seconds()) + " s and " +
                    std::to_string(in.nanos()) + " ns " + why);
  };
  std::int64_t ticks = 0;
  if constexpr (Period::num == 1) {
    constexpr std::int64_t nanos_per_tick = 1000000000 / Period::den;
    if (in.nanos() % nanos_per_tick != 0) refuse("is finer than the member's ticks");
    if (__builtin_mul_overflow(in.seconds(), static_cast<std::int64_t>(Period::den), &ticks) ||
        __builtin_add_overflow(ticks, in.nanos() / nanos_per_tick, &ticks)) {
      refuse("does not fit the member");
    }
  } else {
    if (in.nanos() != 0 || in.seconds() % Period::num != 0)
      refuse("is not a whole number of the member's ticks");
    ticks = in.seconds() / Period::num;
  }
  if (ticks < std::numeric_limits<Rep>::min() || ticks > std::numeric_limits<Rep>::max())
    refuse("does not fit the member");
  out = std::chrono::duration<Rep, Period>(static_cast<Rep>(ticks));
}

// JSON text into a Struct; rt::DataError naming the path when it is not a JSON object.
void fill_struct(const std::string& json, pb::Struct& out, const Path& path);
// Whether JSON text is the literal null (spaces around allowed).
bool is_json_null(std::string_view text);
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
  if (type == typeid(std::optional<std::string>))
    f.template operator()<std::optional<std::string>>();
  if (type == typeid(std::optional<Uuid>)) f.template operator()<std::optional<Uuid>>();
  if (type == typeid(std::optional<Timestamp>)) f.template operator()<std::optional<Timestamp>>();
  if (type == typeid(std::optional<JsonText>)) f.template operator()<std::optional<JsonText>>();
  if (type == typeid(std::optional<std::int64_t>))
    f.template operator()<std::optional<std::int64_t>>();
  if (type == typeid(std::optional<std::int32_t>))
    f.template operator()<std::optional<std::int32_t>>();
  if (type == typeid(std::optional<double>)) f.template operator()<std::optional<double>>();
  if (type == typeid(std::optional<bool>)) f.template operator()<std::optional<bool>>();
}

// The reflection and generated setters and getters for a scalar member type of the same
// width.
template <class M>
struct Scalar {
  static constexpr bool known = false;
};
#define RETORT_PROTO_SCALAR(M, CPP, NAME, SET, GET)           \
  template <>                                                 \
  struct Scalar<M> {                                          \
    static constexpr bool known = true;                       \
    static constexpr auto type = pb::FieldDescriptor::CPP;    \
    static constexpr auto set = &pb::Reflection::Set##NAME;   \
    static constexpr auto read = &pb::Reflection::Get##NAME;  \
    static constexpr auto generated_set = &FieldAccess::SET;  \
    static constexpr auto generated_read = &FieldAccess::GET; \
  };
RETORT_PROTO_SCALAR(std::int64_t, CPPTYPE_INT64, Int64, set_int64, int64)
RETORT_PROTO_SCALAR(std::int32_t, CPPTYPE_INT32, Int32, set_int32, int32)
RETORT_PROTO_SCALAR(double, CPPTYPE_DOUBLE, Double, set_double, double_)
RETORT_PROTO_SCALAR(bool, CPPTYPE_BOOL, Bool, set_bool, bool_)
#undef RETORT_PROTO_SCALAR

// A message field, singular (mut, get) or repeated (add, size, at), reached through the
// generated accessors when there are any, else through reflection.
struct MessageField {
  const pb::FieldDescriptor* field;
  const pb::Reflection* refl;
  const FieldAccess* access;
  pb::Message& mut(pb::Message& m) const {
    return access ? *access->mutable_message(m) : *refl->MutableMessage(&m, field);
  }
  const pb::Message* get(const pb::Message& m) const {
    if (access) return access->message(m);
    return refl->HasField(m, field) ? &refl->GetMessage(m, field) : nullptr;
  }
  pb::Message& add(pb::Message& m) const {
    return access ? *access->add(m) : *refl->AddMessage(&m, field);
  }
  int size(const pb::Message& m) const {
    return access ? access->size(m) : refl->FieldSize(m, field);
  }
  const pb::Message& at(const pb::Message& m, int i) const {
    return access ? access->at(m, i) : refl->GetRepeatedMessage(m, field, i);
  }
  void clear(pb::Message& m) const {
    access && access->clear ? access->clear(m) : refl->ClearField(&m, field);
  }
  // Whether a scalar with presence (proto3 optional) is set.
  bool has(const pb::Message& m) const {
    return access && access->has ? access->has(m) : refl->HasField(m, field);
  }
};

// Calls emit(to, from) with the typed conversions between member type M and a singular
// field (callables with the signatures of Rule::to and Rule::from); false when the pair
// has none. get(object) and mut(object) reach the member; `access` is the field's
// generated accessors, or nullptr; `general` is the fallback for what the typed code does
// not handle (an unset field, the error for a malformed value).
template <class M, class Get, class Mut, class Emit>
bool typed_pair(const pb::FieldDescriptor* f, const FieldAccess* access, Get get, Mut mut,
                const Rule& general, Emit&& emit) {
  using FD = pb::FieldDescriptor;
  const auto cpp = f->cpp_type();
  const pb::Reflection* refl = reflection_of(f->containing_type());
  if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, Uuid>) {
    if (cpp != FD::CPPTYPE_STRING) return false;
    if constexpr (std::is_same_v<M, Uuid>) {
      if (f->type() == FD::TYPE_BYTES) return false;
    }
    const auto text = [](const M& v) -> decltype(auto) {
      if constexpr (std::is_same_v<M, Uuid>) {
        return v.str();
      } else {
        return (v);
      }
    };
    const auto from = [f, refl, read = access ? access->string : nullptr, mut,
                       general = general.from](void* o, const pb::Message& m, const Path& path,
                                               int depth) {
      std::string scratch;
      const std::string& s = read ? read(m) : refl->GetStringReference(m, f, &scratch);
      if constexpr (std::is_same_v<M, Uuid>) {
        if (!Uuid::try_parse(s, mut(o))) general(o, m, path, depth);  // the error, named
      } else {
        mut(o) = s;
      }
    };
    if (access) {
      emit([set = access->set_string, get, text](const void* o, pb::Message& m, const Path&,
                                                 int) { set(m, text(get(o))); },
           from);
    } else {
      emit([f, refl, get, text](const void* o, pb::Message& m, const Path&,
                                int) { refl->SetString(&m, f, text(get(o))); },
           from);
    }
  } else if constexpr (std::is_same_v<M, Timestamp>) {
    if (f->message_type() != pb::Timestamp::descriptor()) return false;
    const MessageField field{f, refl, access};
    emit(
        [field, get](const void* o, pb::Message& m, const Path& path, int) {
          try {
            to_timestamp(get(o), static_cast<pb::Timestamp&>(field.mut(m)));
          } catch (const Error& e) {
            throw DataError(path.str() + ": " + e.what());
          }
        },
        [field, mut, general = general.from](void* o, const pb::Message& m, const Path& path,
                                             int depth) {
          const auto* ts = static_cast<const pb::Timestamp*>(field.get(m));
          if (!ts) return general(o, m, path, depth);
          try {
            mut(o) = from_timestamp(*ts);
          } catch (const Error& e) {
            throw DataError(path.str() + ": " + e.what());
          }
        });
  } else if constexpr (std::is_same_v<M, JsonText>) {
    if (f->message_type() != pb::Struct::descriptor()) return false;
    const MessageField field{f, refl, access};
    // JSON null and an unset Struct are the same (proto3 JSON).
    emit(
        [field, get](const void* o, pb::Message& m, const Path& path, int) {
          const std::string& text = get(o).text;
          if (is_json_null(text)) return field.clear(m);
          fill_struct(text, static_cast<pb::Struct&>(field.mut(m)), path);
        },
        [field, mut](void* o, const pb::Message& m, const Path&, int) {
          const auto* s = static_cast<const pb::Struct*>(field.get(m));
          mut(o).text = s ? struct_text(*s) : "null";
        });
  } else if constexpr (Scalar<M>::known) {
    // Same-typed scalars: the member's value goes straight through the setter / getter.
    if (cpp != Scalar<M>::type) return false;
    if (access) {
      emit([set = access->*Scalar<M>::generated_set, get](const void* o, pb::Message& m,
                                                          const Path&, int) { set(m, get(o)); },
           [read = access->*Scalar<M>::generated_read, mut](
               void* o, const pb::Message& m, const Path&, int) { mut(o) = read(m); });
    } else {
      emit([f, refl, get](const void* o, pb::Message& m, const Path&,
                          int) { (refl->*Scalar<M>::set)(&m, f, get(o)); },
           [f, refl, mut](void* o, const pb::Message& m, const Path&, int) {
             mut(o) = (refl->*Scalar<M>::read)(m, f);
           });
    }
  } else {
    return false;
  }
  return true;
}

// The typed rule for member type M and this field, or `general` unchanged when the pair
// has none. A std::optional member is on the same path as its value type: empty leaves
// the field unset (a plain proto3 scalar: its default), and an unset field empties it.
template <class M, class Get, class Mut>
Rule typed_rule(const pb::FieldDescriptor* f, const FieldAccess* access, Get get, Mut mut,
                Rule general) {
  using FD = pb::FieldDescriptor;
  if (f->is_repeated()) return general;
  Rule r = general;
  const bool message = f->cpp_type() == FD::CPPTYPE_MESSAGE;
  if constexpr (retort::detail::is_optional<M>::value) {
    using V = typename retort::detail::is_optional<M>::type;
    const auto value = [get](const void* o) -> const V& { return *get(o); };
    const auto value_mut = [mut](void* o) -> V& {
      auto& member = mut(o);
      if (!member) member.emplace();
      return *member;
    };
    const MessageField field{f, reflection_of(f->containing_type()), access};
    // What counts as unset: a message field without a message, a proto3 optional scalar
    // without presence; a plain proto3 scalar always holds a value.
    const int presence = message ? 2 : f->has_presence() ? 1 : 0;
    // One call per field: the value's conversions are inlined into the optional's.
    const auto emit = [&](auto to, auto from) {
      r.to = [to, get, field](const void* o, pb::Message& m, const Path& path, int depth) {
        if (get(o)) return to(o, m, path, depth);
        field.clear(m);
      };
      r.from = [from, mut, field, presence](void* o, const pb::Message& m, const Path& path,
                                            int depth) {
        const bool set = presence == 0   ? true
                         : presence == 1 ? field.has(m)
                                         : field.get(m) != nullptr;
        if (set) return from(o, m, path, depth);
        mut(o).reset();
      };
    };
    return typed_pair<V>(f, access, value, value_mut, general, emit) ? r : general;
  } else {
    const auto emit = [&](auto to, auto from) {
      r.to = to;
      r.from = from;
    };
    if (!typed_pair<M>(f, access, get, mut, general, emit)) return general;
    // A scalar field that can be absent (proto3 optional) reads through the general rule,
    // which tells absent from zero.
    if (!message && f->has_presence()) r.from = general.from;
    return r;
  }
}

}  // namespace retort::proto::detail
