// Table constraints and indexes, declared next to a table's columns:
//
//   rt::Table("enrollment", {
//       rt::Column("student_id", rt::Integer()),
//       rt::Column("class_id", rt::Integer()),
//       rt::PrimaryKeyConstraint({"student_id", "class_id"}),
//       rt::ForeignKeyConstraint({"student_id"}, "student", {"id"}, {.ondelete = "CASCADE"}),
//       rt::UniqueConstraint({"class_id", "seat"}, "uq_seat"),
//       rt::CheckConstraint("seat > 0", "ck_seat_positive"),
//       rt::Index("ix_enrollment_class", {"class_id"}, {.unique = false, .where = "seat > 0"}),
//   });
//
// An unnamed constraint gets its name from the MetaData's naming convention, if any,
// else from the database.
#pragma once

#include <string>
#include <vector>

#include "retort/schema/column.hpp"

namespace retort {

struct PrimaryKeyConstraint {
  explicit PrimaryKeyConstraint(std::vector<std::string> columns_ = {}, std::string name_ = {})
      : columns(std::move(columns_)), name(std::move(name_)) {}
  std::vector<std::string> columns;
  std::string name;
  friend bool operator==(const PrimaryKeyConstraint&, const PrimaryKeyConstraint&) = default;
};

struct UniqueConstraint {
  explicit UniqueConstraint(std::vector<std::string> columns_, std::string name_ = {})
      : columns(std::move(columns_)), name(std::move(name_)) {}
  std::vector<std::string> columns;
  std::string name;
  friend bool operator==(const UniqueConstraint&, const UniqueConstraint&) = default;
};

struct CheckConstraint {
  explicit CheckConstraint(std::string sqltext_, std::string name_ = {})
      : sqltext(std::move(sqltext_)), name(std::move(name_)) {}
  std::string sqltext;
  std::string name;
  friend bool operator==(const CheckConstraint&, const CheckConstraint&) = default;
};

struct ForeignKeyConstraint {
  ForeignKeyConstraint(std::vector<std::string> columns_, std::string referred_table_,
                       std::vector<std::string> referred_columns_, ForeignKeyOptions options_ = {})
      : columns(std::move(columns_)),
        referred_table(std::move(referred_table_)),
        referred_columns(std::move(referred_columns_)),
        name(std::move(options_.name)),
        ondelete(std::move(options_.ondelete)),
        onupdate(std::move(options_.onupdate)),
        use_alter(options_.use_alter) {}
  std::vector<std::string> columns;
  std::string referred_table;
  std::vector<std::string> referred_columns;
  std::string name;
  std::string ondelete;
  std::string onupdate;
  bool use_alter = false;
  friend bool operator==(const ForeignKeyConstraint&, const ForeignKeyConstraint&) = default;
};

struct IndexOptions {
  bool unique = false;
  // A partial index's condition (SQL text).
  std::string where{};
};

struct Index {
  Index(std::string name_, std::vector<std::string> columns_, IndexOptions options_ = {})
      : name(std::move(name_)),
        columns(std::move(columns_)),
        unique(options_.unique),
        where(std::move(options_.where)) {}
  std::string name;
  // Column names, or SQL expressions such as "lower(login)".
  std::vector<std::string> columns;
  bool unique = false;
  std::string where;
  friend bool operator==(const Index&, const Index&) = default;
};

}  // namespace retort
