// Base64 (RFC 4648, with padding) for blobs in dictionaries and JSON dumps.
#pragma once

#include <string>

#include "retort/core/value.hpp"

namespace retort::service::detail {

std::string base64_encode(const Blob& bytes);
// rt::ArgumentError for text that is not canonical base64.
Blob base64_decode(const std::string& text);

}  // namespace retort::service::detail
