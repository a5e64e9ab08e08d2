// SQLite reflection: PRAGMA table_info / foreign_key_list / index_list / index_info, and
// the CREATE statements in sqlite_master for what the pragmas do not keep (constraint
// names, CHECK expressions, partial-index conditions, expression-index columns).
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <utility>

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

// A lexical token of SQLite DDL. Parenthesised text is one token, so that a scan over
// tokens only ever sees the top level.
struct Token {
  enum Kind { word, identifier, string, group, symbol } kind;
  // word: as written; identifier/string: without quotes; group: the text inside.
  std::string text;
  std::size_t begin = 0;  // source range, for cutting out expressions as written
  std::size_t end = 0;
};

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Skips a quoted run starting at pos (the opening quote); returns the unescaped text.
std::string read_quoted(std::string_view s, std::size_t& pos) {
  const char close = s[pos] == '[' ? ']' : s[pos];
  std::string out;
  for (++pos; pos < s.size(); ++pos) {
    if (s[pos] != close) {
      out += s[pos];
    } else if (close != ']' && pos + 1 < s.size() && s[pos + 1] == close) {
      out += close;  // a doubled quote stands for itself
      ++pos;
    } else {
      ++pos;
      return out;
    }
  }
  return out;
}

// Skips whitespace and comments, which sqlite_master keeps as the user wrote them.
void skip_blank(std::string_view s, std::size_t& pos) {
  while (pos < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[pos]))) {
      ++pos;
    } else if (s.substr(pos, 2) == "--") {
      const auto eol = s.find('\n', pos);
      pos = eol == std::string_view::npos ? s.size() : eol + 1;
    } else if (s.substr(pos, 2) == "/*") {
      const auto close = s.find("*/", pos + 2);
      pos = close == std::string_view::npos ? s.size() : close + 2;
    } else {
      return;
    }
  }
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t pos = 0;
  while (true) {
    skip_blank(s, pos);
    if (pos >= s.size()) break;
    Token t{Token::symbol, {}, pos, pos};
    const char c = s[pos];
    if (c == '\'') {
      t.kind = Token::string;
      t.text = read_quoted(s, pos);
    } else if (c == '"' || c == '`' || c == '[') {
      t.kind = Token::identifier;
      t.text = read_quoted(s, pos);
    } else if (c == '(') {
      // Find the matching parenthesis, stepping over quotes and comments inside.
      int depth = 0;
      while (pos < s.size()) {
        const char d = s[pos];
        if (d == '\'' || d == '"' || d == '`' || d == '[') {
          read_quoted(s, pos);
          continue;
        }
        if (s.substr(pos, 2) == "--" || s.substr(pos, 2) == "/*") {
          skip_blank(s, pos);
          continue;
        }
        ++pos;
        if (d == '(') ++depth;
        if (d == ')' && --depth == 0) break;
      }
      t.kind = Token::group;
      const std::size_t inner_end = depth == 0 ? pos - 1 : pos;
      t.text = std::string(s.substr(t.begin + 1, inner_end - t.begin - 1));
    } else if (is_word_char(c)) {
      t.kind = Token::word;
      while (pos < s.size() && is_word_char(s[pos]))
        ++pos;
      t.text = std::string(s.substr(t.begin, pos - t.begin));
    } else {
      t.text = std::string(1, c);
      ++pos;
    }
    t.end = pos;
    out.push_back(std::move(t));
  }
  return out;
}

bool is_keyword(const std::vector<Token>& tokens, std::size_t i, std::string_view keyword) {
  return i < tokens.size() && tokens[i].kind == Token::word && lower(tokens[i].text) == keyword;
}

bool is_name(const Token& t) {
  return t.kind == Token::word || t.kind == Token::identifier || t.kind == Token::string;
}

// Comma-separated parts of text at the top level, each as written (trimmed).
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  const auto tokens = tokenize(text);
  std::size_t first = 0;
  for (std::size_t i = 0; i <= tokens.size(); ++i) {
    if (i < tokens.size() && !(tokens[i].kind == Token::symbol && tokens[i].text == ",")) continue;
    if (i > first) {
      out.emplace_back(text.substr(tokens[first].begin, tokens[i - 1].end - tokens[first].begin));
    }
    first = i + 1;
  }
  return out;
}

// The names in a parenthesised column list ("(a, "b" DESC)" -> a, b).
std::vector<std::string> column_list(const Token& group) {
  std::vector<std::string> out;
  for (const auto& part : split_list(group.text)) {
    const auto tokens = tokenize(part);
    if (!tokens.empty() && is_name(tokens.front())) out.push_back(tokens.front().text);
  }
  return out;
}

struct DeclaredConstraint {
  enum Kind { primary_key, unique, foreign_key, check } kind;
  std::string name;
  std::vector<std::string> columns;
  std::string referred_table;  // foreign key
  std::string text;            // CHECK expression
};

struct CreateTable {
  std::vector<DeclaredConstraint> constraints;
  bool without_rowid = false;
};

// Steps over the clauses that follow REFERENCES table (columns), so that their words
// (SET NULL, SET DEFAULT, NOT DEFERRABLE) are not taken for column constraints.
std::size_t skip_reference_actions(const std::vector<Token>& tokens, std::size_t i) {
  while (i < tokens.size()) {
    if (is_keyword(tokens, i, "on")) {
      i += 2;  // ON DELETE / ON UPDATE
      if (is_keyword(tokens, i, "set") || is_keyword(tokens, i, "no"))
        i += 2;  // SET NULL, SET DEFAULT, NO ACTION
      else
        ++i;  // CASCADE, RESTRICT
    } else if (is_keyword(tokens, i, "match") || is_keyword(tokens, i, "initially")) {
      i += 2;
    } else if (is_keyword(tokens, i, "not") && is_keyword(tokens, i + 1, "deferrable")) {
      i += 2;
    } else if (is_keyword(tokens, i, "deferrable")) {
      ++i;
    } else {
      break;
    }
  }
  return i;
}

// A column definition's constraints: name type [CONSTRAINT n] CHECK (...) REFERENCES ...
void column_constraints(const std::vector<Token>& tokens, std::vector<DeclaredConstraint>& out) {
  if (tokens.empty() || !is_name(tokens.front())) return;
  const std::string column = tokens.front().text;
  std::string name;  // from a CONSTRAINT clause, for the constraint that follows it
  std::size_t i = 1;
  while (i < tokens.size()) {
    if (is_keyword(tokens, i, "constraint") && i + 1 < tokens.size()) {
      name = tokens[i + 1].text;
      i += 2;
    } else if (is_keyword(tokens, i, "primary")) {
      out.push_back({DeclaredConstraint::primary_key, std::exchange(name, {}), {column}, {}, {}});
      i += 2;
    } else if (is_keyword(tokens, i, "unique")) {
      out.push_back({DeclaredConstraint::unique, std::exchange(name, {}), {column}, {}, {}});
      ++i;
    } else if (is_keyword(tokens, i, "check") && i + 1 < tokens.size() &&
               tokens[i + 1].kind == Token::group) {
      out.push_back(
          {DeclaredConstraint::check, std::exchange(name, {}), {column}, {}, tokens[i + 1].text});
      i += 2;
    } else if (is_keyword(tokens, i, "references") && i + 1 < tokens.size()) {
      out.push_back({DeclaredConstraint::foreign_key,
                     std::exchange(name, {}),
                     {column},
                     tokens[i + 1].text,
                     {}});
      i += 2;
      if (i < tokens.size() && tokens[i].kind == Token::group) ++i;
      i = skip_reference_actions(tokens, i);
    } else if (is_keyword(tokens, i, "default")) {
      // The value is one token (a literal, a word or a parenthesised expression), with a
      // sign before a number.
      name.clear();
      ++i;
      if (i < tokens.size() && tokens[i].kind == Token::symbol) ++i;
      ++i;
    } else {
      // NOT NULL, COLLATE x, GENERATED ...: constraints Retort reads elsewhere, or words
      // of the type name.
      if (is_keyword(tokens, i, "not") || is_keyword(tokens, i, "null") ||
          is_keyword(tokens, i, "collate") || is_keyword(tokens, i, "generated") ||
          is_keyword(tokens, i, "as"))
        name.clear();
      ++i;
    }
  }
}

// What the CREATE TABLE statement declares beyond what the pragmas report.
CreateTable parse_create_table(std::string_view create) {
  CreateTable out;
  const auto tokens = tokenize(create);
  std::size_t body = 0;
  while (body < tokens.size() && tokens[body].kind != Token::group) {
    // CREATE TABLE ... AS SELECT declares no constraints.
    if (is_keyword(tokens, body, "as")) return out;
    ++body;
  }
  if (body >= tokens.size()) return out;
  for (std::size_t i = body + 1; i < tokens.size(); ++i) {
    if (is_keyword(tokens, i, "without") && is_keyword(tokens, i + 1, "rowid"))
      out.without_rowid = true;
  }
  for (const auto& item : split_list(tokens[body].text)) {
    const auto t = tokenize(item);
    std::size_t i = 0;
    std::string name;
    if (is_keyword(t, 0, "constraint") && t.size() > 1) {
      name = t[1].text;
      i = 2;
    }
    auto group_after = [&](std::size_t from) -> const Token* {
      for (std::size_t k = from; k < t.size(); ++k) {
        if (t[k].kind == Token::group) return &t[k];
      }
      return nullptr;
    };
    if (is_keyword(t, i, "primary") || is_keyword(t, i, "unique")) {
      const Token* g = group_after(i);
      out.constraints.push_back({is_keyword(t, i, "primary") ? DeclaredConstraint::primary_key
                                                             : DeclaredConstraint::unique,
                                 name,
                                 g ? column_list(*g) : std::vector<std::string>{},
                                 {},
                                 {}});
    } else if (is_keyword(t, i, "check")) {
      const Token* g = group_after(i);
      out.constraints.push_back({DeclaredConstraint::check, name, {}, {}, g ? g->text : ""});
    } else if (is_keyword(t, i, "foreign")) {
      DeclaredConstraint fk{DeclaredConstraint::foreign_key, name, {}, {}, {}};
      std::size_t k = i;
      while (k < t.size() && t[k].kind != Token::group)
        ++k;
      if (k < t.size()) fk.columns = column_list(t[k]);
      while (k < t.size() && !is_keyword(t, k, "references"))
        ++k;
      if (k + 1 < t.size()) fk.referred_table = t[k + 1].text;
      out.constraints.push_back(std::move(fk));
    } else {
      column_constraints(t, out.constraints);
    }
  }
  return out;
}

struct CreateIndex {
  std::vector<std::string> columns;  // as written, expressions included
  std::string where;
};

CreateIndex parse_create_index(std::string_view create) {
  CreateIndex out;
  const auto tokens = tokenize(create);
  std::size_t i = 0;
  while (i < tokens.size() && !is_keyword(tokens, i, "on"))
    ++i;
  while (i < tokens.size() && tokens[i].kind != Token::group)
    ++i;
  if (i >= tokens.size()) return out;
  out.columns = split_list(tokens[i].text);
  if (is_keyword(tokens, i + 1, "where") && i + 2 < tokens.size()) {
    out.where = std::string(create.substr(tokens[i + 2].begin));
    while (!out.where.empty() &&
           (std::isspace(static_cast<unsigned char>(out.where.back())) || out.where.back() == ';'))
      out.where.pop_back();
  }
  return out;
}

std::string action(std::string_view a) {
  std::string upper(a);
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return upper == "NO ACTION" ? std::string() : upper;
}

bool same_name(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

}  // namespace

ReflectedTable Dialect::reflect_table(retort::Connection& conn, std::string_view table,
                                      std::string_view schema) const {
  ReflectedTable out;
  out.name = std::string(table);
  out.schema = std::string(schema);
  // An attached database: its catalogue and pragmas are reached through its name.
  const std::string in = schema.empty() ? "" : quoted(schema) + ".";
  const auto create =
      conn.execute("SELECT sql FROM " + in + "sqlite_master WHERE type = 'table' AND name = ?",
                   {std::string(table)})
          .one_or_none();
  if (!create) throw ArgumentError("the database has no table '" + std::string(table) + "'");
  const auto declared = parse_create_table(create->get<std::optional<std::string>>(0).value_or(""));
  const std::string t = quoted(table);

  std::vector<std::pair<int, std::string>> pk;
  for (const auto& row : conn.execute("PRAGMA " + in + "table_info(" + t + ")").all()) {
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
  for (const auto& c : declared.constraints) {
    if (c.kind == DeclaredConstraint::primary_key) out.primary_key.name = c.name;
  }
  if (pk.size() == 1 && !declared.without_rowid) {
    for (auto& c : out.columns) {
      if (c.name == pk.front().second && lower(c.type_name) == "integer") {
        // INTEGER PRIMARY KEY is the rowid: generated, and never NULL.
        c.autoincrement = true;
        c.nullable = false;
      }
    }
  }

  std::map<int, ForeignKeyConstraint> fks;
  std::vector<int> unnamed_targets;  // REFERENCES t without columns: t's primary key
  for (const auto& row : conn.execute("PRAGMA " + in + "foreign_key_list(" + t + ")").all()) {
    const int id = row.get<int>("id");
    auto it = fks.find(id);
    if (it == fks.end()) {
      it = fks.emplace(id, ForeignKeyConstraint({}, row.get<std::string>("table"), {})).first;
      it->second.ondelete = action(row.get<std::string>("on_delete"));
      it->second.onupdate = action(row.get<std::string>("on_update"));
    }
    it->second.columns.push_back(row.get<std::string>("from"));
    const auto to = row.get<std::optional<std::string>>("to");
    if (to) {
      it->second.referred_columns.push_back(*to);
    } else if (unnamed_targets.empty() || unnamed_targets.back() != id) {
      unnamed_targets.push_back(id);
    }
  }
  for (const int id : unnamed_targets) {
    auto& fk = fks.at(id);
    std::vector<std::pair<int, std::string>> target;
    for (const auto& row :
         conn.execute("PRAGMA " + in + "table_info(" + quoted(fk.referred_table) + ")")) {
      if (const int position = row.get<int>("pk"); position > 0)
        target.emplace_back(position, row.get<std::string>("name"));
    }
    std::sort(target.begin(), target.end());
    fk.referred_columns.clear();
    for (const auto& [position, name] : target)
      fk.referred_columns.push_back(name);
  }
  for (auto& [id, fk] : fks) {
    for (const auto& c : declared.constraints) {
      if (c.kind == DeclaredConstraint::foreign_key && c.columns == fk.columns &&
          same_name(c.referred_table, fk.referred_table))
        fk.name = c.name;
    }
    // Its target lives in the same database file.
    if (!schema.empty()) fk.referred_table = std::string(schema) + "." + fk.referred_table;
    out.foreign_keys.push_back(std::move(fk));
  }
  // PRAGMA foreign_key_list lists them last-declared first.
  std::reverse(out.foreign_keys.begin(), out.foreign_keys.end());

  for (const auto& row : conn.execute("PRAGMA " + in + "index_list(" + t + ")").all()) {
    const std::string origin = row.get<std::string>("origin");
    const std::string index_name = row.get<std::string>("name");
    if (origin == "pk") continue;
    // Constraint-backed indexes have no CREATE statement (sql is NULL).
    const auto index_sql =
        conn.execute("SELECT sql FROM " + in + "sqlite_master WHERE type = 'index' AND name = ?",
                     {index_name})
            .scalars<std::optional<std::string>>();
    const CreateIndex written =
        parse_create_index(index_sql.empty() ? std::string_view() : index_sql.front().value_or(""));
    std::vector<std::string> columns;
    std::size_t k = 0;
    for (const auto& col :
         conn.execute("PRAGMA " + in + "index_info(" + quoted(index_name) + ")").all()) {
      auto name = col.get<std::optional<std::string>>("name");
      // An expression column has no name: take its text from the CREATE INDEX.
      columns.push_back(name ? *name : (k < written.columns.size() ? written.columns[k] : "?"));
      ++k;
    }
    if (origin == "u") {
      UniqueConstraint u(columns);
      for (const auto& c : declared.constraints) {
        if (c.kind == DeclaredConstraint::unique && c.columns == columns) u.name = c.name;
      }
      out.unique_constraints.push_back(std::move(u));
      continue;
    }
    out.indexes.push_back(Index(index_name, columns,
                                {.unique = row.get<int>("unique") != 0,
                                 .where = row.get<int>("partial") ? written.where : ""}));
  }
  std::reverse(out.unique_constraints.begin(), out.unique_constraints.end());
  std::sort(out.indexes.begin(), out.indexes.end(),
            [](const Index& a, const Index& b) { return a.name < b.name; });

  for (const auto& c : declared.constraints) {
    if (c.kind == DeclaredConstraint::check)
      out.check_constraints.push_back(CheckConstraint(c.text, c.name));
  }
  return out;
}

}  // namespace retort::sqlite
