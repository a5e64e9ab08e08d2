// Column types: what a column holds, how each dialect spells it in DDL, and which values
// it accepts.
//
//   rt::Integer()  rt::BigInteger()  rt::SmallInteger()  rt::Boolean()
//   rt::Float()    rt::Double()      rt::Numeric(10, 2)  rt::String(256)   rt::Text()
//   rt::Date()     rt::DateTime()    rt::DateTime(true)  (with time zone)  rt::Time()
//   rt::Time(true) (with time zone: values in UTC, as DateTime(true)'s)
//   rt::LargeBinary()  rt::JSON() (jsonb on PostgreSQL)  rt::UUID()
//   rt::Enum({"draft", "published"}, "post_status")
//       (a native enum type on PostgreSQL, a CHECK constraint on SQLite)
//
// A Type is a small immutable value; copies share their description.
//
// Custom types implement rt::CustomType:
//
//   struct Point : rt::CustomType {
//     std::string name() const override { return "Point"; }
//     std::string ddl(std::string_view) const override { return "TEXT"; }
//     rt::Value to_db(const rt::Value& v) const override { ... }    // C++ side -> stored
//     rt::Value from_db(const rt::Value& v) const override { ... }  // stored -> C++ side
//   };
//   rt::Column("where", rt::custom_type(std::make_shared<Point>()))
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "retort/core/value.hpp"

namespace retort {

namespace detail {
struct TypeData;
}

enum class TypeKind {
  integer,
  big_integer,
  small_integer,
  boolean,
  float_,
  double_,
  numeric,
  string,
  text,
  date,
  datetime,
  time,
  large_binary,
  json,
  uuid,
  enum_,
  custom,
  // A reflected type Retort does not know; kept by its database name.
  opaque,
};

class CustomType {
 public:
  virtual ~CustomType() = default;
  // Shown in messages and in Type::describe().
  virtual std::string name() const = 0;
  // The column type in DDL for a dialect ("sqlite", "postgresql").
  virtual std::string ddl(std::string_view dialect) const = 0;
  // Converts a value on its way to the database; raise rt::DataError to refuse it.
  virtual Value to_db(const Value& value) const { return value; }
  // Converts a value read from the database.
  virtual Value from_db(const Value& value) const { return value; }
};

class Type {
 public:
  // Integer() by default.
  Type();

  TypeKind kind() const;
  // String length, 0 when unbounded.
  int length() const;
  // Numeric precision and scale, 0 when unspecified.
  int precision() const;
  int scale() const;
  // DateTime with time zone.
  bool timezone() const;
  const std::vector<std::string>& enum_values() const;
  // The enum's type name (PostgreSQL CREATE TYPE), or an opaque type's database name.
  const std::string& name() const;
  const CustomType* custom() const;

  bool is_integer() const;
  bool is_text() const;  // String or Text

  // "Integer", "String(256)", "Numeric(10, 2)", "Enum('a', 'b')", ...
  std::string describe() const;

  // The value as the database should receive it: checked (an Integer column cannot hold
  // text, an Enum only its members, a String(n) at most n characters) and converted
  // (text to date for a Date column, ...). rt::DataError says what does not fit.
  Value to_db(const Value& value) const;
  // A value read from the database, made into this type's natural form (e.g. SQLite's
  // REAL for a Numeric(10, 2) column becomes rt::Decimal "12.50").
  Value from_db(const Value& value) const;
  // Whether from_db can change a value (for Integer or Text it never does).
  bool reads_differently() const;

  friend bool operator==(const Type& a, const Type& b);

 private:
  friend Type make_type(detail::TypeData data);
  explicit Type(std::shared_ptr<const detail::TypeData> data) : data_(std::move(data)) {}
  std::shared_ptr<const detail::TypeData> data_;
};

Type Integer();
Type BigInteger();
Type SmallInteger();
Type Boolean();
Type Float();
Type Double();
Type Numeric(int precision = 0, int scale = 0);
Type String(int length = 0);
Type Text();
Type Date();
Type DateTime(bool timezone = false);
Type Time(bool timezone = false);
Type LargeBinary();
Type JSON();
Type UUID();
// name: the PostgreSQL type name; derived from the table and column when empty.
Type Enum(std::vector<std::string> values, std::string name = {});
Type custom_type(std::shared_ptr<const CustomType> type);
// A type known only by its database name (from reflection).
Type opaque_type(std::string database_name);

// An Enum with a name filled in (for unnamed enums, "<table>_<column>").
Type named_enum(const Type& type, std::string name);

}  // namespace retort
