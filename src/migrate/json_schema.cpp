#include "json_schema.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "retort/core/error.hpp"

namespace retort::migrate::json_schema {
namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw ArgumentError(where + ": " + what);
}

const ordered_json& member(const ordered_json& j, const char* key, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
  auto it = j.find(key);
  if (it == j.end()) bad(where, std::string("missing \"") + key + "\"");
  return *it;
}

std::string text(const ordered_json& j, const char* key, const std::string& where) {
  const auto& v = member(j, key, where);
  if (!v.is_string()) bad(where, std::string("\"") + key + "\" is not a string");
  return v.get<std::string>();
}

std::string text_or(const ordered_json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_string()) bad(where, std::string("\"") + key + "\" is not a string");
  return j[key].get<std::string>();
}

bool flag(const ordered_json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return false;
  if (!j[key].is_boolean()) bad(where, std::string("\"") + key + "\" is not true or false");
  return j[key].get<bool>();
}

std::vector<std::string> names(const ordered_json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return {};
  const auto& v = j[key];
  if (!v.is_array()) bad(where, std::string("\"") + key + "\" is not a list");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) bad(where, std::string("\"") + key + "\" holds a non-string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

void put_name(ordered_json& j, const std::string& name) {
  if (!name.empty()) j["name"] = name;
}

ordered_json foreign_key(const ForeignKeyConstraint& fk) {
  ordered_json j;
  put_name(j, fk.name);
  j["columns"] = fk.columns;
  j["references"] = fk.referred_table;
  j["referred_columns"] = fk.referred_columns;
  if (!fk.ondelete.empty()) j["ondelete"] = fk.ondelete;
  if (!fk.onupdate.empty()) j["onupdate"] = fk.onupdate;
  if (fk.use_alter) j["use_alter"] = true;
  return j;
}

ForeignKeyConstraint foreign_key(const ordered_json& j, const std::string& where) {
  return ForeignKeyConstraint(names(j, "columns", where), text(j, "references", where),
                              names(j, "referred_columns", where),
                              {.ondelete = text_or(j, "ondelete", where),
                               .onupdate = text_or(j, "onupdate", where),
                               .name = text_or(j, "name", where),
                               .use_alter = flag(j, "use_alter", where)});
}

ordered_json index(const Index& ix) {
  ordered_json j;
  put_name(j, ix.name);
  j["columns"] = ix.columns;
  if (ix.unique) j["unique"] = true;
  if (!ix.where.empty()) j["where"] = ix.where;
  return j;
}

Index index(const ordered_json& j, const std::string& where) {
  return Index(text_or(j, "name", where), names(j, "columns", where),
               {.unique = flag(j, "unique", where), .where = text_or(j, "where", where)});
}

ordered_json constraint(const Constraint& c) {
  return std::visit(
      [](const auto& k) -> ordered_json {
        using K = std::decay_t<decltype(k)>;
        ordered_json j;
        if constexpr (std::is_same_v<K, ForeignKeyConstraint>) {
          j = foreign_key(k);
          j["type"] = "foreign_key";
        } else if constexpr (std::is_same_v<K, CheckConstraint>) {
          j["type"] = "check";
          put_name(j, k.name);
          j["sqltext"] = k.sqltext;
        } else {
          j["type"] = std::is_same_v<K, UniqueConstraint> ? "unique" : "primary_key";
          put_name(j, k.name);
          j["columns"] = k.columns;
        }
        return j;
      },
      c);
}

Constraint constraint(const ordered_json& j, const std::string& where) {
  const std::string type = text(j, "type", where);
  if (type == "foreign_key") return foreign_key(j, where);
  if (type == "check") return CheckConstraint(text(j, "sqltext", where), text_or(j, "name", where));
  if (type == "unique")
    return UniqueConstraint(names(j, "columns", where), text_or(j, "name", where));
  if (type == "primary_key")
    return PrimaryKeyConstraint(names(j, "columns", where), text_or(j, "name", where));
  bad(where,
      "constraint type '" + type + "' is not one of unique, foreign_key, check, primary_key");
}

Value value(const ordered_json& j, const std::string& where) {
  switch (j.type()) {
    case ordered_json::value_t::null:
      return Value();
    case ordered_json::value_t::boolean:
      return Value(j.get<bool>());
    case ordered_json::value_t::number_integer:
      return Value(j.get<std::int64_t>());
    case ordered_json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) bad(where, "integer out of range");
      return Value(static_cast<std::int64_t>(u));
    }
    case ordered_json::value_t::number_float:
      return Value(j.get<double>());
    case ordered_json::value_t::string:
      return Value(j.get<std::string>());
    default:
      bad(where, "a row value must be null, a boolean, a number or a string");
  }
}

ordered_json value(const Value& v, const std::string& where) {
  switch (v.type()) {
    case ValueType::null:
      return nullptr;
    case ValueType::boolean:
      return v.get<bool>();
    case ValueType::integer:
      return v.get<std::int64_t>();
    case ValueType::real:
      // JSON has no NaN or infinity, and null would change the row.
      if (!std::isfinite(v.get<double>()))
        bad(where, "NaN and infinities cannot be written to a revision");
      return v.get<double>();
    case ValueType::blob:
      bad(where, "binary values cannot be written to a revision");
    default:
      return v.as<std::string>();
  }
}

}  // namespace

ordered_json type(const Type& t) {
  switch (t.kind()) {
    case TypeKind::enum_: {
      ordered_json j;
      j["enum"] = t.enum_values();
      if (!t.name().empty()) j["name"] = t.name();
      return j;
    }
    case TypeKind::opaque:
      return ordered_json{{"sql", t.name()}};
    case TypeKind::custom:
      throw ArgumentError("the custom type " + t.describe() +
                          " cannot be written to a revision; map it with rt::TypeDecorator "
                          "over a built-in type");
    default:
      return t.describe();
  }
}

Type type(const ordered_json& j, const std::string& where) {
  if (j.is_object()) {
    if (j.contains("enum")) {
      auto values = names(j, "enum", where);
      if (values.empty()) bad(where, "an enum needs values");
      return Enum(std::move(values), text_or(j, "name", where));
    }
    if (j.contains("sql")) return opaque_type(text(j, "sql", where));
    bad(where, "a type object has \"enum\" or \"sql\"");
  }
  if (!j.is_string()) bad(where, "a type is a name such as \"String(256)\"");
  const std::string s = j.get<std::string>();
  const auto open = s.find('(');
  const std::string base = s.substr(0, open);
  std::vector<int> args;
  bool timezone = false;
  if (open != std::string::npos) {
    if (s.back() != ')') bad(where, "type '" + s + "': missing ')'");
    const std::string inside = s.substr(open + 1, s.size() - open - 2);
    if (inside == "timezone") {
      timezone = true;
    } else {
      const char* p = inside.data();
      const char* end = p + inside.size();
      while (p < end) {
        while (p < end && (*p == ' ' || *p == ','))
          ++p;
        if (p == end) break;
        int v = 0;
        auto r = std::from_chars(p, end, v);
        if (r.ec != std::errc() || v < 0) bad(where, "type '" + s + "': bad number");
        args.push_back(v);
        p = r.ptr;
      }
    }
  }
  const int a0 = args.size() > 0 ? args[0] : 0;
  const int a1 = args.size() > 1 ? args[1] : 0;
  if (base == "Integer") return Integer();
  if (base == "BigInteger") return BigInteger();
  if (base == "SmallInteger") return SmallInteger();
  if (base == "Boolean") return Boolean();
  if (base == "Float") return Float();
  if (base == "Double") return Double();
  if (base == "Numeric") return Numeric(a0, a1);
  if (base == "String") return String(a0);
  if (base == "Text") return Text();
  if (base == "Date") return Date();
  if (base == "DateTime") return DateTime(timezone);
  if (base == "Time") return Time(timezone);
  if (base == "LargeBinary") return LargeBinary();
  if (base == "JSON") return JSON();
  if (base == "UUID") return UUID();
  bad(where, "unknown type '" + s +
                 "'; known: Integer, BigInteger, SmallInteger, Boolean, Float, Double, "
                 "Numeric(p, s), String(n), Text, Date, DateTime, DateTime(timezone), Time, "
                 "Time(timezone), "
                 "LargeBinary, JSON, UUID, {\"enum\": [...]}, {\"sql\": \"...\"}");
}

ordered_json column(const Column& c) {
  ordered_json j;
  j["name"] = c.name;
  j["type"] = type(c.type);
  if (!c.is_nullable()) j["nullable"] = false;
  if (c.primary_key && c.is_nullable()) j["nullable"] = true;
  if (c.autoincrement != Autoincrement::automatic)
    j["autoincrement"] = c.autoincrement == Autoincrement::yes;
  if (c.server_default) j["server_default"] = *c.server_default;
  if (!c.comment.empty()) j["comment"] = c.comment;
  if (!c.foreign_keys.empty()) {
    const auto& fk = c.foreign_keys.front();
    j["references"] = fk.target;
    if (!fk.options.ondelete.empty()) j["ondelete"] = fk.options.ondelete;
    if (!fk.options.onupdate.empty()) j["onupdate"] = fk.options.onupdate;
  }
  return j;
}

Column column(const ordered_json& j, const std::string& where) {
  const std::string name = text(j, "name", where);
  const std::string at = where + ", column " + name;
  Column c(name, type(member(j, "type", at), at));
  if (j.contains("nullable")) {
    if (!j["nullable"].is_boolean()) bad(at, "\"nullable\" is not true or false");
    c.nullable = j["nullable"].get<bool>();
  }
  if (j.contains("autoincrement")) {
    c.autoincrement = flag(j, "autoincrement", at) ? Autoincrement::yes : Autoincrement::no;
  }
  if (j.contains("server_default") && !j["server_default"].is_null())
    c.server_default = text(j, "server_default", at);
  c.comment = text_or(j, "comment", at);
  if (j.contains("references")) {
    c.foreign_keys.emplace_back(text(j, "references", at),
                                ForeignKeyOptions{.ondelete = text_or(j, "ondelete", at),
                                                  .onupdate = text_or(j, "onupdate", at)});
  }
  return c;
}

ordered_json table(const Table& t) {
  ordered_json j;
  j["table"] = t.fullname();
  if (!t.comment().empty()) j["comment"] = t.comment();
  ordered_json columns = ordered_json::array();
  std::vector<UniqueConstraint> uniques;
  std::vector<Index> indexes;
  for (const auto& c : t.columns()) {
    Column plain = c;
    plain.primary_key = false;
    plain.foreign_keys.clear();
    auto cj = column(plain);
    if (c.primary_key && !c.is_nullable()) cj.erase("nullable");  // a key is NOT NULL anyway
    columns.push_back(std::move(cj));
    if (c.unique) uniques.emplace_back(std::vector<std::string>{c.name});
    if (c.index) indexes.emplace_back("", std::vector<std::string>{c.name});
  }
  j["columns"] = std::move(columns);
  if (!t.primary_key().columns.empty()) {
    ordered_json pk;
    put_name(pk, t.primary_key().name);
    pk["columns"] = t.primary_key().columns;
    j["primary_key"] = std::move(pk);
  }
  for (const auto& u : t.unique_constraints())
    uniques.push_back(u);
  for (const auto& u : uniques) {
    ordered_json uj;
    put_name(uj, u.name);
    uj["columns"] = u.columns;
    j["unique"].push_back(std::move(uj));
  }
  for (const auto& fk : t.foreign_keys())
    j["foreign_keys"].push_back(foreign_key(fk));
  for (const auto& ck : t.check_constraints()) {
    ordered_json cj;
    put_name(cj, ck.name);
    cj["sqltext"] = ck.sqltext;
    j["checks"].push_back(std::move(cj));
  }
  for (const auto& ix : t.indexes())
    indexes.push_back(ix);
  for (const auto& ix : indexes)
    j["indexes"].push_back(index(ix));
  return j;
}

Table table(const ordered_json& j, const std::string& where) {
  const std::string full = text(j, "table", where);
  const std::string at = where + ", table " + full;
  std::vector<TableElement> elements;
  const auto& columns = member(j, "columns", at);
  if (!columns.is_array() || columns.empty()) bad(at, "\"columns\" must be a non-empty list");
  for (const auto& c : columns)
    elements.emplace_back(column(c, at));
  if (j.contains("primary_key")) {
    const auto& pk = j["primary_key"];
    elements.emplace_back(PrimaryKeyConstraint(names(pk, "columns", at), text_or(pk, "name", at)));
  }
  const auto each = [&](const char* key, auto fn) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) bad(at, std::string("\"") + key + "\" is not a list");
    for (const auto& e : j[key])
      fn(e);
  };
  each("unique", [&](const ordered_json& e) {
    elements.emplace_back(UniqueConstraint(names(e, "columns", at), text_or(e, "name", at)));
  });
  each("foreign_keys", [&](const ordered_json& e) { elements.emplace_back(foreign_key(e, at)); });
  each("checks", [&](const ordered_json& e) {
    elements.emplace_back(CheckConstraint(text(e, "sqltext", at), text_or(e, "name", at)));
  });
  each("indexes", [&](const ordered_json& e) { elements.emplace_back(index(e, at)); });
  const auto dot = full.find('.');
  TableOptions options{.comment = text_or(j, "comment", at)};
  std::string name = full;
  if (dot != std::string::npos) {
    options.schema = full.substr(0, dot);
    name = full.substr(dot + 1);
  }
  return Table(name, std::move(elements), std::move(options));
}

ordered_json operation(const Operation& op) {
  return std::visit(
      [](const auto& o) -> ordered_json {
        using O = std::decay_t<decltype(o)>;
        ordered_json j;
        if constexpr (std::is_same_v<O, CreateTable>) {
          j["op"] = "create_table";
          const ordered_json body = table(o.table);
          for (const auto& [k, v] : body.items())
            j[k] = v;
        } else if constexpr (std::is_same_v<O, DropTable>) {
          j = {{"op", "drop_table"}, {"table", o.table}};
        } else if constexpr (std::is_same_v<O, RenameTable>) {
          j = {{"op", "rename_table"}, {"table", o.table}, {"new_name", o.new_name}};
        } else if constexpr (std::is_same_v<O, AddColumn>) {
          j = {{"op", "add_column"}, {"table", o.table}, {"column", column(o.column)}};
        } else if constexpr (std::is_same_v<O, DropColumn>) {
          j = {{"op", "drop_column"}, {"table", o.table}, {"column", o.column}};
        } else if constexpr (std::is_same_v<O, AlterColumn>) {
          j = {{"op", "alter_column"}, {"table", o.table}, {"column", o.column}};
          if (o.type) j["type"] = type(*o.type);
          if (o.nullable) j["nullable"] = *o.nullable;
          if (o.server_default) {
            if (*o.server_default)
              j["server_default"] = **o.server_default;
            else
              j["server_default"] = nullptr;
          }
          if (!o.new_name.empty()) j["new_name"] = o.new_name;
        } else if constexpr (std::is_same_v<O, CreateIndex>) {
          j = {{"op", "create_index"}, {"table", o.table}};
          const ordered_json body = index(o.index);
          for (const auto& [k, v] : body.items())
            j[k] = v;
        } else if constexpr (std::is_same_v<O, DropIndex>) {
          j = {{"op", "drop_index"}, {"table", o.table}, {"name", o.name}};
        } else if constexpr (std::is_same_v<O, AddConstraint>) {
          j = {{"op", "add_constraint"}, {"table", o.table}};
          const ordered_json body = constraint(o.constraint);
          for (const auto& [k, v] : body.items())
            j[k] = v;
        } else if constexpr (std::is_same_v<O, DropConstraint>) {
          j = {{"op", "drop_constraint"}, {"table", o.table}, {"name", o.name}};
        } else if constexpr (std::is_same_v<O, CreateEnum>) {
          j = {{"op", "create_enum"}, {"name", o.name}, {"values", o.values}};
        } else if constexpr (std::is_same_v<O, DropEnum>) {
          j = {{"op", "drop_enum"}, {"name", o.name}};
        } else if constexpr (std::is_same_v<O, Execute>) {
          j = {{"op", "execute"}, {"sql", o.sql}};
          if (!o.dialect.empty()) j["dialect"] = o.dialect;
        } else if constexpr (std::is_same_v<O, BulkInsert>) {
          j = {{"op", "bulk_insert"}, {"table", o.table}, {"rows", ordered_json::array()}};
          for (const auto& row : o.rows) {
            ordered_json r = ordered_json::object();
            for (const auto& [k, v] : row)
              r[k] = value(v, "bulk_insert into " + o.table);
            j["rows"].push_back(std::move(r));
          }
        } else {
          j = {{"op", "call"}, {"step", o.step}};
        }
        return j;
      },
      op);
}

Operation operation(const ordered_json& j, const std::string& where) {
  const std::string op = text(j, "op", where);
  static const std::set<std::string> known{
      "create_table", "drop_table",   "rename_table", "add_column",     "drop_column",
      "alter_column", "create_index", "drop_index",   "add_constraint", "drop_constraint",
      "create_enum",  "drop_enum",    "execute",      "bulk_insert",    "call"};
  if (!known.count(op)) {
    bad(where, "unknown operation '" + op +
                   "'; known: create_table, drop_table, rename_table, add_column, drop_column, "
                   "alter_column, create_index, drop_index, add_constraint, drop_constraint, "
                   "create_enum, drop_enum, execute, bulk_insert, call");
  }
  const std::string at = where + " (" + op + ")";
  if (op == "create_table") return CreateTable{table(j, at)};
  if (op == "create_enum") return CreateEnum{text(j, "name", at), names(j, "values", at)};
  if (op == "drop_enum") return DropEnum{text(j, "name", at)};
  if (op == "execute") return Execute{text(j, "sql", at), text_or(j, "dialect", at)};
  if (op == "call") return Call{text(j, "step", at)};
  const std::string t = text(j, "table", at);
  if (op == "drop_table") return DropTable{t};
  if (op == "rename_table") return RenameTable{t, text(j, "new_name", at)};
  if (op == "add_column") return AddColumn{t, column(member(j, "column", at), at)};
  if (op == "drop_column") return DropColumn{t, text(j, "column", at)};
  if (op == "alter_column") {
    AlterColumn a{.table = t, .column = text(j, "column", at)};
    if (j.contains("type")) a.type = type(j["type"], at);
    if (j.contains("nullable")) a.nullable = flag(j, "nullable", at);
    if (j.contains("server_default")) {
      a.server_default = j["server_default"].is_null()
                             ? std::optional<std::string>()
                             : std::optional<std::string>(text(j, "server_default", at));
    }
    a.new_name = text_or(j, "new_name", at);
    return a;
  }
  if (op == "create_index") return CreateIndex{t, index(j, at)};
  if (op == "drop_index") return DropIndex{t, text(j, "name", at)};
  if (op == "add_constraint") return AddConstraint{t, constraint(j, at)};
  if (op == "drop_constraint") return DropConstraint{t, text(j, "name", at)};
  if (op == "bulk_insert") {
    BulkInsert b{t, {}};
    const auto& rows = member(j, "rows", at);
    if (!rows.is_array()) bad(at, "\"rows\" is not a list");
    for (const auto& r : rows) {
      if (!r.is_object()) bad(at, "each row is an object of column: value");
      auto& row = b.rows.emplace_back();
      for (const auto& [k, v] : r.items())
        row[k] = value(v, at + ", column " + k);
    }
    return b;
  }
  bad(where, "unknown operation '" + op + "'");
}

ordered_json metadata(const MetaData& m) {
  ordered_json j;
  const auto& n = m.naming();
  j["naming_convention"] = {{"ix", n.ix}, {"uq", n.uq}, {"ck", n.ck}, {"fk", n.fk}, {"pk", n.pk}};
  j["tables"] = ordered_json::array();
  for (const auto& t : m.sorted_tables())
    j["tables"].push_back(table(t));
  return j;
}

MetaData metadata(const ordered_json& j, const std::string& where) {
  NamingConvention naming;
  if (j.contains("naming_convention")) {
    const auto& n = j["naming_convention"];
    naming = {.ix = text_or(n, "ix", where),
              .uq = text_or(n, "uq", where),
              .ck = text_or(n, "ck", where),
              .fk = text_or(n, "fk", where),
              .pk = text_or(n, "pk", where)};
  }
  MetaData out(naming);
  const auto& tables = member(j, "tables", where);
  if (!tables.is_array()) bad(where, "\"tables\" is not a list");
  for (const auto& t : tables)
    out.add(table(t, where));
  return out;
}

}  // namespace retort::migrate::json_schema
