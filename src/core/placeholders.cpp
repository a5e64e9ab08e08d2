#include "placeholders.hpp"

#include <cctype>

#include "retort/core/error.hpp"

namespace retort::detail {
namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Copies a quoted run starting at sql[i] (the opening quote) and returns the index after
// its closing quote; a doubled quote is an escaped quote.
std::size_t copy_quoted(std::string_view sql, std::size_t i, char quote, bool backslash,
                        std::string& out) {
  out.push_back(sql[i++]);
  while (i < sql.size()) {
    const char c = sql[i];
    out.push_back(c);
    ++i;
    if (backslash && c == '\\' && i < sql.size()) {
      out.push_back(sql[i++]);
    } else if (c == quote) {
      if (i < sql.size() && sql[i] == quote) {
        out.push_back(sql[i++]);
      } else {
        return i;
      }
    }
  }
  return i;
}

}  // namespace

NativeSql to_native(std::string_view sql, const driver::Connection& conn) {
  NativeSql out;
  out.sql.reserve(sql.size() + 8);
  bool positional = false;
  int native_max = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'') {
      const bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !name_char(sql[i - 2]));
      i = copy_quoted(sql, i, '\'', escapes, out.sql);
    } else if (c == '"' || c == '`') {
      i = copy_quoted(sql, i, c, false, out.sql);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const auto end = sql.find('\n', i);
      const auto stop = end == sql.npos ? sql.size() : end;
      out.sql.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const auto end = sql.find("*/", i + 2);
      const auto stop = end == sql.npos ? sql.size() : end + 2;
      out.sql.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      // A native "$N" placeholder passes through unchanged.
      std::size_t j = i + 1;
      int n = 0;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) {
        // No database takes 65535 parameters or more.
        if (n > 65535) {
          throw ArgumentError(
              "a '$N' placeholder's number is out of range [SQL: " + std::string(sql) + "]");
        }
        n = n * 10 + (sql[j] - '0');
        ++j;
      }
      native_max = std::max(native_max, n);
      out.sql.append(sql.substr(i, j - i));
      i = j;
    } else if (c == '$' && (i == 0 || !name_char(sql[i - 1]))) {
      // Dollar-quoted body: $tag$ ... $tag$
      std::size_t j = i + 1;
      while (j < sql.size() && name_char(sql[j]))
        ++j;
      if (j < sql.size() && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const auto end = sql.find(tag, j + 1);
        const auto stop = end == sql.npos ? sql.size() : end + tag.size();
        out.sql.append(sql.substr(i, stop - i));
        i = stop;
      } else {
        out.sql.push_back(c);
        ++i;
      }
    } else if (c == '?') {
      if (!out.names.empty()) {
        throw ArgumentError("SQL mixes '?' and ':name' placeholders: " + std::string(sql));
      }
      positional = true;
      out.sql += conn.placeholder(++out.parameter_count, true);
      ++i;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      out.sql.append("::");  // a PostgreSQL cast, not a parameter
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && name_start(sql[i + 1]) &&
               (i == 0 || !name_char(sql[i - 1]))) {
      if (positional) {
        throw ArgumentError("SQL mixes '?' and ':name' placeholders: " + std::string(sql));
      }
      std::size_t j = i + 1;
      while (j < sql.size() && name_char(sql[j]))
        ++j;
      const std::string name(sql.substr(i + 1, j - i - 1));
      int number = 0;
      for (std::size_t k = 0; k < out.names.size(); ++k) {
        if (out.names[k] == name) number = static_cast<int>(k) + 1;
      }
      if (number == 0) {
        out.names.push_back(name);
        number = static_cast<int>(out.names.size());
      }
      out.sql += conn.placeholder(number, false);
      i = j;
    } else {
      out.sql.push_back(c);
      ++i;
    }
  }
  if (!out.names.empty()) out.parameter_count = static_cast<int>(out.names.size());
  if (native_max > 0) {
    if (positional || !out.names.empty()) {
      throw ArgumentError("SQL mixes '$N' with '?' or ':name' placeholders: " + std::string(sql));
    }
    out.parameter_count = native_max;
  }
  return out;
}

}  // namespace retort::detail
