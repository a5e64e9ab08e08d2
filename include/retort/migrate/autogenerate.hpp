// Autogenerate: the operations that bring a live database to what the application's
// models declare (Alembic's `revision --autogenerate`).
//
//   rt::MetaData models = app::metadata();          // or registry.metadata()
//   auto diff = rt::migrate::compare(models, conn);
//   diff.upgrade;    // e.g. {AddColumn{"users", email}}
//   diff.downgrade;  // {DropColumn{"users", "email"}}
//
// Compared: tables, columns, types (length, precision, scale), nullability, server
// defaults, indexes, unique and foreign-key constraints, check constraints by name,
// enum types and their values. What cannot be told apart (a renamed column looks like a
// drop and an add; a primary key or enum values that changed) is left in `notes` for the
// author of the revision.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "retort/core/connection.hpp"
#include "retort/migrate/operations.hpp"
#include "retort/schema/metadata.hpp"

namespace retort::migrate {

struct CompareOptions {
  // Tables that are not the application's: never proposed for dropping.
  std::vector<std::string> ignore_tables{"alembic_version"};
  // When set, only the database's tables it accepts ("schema.table" or "table") are
  // compared (Alembic's include_name): for a database shared with other applications.
  std::function<bool(const std::string&)> include_table{};
  bool compare_server_defaults = true;
};

struct Comparison {
  std::vector<Operation> upgrade;
  std::vector<Operation> downgrade;  // undoes upgrade, in order
  std::vector<std::string> notes;
  bool empty() const { return upgrade.empty() && notes.empty(); }
};

Comparison compare(const MetaData& models, Connection& conn, const CompareOptions& options = {});

}  // namespace retort::migrate
