#include "retort/service/config.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "retort/core/error.hpp"

namespace retort {
namespace {

const std::vector<std::string> kKeys = {
    "SQL_DATABASE_URI", "SQL_ECHO",         "SQL_ECHO_PARAMETERS",  "SQL_ECHO_POOL",
    "SQL_POOL_SIZE",    "SQL_POOL_TIMEOUT", "SQL_POOL_RECYCLE",     "SQL_POOL_PRE_PING",
    "SQL_MAX_OVERFLOW", "SQL_AUTOFLUSH",    "SQL_EXPIRE_ON_COMMIT", "SQL_ISOLATION_LEVEL",
    "SQL_AUTOCOMMIT",
};

const std::vector<std::string> kIsolationLevels = {
    "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED", "AUTOCOMMIT"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

[[noreturn]] void bad(const std::string& key, const std::string& expected, const Value& got) {
  std::string shown;
  if (got.type() == ValueType::text) {
    shown = "'" + got.get<std::string>() + "'";
  } else if (got.type() == ValueType::integer) {
    shown = std::to_string(got.get<std::int64_t>());
  } else if (got.type() == ValueType::real) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", got.get<double>());
    shown = text;
  } else if (got.type() == ValueType::boolean) {
    shown = got.get<bool>() ? "true" : "false";
  } else {
    shown = std::string("a value of type ") + to_string(got.type());
  }
  throw ArgumentError("database config " + key + ": expected " + expected + ", got " + shown);
}

bool to_bool(const std::string& key, const Value& v) {
  if (v.type() == ValueType::boolean) return v.get<bool>();
  if (v.type() == ValueType::integer && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1))
    return v.get<std::int64_t>() == 1;
  if (v.type() == ValueType::text) {
    const std::string t = lower(trimmed(v.get<std::string>()));
    if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  }
  bad(key, "true or false", v);
}

double to_number(const std::string& key, const Value& v) {
  if (v.type() == ValueType::integer) return static_cast<double>(v.get<std::int64_t>());
  if (v.type() == ValueType::real && std::isfinite(v.get<double>())) return v.get<double>();
  if (v.type() == ValueType::text) {
    const std::string t = trimmed(v.get<std::string>());
    char* end = nullptr;
    const double d = t.empty() ? 0 : std::strtod(t.c_str(), &end);
    if (!t.empty() && end == t.c_str() + t.size() && std::isfinite(d)) return d;
  }
  bad(key, "a number", v);
}

int to_int(const std::string& key, const Value& v, int minimum) {
  const double d = to_number(key, v);
  if (d != std::floor(d) || d < minimum || d > 1e6) {
    bad(key, "a whole number of at least " + std::to_string(minimum), v);
  }
  return static_cast<int>(d);
}

}  // namespace

const std::vector<std::string>& config_keys() {
  return kKeys;
}

DatabaseSettings parse_config(const DatabaseConfig& config) {
  DatabaseSettings out;
  for (const auto& [key, value] : config) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      std::string known;
      for (const auto& k : kKeys)
        known += (known.empty() ? "" : ", ") + k;
      throw ArgumentError("unknown database config key '" + key + "'; the keys are: " + known);
    }
  }
  const auto find = [&](const char* key) -> const Value* {
    auto it = config.find(key);
    return it == config.end() || it->second.is_null() ? nullptr : &it->second;
  };
  const Value* uri = find("SQL_DATABASE_URI");
  if (!uri) throw ArgumentError("database config: SQL_DATABASE_URI is required");
  if (uri->type() != ValueType::text) {
    // Only the kind is named: a URL may hold a password.
    throw ArgumentError(
        std::string("database config SQL_DATABASE_URI: expected a URL, got a value of type ") +
        to_string(uri->type()));
  }
  out.url = uri->get<std::string>();
  EngineOptions& e = out.engine;
  SessionOptions& s = out.session;
  if (const Value* v = find("SQL_ECHO")) e.echo = to_bool("SQL_ECHO", *v);
  if (const Value* v = find("SQL_ECHO_PARAMETERS"))
    e.echo_parameters = to_bool("SQL_ECHO_PARAMETERS", *v);
  if (const Value* v = find("SQL_ECHO_POOL")) e.echo_pool = to_bool("SQL_ECHO_POOL", *v);
  if (const Value* v = find("SQL_POOL_SIZE")) e.pool_size = to_int("SQL_POOL_SIZE", *v, 0);
  if (const Value* v = find("SQL_POOL_TIMEOUT")) {
    const double seconds = to_number("SQL_POOL_TIMEOUT", *v);
    if (seconds < 0 || seconds > 1e6) bad("SQL_POOL_TIMEOUT", "a number of seconds >= 0", *v);
    e.pool_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  }
  if (const Value* v = find("SQL_POOL_RECYCLE")) {
    const int seconds = to_int("SQL_POOL_RECYCLE", *v, -1);
    e.pool_recycle = seconds < 0 ? std::nullopt : std::optional(std::chrono::seconds(seconds));
  }
  if (const Value* v = find("SQL_POOL_PRE_PING"))
    e.pool_pre_ping = to_bool("SQL_POOL_PRE_PING", *v);
  if (const Value* v = find("SQL_MAX_OVERFLOW"))
    e.max_overflow = to_int("SQL_MAX_OVERFLOW", *v, -1);
  if (const Value* v = find("SQL_AUTOFLUSH")) s.autoflush = to_bool("SQL_AUTOFLUSH", *v);
  if (const Value* v = find("SQL_EXPIRE_ON_COMMIT"))
    s.expire_on_commit = to_bool("SQL_EXPIRE_ON_COMMIT", *v);
  if (const Value* v = find("SQL_ISOLATION_LEVEL")) {
    std::string level;
    if (v->type() == ValueType::text) {
      level = trimmed(v->get<std::string>());
      std::transform(level.begin(), level.end(), level.begin(),
                     [](unsigned char c) { return c == '_' ? ' ' : std::toupper(c); });
    }
    if (std::find(kIsolationLevels.begin(), kIsolationLevels.end(), level) ==
        kIsolationLevels.end())
      bad("SQL_ISOLATION_LEVEL",
          "SERIALIZABLE, REPEATABLE READ, READ COMMITTED, READ UNCOMMITTED or AUTOCOMMIT", *v);
    e.isolation_level = level;
  }
  if (const Value* v = find("SQL_AUTOCOMMIT"); v && to_bool("SQL_AUTOCOMMIT", *v)) {
    throw ArgumentError(
        "database config SQL_AUTOCOMMIT: true is not supported (sessions always work in a "
        "transaction); set SQL_ISOLATION_LEVEL to AUTOCOMMIT for a connection without one");
  }
  return out;
}

DatabaseConfig config_from_env(std::string_view prefix, DatabaseConfig defaults,
                               const std::function<const char*(const char*)>& getenv) {
  for (const auto& key : kKeys) {
    const std::string name = std::string(prefix) + key;
    const char* value = getenv ? getenv(name.c_str()) : std::getenv(name.c_str());
    if (value) defaults[key] = std::string(value);
  }
  return defaults;
}

}  // namespace retort
