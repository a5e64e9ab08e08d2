// Database values as JSON text, for `retort dump`.
#pragma once

#include <string>
#include <string_view>

#include "retort/core/value.hpp"
#include "retort/schema/type.hpp"

namespace retort::cli {

// A JSON string literal; bytes that are not UTF-8 become U+FFFD.
std::string json_string(std::string_view text);

// A value read from a column of the given (reflected) type. The type decides what the
// stored value means (SQLite keeps dates as text and booleans as integers); a value that
// does not read as its column's type is written as it is stored.
//
//   NULL null, booleans true/false, integers and finite reals as numbers, NaN and the
//   infinities as "NaN", "Infinity", "-Infinity", text as strings, blobs as base64
//   strings, dates "YYYY-MM-DD", datetimes "YYYY-MM-DDTHH:MM:SS.ffffff" (with "Z" for a
//   time-zone-aware column), times "HH:MM:SS.ffffff", numerics as strings, JSON documents
//   embedded (compact, keys and numbers as stored; text that is not JSON as a string),
//   UUIDs as strings.
std::string json_value(const Value& stored, const Type& type);

}  // namespace retort::cli
