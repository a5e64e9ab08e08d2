// rt::URL: where a database lives, in SQLAlchemy's URL syntax.
//
//   sqlite://                          an in-memory database
//   sqlite:///relative/path.db         a file relative to the working directory
//   sqlite:////absolute/path.db        an absolute path (four slashes)
//   postgresql://user:pw@host:5432/db?sslmode=disable&application_name=api
//   postgresql+libpq://user@[::1]/db   the driver named explicitly; IPv6 host in brackets
//
// User, password and database are percent-decoded (write "p%40ss" for "p@ss").
// str() hides the password as "***" and is what error messages and logs show;
// render(false) gives the full URL back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace retort {

class URL {
 public:
  URL() = default;
  // Raises rt::ArgumentError naming what is wrong with the text (never echoing a
  // password).
  static URL parse(std::string_view text);

  // "postgresql" for both "postgresql://" and "postgresql+libpq://".
  const std::string& backend() const { return backend_; }
  // The "+driver" part, empty when not given.
  const std::string& driver() const { return driver_; }
  const std::optional<std::string>& username() const { return username_; }
  const std::optional<std::string>& password() const { return password_; }
  const std::optional<std::string>& host() const { return host_; }
  std::optional<int> port() const { return port_; }
  // The database name (PostgreSQL) or file path (SQLite; empty or ":memory:" for memory).
  const std::string& database() const { return database_; }
  const std::vector<std::pair<std::string, std::string>>& query() const { return query_; }
  // The last value given for a query key.
  std::optional<std::string> query_value(std::string_view key) const;

  URL& set_username(std::optional<std::string> v);
  URL& set_password(std::optional<std::string> v);
  URL& set_host(std::optional<std::string> v);
  URL& set_port(std::optional<int> v);
  URL& set_database(std::string v);
  URL& set_query_value(std::string key, std::string value);

  std::string render(bool hide_password = true) const;
  std::string str() const { return render(true); }

  friend bool operator==(const URL&, const URL&) = default;

 private:
  std::string backend_;
  std::string driver_;
  std::optional<std::string> username_;
  std::optional<std::string> password_;
  std::optional<std::string> host_;
  std::optional<int> port_;
  std::string database_;
  std::vector<std::pair<std::string, std::string>> query_;
};

}  // namespace retort
