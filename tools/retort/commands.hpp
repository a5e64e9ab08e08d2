// The retort command-line tool's commands. Each raises rt::Error (or std::exception) on
// failure; main() turns that into one line on standard error.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace retort::cli {

// Prints the reflected schema of the tables (all when empty), in dependency order.
void inspect(const std::string& url, const std::vector<std::string>& tables, std::ostream& out);

// Writes the tables (all when empty) as one JSON object of table name to rows, tables in
// dependency order, rows by primary key, streaming row by row.
void dump(const std::string& url, const std::vector<std::string>& tables, std::ostream& out);

}  // namespace retort::cli
