#include "retort/core/url.hpp"

#include <cctype>
#include <charconv>

#include "retort/core/error.hpp"

namespace retort {
namespace {

[[noreturn]] void malformed(std::string_view why) {
  throw ArgumentError("malformed database URL: " + std::string(why));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view s, std::string_view part) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) malformed("truncated percent escape in the " + std::string(part));
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) malformed("bad percent escape in the " + std::string(part));
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && part == "query") {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Percent-encodes everything but unreserved characters (RFC 3986) and, where the part
// allows it, '/' and ':'.
std::string encode(std::string_view s, std::string_view keep = {}) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || keep.find(static_cast<char>(c)) != keep.npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

bool valid_scheme(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '_' || c == '-'))
      return false;
  }
  return true;
}

// Where the user name and password end: the first '@' whose user name (before the first
// ':') holds no '/' or '?' and which a host follows (no further '@' before the path, but
// in a query); npos when there is none. So "u:p/x?y@host/db?k=a@b" has the password
// "p/x?y", and "u:p@ss@host/db" the password "p@ss". An '@' in a password should still
// be written %40: "u:p@x?y@host" cannot be told from a host "x" with a query.
std::size_t userinfo_end(std::string_view rest) {
  const std::string_view user = rest.substr(0, rest.find_first_of(":@"));
  if (user.find_first_of("/?") != user.npos) return rest.npos;
  for (auto at = rest.find('@'); at != rest.npos; at = rest.find('@', at + 1)) {
    // Up to the path; a query there may hold '@', the host before it may not, nor be
    // empty.
    const std::string_view after = rest.substr(at + 1, rest.find('/', at + 1) - at - 1);
    if (after.find('@') == after.npos) return at;
    const std::string_view host = after.substr(0, after.find('?'));
    if (!host.empty() && host.size() < after.size() && host.find('@') == host.npos) return at;
  }
  return rest.npos;
}

}  // namespace

URL URL::parse(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == text.npos) {
    malformed("expected <backend>://..., e.g. sqlite:///app.db or postgresql://user@host/db");
  }
  const std::string_view scheme = text.substr(0, sep);
  if (!valid_scheme(scheme)) malformed("bad scheme '" + std::string(scheme) + "'");
  URL url;
  const auto plus = scheme.find('+');
  url.backend_ = std::string(scheme.substr(0, plus));
  if (plus != scheme.npos) url.driver_ = std::string(scheme.substr(plus + 1));
  for (auto& c : url.backend_)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  std::string_view rest = text.substr(sep + 3);
  // The user name and password come off first: a password may hold '/', '?', '#' or '@'
  // unescaped, and no part of it may ever reach an error message.
  if (auto at = userinfo_end(rest); at != rest.npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != userinfo.npos) {
      url.username_ = decode(userinfo.substr(0, colon), "user name");
      url.password_ = decode(userinfo.substr(colon + 1), "password");
    } else {
      url.username_ = decode(userinfo, "user name");
    }
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != rest.npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  // Authority ends at the first '/' after it; for sqlite the authority is normally empty
  // and everything after the third slash is the path.
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != rest.npos) url.database_ = decode(rest.substr(slash + 1), "database");

  if (!authority.empty()) {
    std::string_view hostport = authority;
    std::string_view port;
    if (!hostport.empty() && hostport.front() == '[') {
      const auto close = hostport.find(']');
      if (close == hostport.npos) malformed("unterminated '[' in IPv6 host");
      url.host_ = std::string(hostport.substr(1, close - 1));
      std::string_view after = hostport.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') malformed("unexpected text after IPv6 host");
        port = after.substr(1);
      }
    } else if (auto colon = hostport.rfind(':'); colon != hostport.npos) {
      url.host_ = decode(hostport.substr(0, colon), "host");
      port = hostport.substr(colon + 1);
    } else if (!hostport.empty()) {
      url.host_ = decode(hostport, "host");
    }
    if (!port.empty()) {
      int p = 0;
      auto r = std::from_chars(port.data(), port.data() + port.size(), p);
      if (r.ec != std::errc() || r.ptr != port.data() + port.size() || p <= 0 || p > 65535) {
        // The text itself is not quoted: a password with an unescaped '@' may have
        // been taken for a host and port.
        malformed("the port is not a number between 1 and 65535");
      }
      url.port_ = p;
    }
    if (url.host_ && url.host_->empty()) url.host_.reset();
  }

  for (int option = 1; !query.empty(); ++option) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == query.npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == pair.npos || eq == 0) {
      malformed("query option " + std::to_string(option) + " is not key=value");
    }
    url.query_.emplace_back(decode(pair.substr(0, eq), "query"),
                            decode(pair.substr(eq + 1), "query"));
  }
  return url;
}

std::optional<std::string> URL::query_value(std::string_view key) const {
  for (auto it = query_.rbegin(); it != query_.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return std::nullopt;
}

URL& URL::set_username(std::optional<std::string> v) {
  username_ = std::move(v);
  return *this;
}
URL& URL::set_password(std::optional<std::string> v) {
  password_ = std::move(v);
  return *this;
}
URL& URL::set_host(std::optional<std::string> v) {
  host_ = std::move(v);
  return *this;
}
URL& URL::set_port(std::optional<int> v) {
  port_ = v;
  return *this;
}
URL& URL::set_database(std::string v) {
  database_ = std::move(v);
  return *this;
}
URL& URL::set_query_value(std::string key, std::string value) {
  for (auto& [k, v] : query_) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  query_.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string URL::render(bool hide_password) const {
  std::string out = backend_;
  if (!driver_.empty()) out += "+" + driver_;
  out += "://";
  if (username_) {
    out += encode(*username_);
    if (password_) out += ":" + (hide_password ? std::string("***") : encode(*password_));
    out += "@";
  }
  if (host_) {
    if (host_->find(':') != std::string::npos) {
      out += "[" + *host_ + "]";
    } else {
      out += encode(*host_);
    }
  }
  if (port_) out += ":" + std::to_string(*port_);
  if (!database_.empty()) out += "/" + encode(database_, "/:");
  for (std::size_t i = 0; i < query_.size(); ++i) {
    out += (i == 0 ? "?" : "&") + encode(query_[i].first) + "=" + encode(query_[i].second, "/:");
  }
  return out;
}

}  // namespace retort
