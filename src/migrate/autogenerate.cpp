#include "retort/migrate/autogenerate.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "retort/core/error.hpp"
#include "retort/core/value.hpp"
#include "retort/schema/ddl.hpp"
#include "retort/schema/reflection.hpp"
#include "table_change.hpp"
#include "text.hpp"

namespace retort::migrate {
namespace {

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A default as text to compare: PostgreSQL adds casts ('x'::character varying) and
// parentheses that the model does not write.
std::string normal_default(std::string s) {
  for (bool changed = true; changed;) {
    changed = false;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.erase(s.begin());
    if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
      s = s.substr(1, s.size() - 2);
      changed = true;
    }
    const auto cast = s.rfind("::");
    if (cast != std::string::npos && s.find('\'', cast) == std::string::npos) {
      s.resize(cast);
      changed = true;
      // PostgreSQL writes a negative number as a quoted literal with a cast: '-1'::integer.
      if (s.size() > 2 && s.front() == '\'' && s.back() == '\'' &&
          retort::detail::is_decimal_text(std::string_view(s).substr(1, s.size() - 2))) {
        s = s.substr(1, s.size() - 2);
      }
    }
  }
  return lower(s);
}

// The column's type as the database would report it back.
std::string stored_type(const Type& type, bool generated, const sql::Dialect& d) {
  if (type.kind() == TypeKind::enum_ && !d.enum_as_check()) return type.describe();
  return d.parse_type(generated ? d.generated_key_type_ddl(type) : d.type_ddl(type)).describe();
}

struct TableDiff {
  const Table& model;
  const Table& live;
  const MetaData& models;
  const sql::Dialect& d;
  const CompareOptions& options;
  Comparison& out;

  // Changes in three phases, so that none trips over another: indexes and constraints
  // go first (a dropped column takes its own with it), then columns, then new indexes
  // and constraints (which may use new columns).
  std::vector<std::pair<Operation, std::optional<Operation>>> phases[3]{};

  std::string name() const { return model.fullname(); }

  void add(int phase, Operation up, std::optional<Operation> down) {
    phases[phase].emplace_back(std::move(up), std::move(down));
  }
  // Appends the changes to out; the downgrade undoes them in reverse.
  void finish() {
    for (auto& phase : phases) {
      for (auto& [up, down] : phase) {
        out.upgrade.push_back(std::move(up));
        if (down) out.downgrade.insert(out.downgrade.begin(), std::move(*down));
      }
    }
  }

  void columns() {
    std::vector<std::string> added, dropped;
    for (const auto& c : model.columns()) {
      if (!live.has_column(c.name)) {
        added.push_back(c.name);
        Column plain = c;
        plain.primary_key = false;
        add(1, AddColumn{name(), plain}, DropColumn{name(), c.name});
      }
    }
    for (const auto& c : live.columns()) {
      if (!model.has_column(c.name)) {
        dropped.push_back(c.name);
        add(1, DropColumn{name(), c.name}, AddColumn{name(), c});
      }
    }
    if (!added.empty() && !dropped.empty()) {
      out.notes.push_back(
          "table " + name() + ": columns " + join(dropped) + " dropped and " + join(added) +
          " added; if one was renamed, replace its drop_column and add_column "
          "with {\"op\": \"alter_column\", \"table\": \"" +
          name() + "\", \"column\": OLD, \"new_name\": NEW} (and the reverse in downgrade)");
    }
    const Column* autoinc = model.data().autoincrement_column();
    for (const auto& c : model.columns()) {
      if (!live.has_column(c.name)) continue;
      const Column& l = live.column(c.name);
      AlterColumn up{.table = name(), .column = c.name};
      AlterColumn down{.table = name(), .column = c.name};
      std::optional<std::vector<std::string>> live_values;
      if (c.type.kind() == TypeKind::enum_ && l.type.kind() == TypeKind::enum_)
        live_values = l.type.enum_values();
      else if (c.type.kind() == TypeKind::enum_ && d.enum_as_check())
        live_values = check_values(c.name);
      if (live_values && *live_values != c.type.enum_values()) {
        out.notes.push_back("table " + name() + ", column " + c.name +
                            ": enum values changed from (" + join(*live_values) + ") to (" +
                            join(c.type.enum_values()) +
                            "); write the change: an alter_column to the new type where enums "
                            "are CHECKs (SQLite), an execute of ALTER TYPE where they are types");
      }
      if (c.type.kind() == TypeKind::enum_ && (live_values || l.type.kind() == TypeKind::enum_)) {
        // compared above
      } else if (stored_type(c.type, &c == autoinc, d) != l.type.describe()) {
        up.type = c.type;
        down.type = l.type;
      }
      if (c.is_nullable() != l.is_nullable()) {
        up.nullable = c.is_nullable();
        down.nullable = l.is_nullable();
      }
      if (options.compare_server_defaults && &c != autoinc &&
          normal_default(c.server_default.value_or("")) !=
              normal_default(l.server_default.value_or(""))) {
        up.server_default = c.server_default;
        down.server_default = l.server_default;
      }
      if (up.type || up.nullable || up.server_default) {
        add(1, up, down);
      }
    }
    if (model.primary_key().columns != live.primary_key().columns) {
      out.notes.push_back("table " + name() + ": the primary key changed from (" +
                          join(live.primary_key().columns) + ") to (" +
                          join(model.primary_key().columns) +
                          "); write drop_constraint and add_constraint operations for it");
    }
  }

  // The values of the unnamed CHECK (column IN ('a', 'b')) that holds an enum column
  // where enums are CHECKs; nullopt when there is none.
  std::optional<std::vector<std::string>> check_values(const std::string& column) const {
    for (const auto& ck : live.check_constraints()) {
      const std::string& sql = ck.sqltext;
      const auto in = lower(sql).find(" in (");
      if (!ck.name.empty() || in == std::string::npos || sql.find(column) > in) continue;
      std::vector<std::string> values;
      for (std::size_t i = in; i < sql.size(); ++i) {
        if (sql[i] != '\'') continue;
        std::string v;
        for (++i; i < sql.size(); ++i) {
          if (sql[i] == '\'' && i + 1 < sql.size() && sql[i + 1] == '\'') {
            v += '\'';
            ++i;
          } else if (sql[i] == '\'') {
            break;
          } else {
            v += sql[i];
          }
        }
        values.push_back(std::move(v));
      }
      return values;
    }
    return std::nullopt;
  }

  // Model indexes with the names the database will give them.
  std::vector<Index> model_indexes() const {
    std::vector<Index> out_ix;
    const auto& naming = models.naming();
    for (const auto& c : model.columns()) {
      if (c.index) out_ix.emplace_back("", std::vector<std::string>{c.name});
    }
    for (const auto& ix : model.indexes())
      out_ix.push_back(ix);
    for (auto& ix : out_ix) {
      if (ix.name.empty()) ix.name = convention_name(naming.ix, model.data(), ix.columns);
      if (ix.name.empty())
        ix.name = convention_name("ix_{table}_{columns}", model.data(), ix.columns);
    }
    return out_ix;
  }

  void indexes() {
    const auto wanted = model_indexes();
    for (const auto& ix : wanted) {
      auto it = std::find_if(live.indexes().begin(), live.indexes().end(),
                             [&](const Index& l) { return l.name == ix.name; });
      if (it != live.indexes().end() && it->columns == ix.columns && it->unique == ix.unique)
        continue;
      if (it != live.indexes().end()) {
        add(0, DropIndex{name(), it->name}, CreateIndex{name(), *it});
      }
      add(2, CreateIndex{name(), ix}, DropIndex{name(), ix.name});
    }
    for (const auto& l : live.indexes()) {
      if (std::none_of(wanted.begin(), wanted.end(),
                       [&](const Index& ix) { return ix.name == l.name; })) {
        add(0, DropIndex{name(), l.name}, CreateIndex{name(), l});
      }
    }
  }

  // Adds what the model has and the database lacks, drops what only the database has.
  template <class C, class Same>
  void constraints(const std::vector<C>& wanted, const std::vector<C>& have, Same same,
                   const char* kind) {
    for (const auto& c : wanted) {
      if (std::any_of(have.begin(), have.end(), [&](const C& h) { return same(c, h); })) continue;
      if (c.name.empty()) {
        out.notes.push_back("table " + name() + ": the new " + kind +
                            " constraint has no name; name it (or set a naming convention) so "
                            "that downgrade can drop it");
        add(2, AddConstraint{name(), c}, std::nullopt);
      } else {
        add(2, AddConstraint{name(), c}, DropConstraint{name(), c.name});
      }
    }
    for (const auto& h : have) {
      if (std::any_of(wanted.begin(), wanted.end(), [&](const C& c) { return same(c, h); }))
        continue;
      if (h.name.empty()) {
        out.notes.push_back("table " + name() + ": the database has an unnamed " + kind +
                            " constraint the models do not declare; drop it by hand");
        continue;
      }
      add(0, DropConstraint{name(), h.name}, AddConstraint{name(), h});
    }
  }

  void constraints() {
    std::vector<UniqueConstraint> uniques = model.unique_constraints();
    for (const auto& c : model.columns()) {
      if (c.unique) uniques.emplace_back(std::vector<std::string>{c.name});
    }
    const auto& naming = models.naming();
    for (auto& u : uniques) {
      if (u.name.empty()) u.name = convention_name(naming.uq, model.data(), u.columns);
    }
    constraints(
        uniques, live.unique_constraints(),
        [](const auto& a, const auto& b) { return a.columns == b.columns; }, "unique");
    std::vector<ForeignKeyConstraint> fks = model.foreign_keys();
    for (auto& fk : fks) {
      if (fk.name.empty())
        fk.name = convention_name(naming.fk, model.data(), fk.columns, fk.referred_table);
    }
    const auto bare = [](const std::string& t) { return t.substr(t.find('.') + 1); };
    constraints(
        fks, live.foreign_keys(),
        [&](const auto& a, const auto& b) {
          return a.columns == b.columns && bare(a.referred_table) == bare(b.referred_table) &&
                 a.referred_columns == b.referred_columns &&
                 lower(a.ondelete) == lower(b.ondelete) && lower(a.onupdate) == lower(b.onupdate);
        },
        "foreign key");
    // Checks by name only: their SQL comes back rewritten by the database.
    std::vector<CheckConstraint> checks, live_checks;
    for (const auto& ck : model.check_constraints()) {
      if (!ck.name.empty()) checks.push_back(ck);
    }
    for (const auto& ck : live.check_constraints()) {
      if (!ck.name.empty()) live_checks.push_back(ck);
    }
    constraints(
        checks, live_checks, [](const auto& a, const auto& b) { return a.name == b.name; },
        "check");
  }
};

}  // namespace

Comparison compare(const MetaData& models, Connection& conn, const CompareOptions& options) {
  const auto& d = sql::dialect(conn.dialect_name());
  Inspector inspector(conn);
  Comparison out;
  // The live tables, in the default schema and in each schema the models use.
  std::set<std::string> schemas{""};
  for (const auto& t : models.tables())
    schemas.insert(t.schema());
  MetaData live;
  for (const auto& schema : schemas) {
    for (const auto& name : inspector.table_names(schema)) {
      const std::string full = schema.empty() ? name : schema + "." + name;
      if (std::find(options.ignore_tables.begin(), options.ignore_tables.end(), full) !=
              options.ignore_tables.end() ||
          (options.include_table && !options.include_table(full)))
        continue;
      live.add(to_table(inspector.table(name, schema)));
    }
  }
  // Enum types: written as operations of their own (no-ops where enums are CHECKs), so
  // that a revision runs on either database. New ones are created before the tables and
  // dropped after them on the way down.
  std::map<std::string, std::vector<std::string>> model_enums, live_enums;
  std::set<std::string> existing;  // enum types the database has
  for (const auto& t : models.tables()) {
    for (const auto& e : enum_types(t))
      model_enums[e.name()] = e.enum_values();
    // Where enums are CHECKs, a type exists when a column of it does.
    const Table* l = live.find(t.fullname());
    for (const auto& c : t.columns()) {
      if (c.type.kind() == TypeKind::enum_ && l && l->has_column(c.name))
        existing.insert(c.type.name().empty() ? t.name() + "_" + c.name : c.type.name());
    }
  }
  if (!d.enum_as_check()) {
    for (const auto& t : live.tables()) {
      for (const auto& c : t.columns()) {
        if (c.type.kind() == TypeKind::enum_) live_enums[c.type.name()] = c.type.enum_values();
      }
    }
    existing.clear();
    for (const auto& name : d.enum_type_names(conn))
      existing.insert(name);
  }
  std::vector<std::string> created;
  for (const auto& [name, values] : model_enums) {
    if (existing.count(name)) continue;
    created.push_back(name);
    out.upgrade.push_back(CreateEnum{name, values});
  }
  for (const auto& t : models.sorted_tables()) {
    if (live.find(t.fullname())) continue;
    out.upgrade.push_back(CreateTable{t});
    out.downgrade.insert(out.downgrade.begin(), DropTable{t.fullname()});
  }
  for (const auto& t : models.sorted_tables()) {
    const Table* l = live.find(t.fullname());
    if (!l) continue;
    TableDiff diff{t, *l, models, d, options, out};
    diff.columns();
    diff.indexes();
    diff.constraints();
    diff.finish();
  }
  std::vector<Table> gone;
  try {
    gone = live.sorted_tables();
  } catch (const ArgumentError&) {
    gone = live.tables();  // keys in a cycle: no order drops them all
  }
  std::reverse(gone.begin(), gone.end());
  for (const auto& t : gone) {
    if (models.find(t.fullname())) continue;
    out.upgrade.push_back(DropTable{t.fullname()});
    out.downgrade.insert(out.downgrade.begin(), CreateTable{t});
  }
  // Types that only dropped tables used go after them; new tables' own types, after
  // their drop on the way down.
  for (const auto& [name, values] : live_enums) {
    if (model_enums.count(name)) continue;
    out.upgrade.push_back(DropEnum{name});
    out.downgrade.insert(out.downgrade.begin(), CreateEnum{name, values});
  }
  for (const auto& name : created)
    out.downgrade.push_back(DropEnum{name});
  return out;
}

}  // namespace retort::migrate
