// Mapping structs (mapped models or any struct) to protobuf messages and back, as
// mercator's ProtoMapping does for SQLAlchemy objects:
//
//   const auto token_pb = rt::proto::mapping<AuthToken, pb::User::AuthToken>()
//                             .key("value", &AuthToken::data)
//                             .key("created_at", &AuthToken::created_at);   // -> Timestamp
//   const auto user_pb = rt::proto::mapping<User, pb::User>()
//                            .key("uuid", &User::uuid)          // renames and converts
//                            .key("username", &User::login)
//                            .key("metadata", &User::extra_info)  // JSON text -> Struct
//                            .list("tokens", &User::tokens, token_pb);
//   pb::User msg = user_pb.to_proto(*alice);   // email maps implicitly, by its name
//   User back = user_pb.from_proto(msg);       // and the way back
//   user_pb.update(*alice, msg, mask);         // only the FieldMask's paths change
//
// Fields and members with the same name map implicitly when the struct is a mapped
// model (its columns are known). The mapping is checked against the message descriptor
// when it is defined: an unknown field, a member type the field cannot hold, or a
// message field without a sub-mapping raises rt::MappingError listing the message's
// fields. Errors while mapping one object name the full path (User.tokens[2].created_at)
// and the offending value's type.
//
// Conversions: integers of every width (range-checked) and strings both ways; bytes from
// blobs and strings (never from integers); enums from their names or numbers;
// google.protobuf.Timestamp from time points, dates and integer epoch seconds;
// google.protobuf.Duration from std::chrono durations (exact, range-checked);
// google.protobuf.Struct / Value / ListValue from JSON columns; wrapper types and
// proto3 optional from std::optional (empty leaves the field unset); nested messages
// from rt::One and repeated messages from rt::Many, each with its own mapping; repeated
// scalars from std::vector members, element by element.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "retort/core/error.hpp"
#include "retort/core/value.hpp"
#include "retort/orm/codec.hpp"
#include "retort/orm/registry.hpp"
#include "retort/orm/relationship.hpp"
#include "retort/proto/path.hpp"
#include "retort/proto/rule.hpp"

namespace retort::proto {

namespace pb = google::protobuf;

// What a mapping does with an enum number its enum does not define (one a newer peer
// added, say): refuse it with rt::DataError naming the path and the enum's names, or keep
// the number. A kept number reaches an integer or C++ enum member as itself and a string
// member as its decimal text ("99"), and each is written back as that number. Only proto3's open
// enums can hold unknown numbers; a proto2 enum refuses them either way.
enum class UnknownEnums { refuse, keep };

struct MappingOptions {
  UnknownEnums unknown_enums = UnknownEnums::refuse;
};

namespace detail {

// Value <-> one field of a message (scalars, enums, well-known types); rt::DataError
// naming the path and the value's type when it cannot convert.
void set_field(pb::Message& message, const pb::FieldDescriptor* field, const Value& value,
               const Path& path, UnknownEnums unknown = UnknownEnums::refuse);
Value get_field(const pb::Message& message, const pb::FieldDescriptor* field,
                UnknownEnums unknown = UnknownEnums::refuse);
// A repeated scalar field from a list of values.
void set_repeated(pb::Message& message, const pb::FieldDescriptor* field,
                  const std::vector<Value>& values, const Path& path,
                  UnknownEnums unknown = UnknownEnums::refuse);
std::vector<Value> get_repeated(const pb::Message& message, const pb::FieldDescriptor* field,
                                UnknownEnums unknown = UnknownEnums::refuse);
// A field's value in the kind its member holds, the reverse of what set_field accepts:
// int64 "42" back into a string member, an enum's name into its number, a Timestamp
// into epoch seconds.
Value to_member(const Value& value, ValueType kind, const pb::FieldDescriptor* field);

// Whether a member whose values are of this kind can fill the field; the reason when not.
bool compatible(ValueType kind, const pb::FieldDescriptor* field, std::string& why);
// "name (string), uuid (string), tokens (repeated User.AuthToken), ..."
std::string describe_fields(const pb::Descriptor* message);
const pb::FieldDescriptor* find_field(const pb::Descriptor* message, const std::string& name,
                                      const std::string& owner);
[[noreturn]] void mapping_error(const pb::Descriptor* message, const std::string& what);
// A scalar, an enum or a well-known message type (Timestamp, Struct, wrappers, ...):
// what one Value fills.
bool holds_value(const pb::FieldDescriptor* field);

// The kind of Value a member type converts to (for definition-time checks).
template <class M>
ValueType kind_of() {
  if constexpr (retort::detail::is_optional<M>::value) {
    return kind_of<typename retort::detail::is_optional<M>::type>();
  } else {
    const M sample{};
    return Codec<M>::to_value(sample, Codec<M>::default_type()).type();
  }
}

// A value-initialized T, as T{} makes it. For an aggregate whose initializers are all
// constants, GCC's generic tuning clears the whole object with `rep stos` before
// constructing its members, which costs as much as mapping its fields; given a zero it
// cannot see through for the first member, it initializes member by member instead, to
// the same values.
struct OpaqueZero {
  template <class U>
  requires std::is_scalar_v<U>
  operator U() const {
    volatile U zero{};
    return zero;
  }
};
template <class T>
T value_initialized() {
  if constexpr (std::is_aggregate_v<T> && requires { T{OpaqueZero{}}; }) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wmissing-braces"
    return T{OpaqueZero{}};
#pragma GCC diagnostic pop
  } else {
    return T{};
  }
}

template <class T>
struct is_optional_duration : std::false_type {};
template <class D>
struct is_optional_duration<std::optional<D>> : is_duration<D> {};

template <class T>
struct is_vector : std::false_type {};
template <class T>
requires(!std::is_same_v<T, std::uint8_t>)  // a Blob is one bytes value
    struct is_vector<std::vector<T>> : std::true_type {
  using element = T;
};

}  // namespace detail

template <class T, class Message>
class Mapping {
 public:
  explicit Mapping(MappingOptions options = {}) : state_(std::make_shared<State>()) {
    state_->options = options;
    state_->descriptor = Message::descriptor();
    state_->name = state_->descriptor->name();
    // Same-named columns of a mapped model map implicitly.
    if constexpr (orm::declarative<T>) registry().mapper<T>();
    if (const orm::Mapper* m = registry().find<T>()) {
      // A member sits at the same offset in every T: typed rules reach it directly rather
      // than through the attribute.
      for (int i = 0; i < state_->descriptor->field_count(); ++i) {
        const pb::FieldDescriptor* f = state_->descriptor->field(i);
        const orm::Attribute* a = m->find(f->name());
        if (!a || f->is_repeated() || !detail::holds_value(f)) continue;
        // Through Mapper::set, values from messages meet the column's on_set hook. An Enum
        // column meets a protobuf enum by its values' names (find_enum_value's rules).
        std::map<std::string, std::string, std::less<>> column_name;
        if (a->type.kind() == TypeKind::enum_ && f->enum_type()) {
          for (const std::string& value : a->type.enum_values()) {
            if (const auto* ev = detail::find_enum_value(f->enum_type(), value))
              column_name.emplace(ev->name(), value);
          }
        }
        add_rule(
            f, [a](const void* o) { return a->get(o); },
            [m, a, column_name = std::move(column_name)](void* o, const Value& v) {
              if (v.is_null() && a->type.kind() == TypeKind::json && !a->optional)
                return m->set(o, a->name, JsonText{"null"});
              if (column_name.empty() || v.type() != ValueType::text) return m->set(o, a->name, v);
              const auto it = column_name.find(v.get<std::string>());
              if (it == column_name.end()) {
                throw DataError(v.repr() + " has no value among the column's " +
                                a->type.describe());
              }
              m->set(o, a->name, Value(it->second));
            },
            [a](void* target, void* staged) { a->set(target, a->get(staged)); });
        const std::ptrdiff_t offset = a->offset();
        detail::dispatch_member_type(a->member_type, [&]<class M>() {
          auto typed = detail::typed_rule<M, Message>(
              f,
              [offset](const void* o) -> const M& {
                return *reinterpret_cast<const M*>(static_cast<const char*>(o) + offset);
              },
              [offset](void* o) -> M& {
                return *reinterpret_cast<M*>(static_cast<char*>(o) + offset);
              },
              rule_of(f));
          typed.offset = offset;
          if (a->on_set) {
            typed.from = rule_of(f).from;
            typed.typed_from = 0;
          }
          replace(std::move(typed));
        });
      }
    }
  }

  // Field <- member, converting (renames too: .key("uuid", &User::id)).
  template <class M>
  Mapping key(const std::string& field, M T::*member) const {
    Mapping out = copy();
    const pb::FieldDescriptor* f = detail::find_field(state_->descriptor, field, type_name());
    if constexpr (detail::is_duration<M>::value || detail::is_optional_duration<M>::value) {
      out.add_duration(f, member);
    } else if constexpr (detail::is_vector<M>::value) {
      using E = typename detail::is_vector<M>::element;
      if (!f->is_repeated())
        detail::mapping_error(state_->descriptor,
                              field + " is not repeated; a list maps to a repeated field");
      check<E>(f);
      detail::Rule rule;
      rule.field = f;
      // The element type once, not per element: a Type is an allocation.
      const UnknownEnums unknown = state_->options.unknown_enums;
      rule.to = [f, member, type = Codec<E>::default_type(), unknown](
                    const void* o, pb::Message& msg, const Path& path, int) {
        std::vector<Value> values;
        for (const E& e : static_cast<const T*>(o)->*member)
          values.push_back(Codec<E>::to_value(e, type));
        detail::set_repeated(msg, f, values, path, unknown);
      };
      rule.from = [f, member, type = Codec<E>::default_type(), kind = detail::kind_of<E>(),
                   unknown](void* o, const pb::Message& msg, const Path& path, int) {
        auto& list = static_cast<T*>(o)->*member;
        list.clear();
        for (const Value& v : detail::get_repeated(msg, f, unknown)) {
          E e{};
          convert_back<E>(detail::to_member(v, kind, f), e, type, path);
          list.push_back(std::move(e));
        }
      };
      rule.commit = moved(member);
      out.replace(std::move(rule));
    } else {
      if (f->is_repeated())
        detail::mapping_error(state_->descriptor,
                              field + " is repeated; map a std::vector member to it");
      check<M>(f);
      const Type type = Codec<M>::default_type();  // once: a Type is an allocation
      out.add_rule(
          f,
          [member, type](const void* o) {
            return Codec<M>::to_value(static_cast<const T*>(o)->*member, type);
          },
          [member, f, type, kind = detail::kind_of<M>(), hook = hook_of(member)](void* o,
                                                                                 const Value& in) {
            Value v = detail::to_member(in, kind, f);
            // An unset JSON field is JSON null for a member that must hold a document.
            if (v.is_null() && kind == ValueType::json && !retort::detail::is_optional<M>::value)
              v = JsonText{"null"};
            if (hook) hook->on_set(o, v);
            Codec<M>::from_value(v, static_cast<T*>(o)->*member, type);
          },
          moved(member));
      auto typed = detail::typed_rule<M, Message>(
          f, [member](const void* o) -> const M& { return static_cast<const T*>(o)->*member; },
          [member](void* o) -> M& { return static_cast<T*>(o)->*member; }, out.rule_of(f));
      typed.offset = orm::member_offset(member);
      if (hook_of(member)) {
        typed.from = out.rule_of(f).from;
        typed.typed_from = 0;
      }
      out.replace(std::move(typed));
    }
    return out;
  }

  // A nested message from a to-one relationship, with its own mapping.
  template <class U, class Sub>
  Mapping key(const std::string& field, One<U> T::*member, const Mapping<U, Sub>& sub) const {
    Mapping out = copy();
    const pb::FieldDescriptor* f = nested_field(field, Sub::descriptor(), false);
    detail::Rule rule;
    rule.field = f;
    const detail::MessageField nested{f, detail::reflection_of(state_->descriptor),
                                      accessors_of<Message>(f->number())};
    rule.to = [nested, member, sub](const void* o, pb::Message& msg, const Path& path, int depth) {
      const auto& handle = static_cast<const T*>(o)->*member;
      if (!handle) return nested.clear(msg);
      sub.fill(*handle.get().peek(), static_cast<Sub&>(nested.mut(msg)), path, depth + 1);
    };
    rule.from = [nested, member, sub](void* o, const pb::Message& msg, const Path& path,
                                      int depth) {
      const auto* in = static_cast<const Sub*>(nested.get(msg));
      if (!in) {
        static_cast<T*>(o)->*member = nullptr;
        return;
      }
      auto ref = make_ref<U>();
      sub.read(*in, *ref.peek(), path, depth + 1);
      static_cast<T*>(o)->*member = ref;
    };
    rule.prepare = [member](void* o) { (void)(static_cast<T*>(o)->*member).get(); };
    rule.commit = [member](void* target, void* staged) {
      static_cast<T*>(target)->*member = static_cast<T*>(staged)->*member;
    };
    // "author.username": the object it refers to changes (a new one when there is none).
    rule.nested_update = [nested, member, sub](void* o, const pb::Message& msg,
                                               const std::vector<std::string>& paths,
                                               const Path& path) -> std::function<void()> {
      const auto* in = static_cast<const Sub*>(nested.get(msg));
      const Sub& from = in ? *in : Sub::default_instance();
      One<U>& handle = static_cast<T*>(o)->*member;
      Ref<U> target = handle.get();
      const bool made = !target;
      if (made) target = make_ref<U>();
      auto commit = sub.prepare_update(*target.get(), from, paths, path);
      return [commit = std::move(commit), &handle, target, made] {
        commit();
        if (made) handle = target;
      };
    };
    out.replace(std::move(rule));
    return out;
  }

  // A repeated message from a collection, each element with the sub-mapping.
  template <class U, class Sub>
  Mapping list(const std::string& field, Many<U> T::*member, const Mapping<U, Sub>& sub) const {
    Mapping out = copy();
    const pb::FieldDescriptor* f = nested_field(field, Sub::descriptor(), true);
    detail::Rule rule;
    rule.field = f;
    const detail::MessageField items{f, detail::reflection_of(state_->descriptor),
                                     accessors_of<Message>(f->number())};
    rule.to = [items, member, sub](const void* o, pb::Message& msg, const Path& path, int depth) {
      items.clear(msg);
      std::size_t i = 0;
      for (const auto& item : static_cast<const T*>(o)->*member) {
        const Path at{&path, nullptr, static_cast<long>(i++)};
        if (!item) throw DataError(at.str() + ": a null reference in the collection");
        sub.fill(*item.peek(), static_cast<Sub&>(items.add(msg)), at, depth + 1);
      }
    };
    rule.from = [items, member, sub](void* o, const pb::Message& msg, const Path& path, int depth) {
      Many<U>& objects = static_cast<T*>(o)->*member;
      objects.clear();
      for (int i = 0, n = items.size(msg); i < n; ++i) {
        auto ref = make_ref<U>();
        sub.read(static_cast<const Sub&>(items.at(msg, i)), *ref.peek(), Path{&path, nullptr, i},
                 depth + 1);
        objects.push_back(std::move(ref));
      }
    };
    rule.prepare = [member](void* o) { (void)(static_cast<T*>(o)->*member).size(); };
    rule.commit = [member](void* target, void* staged) {
      static_cast<T*>(target)->*member = static_cast<T*>(staged)->*member;
    };
    out.replace(std::move(rule));
    return out;
  }

  // Leaves a field out (also one that would map implicitly).
  Mapping skip(const std::string& field) const {
    Mapping out = copy();
    const pb::FieldDescriptor* f = detail::find_field(state_->descriptor, field, type_name());
    std::erase_if(out.state_->rules, [f](const detail::Rule& r) { return r.field == f; });
    out.plan();
    return out;
  }

  Message to_proto(const T& object) const {
    Message out;
    fill(object, out, Path{nullptr, &state_->name}, 0);
    return out;
  }
  // Fills the mapped fields of an existing message (others are kept). All or nothing: a
  // field that fails puts back the message as it was: an empty message is cleared again,
  // any other is restored from a copy (protobuf's reflective SwapFields costs more).
  void to_proto(const T& object, Message& out) const {
    if (out.ByteSizeLong() == 0) {  // nothing set: equal to a cleared message
      try {
        fill(object, out, Path{nullptr, &state_->name}, 0);
      } catch (...) {
        out.Clear();
        throw;
      }
      return;
    }
    Message before(out);
    try {
      fill(object, out, Path{nullptr, &state_->name}, 0);
    } catch (...) {
      out.Swap(&before);
      throw;
    }
  }

  // A new object from a message (every mapped field).
  T from_proto(const Message& message) const {
    T out = detail::value_initialized<T>();
    read(message, out, Path{nullptr, &state_->name}, 0);
    return out;
  }
  // Changes an existing object: only the mask's paths ("email", "tokens", and into a to-one
  // relationship "author.username"); every mapped field when the mask is empty. All or
  // nothing: the paths are checked (an unknown one raises rt::ArgumentError), the fields
  // read into a new T (where on_set hooks see them), and only then moved onto the object.
  // A list in the mask is replaced whole; a path into a nested message changes only that
  // field of the object it refers to (an unset nested message resets it), as AIP-161 has.
  void update(T& object, const Message& message, const pb::FieldMask& mask) const {
    const std::vector<std::string> paths(mask.paths().begin(), mask.paths().end());
    const Path root{nullptr, &state_->name};
    prepare_update(object, message, paths, root)();
  }

  // update() in two steps: everything that can fail, then what moves the results onto the
  // object (it does not fail).
  std::function<void()> prepare_update(T& object, const Message& message,
                                       const std::vector<std::string>& paths,
                                       const Path& root) const {
    std::vector<const detail::Rule*> whole;
    std::vector<std::pair<const detail::Rule*, std::vector<std::string>>> parts;
    for (const auto& r : state_->rules) {
      if (paths.empty()) whole.push_back(&r);
    }
    for (const std::string& path : paths) {
      const auto dot = path.find('.');
      const std::string head = path.substr(0, dot);
      const detail::Rule* rule = nullptr;
      for (const auto& r : state_->rules) {
        if (r.field->name() == head) rule = &r;
      }
      if (!rule) {
        throw ArgumentError("FieldMask path '" + path + "' is not a mapped field of " + root.str() +
                            "; mapped: " + mapped_names());
      }
      if (dot == std::string::npos) {
        if (std::find(whole.begin(), whole.end(), rule) == whole.end()) whole.push_back(rule);
        continue;
      }
      if (!rule->nested_update) {
        throw ArgumentError("FieldMask path '" + path + "': " + root.str() + "." + head +
                            " is not a nested message of its own (only a to-one relationship "
                            "takes a path into it)");
      }
      auto it = std::find_if(parts.begin(), parts.end(),
                             [rule](const auto& p) { return p.first == rule; });
      if (it == parts.end()) it = parts.insert(parts.end(), {rule, {}});
      it->second.push_back(path.substr(dot + 1));
    }
    // A whole field wins over paths into it.
    std::erase_if(parts, [&](const auto& p) {
      return std::find(whole.begin(), whole.end(), p.first) != whole.end();
    });
    auto staged = std::make_shared<T>();
    for (const detail::Rule* r : whole)
      r->from(staged.get(), message, Path{&root, &r->field->name()}, 0);
    std::vector<std::function<void()>> nested;
    for (const auto& [rule, sub_paths] : parts)
      nested.push_back(
          rule->nested_update(&object, message, sub_paths, Path{&root, &rule->field->name()}));
    for (const detail::Rule* r : whole) {
      if (r->prepare) r->prepare(&object);
    }
    return [target = &object, staged, whole = std::move(whole), nested = std::move(nested)] {
      for (const detail::Rule* r : whole)
        r->commit(target, staged.get());
      for (const auto& commit : nested)
        commit();
    };
  }

  // For the mappings that nest this one. With generated accessors, the fields that have
  // them are visited in an order known at compile time, each converting inline what its
  // rule converts in typed code (as hand-written code would); the rest call their rules.
  void fill(const T& object, Message& out, const Path& path, int depth) const {
    walk<true>(object, out, path, depth);
  }
  void read(const Message& message, T& out, const Path& path, int depth) const {
    walk<false>(out, message, path, depth);
  }

 private:
  static constexpr int kMaxDepth = 32;
  // A field's rule (-1: not mapped), and its typed conversions each way that can run
  // inline (0: none, the rule runs) with where the member is.
  struct Step {
    int rule = -1;
    std::uint8_t to = 0, from = 0;
    std::ptrdiff_t offset = 0;
  };
  struct State {
    MappingOptions options;
    const pb::Descriptor* descriptor = nullptr;
    std::string name;
    std::vector<detail::Rule> rules;
    // With generated accessors: a step for each field that has them, by the field's index
    // among them, and the rules of the fields without.
    std::vector<Step> program;
    std::vector<int> rest;
  };

  // fill() (kToMessage) and read(): one walk each way. Flattened, so that the fields' steps
  // run one after the other in straight-line code, as hand-written code does (the rules
  // stay out of line).
  template <bool kToMessage, class Object, class Msg>
  [[gnu::flatten]] void walk(Object& object, Msg& message, const Path& path, int depth) const {
    check_depth(path, depth);
    if constexpr (generated<Message>) {
      const Step* steps = state_->program.data();
      Accessors<Message>::for_each([&]<class A>(A) {
        const Step& step = steps[A::index];
        // Each field's own handler adds its path: nothing to keep track of on the way.
        try {
          if constexpr (kToMessage) {
            if (detail::run_typed_to<A>(step.to, member_at(&object, step.offset), message)) return;
          } else {
            if (detail::run_typed_from<A>(step.from, member_at(&object, step.offset), message))
              return;
          }
        } catch (const Error& e) {
          throw_at(step.rule, path, e);
        }
        if (step.rule >= 0) run_rule<kToMessage>(step.rule, object, message, path, depth);
      });
      for (const int i : state_->rest)
        run_rule<kToMessage>(i, object, message, path, depth);
    } else {
      for (std::size_t i = 0; i < state_->rules.size(); ++i)
        run_rule<kToMessage>(static_cast<int>(i), object, message, path, depth);
    }
  }
  // Out of line, so that the typed steps around them stay small enough to inline.
  template <bool kToMessage, class Object, class Msg>
  [[gnu::noinline]] void run_rule(int i, Object& object, Msg& message, const Path& path,
                                  int depth) const {
    const detail::Rule& r = state_->rules[static_cast<std::size_t>(i)];
    if constexpr (kToMessage)
      r.to(&object, message, Path{&path, &r.field->name()}, depth);
    else
      r.from(&object, message, Path{&path, &r.field->name()}, depth);
  }
  [[noreturn, gnu::noinline]] void throw_at(int i, const Path& path, const Error& e) const {
    const detail::Rule& r = state_->rules[static_cast<std::size_t>(i)];
    throw DataError(Path{&path, &r.field->name()}.str() + ": " + e.what());
  }
  static void check_depth(const Path& path, int depth) {
    if (depth > kMaxDepth)
      throw DataError(path.str() + ": mappings nest deeper than " + std::to_string(kMaxDepth) +
                      " levels (a cycle?)");
  }
  template <class O>
  static auto* member_at(O* object, std::ptrdiff_t offset) {
    using Byte = std::conditional_t<std::is_const_v<O>, const char, char>;
    return reinterpret_cast<Byte*>(object) + offset;
  }
  // State::program and ::rest, after the rules changed.
  void plan() {
    if constexpr (generated<Message>) {
      state_->program.assign(Accessors<Message>::count, Step{});
      state_->rest.clear();
      for (std::size_t i = 0; i < state_->rules.size(); ++i) {
        const detail::Rule& r = state_->rules[i];
        bool generated = false;
        Accessors<Message>::visit(r.field->number(), [&]<class A>(A) {
          Step& step = state_->program[A::index];
          step.rule = static_cast<int>(i);
          if (r.offset >= 0) {
            step.to = r.typed_to;
            step.from = r.typed_from;
            step.offset = r.offset;
          }
          generated = true;
        });
        if (!generated) state_->rest.push_back(static_cast<int>(i));
      }
    }
  }

  static std::string type_name() { return Message::descriptor()->name(); }
  template <class M>
  static void convert_back(const Value& v, M& member, const Type& type, const Path& path) {
    try {
      Codec<M>::from_value(v, member, type);
    } catch (const Error& e) {
      throw DataError(path.str() + ": " + e.what());
    }
  }
  template <class M>
  void check(const pb::FieldDescriptor* f) const {
    std::string why;
    if (!detail::compatible(detail::kind_of<M>(), f, why)) {
      detail::mapping_error(state_->descriptor, "field '" + f->name() +
                                                    "' cannot hold a member of type " +
                                                    orm::type_name(typeid(M)) + ": " + why);
    }
  }
  const pb::FieldDescriptor* nested_field(const std::string& field, const pb::Descriptor* sub,
                                          bool repeated) const {
    const pb::FieldDescriptor* f = detail::find_field(state_->descriptor, field, type_name());
    if (f->message_type() != sub || f->is_repeated() != repeated) {
      detail::mapping_error(state_->descriptor,
                            "field '" + field + "' is not " + (repeated ? "a repeated " : "a ") +
                                sub->full_name() + " (the sub-mapping's message)");
    }
    return f;
  }
  Mapping copy() const {
    Mapping out(*this);
    out.state_ = std::make_shared<State>(*state_);
    return out;
  }
  // The member's column attribute when it has an on_set hook (mapped models only).
  template <class M>
  static const orm::Attribute* hook_of(M T::*member) {
    if (const orm::Mapper* m = registry().find<T>()) {
      for (const auto& a : m->attributes()) {
        if (a->on_set && a->maps(&member, sizeof member)) return a.get();
      }
    }
    return nullptr;
  }
  const detail::Rule& rule_of(const pb::FieldDescriptor* f) const {
    for (const auto& r : state_->rules) {
      if (r.field == f) return r;
    }
    throw std::logic_error("no rule for " + f->full_name());
  }
  // Puts a rule in the place of the field's; a typed rule keeps the general one's commit.
  void replace(detail::Rule rule) {
    for (const auto& r : state_->rules) {
      if (r.field == rule.field && !rule.commit) rule.commit = r.commit;
    }
    std::erase_if(state_->rules, [&](const detail::Rule& r) { return r.field == rule.field; });
    state_->rules.push_back(std::move(rule));
    plan();
  }
  template <class M>
  static std::function<void(void*, void*)> moved(M T::*member) {
    return [member](void* target, void* staged) {
      static_cast<T*>(target)->*member = std::move(static_cast<T*>(staged)->*member);
    };
  }
  // A std::chrono::duration (or an optional one) and a google.protobuf.Duration field. An
  // unset field empties an optional member and is an error for a plain one.
  template <class M>
  void add_duration(const pb::FieldDescriptor* f, M T::*member) {
    if (f->is_repeated() || f->message_type() != pb::Duration::descriptor()) {
      detail::mapping_error(state_->descriptor, f->name() +
                                                    " is not a google.protobuf.Duration, which a "
                                                    "std::chrono::duration maps to");
    }
    constexpr bool optional = detail::is_optional_duration<M>::value;
    detail::Rule rule;
    rule.field = f;
    const detail::MessageField message{f, detail::reflection_of(state_->descriptor),
                                       accessors_of<Message>(f->number())};
    rule.to = [message, member](const void* o, pb::Message& msg, const Path& path, int) {
      const M& value = static_cast<const T*>(o)->*member;
      try {
        if constexpr (optional) {
          if (!value) return message.clear(msg);
          detail::to_duration(*value, static_cast<pb::Duration&>(message.mut(msg)));
        } else {
          detail::to_duration(value, static_cast<pb::Duration&>(message.mut(msg)));
        }
      } catch (const Error& e) {
        throw DataError(path.str() + ": " + e.what());
      }
    };
    rule.from = [message, member](void* o, const pb::Message& msg, const Path& path, int) {
      M& value = static_cast<T*>(o)->*member;
      const auto* in = static_cast<const pb::Duration*>(message.get(msg));
      try {
        if constexpr (optional) {
          if (!in) return value.reset();
          detail::from_duration(*in, value.emplace());
        } else {
          if (!in) throw DataError("the Duration is unset (a std::optional member can be empty)");
          detail::from_duration(*in, value);
        }
      } catch (const Error& e) {
        throw DataError(path.str() + ": " + e.what());
      }
    };
    rule.commit = moved(member);
    replace(std::move(rule));
  }
  void add_rule(const pb::FieldDescriptor* f, std::function<Value(const void*)> get,
                std::function<void(void*, const Value&)> set,
                std::function<void(void*, void*)> commit) {
    detail::Rule rule;
    rule.field = f;
    rule.commit = std::move(commit);
    const UnknownEnums unknown = state_->options.unknown_enums;
    rule.to = [f, get, unknown](const void* o, pb::Message& msg, const Path& path, int) {
      detail::set_field(msg, f, get(o), path, unknown);
    };
    rule.from = [f, set, unknown](void* o, const pb::Message& msg, const Path& path, int) {
      try {
        set(o, detail::get_field(msg, f, unknown));
      } catch (const Error& e) {
        throw DataError(path.str() + ": " + e.what());
      }
    };
    replace(std::move(rule));
  }
  std::string mapped_names() const {
    std::string out;
    for (const auto& r : state_->rules)
      out += (out.empty() ? "" : ", ") + r.field->name();
    return out;
  }

  template <class, class>
  friend class Mapping;
  std::shared_ptr<State> state_;
};

template <class T, class Message>
Mapping<T, Message> mapping(MappingOptions options = {}) {
  return Mapping<T, Message>(options);
}

}  // namespace retort::proto
