// A Value as a JSON document: the one conversion behind Record::to_json, rt::to_dict and
// the protobuf JSON mappings, so a column reads the same in each.
//
// Numbers and booleans are themselves, NaN and infinities their names ("NaN",
// "Infinity"), decimals text (exact), dates and times ISO 8601, blobs base64, UUIDs text,
// JSON columns the document (text that does not parse stays a string).
//
// This header needs nlohmann_json, which retort_core links privately: include it only
// from a target that links nlohmann_json itself.
#pragma once

#include <nlohmann/json.hpp>

#include "retort/core/value.hpp"

namespace retort::detail {

// `utc` appends "Z" to timestamps, for values known to be in UTC.
nlohmann::ordered_json json_value(const Value& v, bool utc = false);

}  // namespace retort::detail
