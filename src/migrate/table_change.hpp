// A table's definition after one operation (internal): what a rebuilt SQLite table looks
// like, and how an offline script keeps track of the schema it is writing.
#pragma once

#include "retort/migrate/operations.hpp"

namespace retort::migrate {

// The schema and name of "schema.table".
TableData table_ref(const std::string& fullname);
// A table built from a definition.
Table make_table(const TableData& data);
// The table as it is after op (a column added, dropped, altered or renamed, an index or
// constraint added or dropped). rt::ArgumentError names what is missing.
Table changed_table(const Table& table, const Operation& op);

}  // namespace retort::migrate
