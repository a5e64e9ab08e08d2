// rt::Column: one column of a table, and the options that describe it.
//
//   rt::Column("id", rt::Integer(), rt::primary_key)
//   rt::Column("login", rt::String(256), rt::unique, rt::not_null)
//   rt::Column("owner_id", rt::Integer(), rt::ForeignKey("user.id", {.ondelete = "CASCADE"}))
//   rt::Column("created", rt::DateTime(true), rt::server_default("CURRENT_TIMESTAMP"))
//   rt::Column("score", rt::Integer(), rt::default_value(0), rt::index)
//   rt::Column("token", rt::UUID(), rt::default_factory([] { return rt::Uuid::random(); }))
//
// Options are small values applied in order; a Type among them sets the column type.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "retort/core/value.hpp"
#include "retort/schema/type.hpp"

namespace retort {

// A column-level foreign key; the table turns it into a ForeignKeyConstraint.
struct ForeignKeyOptions {
  std::string ondelete{};  // "CASCADE", "SET NULL", "RESTRICT", ...
  std::string onupdate{};
  std::string name{};
  // Create the constraint after the tables (ALTER TABLE), to break a cycle.
  bool use_alter = false;
};

struct ForeignKey {
  // target: "table.column"
  explicit ForeignKey(std::string target_, ForeignKeyOptions options_ = {})
      : target(std::move(target_)), options(std::move(options_)) {}
  std::string target;
  ForeignKeyOptions options;
};

enum class Autoincrement : std::uint8_t {
  // An integer primary key that is the table's only primary-key column generates its
  // values (SQLite rowid, PostgreSQL identity).
  automatic,
  yes,
  no,
};

class Column {
 public:
  template <class... Options>
  Column(std::string name_, Type type_, const Options&... options)
      : name(std::move(name_)), type(std::move(type_)) {
    (apply(*this, options), ...);
  }

  std::string name;
  Type type;
  bool primary_key = false;
  // Unset: nullable unless part of the primary key.
  std::optional<bool> nullable;
  bool unique = false;
  bool index = false;
  Autoincrement autoincrement = Autoincrement::automatic;
  // Client-side default, used when an INSERT gives no value.
  std::optional<Value> default_value;
  std::function<Value()> default_factory;
  // SQL text the database uses as DEFAULT.
  std::optional<std::string> server_default;
  std::string comment;
  std::vector<ForeignKey> foreign_keys;

  bool is_nullable() const { return nullable.value_or(!primary_key); }
  bool has_client_default() const { return default_value || default_factory; }

  friend void apply(Column& c, const Type& t) { c.type = t; }
  friend void apply(Column& c, const ForeignKey& fk) { c.foreign_keys.push_back(fk); }
};

// Flag options.
struct PrimaryKeyFlag {
  friend void apply(Column& c, PrimaryKeyFlag) { c.primary_key = true; }
};
struct UniqueFlag {
  friend void apply(Column& c, UniqueFlag) { c.unique = true; }
};
struct IndexFlag {
  friend void apply(Column& c, IndexFlag) { c.index = true; }
};
struct NullableFlag {
  bool value;
  friend void apply(Column& c, NullableFlag f) { c.nullable = f.value; }
};
struct AutoincrementFlag {
  Autoincrement value;
  friend void apply(Column& c, AutoincrementFlag f) { c.autoincrement = f.value; }
};
inline constexpr PrimaryKeyFlag primary_key{};
inline constexpr UniqueFlag unique{};
inline constexpr IndexFlag index{};
inline constexpr NullableFlag nullable{true};
inline constexpr NullableFlag not_null{false};
inline constexpr AutoincrementFlag autoincrement{Autoincrement::yes};
inline constexpr AutoincrementFlag no_autoincrement{Autoincrement::no};

struct DefaultValue {
  Value value;
  friend void apply(Column& c, const DefaultValue& d) { c.default_value = d.value; }
};
inline DefaultValue default_value(Value v) {
  return {std::move(v)};
}

struct DefaultFactory {
  std::function<Value()> factory;
  friend void apply(Column& c, const DefaultFactory& d) { c.default_factory = d.factory; }
};
template <class F>
DefaultFactory default_factory(F f) {
  return {[f = std::move(f)] { return Value(f()); }};
}

struct ServerDefault {
  std::string sql;
  friend void apply(Column& c, const ServerDefault& d) { c.server_default = d.sql; }
};
inline ServerDefault server_default(std::string sql) {
  return {std::move(sql)};
}

struct Comment {
  std::string text;
  friend void apply(Column& c, const Comment& d) { c.comment = d.text; }
};
inline Comment comment(std::string text) {
  return {std::move(text)};
}

}  // namespace retort
