#include "retort/migrate/commands.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>

#include "json_schema.hpp"
#include "retort/core/engine.hpp"
#include "retort/core/error.hpp"
#include "text.hpp"

namespace retort::migrate {
namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string now_utc() {
  const auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld:%02ld UTC", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()));
  return buf;
}

struct Session {
  Engine engine;
  Connection conn;
  explicit Session(const Config& config)
      : engine(create_engine(config.database_url(), {.pool_size = 1})), conn(engine.connect()) {}
};

Migrator migrator(const Config& config, Connection& conn) {
  return Migrator(conn, ScriptDirectory(config.versions()),
                  {.version_table = config.version_table, .on_revision = config.on_revision});
}

// "app_*, audit": the tables a comma-separated list of names and prefixes (ending in
// '*') accepts.
std::function<bool(const std::string&)> table_filter(const std::string& list) {
  std::vector<std::string> patterns;
  std::stringstream in(list);
  for (std::string p; std::getline(in, p, ',');) {
    if (!trim(p).empty()) patterns.push_back(trim(p));
  }
  return [patterns](const std::string& table) {
    for (const auto& p : patterns) {
      if (p.ends_with('*') ? table.starts_with(p.substr(0, p.size() - 1)) : table == p) return true;
    }
    return false;
  };
}

CompareOptions compare_options(const Config& config) {
  CompareOptions options = config.compare;
  options.ignore_tables.push_back(config.version_table);
  return options;
}

Revision write_new(const Config& config, Revision r, const std::vector<std::string>& notes) {
  if (r.id.empty()) r.id = new_revision_id();
  r.create_date = now_utc();
  std::filesystem::create_directories(config.versions());
  const auto path = config.versions() / revision_file_name(r);
  if (std::filesystem::exists(path)) throw ArgumentError(path.string() + " exists");
  {
    std::ofstream file(path, std::ios::binary);
    file << format_revision(r, notes);
    if (!file) throw ArgumentError("cannot write " + path.string());
  }
  r.path = path;
  // Read back, so that a revision that would not load is never left behind.
  try {
    ScriptDirectory check(config.versions());
  } catch (...) {
    std::filesystem::remove(path);
    throw;
  }
  return r;
}

}  // namespace

std::string Config::database_url() const {
  if (!url.empty()) return url;
  if (const char* env = std::getenv("RETORT_DATABASE_URL"); env && *env) return env;
  throw ArgumentError(
      "no database URL: give --url, set RETORT_DATABASE_URL, or url = ... in the config file");
}

Config load_config(const std::filesystem::path& file) {
  Config config;
  std::ifstream in(file);
  if (!in) return config;
  const auto base = file.parent_path();
  std::string line, section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      section = trim(line.substr(1, line.find(']') - 1));
      continue;
    }
    if (section != "retort") continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw ArgumentError(file.string() + ":" + std::to_string(number) + ": expected key = value");
    const std::string key = trim(line.substr(0, eq));
    const std::string value = trim(line.substr(eq + 1));
    if (key == "script_location")
      config.directory = base / value;
    else if (key == "url")
      config.url = value;
    else if (key == "version_table")
      config.version_table = value;
    else if (key == "models")
      config.models = base / value;
    else if (key == "include_tables")
      config.compare.include_table = table_filter(value);
    else
      throw ArgumentError(file.string() + ":" + std::to_string(number) + ": unknown key '" + key +
                          "'; known: script_location, url, version_table, models, include_tables");
  }
  return config;
}

void init(const std::filesystem::path& directory, const std::filesystem::path& config_file) {
  namespace fs = std::filesystem;
  if (fs::exists(directory) && !fs::is_empty(directory))
    throw ArgumentError(directory.string() + " exists and is not empty");
  fs::create_directories(directory / "versions");
  if (!config_file.empty() && !fs::exists(config_file)) {
    std::ofstream out(config_file);
    out << "# Retort migrations (retort upgrade, retort revision, ...)\n[retort]\n"
        << "script_location = "
        << fs::relative(directory,
                        config_file.parent_path().empty() ? "." : config_file.parent_path())
               .string()
        << "\n# url = sqlite:///app.db    (or --url, or RETORT_DATABASE_URL)\n"
        << "# models = models.json      (schema snapshot for --autogenerate)\n";
    if (!out) throw ArgumentError("cannot write " + config_file.string());
  }
}

Revision revision(const Config& config, const RevisionOptions& options) {
  ScriptDirectory scripts(config.versions());
  Revision r;
  r.id = options.id;
  r.message = options.message;
  r.branch_labels = options.branch_labels;
  r.depends_on = options.depends_on;
  if (!options.head.empty()) {
    for (const auto& h : options.head) {
      for (const auto& id : scripts.resolve(h))
        r.down_revisions.push_back(id);
    }
  } else {
    r.down_revisions = scripts.heads();
    if (r.down_revisions.size() > 1)
      throw ArgumentError("there are several heads (" + join(r.down_revisions) +
                          "); name the one to build on with --head, or merge them first");
  }
  std::vector<std::string> notes;
  if (options.autogenerate) {
    Session s(config);
    auto m = migrator(config, s.conn);
    const auto at = m.current();
    auto expected = r.down_revisions;
    std::sort(expected.begin(), expected.end());
    auto sorted_at = at;
    std::sort(sorted_at.begin(), sorted_at.end());
    if (sorted_at != expected)
      throw ArgumentError("the database is not up to date (at " +
                          (at.empty() ? std::string("base") : join(at)) + ", head " +
                          (expected.empty() ? std::string("base") : join(expected)) +
                          "); upgrade it before autogenerating");
    auto diff = compare(*options.autogenerate, s.conn, compare_options(config));
    r.upgrade = std::move(diff.upgrade);
    r.downgrade = std::move(diff.downgrade);
    notes = std::move(diff.notes);
  }
  return write_new(config, std::move(r), notes);
}

Revision merge(const Config& config, const std::string& message,
               std::vector<std::string> revisions) {
  ScriptDirectory scripts(config.versions());
  Revision r;
  r.message = message;
  if (revisions.empty()) revisions = scripts.heads();
  for (const auto& rev : revisions)
    r.down_revisions.push_back(scripts.get(rev).id);
  if (r.down_revisions.size() < 2)
    throw ArgumentError("a merge joins two or more revisions; there is " +
                        std::to_string(r.down_revisions.size()));
  return write_new(config, std::move(r), {});
}

std::vector<std::string> upgrade(const Config& config, std::string_view target) {
  Session s(config);
  return migrator(config, s.conn).upgrade(target);
}

std::vector<std::string> downgrade(const Config& config, std::string_view target) {
  Session s(config);
  return migrator(config, s.conn).downgrade(target);
}

void stamp(const Config& config, std::string_view target) {
  Session s(config);
  migrator(config, s.conn).stamp(target);
}

std::vector<std::string> current(const Config& config) {
  Session s(config);
  return migrator(config, s.conn).current();
}

bool check(const Config& config, const MetaData& models, std::ostream& out) {
  Session s(config);
  const auto diff = compare(models, s.conn, compare_options(config));
  for (const auto& op : diff.upgrade)
    out << describe(op) << "\n";
  for (const auto& note : diff.notes)
    out << "note: " << note << "\n";
  return !diff.empty();
}

void history(const Config& config, std::ostream& out, bool verbose) {
  ScriptDirectory scripts(config.versions());
  const auto heads = scripts.heads();
  const auto branch_points = scripts.branch_points();
  const auto is = [](const std::vector<std::string>& list, const std::string& id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  auto ordered = scripts.ordered();
  std::reverse(ordered.begin(), ordered.end());
  for (const Revision* r : ordered) {
    std::string marks;
    if (is(heads, r->id)) marks += " (head)";
    if (is(branch_points, r->id)) marks += " (branchpoint)";
    if (r->down_revisions.size() > 1) marks += " (mergepoint)";
    if (!r->branch_labels.empty()) marks += " (" + join(r->branch_labels) + ")";
    const std::string from = r->down_revisions.empty() ? "<base>" : join(r->down_revisions);
    if (!verbose) {
      out << from << " -> " << r->id << marks << ", " << r->message << "\n";
      continue;
    }
    out << "Rev: " << r->id << marks << "\n";
    out << (r->down_revisions.size() > 1 ? "Merges: " : "Parent: ") << from << "\n";
    if (!r->depends_on.empty()) out << "Depends on: " << join(r->depends_on) << "\n";
    if (!r->path.empty()) out << "Path: " << r->path.string() << "\n";
    out << "\n    " << r->message << "\n\n    Revision ID: " << r->id
        << "\n    Create Date: " << r->create_date << "\n";
    for (const auto& op : r->upgrade)
      out << "    - " << describe(op) << "\n";
    out << "\n";
  }
}

void show(const Config& config, std::string_view revision, std::ostream& out) {
  ScriptDirectory scripts(config.versions());
  const Revision& r = scripts.get(revision);
  if (r.path.empty()) {
    out << format_revision(r);
    return;
  }
  std::ifstream in(r.path, std::ios::binary);
  out << in.rdbuf();
}

void write_models(const MetaData& models, const std::filesystem::path& file) {
  const std::string partial = file.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    out << json_schema::metadata(models).dump(2) << "\n";
    if (!out) throw ArgumentError("cannot write " + partial);
  }
  std::filesystem::rename(partial, file);
}

MetaData read_models(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ArgumentError("cannot read models from " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  json_schema::ordered_json j;
  try {
    j = json_schema::ordered_json::parse(text.str(), nullptr, true, true);
  } catch (const json_schema::ordered_json::parse_error& e) {
    throw ArgumentError(file.string() + ": not valid JSON: " + e.what());
  }
  return json_schema::metadata(j, file.filename().string());
}

}  // namespace retort::migrate
