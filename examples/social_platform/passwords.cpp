#include "passwords.hpp"

#include <sodium.h>

#include <stdexcept>

namespace social {
namespace {

void init() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

std::pair<unsigned long long, std::size_t> limits(PasswordCost cost) {
  if (cost == PasswordCost::minimal)
    return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

}  // namespace

std::string hash_password(std::string_view password, PasswordCost cost) {
  init();
  char out[crypto_pwhash_STRBYTES];
  const auto [ops, mem] = limits(cost);
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory while hashing a password");
  }
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  init();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void verify_nothing(std::string_view password, PasswordCost cost) {
  // One hash of the same cost, computed once, stands in for the missing user's.
  static const std::string dummy[] = {hash_password("", PasswordCost::minimal),
                                      hash_password("", PasswordCost::interactive)};
  (void)verify_password(dummy[cost == PasswordCost::minimal ? 0 : 1], password);
}

bool needs_rehash(const std::string& hash, PasswordCost cost) {
  init();
  const auto [ops, mem] = limits(cost);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), ops, mem) != 0;
}

std::string token_digest(std::string_view value) {
  init();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string new_token_value() {
  init();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace social
