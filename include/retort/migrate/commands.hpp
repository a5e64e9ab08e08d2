// The migration commands, as a library (what `retort <command>` calls).
//
//   rt::migrate::Config config = rt::migrate::load_config("retort.ini");
//   rt::migrate::upgrade(config, "head");           // e.g. in a test fixture or at start-up
//   rt::migrate::revision(config, {.message = "add email", .autogenerate = &models});
//
// A config names the migrations folder (its revisions are in <folder>/versions), the
// database URL and the version table. The URL comes from, in order: Config::url as set by
// the caller (--url), the RETORT_DATABASE_URL environment variable, the config file.
// Messages never show a password.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "retort/migrate/autogenerate.hpp"
#include "retort/migrate/migration.hpp"
#include "retort/migrate/revision.hpp"
#include "retort/migrate/script_directory.hpp"

namespace retort::migrate {

struct Config {
  std::filesystem::path directory = "migrations";
  std::string url{};
  std::string version_table = "alembic_version";
  // A schema snapshot (rt::migrate::write_models) for autogenerate without a C++ main.
  std::filesystem::path models{};
  // What autogenerate and check compare (the version table is always left out).
  CompareOptions compare{};
  // Called before each revision runs (for progress output).
  std::function<void(const Revision&, bool)> on_revision{};

  std::filesystem::path versions() const { return directory / "versions"; }
  // The URL to use: this one, else RETORT_DATABASE_URL; rt::ArgumentError when neither.
  std::string database_url() const;
};

// Reads an INI file: a [retort] section with script_location, url, version_table, models
// (paths relative to the file) and include_tables ("app_*, audit": the tables autogenerate
// and check look at, for a database shared with other applications). A missing file gives
// the defaults.
Config load_config(const std::filesystem::path& file);

// Creates the migrations folder with an empty versions folder, and the config file
// unless it exists. rt::ArgumentError when the folder exists and is not empty.
void init(const std::filesystem::path& directory, const std::filesystem::path& config_file = {});

struct RevisionOptions {
  std::string message;
  // Compare these models with the database and write the difference.
  const MetaData* autogenerate = nullptr;
  // The revisions it revises (default: the one head; several make a merge point).
  std::vector<std::string> head{};
  std::vector<std::string> branch_labels{};
  std::vector<std::string> depends_on{};
  std::string id{};  // default: a new random id
};

// Writes a new revision file and returns it. With autogenerate, the database must be at
// the head revision, as Alembic requires.
Revision revision(const Config& config, const RevisionOptions& options);
// A revision that joins heads (all of them when none are named).
Revision merge(const Config& config, const std::string& message,
               std::vector<std::string> revisions = {});

std::vector<std::string> upgrade(const Config& config, std::string_view target = "head");
std::vector<std::string> downgrade(const Config& config, std::string_view target);
void stamp(const Config& config, std::string_view target);
std::vector<std::string> current(const Config& config);
// True when the models and the database differ (what `retort check` exits 1 for); the
// differences are described on out.
bool check(const Config& config, const MetaData& models, std::ostream& out);

// "ae1027a6acf -> 27c6a30d7c24 (head), add email" lines, newest first; verbose adds
// the file, the date and the operations.
void history(const Config& config, std::ostream& out, bool verbose = false);
void show(const Config& config, std::string_view revision, std::ostream& out);

// A MetaData as a JSON schema snapshot, and back: an application writes its models once
// (e.g. at build time) and `retort revision --autogenerate --models FILE` reads them.
void write_models(const MetaData& models, const std::filesystem::path& file);
MetaData read_models(const std::filesystem::path& file);

// The `retort` migration commands for an application's own main, with its models built
// in for autogenerate and check:
//
//   int main(int argc, char** argv) { return rt::migrate::main(argc, argv, app::models()); }
//
// Returns the exit status: 0, 1 on an error (or differences, for check), 2 on bad usage.
int main(int argc, char** argv, const MetaData* models = nullptr);
int main(int argc, char** argv, const MetaData& models);

}  // namespace retort::migrate
