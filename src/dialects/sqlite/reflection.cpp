// SQLite reflection: PRAGMA table_info / foreign_key_list / index_list / index_info, and
// the CREATE statements in sqlite_master for what the pragmas do not keep (constraint
// names, CHECK expressions, partial-index conditions).
#include <algorithm>
#include <cctype>
#include <map>

#include "dialects/sqlite/dialect.hpp"
#include "retort/core/connection.hpp"
#include "retort/core/error.hpp"
#include "retort/schema/reflection.hpp"

namespace retort::sqlite {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Splits text at top-level commas, respecting parentheses and quotes.
std::vector<std::string> split_top_level(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  char quote = 0;
  std::string current;
  for (char c : text) {
    if (quote) {
      current += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      quote = c == '[' ? ']' : c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty()) out.push_back(current);
  for (auto& item : out) {
    const auto first = item.find_first_not_of(" \t\r\n");
    const auto last = item.find_last_not_of(" \t\r\n");
    item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
  }
  return out;
}

// Reads one identifier (bare or quoted) at pos.
std::string read_identifier(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos])))
    ++pos;
  if (pos >= s.size()) return {};
  const char open = s[pos];
  if (open == '"' || open == '`' || open == '[') {
    const char close = open == '[' ? ']' : open;
    std::string out;
    for (++pos; pos < s.size(); ++pos) {
      if (s[pos] == close) {
        if (pos + 1 < s.size() && s[pos + 1] == close && close != ']') {
          out += close;
          ++pos;
          continue;
        }
        ++pos;
        break;
      }
      out += s[pos];
    }
    return out;
  }
  std::string out;
  while (pos < s.size() &&
         (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' || s[pos] == '$')) {
    out += s[pos++];
  }
  return out;
}

std::vector<std::string> read_identifier_list(std::string_view s, std::size_t& pos) {
  std::vector<std::string> out;
  while (pos < s.size() && s[pos] != '(')
    ++pos;
  if (pos >= s.size()) return out;
  ++pos;
  while (pos < s.size()) {
    out.push_back(read_identifier(s, pos));
    while (pos < s.size() && s[pos] != ',' && s[pos] != ')')
      ++pos;
    if (pos >= s.size() || s[pos] == ')') {
      ++pos;
      break;
    }
    ++pos;
  }
  return out;
}

// The text inside the parentheses that follow pos (balanced).
std::string parenthesised(std::string_view s, std::size_t pos) {
  const auto open = s.find('(', pos);
  if (open == std::string_view::npos) return {};
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')' && --depth == 0) return std::string(s.substr(open + 1, i - open - 1));
  }
  return std::string(s.substr(open + 1));
}

struct NamedConstraint {
  std::string kind;  // "primary key", "unique", "foreign key", "check"
  std::string name;
  std::vector<std::string> columns;
  std::string text;  // CHECK expression
};

// Table-level constraints as written in the CREATE TABLE statement.
std::vector<NamedConstraint> table_constraints(std::string_view create) {
  std::vector<NamedConstraint> out;
  const auto open = create.find('(');
  const auto close = create.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return out;
  for (const auto& item : split_top_level(create.substr(open + 1, close - open - 1))) {
    std::size_t pos = 0;
    NamedConstraint c;
    std::string head = lower(item.substr(0, 10));
    if (head.starts_with("constraint")) {
      pos = 10;
      c.name = read_identifier(item, pos);
      while (pos < item.size() && std::isspace(static_cast<unsigned char>(item[pos])))
        ++pos;
    }
    const std::string rest = lower(item.substr(pos));
    if (rest.starts_with("primary key")) {
      c.kind = "primary key";
      c.columns = read_identifier_list(item, pos);
    } else if (rest.starts_with("unique")) {
      c.kind = "unique";
      c.columns = read_identifier_list(item, pos);
    } else if (rest.starts_with("foreign key")) {
      c.kind = "foreign key";
      c.columns = read_identifier_list(item, pos);
    } else if (rest.starts_with("check")) {
      c.kind = "check";
      c.text = parenthesised(item, pos);
    } else {
      continue;  // a column definition
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string action(std::string_view a) {
  const std::string upper = [&] {
    std::string u(a);
    for (auto& ch : u)
      ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return u;
  }();
  return upper == "NO ACTION" ? std::string() : upper;
}

}  // namespace

ReflectedTable Dialect::reflect_table(retort::Connection& conn, std::string_view table) const {
  ReflectedTable out;
  out.name = std::string(table);
  const auto create =
      conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                   {std::string(table)})
          .one_or_none();
  if (!create) throw ArgumentError("the database has no table '" + std::string(table) + "'");
  const std::string create_sql = create->get<std::optional<std::string>>(0).value_or("");
  const auto constraints = table_constraints(create_sql);
  const std::string t = quoted(table);

  std::vector<std::pair<int, std::string>> pk;
  for (const auto& row : conn.execute("PRAGMA table_info(" + t + ")").all()) {
    ReflectedColumn c;
    c.name = row.get<std::string>("name");
    c.type_name = row.get<std::optional<std::string>>("type").value_or("");
    c.type = parse_type(c.type_name);
    c.nullable = row.get<int>("notnull") == 0;
    c.server_default = row.get<std::optional<std::string>>("dflt_value");
    if (const int position = row.get<int>("pk"); position > 0) pk.emplace_back(position, c.name);
    out.columns.push_back(std::move(c));
  }
  std::sort(pk.begin(), pk.end());
  for (const auto& [position, name] : pk)
    out.primary_key.columns.push_back(name);
  for (const auto& c : constraints) {
    if (c.kind == "primary key") out.primary_key.name = c.name;
  }
  if (pk.size() == 1) {
    for (auto& c : out.columns) {
      if (c.name == pk.front().second && lower(c.type_name) == "integer") {
        // INTEGER PRIMARY KEY is the rowid: generated, and never NULL.
        c.autoincrement = true;
        c.nullable = false;
      }
    }
  }

  std::map<int, ForeignKeyConstraint> fks;
  for (const auto& row : conn.execute("PRAGMA foreign_key_list(" + t + ")").all()) {
    const int id = row.get<int>("id");
    auto it = fks.find(id);
    if (it == fks.end()) {
      it = fks.emplace(id, ForeignKeyConstraint({}, row.get<std::string>("table"), {})).first;
      it->second.ondelete = action(row.get<std::string>("on_delete"));
      it->second.onupdate = action(row.get<std::string>("on_update"));
    }
    it->second.columns.push_back(row.get<std::string>("from"));
    it->second.referred_columns.push_back(row.get<std::optional<std::string>>("to").value_or(""));
  }
  for (auto& [id, fk] : fks) {
    for (const auto& c : constraints) {
      if (c.kind == "foreign key" && c.columns == fk.columns) fk.name = c.name;
    }
    out.foreign_keys.push_back(std::move(fk));
  }
  // PRAGMA foreign_key_list lists them last-declared first.
  std::reverse(out.foreign_keys.begin(), out.foreign_keys.end());

  for (const auto& row : conn.execute("PRAGMA index_list(" + t + ")").all()) {
    const std::string origin = row.get<std::string>("origin");
    const std::string index_name = row.get<std::string>("name");
    if (origin == "pk") continue;
    std::vector<std::string> columns;
    const auto index_sql =
        conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                     {index_name})
            .scalars<std::optional<std::string>>();
    const std::string sql = index_sql.empty() ? std::string() : index_sql.front().value_or("");
    std::vector<std::string> expressions;
    if (!sql.empty()) {
      const auto on = lower(sql).find(" on ");
      expressions = split_top_level(parenthesised(sql, on == std::string::npos ? 0 : on));
    }
    int k = 0;
    for (const auto& col : conn.execute("PRAGMA index_info(" + quoted(index_name) + ")").all()) {
      auto name = col.get<std::optional<std::string>>("name");
      // An expression column has no name: take its text from the CREATE INDEX.
      columns.push_back(name ? *name
                             : (k < static_cast<int>(expressions.size()) ? expressions[k] : "?"));
      ++k;
    }
    if (origin == "u") {
      UniqueConstraint u(columns);
      for (const auto& c : constraints) {
        if (c.kind == "unique" && c.columns == columns) u.name = c.name;
      }
      out.unique_constraints.push_back(std::move(u));
      continue;
    }
    std::string where;
    if (const auto w = lower(sql).rfind(" where "); w != std::string::npos)
      where = sql.substr(w + 7);
    out.indexes.push_back(
        Index(index_name, columns, {.unique = row.get<int>("unique") != 0, .where = where}));
  }
  std::reverse(out.unique_constraints.begin(), out.unique_constraints.end());
  std::sort(out.indexes.begin(), out.indexes.end(),
            [](const Index& a, const Index& b) { return a.name < b.name; });

  for (const auto& c : constraints) {
    if (c.kind == "check") out.check_constraints.push_back(CheckConstraint(c.text, c.name));
  }
  return out;
}

}  // namespace retort::sqlite
