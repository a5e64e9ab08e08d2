#include "retort/core/uuid.hpp"

#include <pthread.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <ostream>

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

namespace {

// Bytes from the kernel's generator (as Python's uuid4 takes them from os.urandom), so that
// a key shown to clients does not tell the keys made after it. They are drawn 256 at a
// time per thread: one system call for 16 UUIDs, and nothing to seed when a server starts
// a thread. A child process discards what its parent drew, which would repeat keys.
struct RandomBytes {
  std::array<std::uint8_t, 256> bytes;
  std::size_t used = bytes.size();
};
thread_local RandomBytes random_bytes;

void draw(std::uint8_t* out, std::size_t n) {
  static const bool registered = [] {
    ::pthread_atfork(nullptr, nullptr, [] { random_bytes.used = random_bytes.bytes.size(); });
    return true;
  }();
  (void)registered;
  RandomBytes& r = random_bytes;
  if (r.used + n > r.bytes.size()) {
    for (std::size_t got = 0; got < r.bytes.size();) {
      const ssize_t rc = ::getrandom(r.bytes.data() + got, r.bytes.size() - got, 0);
      if (rc < 0 && errno != EINTR)
        throw Error(std::string("cannot draw random bytes: ") + std::strerror(errno));
      if (rc > 0) got += static_cast<std::size_t>(rc);
    }
    r.used = 0;
  }
  std::memcpy(out, r.bytes.data() + r.used, n);
  r.used += n;
}

}  // namespace

Uuid Uuid::random() {
  std::array<std::uint8_t, 16> bytes;
  draw(bytes.data(), bytes.size());
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
