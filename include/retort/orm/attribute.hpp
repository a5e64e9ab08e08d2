// A mapped column attribute: one struct member tied to one table column (internal to
// the ORM, visible because mappers are built from templates in headers).
//
// Each attribute carries the operations the ORM needs on its member, generated once per
// member type from rt::Codec: binding, reading, snapshot bytes for dirty
// checking, and Value conversion for the dynamic paths (dicts, JSON, protobuf).
#pragma once

#include <bit>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <typeindex>

#include "retort/core/value.hpp"
#include "retort/orm/codec.hpp"
#include "retort/schema/type.hpp"

namespace retort::orm {

// A printable name for a C++ type, for mapping errors.
std::string type_name(std::type_index type);

class Attribute {
 public:
  Attribute(const std::type_info& member_type_, std::ptrdiff_t offset)
      : member_type(member_type_), offset_(offset) {}
  virtual ~Attribute() = default;

  // Where the member sits in every object of its class, in bytes.
  std::ptrdiff_t offset() const { return offset_; }
  // Whether this attribute maps the member at these member-pointer bytes.
  bool maps(const void* member_pointer, std::size_t size) const {
    return size == sizeof offset_ && std::memcmp(member_pointer, &offset_, size) == 0;
  }

  std::string name;  // the column name
  Type type;
  std::type_index member_type;
  bool primary_key = false;
  // The member is a std::optional, so the column may be NULL.
  bool optional = false;
  // The database generates the value when the member is still default (autoincrement).
  bool generated = false;
  // The column has a server default, applied when an optional member is empty.
  bool server_default = false;
  // A hook that sees (and may change) every value set through the dynamic paths and,
  // at flush, every changed value: sqlservice's on_set, SQLAlchemy's validates.
  std::function<void(void* object, Value& value)> on_set;
  // Which of the mapper's tables holds the column (inheritance: 0 is the hierarchy's
  // base table, then each joined subclass's own).
  int part = 0;
  // The member as a driver reads a column straight into it (Mapper::read_row); of kind
  // other when only read() can.
  driver::Member row_member;

  // A copy for a subclass's mapper (the member lives in the base at the same address).
  virtual std::unique_ptr<Attribute> clone() const = 0;
  // The column type a member of this type gets by default, and whether a column of type t
  // can hold one (rt::Codec<M>'s).
  virtual Type default_type() const = 0;
  virtual bool accepts(const Type& t) const = 0;

  virtual void bind(const void* object, driver::Statement& stmt, int index) const = 0;
  virtual void read(void* object, driver::Statement& stmt, int column) const = 0;
  virtual void encode(const void* object, std::string& out) const = 0;
  // Whether the member still equals the snapshot bytes at p; advances p past them.
  virtual bool same(const void* object, const char*& p) const = 0;
  // Reads the column from a row into snapshot/key bytes without an object.
  virtual void encode_column(driver::Statement& stmt, int column, std::string& out) const = 0;
  // The value stored in snapshot bytes at p; advances p past them.
  virtual Value decode(const char*& p) const = 0;
  // Binds the value stored in snapshot bytes at p (advancing p), as its own copy.
  virtual void bind_decoded(const char*& p, driver::Statement& stmt, int index) const = 0;
  // Whether the member is an integer (the identity map's fast path for single keys).
  virtual bool is_integer() const = 0;
  virtual Value get(const void* object) const = 0;
  // Sets the member from a Value (no hooks: see Mapper::set).
  virtual void set(void* object, const Value& value) const = 0;
  // The member as a 64-bit integer key, when it is an integer (the identity map's fast path).
  virtual bool int_key(const void* object, std::int64_t& out) const = 0;
  // Sets an integer member (a generated key read back after INSERT).
  virtual void set_int(void* object, std::int64_t value) const = 0;
  // True when the member holds its default value (0, empty optional): not yet assigned.
  virtual bool is_default(const void* object) const = 0;
  virtual void reset(void* object) const = 0;
  // The member itself, of type member_type (for typed fast paths that skip Value).
  virtual const void* address(const void* object) const = 0;
  virtual void* address(void* object) const = 0;

 private:
  std::ptrdiff_t offset_;
};

// The byte offset of a data member within its class. The Itanium C++ ABI (GCC, Clang)
// represents a pointer to data member as exactly that offset, so the one conversion is
// the ABI's own; attributes keep offsets so that their code depends on the member's type
// only, not on the class it belongs to.
template <class T, class M>
std::ptrdiff_t member_offset(M T::*member) {
  static_assert(sizeof member == sizeof(std::ptrdiff_t),
                "a pointer to data member is its offset (Itanium C++ ABI)");
  return std::bit_cast<std::ptrdiff_t>(member);
}

// The kind of driver::Member a member of type M is, read with codec C: the built-in
// codecs of these types read exactly as the driver's get_* calls do.
template <class M, class C>
constexpr driver::Member::Kind member_kind() {
  using Kind = driver::Member::Kind;
  if constexpr (!std::is_same_v<C, Codec<M>>) {
    return Kind::other;
  } else if constexpr (retort::detail::is_optional<M>::value) {
    constexpr Kind inner = member_kind<typename M::value_type, Codec<typename M::value_type>>();
    switch (inner) {
      case Kind::int64:
        return Kind::optional_int64;
      case Kind::int32:
        return Kind::optional_int32;
      case Kind::boolean:
        return Kind::optional_boolean;
      case Kind::real:
        return Kind::optional_real;
      case Kind::text:
        return Kind::optional_text;
      default:
        return Kind::other;
    }
  } else if constexpr (std::is_same_v<M, std::int64_t>) {
    return Kind::int64;
  } else if constexpr (std::is_same_v<M, std::int32_t>) {
    return Kind::int32;
  } else if constexpr (std::is_same_v<M, bool>) {
    return Kind::boolean;
  } else if constexpr (std::is_same_v<M, double>) {
    return Kind::real;
  } else if constexpr (std::is_same_v<M, std::string>) {
    return Kind::text;
  } else {
    return Kind::other;
  }
}

// The attribute of a member of type M at a byte offset in its object. Its code is
// generated once per member type: the library holds it for the built-in types (below).
template <class M, class C = Codec<M>>
class ColumnAttribute final : public Attribute {
 public:
  explicit ColumnAttribute(std::ptrdiff_t offset) : Attribute(typeid(M), offset) {
    optional = retort::detail::is_optional<M>::value;
    if (offset >= 0 && offset <= static_cast<std::ptrdiff_t>(UINT32_MAX))
      row_member = {member_kind<M, C>(), static_cast<std::uint32_t>(offset)};
  }

  std::unique_ptr<Attribute> clone() const override {
    return std::make_unique<ColumnAttribute>(*this);
  }
  Type default_type() const override { return C::default_type(); }
  bool accepts(const Type& t) const override { return C::accepts(t); }
  void bind(const void* o, driver::Statement& s, int i) const override {
    C::bind(s, i, of(o), type);
  }
  void read(void* o, driver::Statement& s, int col) const override { C::read(s, col, of(o), type); }
  void encode(const void* o, std::string& out) const override { C::encode(of(o), out); }
  bool same(const void* o, const char*& p) const override { return C::same(of(o), p); }
  void encode_column(driver::Statement& s, int col, std::string& out) const override {
    M tmp{};
    C::read(s, col, tmp, type);
    C::encode(tmp, out);
  }
  Value decode(const char*& p) const override {
    M tmp{};
    C::decode(p, tmp);
    return C::to_value(tmp, type);
  }
  void bind_decoded(const char*& p, driver::Statement& s, int i) const override {
    M tmp{};
    C::decode(p, tmp);
    if constexpr (std::is_arithmetic_v<M> || std::is_enum_v<M>) {
      C::bind(s, i, tmp, type);
    } else {
      s.bind(i, C::to_value(tmp, type));  // by value: tmp does not outlive this call
    }
  }
  bool is_integer() const override { return kInteger; }
  Value get(const void* o) const override { return C::to_value(of(o), type); }
  void set(void* o, const Value& v) const override { C::from_value(v, of(o), type); }
  bool int_key(const void* o, std::int64_t& out) const override {
    if constexpr (kInteger) {
      out = static_cast<std::int64_t>(of(o));
      return true;
    } else {
      (void)o;
      (void)out;
      return false;
    }
  }
  void set_int(void* o, std::int64_t v) const override {
    if constexpr (kInteger) {
      of(o) = retort::detail::narrow_int<M>(v);
    } else {
      C::from_value(Value(v), of(o), type);
    }
  }
  bool is_default(const void* o) const override {
    if constexpr (std::equality_comparable<M>) {
      return of(o) == M{};
    } else {
      (void)o;
      return false;
    }
  }
  void reset(void* o) const override { of(o) = M{}; }
  const void* address(const void* o) const override { return &of(o); }
  void* address(void* o) const override { return &of(o); }

 private:
  // An enum stored through its underlying integer is still not an integer key.
  static constexpr bool kInteger =
      std::is_integral_v<M> && !std::is_same_v<M, bool> && std::is_same_v<C, Codec<M>>;
  const M& of(const void* o) const {
    return *reinterpret_cast<const M*>(static_cast<const char*>(o) + offset());
  }
  M& of(void* o) const { return *reinterpret_cast<M*>(static_cast<char*>(o) + offset()); }
};

namespace detail {
// An enum member read and written as its underlying integer, with the enum's codec: one
// attribute type serves every enum of that underlying type.
template <class U>
struct EnumCodec {
  enum class E : U {};
  using Of = Codec<E>;
  static Type default_type() { return Of::default_type(); }
  static bool accepts(const Type& t) { return Of::accepts(t); }
  static void bind(driver::Statement& s, int i, const U& v, const Type& t) {
    Of::bind(s, i, E(v), t);
  }
  static void read(driver::Statement& s, int col, U& v, const Type& t) {
    E e{};
    Of::read(s, col, e, t);
    v = static_cast<U>(e);
  }
  static void encode(const U& v, std::string& out) { retort::detail::put_raw(out, v); }
  static bool same(const U& v, const char*& p) { return retort::detail::same_raw(v, p); }
  static void decode(const char*& p, U& v) { retort::detail::take_raw(p, v); }
  static Value to_value(const U& v, const Type& t) { return Of::to_value(E(v), t); }
  static void from_value(const Value& v, U& out, const Type& t) {
    E e{};
    Of::from_value(v, e, t);
    out = static_cast<U>(e);
  }
};
}  // namespace detail

template <class M, class C = Codec<M>>
std::unique_ptr<Attribute> make_column_attribute(std::ptrdiff_t offset) {
  return std::make_unique<ColumnAttribute<M, C>>(offset);
}

// A new attribute for a member of type M at `offset`, its name and type still to be set.
template <class M>
std::unique_ptr<Attribute> column_attribute(std::ptrdiff_t offset) {
  if constexpr (requires { Codec<M>::kGenericEnum; }) {
    using U = std::underlying_type_t<M>;
    auto attr = make_column_attribute<U, detail::EnumCodec<U>>(offset);
    attr->member_type = typeid(M);
    return attr;
  } else {
    return make_column_attribute<M>(offset);
  }
}

// The member types whose attributes the library compiles once, so that a model file does
// not: the built-in ones, each also as std::optional, and enums of the default
// underlying type.
// clang-format off
#define RETORT_BUILTIN_MEMBER_TYPES(X) \
  X(bool) \
  X(int) \
  X(long) \
  X(double) \
  X(float) \
  X(std::string) \
  X(Blob) \
  X(std::chrono::year_month_day) \
  X(Timestamp) \
  X(TimeOfDay) \
  X(Decimal) \
  X(JsonText) \
  X(Uuid)
// clang-format on
#define RETORT_EXTERN_COLUMN_ATTRIBUTE(M)                                              \
  extern template std::unique_ptr<Attribute> make_column_attribute<M>(std::ptrdiff_t); \
  extern template std::unique_ptr<Attribute> make_column_attribute<std::optional<M>>(  \
      std::ptrdiff_t);
RETORT_BUILTIN_MEMBER_TYPES(RETORT_EXTERN_COLUMN_ATTRIBUTE)
#undef RETORT_EXTERN_COLUMN_ATTRIBUTE
extern template std::unique_ptr<Attribute> make_column_attribute<int, detail::EnumCodec<int>>(
    std::ptrdiff_t);

}  // namespace retort::orm
