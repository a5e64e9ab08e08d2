// Base64 (RFC 4648, with padding): how blobs travel in JSON (dictionaries, dumps, protobuf
// JSON mappings).
#pragma once

#include <string>

#include "retort/core/value.hpp"

namespace retort {

std::string base64_encode(const Blob& bytes);
// rt::ArgumentError for text that is not canonical base64 (one blob has one text).
Blob base64_decode(const std::string& text);

}  // namespace retort
