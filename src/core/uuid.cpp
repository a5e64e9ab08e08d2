#include "retort/core/uuid.hpp"

#include <ostream>
#include <random>

#include "retort/core/error.hpp"

namespace retort {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Uuid::try_parse(std::string_view text, Uuid& out) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, 36);
  }
  const bool hyphenated = text.size() == 36;
  if (!hyphenated && text.size() != 32) return false;
  std::array<std::uint8_t, 16> bytes{};
  std::size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (hyphenated && (pos == 8 || pos == 13 || pos == 18 || pos == 23)) {
      if (text[pos] != '-') return false;
      ++pos;
    }
    const int hi = hex_digit(text[pos]);
    const int lo = hex_digit(text[pos + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    pos += 2;
  }
  out = Uuid(bytes);
  return true;
}

Uuid Uuid::parse(std::string_view text) {
  Uuid out;
  if (!try_parse(text, out)) {
    throw DataError("malformed UUID '" + std::string(text.substr(0, 64)) + "'");
  }
  return out;
}

Uuid Uuid::random() {
  thread_local std::mt19937_64 engine([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  std::array<std::uint8_t, 16> bytes{};
  const std::uint64_t a = engine(), b = engine();
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<std::uint8_t>(a >> (8 * i));
    bytes[8 + i] = static_cast<std::uint8_t>(b >> (8 * i));
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return Uuid(bytes);
}

std::string Uuid::str() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(digits[bytes_[i] >> 4]);
    out.push_back(digits[bytes_[i] & 0xf]);
  }
  return out;
}

std::ostream& operator<<(std::ostream& out, const Uuid& u) {
  return out << u.str();
}

}  // namespace retort
