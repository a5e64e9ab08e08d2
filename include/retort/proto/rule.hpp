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
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <utility>
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
  // For a mapping that runs its message's generated accessors inline (see Mapping::fill):
  // the typed conversion each way (typed_code of the member type; 0: none, the functions
  // above do it) and where the member sits in the object (-1: not known).
  std::uint8_t typed_to = 0, typed_from = 0;
  std::ptrdiff_t offset = -1;
};

// The enum value of this name: as written, in upper case, or with the enum's conventional
// prefix (ContentType: "image" finds CONTENT_TYPE_IMAGE); nullptr when there is none.
const pb::EnumValueDescriptor* find_enum_value(const pb::EnumDescriptor* e, std::string_view name);
// The name of an enum number; rt::DataError (listing the names) for a number the enum
// does not define (an open enum's unknown value).
Value enum_value_name(const pb::EnumDescriptor* e, int number);

// google::protobuf::util::TimeUtil's limits: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr std::int64_t kMinSeconds = -62135596800;
constexpr std::int64_t kMaxSeconds = 253402300799;
[[noreturn]] void timestamp_out_of_range(std::int64_t seconds, std::int64_t nanos);
[[noreturn]] void time_out_of_range(std::int64_t seconds);

// Whether a string field carries only UTF-8: a proto3 message's, which protobuf refuses to
// parse otherwise, so that its receiver would lose the whole message; proto2's carry any
// bytes.
bool requires_utf8(const pb::FieldDescriptor* f);
// Text for such a field: rt::DataError, naming the first byte that is not UTF-8 (but not
// the text, which may be a secret), for anything else.
void check_utf8(std::string_view text);

// A Timestamp as a time point; rt::DataError when it is outside the range protobuf allows
// (0001-01-01 to 9999-12-31) or its nanos are not 0..999999999.
inline Timestamp from_timestamp(const pb::Timestamp& ts) {
  const std::int64_t seconds = ts.seconds(), nanos = ts.nanos();
  if (seconds < kMinSeconds || seconds > kMaxSeconds || nanos < 0 || nanos > 999999999) [[unlikely]]
    timestamp_out_of_range(seconds, nanos);
  return Timestamp(std::chrono::microseconds(seconds * 1000000 + nanos / 1000));
}
// And back, with the same range check.
inline void to_timestamp(Timestamp t, pb::Timestamp& ts) {
  const std::int64_t us = t.time_since_epoch().count();
  std::int64_t seconds = us / 1000000, rest = us % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  if (seconds < kMinSeconds || seconds > kMaxSeconds) [[unlikely]]
    time_out_of_range(seconds);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<std::int32_t>(rest * 1000));
}

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

// JSON text into a Struct; rt::DataError when it is not a JSON object.
void fill_struct(const std::string& json, pb::Struct& out);
// Whether JSON text is the literal null (spaces around allowed).
bool is_json_null(std::string_view text);
// A Struct as JSON text.
std::string struct_text(const pb::Struct& s);
// The reflection of the generated class for a message type, looked up once per rule:
// Message::GetReflection() costs a thread-local once-check on every call.
const pb::Reflection* reflection_of(const pb::Descriptor* message);

// The reflection setters and getters of a scalar member type's field kind.
template <class V>
struct Scalar {
  static constexpr bool known = false;
};
#define RETORT_PROTO_SCALAR(V, CPP, NAME)                    \
  template <>                                                \
  struct Scalar<V> {                                         \
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
};

// The member types with typed conversions; a rule's typed code is the position of its
// member type here, plus one (0: none).
using TypedMembers =
    std::tuple<std::string, Uuid, Timestamp, JsonText, std::int64_t, std::int32_t, double, bool,
               std::optional<std::string>, std::optional<Uuid>, std::optional<Timestamp>,
               std::optional<JsonText>, std::optional<std::int64_t>, std::optional<std::int32_t>,
               std::optional<double>, std::optional<bool>>;

template <class M, std::size_t I = 0>
constexpr std::uint8_t typed_code() {
  if constexpr (I == std::tuple_size_v<TypedMembers>) {
    return 0;
  } else if constexpr (std::is_same_v<M, std::tuple_element_t<I, TypedMembers>>) {
    return I + 1;
  } else {
    return typed_code<M, I + 1>();
  }
}

// Calls f.template operator()<M>() for the typed member type M of this type index or code.
template <class F>
void dispatch_member_type(std::type_index type, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((type == typeid(std::tuple_element_t<I, TypedMembers>)
          ? f.template operator()<std::tuple_element_t<I, TypedMembers>>()
          : void()),
     ...);
  }
  (std::make_index_sequence<std::tuple_size_v<TypedMembers>>{});
}

// The two ways a typed rule reaches its singular field, with one interface: set / read
// a value of type V (read calls use(value)), is_set (false for a message field without a
// message and a scalar with presence but none), clear, and for message fields mut /
// message (nullptr when unset). `holds<V>` and `is_message` say at compile time what the
// field can be; typed_fits checks the descriptor for the rest.
//
// Through reflection: any kind, checked at run time.
struct Reflected {
  const pb::FieldDescriptor* f;
  const pb::Reflection* refl;
  bool utf8;  // requires_utf8(f)
  template <class V>
  static constexpr bool holds = true;
  static constexpr bool is_message = true;
  template <class V>
  void set(pb::Message& m, const V& v) const {
    if constexpr (std::is_same_v<V, std::string>) {
      if (utf8) check_utf8(v);
      refl->SetString(&m, f, v);
    } else {
      (refl->*Scalar<V>::set)(&m, f, v);
    }
  }
  template <class V, class Use>
  void read(const pb::Message& m, Use&& use) const {
    if constexpr (std::is_same_v<V, std::string>) {
      std::string scratch;
      use(refl->GetStringReference(m, f, &scratch));
    } else {
      use((refl->*Scalar<V>::read)(m, f));
    }
  }
  bool is_set(const pb::Message& m) const { return !f->has_presence() || refl->HasField(m, f); }
  void clear(pb::Message& m) const { refl->ClearField(&m, f); }
  pb::Message& mut(pb::Message& m) const { return *refl->MutableMessage(&m, f); }
  const pb::Message* message(const pb::Message& m) const {
    return refl->HasField(m, f) ? &refl->GetMessage(m, f) : nullptr;
  }
};

// Through the field_N struct protoc-gen-retort wrote (see accessors.hpp): its kind is
// known at compile time and its calls inline.
template <class A>
struct Generated {
  template <class V>
  static constexpr bool holds = requires(const pb::Message& m) {
    requires std::is_same_v<std::remove_cvref_t<decltype(A::get(m))>, V>;
  };
  static constexpr bool is_message = requires(pb::Message & m) { A::mut(m); };
  template <class V>
  static void set(pb::Message& m, const V& v) {
    if constexpr (requires { A::utf8; }) check_utf8(v);
    A::set(m, v);
  }
  template <class V, class Use>
  static void read(const pb::Message& m, Use&& use) {
    use(A::get(m));
  }
  static bool is_set(const pb::Message& m) {
    if constexpr (requires { A::has(m); }) {
      return A::has(m);
    } else if constexpr (is_message) {
      return A::message(m) != nullptr;
    } else {
      return true;
    }
  }
  static void clear(pb::Message& m) { A::clear(m); }
  static pb::Message& mut(pb::Message& m) { return *A::mut(m); }
  static const pb::Message* message(const pb::Message& m) { return A::message(m); }
};

// Whether member type M has a typed conversion for a field reached through Field, as far
// as the type can tell.
template <class M, class Field>
constexpr bool typed_viable() {
  if constexpr (retort::detail::is_optional<M>::value) {
    return typed_viable<typename retort::detail::is_optional<M>::type, Field>();
  } else if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, Uuid>) {
    return Field::template holds<std::string>;
  } else if constexpr (std::is_same_v<M, Timestamp> || std::is_same_v<M, JsonText>) {
    return Field::is_message;
  } else if constexpr (Scalar<M>::known) {
    return Field::template holds<M>;
  } else {
    return false;
  }
}

// And whether this field is one it converts: the field's type, from its descriptor.
template <class M>
bool typed_fits(const pb::FieldDescriptor* f) {
  using FD = pb::FieldDescriptor;
  if (f->is_repeated()) return false;
  if constexpr (retort::detail::is_optional<M>::value) {
    return typed_fits<typename retort::detail::is_optional<M>::type>(f);
  } else if constexpr (std::is_same_v<M, std::string>) {
    return f->cpp_type() == FD::CPPTYPE_STRING;
  } else if constexpr (std::is_same_v<M, Uuid>) {
    return f->cpp_type() == FD::CPPTYPE_STRING && f->type() != FD::TYPE_BYTES;
  } else if constexpr (std::is_same_v<M, Timestamp>) {
    return f->message_type() == pb::Timestamp::descriptor();
  } else if constexpr (std::is_same_v<M, JsonText>) {
    return f->message_type() == pb::Struct::descriptor();
  } else if constexpr (Scalar<M>::known) {
    return f->cpp_type() == Scalar<M>::type;
  } else {
    return false;
  }
}

// The typed conversions, for a field typed_fits<M> accepts. A std::optional member is on
// the same path as its value type: empty leaves the field unset (a plain proto3 scalar: its
// default), and an unset field empties it.
//
// They throw rt::DataError without the path, which their callers add (building it costs
// more than the conversion).
//
// Member to field; rt::DataError when the value is out of the field's range.
template <class M, class Field>
void typed_to(const M& v, pb::Message& m, const Field& field) {
  if constexpr (retort::detail::is_optional<M>::value) {
    if (v) return typed_to(*v, m, field);
    if (field.is_set(m)) field.clear(m);  // (clearing an unset string still costs a call)
  } else if constexpr (std::is_same_v<M, Uuid>) {
    field.set(m, v.str());
  } else if constexpr (std::is_same_v<M, Timestamp>) {
    to_timestamp(v, static_cast<pb::Timestamp&>(field.mut(m)));
  } else if constexpr (std::is_same_v<M, JsonText>) {
    // JSON null and an unset Struct are the same (proto3 JSON).
    if (is_json_null(v.text)) return field.clear(m);
    fill_struct(v.text, static_cast<pb::Struct&>(field.mut(m)));
  } else {
    field.set(m, v);
  }
}

// Field to member; false when the general rule is to handle it instead: a malformed value
// (whose error it names) or an unset Timestamp for a member that cannot be empty.
template <class M, class Field>
bool typed_from(M& v, const pb::Message& m, const Field& field) {
  if constexpr (retort::detail::is_optional<M>::value) {
    using V = typename retort::detail::is_optional<M>::type;
    if (!field.is_set(m)) {
      v.reset();
      return true;
    }
    if constexpr (std::is_same_v<V, std::string> || Scalar<V>::known) {
      field.template read<V>(m, [&](const V& read) {
        if (v) {
          *v = read;
        } else {
          v.emplace(read);  // made in place
        }
      });
      return true;
    } else {
      if (!v) v.emplace();
      return typed_from(*v, m, field);
    }
  } else if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, Uuid>) {
    bool ok = true;
    field.template read<std::string>(m, [&](const std::string& s) {
      if constexpr (std::is_same_v<M, Uuid>) {
        ok = Uuid::try_parse(s, v);
      } else {
        v = s;
      }
    });
    return ok;
  } else if constexpr (std::is_same_v<M, Timestamp>) {
    const auto* ts = static_cast<const pb::Timestamp*>(field.message(m));
    if (!ts) return false;
    v = from_timestamp(*ts);
    return true;
  } else if constexpr (std::is_same_v<M, JsonText>) {
    const auto* s = static_cast<const pb::Struct*>(field.message(m));
    v.text = s ? struct_text(*s) : "null";
    return true;
  } else {
    field.template read<M>(m, [&](M read) { v = read; });
    return true;
  }
}

// typed_rule through one way of reaching the field.
template <class M, class Field, class Get, class Mut>
Rule typed_rule_through(const pb::FieldDescriptor* f, Field field, Get get, Mut mut,
                        const Rule& general) {
  if constexpr (!typed_viable<M, Field>()) {
    return general;
  } else {
    if (!typed_fits<M>(f)) return general;
    Rule r = general;
    r.to = [field, get](const void* o, pb::Message& m, const Path& path, int) {
      try {
        typed_to(get(o), m, field);
      } catch (const Error& e) {
        throw DataError(path.str() + ": " + e.what());
      }
    };
    r.typed_to = typed_code<M>();
    // A scalar field that can be absent (proto3 optional) reads into a plain member through
    // the general rule, which tells absent from zero.
    if (!retort::detail::is_optional<M>::value &&
        f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE && f->has_presence())
      return r;
    r.from = [field, mut, general = general.from](void* o, const pb::Message& m, const Path& path,
                                                  int depth) {
      bool done = false;
      try {
        done = typed_from(mut(o), m, field);
      } catch (const Error& e) {
        throw DataError(path.str() + ": " + e.what());
      }
      if (!done) general(o, m, path, depth);
    };
    r.typed_from = typed_code<M>();
    return r;
  }
}

// The typed rule for member type M and this field of Message, or `general` unchanged when
// the pair has none. A message with generated accessors takes them (its fields without
// any keep the general rule); any other goes through reflection.
template <class M, class Message, class Get, class Mut>
Rule typed_rule(const pb::FieldDescriptor* f, Get get, Mut mut, const Rule& general) {
  if constexpr (generated<Message>) {
    Rule out = general;
    Accessors<Message>::visit(f->number(), [&]<class A>(A) {
      out = typed_rule_through<M>(f, Generated<A>{}, get, mut, general);
    });
    return out;
  } else {
    return typed_rule_through<M>(
        f, Reflected{f, reflection_of(f->containing_type()), requires_utf8(f)}, get, mut, general);
  }
}

// Runs the typed conversion of this code between the member at `member` and generated
// field A, inline; false when the code has none for A (the rule's functions then do it).
// Errors are typed_to's and typed_from's.
//
// The member types A can hold are tried in turn, the likelier first: std::optional ones for
// a field with presence, plain ones for a field without.
template <class A, class F>
bool run_typed(std::uint8_t code, F&& f) {
  constexpr std::size_t n = std::tuple_size_v<TypedMembers>, half = n / 2;
  static_assert(std::is_same_v<std::tuple_element_t<half, TypedMembers>,
                               std::optional<std::tuple_element_t<0, TypedMembers>>>,
                "TypedMembers lists the plain types, then their optionals in the same order");
  constexpr bool optional_first = Generated<A>::is_message || requires {
    A::has;
  };
  constexpr auto at = [](std::size_t i) { return optional_first ? (i + half) % n : i; };
  // The first type A can hold runs in line, the others out of the way.
  constexpr std::size_t first = [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t out = n;
    ((out == n && typed_viable<std::tuple_element_t<at(I), TypedMembers>, Generated<A>>()
          ? void(out = at(I))
          : void()),
     ...);
    return out;
  }
  (std::make_index_sequence<n>{});
  if constexpr (first < n) {
    if (code == first + 1) [[likely]]
      return f.template operator()<std::tuple_element_t<first, TypedMembers>>();
  }
  bool done = false;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (... || [&] {
      constexpr std::size_t J = at(I);
      using M = std::tuple_element_t<J, TypedMembers>;
      if constexpr (J != first && typed_viable<M, Generated<A>>()) {
        if (code == J + 1) {
          done = f.template operator()<M>();
          return true;
        }
      }
      return false;
    }());
  }
  (std::make_index_sequence<n>{});
  return done;
}
template <class A>
bool run_typed_to(std::uint8_t code, const void* member, pb::Message& m) {
  return run_typed<A>(code, [&]<class M>() {
    typed_to(*static_cast<const M*>(member), m, Generated<A>{});
    return true;
  });
}
template <class A>
bool run_typed_from(std::uint8_t code, void* member, const pb::Message& m) {
  return run_typed<A>(
      code, [&]<class M>() { return typed_from(*static_cast<M*>(member), m, Generated<A>{}); });
}

}  // namespace retort::proto::detail
