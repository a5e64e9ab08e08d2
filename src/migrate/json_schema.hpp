// Types, tables and operations as the JSON of revision files and schema snapshots
// (internal to the migrate library; docs/migrations.md shows the format).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "retort/migrate/operations.hpp"
#include "retort/schema/metadata.hpp"

namespace retort::migrate::json_schema {

using nlohmann::ordered_json;

// "Integer", "String(256)", "Numeric(10, 2)", "DateTime(timezone)", "Time(timezone)", an enum as
// {"enum": [...], "name": "..."}, a type Retort does not know as {"sql": "tsvector"}.
ordered_json type(const Type& type);
Type type(const ordered_json& j, const std::string& where);

// A table with its columns, keys, constraints and indexes. Column-level unique, index and
// foreign key options are written as table-level ones.
ordered_json table(const Table& table);
Table table(const ordered_json& j, const std::string& where);
ordered_json column(const Column& column);
Column column(const ordered_json& j, const std::string& where);

ordered_json operation(const Operation& op);
Operation operation(const ordered_json& j, const std::string& where);

// A whole MetaData: what an application writes for `retort revision --autogenerate`.
ordered_json metadata(const MetaData& metadata);
MetaData metadata(const ordered_json& j, const std::string& where);

}  // namespace retort::migrate::json_schema
