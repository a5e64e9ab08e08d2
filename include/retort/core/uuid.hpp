// rt::Uuid: a 128-bit universally unique identifier held as 16 bytes.
//
// Stored natively (uuid) on PostgreSQL and as its 36-character text form on SQLite.
// Parsing accepts the hyphenated form, 32 bare hex digits and the braced form; anything
// else raises rt::DataError naming the text.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace retort {

class Uuid {
 public:
  constexpr Uuid() = default;
  explicit constexpr Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

  static Uuid parse(std::string_view text);
  // Parses like parse(), but returns false instead of throwing.
  static bool try_parse(std::string_view text, Uuid& out);
  // A random (version 4) UUID.
  static Uuid random();

  // Lower-case hyphenated text, e.g. "1b4e28ba-2fa1-11d2-883f-0016d3cca427".
  std::string str() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  bool is_nil() const { return *this == Uuid{}; }

  friend constexpr auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

// Prints str().
std::ostream& operator<<(std::ostream& out, const Uuid& u);

}  // namespace retort

template <>
struct std::hash<retort::Uuid> {
  std::size_t operator()(const retort::Uuid& u) const noexcept {
    std::uint64_t a = 0, b = 0;
    for (int i = 0; i < 8; ++i)
      a = (a << 8) | u.bytes()[i];
    for (int i = 8; i < 16; ++i)
      b = (b << 8) | u.bytes()[i];
    return std::hash<std::uint64_t>{}(a ^ (b * 0x9e3779b97f4a7c15ULL));
  }
};
