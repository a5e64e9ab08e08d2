// Password hashes and token values for the social platform: argon2id through libsodium,
// random bytes from its CSPRNG.
#pragma once

#include <string>
#include <string_view>

namespace social {

// How much work a hash costs. `interactive` is libsodium's recommendation for logins;
// `minimal` is the smallest argon2id allows, for tests and benchmarks that create many
// users. Both are salted; the parameters travel inside the hash string.
enum class PasswordCost { minimal, interactive };

// "$argon2id$v=19$m=...,t=...,p=1$salt$hash".
std::string hash_password(std::string_view password, PasswordCost cost);
// Whether the password matches the hash (false for a malformed hash).
bool verify_password(const std::string& hash, std::string_view password);
// Spends the time of one verification at `cost`, so an unknown user costs what a wrong
// password costs.
void verify_nothing(std::string_view password, PasswordCost cost);
// Whether a stored hash was made with other parameters than `cost` gives (it is then
// replaced at the next successful login).
bool needs_rehash(const std::string& hash, PasswordCost cost);
// 32 random bytes as 64 hex digits.
std::string new_token_value();
// What is stored for a token: the SHA-256 of its value, 64 hex digits. The value itself
// exists only on the client.
std::string token_digest(std::string_view value);

}  // namespace social
