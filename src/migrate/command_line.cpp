// `retort init | revision | upgrade | downgrade | stamp | current | history | heads |
// branches | merge | show | check`: the command line over commands.hpp.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <string_view>

#include "retort/core/url.hpp"
#include "retort/migrate/commands.hpp"
#include "text.hpp"

namespace retort::migrate {
namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

std::string message_of(const Revision& r) {
  return r.message.empty() ? std::string() : ", " + r.message;
}

// "start:end" for offline ranges; a lone target starts at the bottom (upgrade) or the
// heads (downgrade).
std::pair<std::string, std::string> range(const std::string& target, bool up) {
  const auto colon = target.find(':');
  if (colon == std::string::npos) return {up ? "base" : "heads", target};
  return {target.substr(0, colon), target.substr(colon + 1)};
}

}  // namespace

int main(int argc, char** argv, const MetaData& models) {
  return main(argc, argv, &models);
}

int main(int argc, char** argv, const MetaData* models) {
  CLI::App app{"retort: schema migrations"};
  app.require_subcommand(1);
  app.fallthrough();  // --url and the others also after the command
  std::string config_file = "retort.ini", url, models_file, directory;
  app.add_option("-c,--config", config_file, "config file (default retort.ini)");
  app.add_option("--url", url, "database URL (else RETORT_DATABASE_URL, else the config file)");
  app.add_option("--models", models_file, "schema snapshot for --autogenerate and check");
  app.add_option("-d,--directory", directory, "migrations folder (else the config file's)");

  std::string message, target, rev_id;
  std::vector<std::string> heads_opt, labels, depends, revisions;
  bool autogenerate = false, offline = false, verbose = false;

  auto* init_cmd = app.add_subcommand("init", "create the migrations folder and config file");
  init_cmd->add_option("directory", directory, "folder to create")->required();
  auto* revision_cmd = app.add_subcommand("revision", "write a new revision");
  revision_cmd->add_option("-m,--message", message, "what it does");
  revision_cmd->add_flag("--autogenerate", autogenerate, "compare the models with the database");
  revision_cmd->add_option("--head", heads_opt, "revision(s) it revises (default: the head)");
  revision_cmd->add_option("--branch-label", labels, "a label for a new branch");
  revision_cmd->add_option("--depends-on", depends, "revisions it depends on");
  revision_cmd->add_option("--rev-id", rev_id, "its id (default: a new random one)");
  auto* upgrade_cmd = app.add_subcommand("upgrade", "run revisions up to a target");
  upgrade_cmd->add_option("target", target, "head (default), heads, +N, a revision, label@head");
  upgrade_cmd->add_flag("--sql", offline, "print the SQL instead of running it ([start:]end)");
  auto* downgrade_cmd = app.add_subcommand("downgrade", "undo revisions down to a target");
  downgrade_cmd->add_option("target", target, "-N, base or a revision")->required();
  downgrade_cmd->add_flag("--sql", offline, "print the SQL instead of running it (start:end)");
  auto* stamp_cmd = app.add_subcommand("stamp", "set the version without running anything");
  stamp_cmd->add_option("target", target, "a revision, head, heads or base")->required();
  auto* current_cmd = app.add_subcommand("current", "the revisions the database is at");
  current_cmd->add_flag("-v,--verbose", verbose);
  auto* history_cmd = app.add_subcommand("history", "the revisions, newest first");
  history_cmd->add_flag("-v,--verbose", verbose);
  auto* heads_cmd = app.add_subcommand("heads", "revisions nothing revises yet");
  auto* branches_cmd = app.add_subcommand("branches", "revisions with several children");
  auto* merge_cmd = app.add_subcommand("merge", "a revision joining heads");
  merge_cmd->add_option("revisions", revisions, "revisions to join (default: all heads)");
  merge_cmd->add_option("-m,--message", message, "what it does");
  auto* show_cmd = app.add_subcommand("show", "print a revision");
  show_cmd->add_option("revision", target)->required();
  auto* check_cmd = app.add_subcommand("check", "exit 1 when the models and database differ");

  // Usage errors are one line naming the program, as the commands' own errors are.
  const std::string program = std::filesystem::path(argc > 0 ? argv[0] : "retort").filename();
  std::string commands;
  std::set<std::string, std::less<>> names;
  for (const CLI::App* c : app.get_subcommands([](CLI::App*) { return true; })) {
    commands += (commands.empty() ? "" : ", ") + c->get_name();
    names.insert(c->get_name());
  }
  // The first word that is not an option (or an option's value) is the command; CLI11
  // would call an unknown one "A subcommand is required".
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "-c" || word == "--config" || word == "--url" || word == "--models" ||
        word == "-d" || word == "--directory") {
      ++i;
    } else if (!word.starts_with('-')) {
      if (names.contains(word)) break;
      std::cerr << program << ": unknown command '" << word << "'; the commands are " << commands
                << "\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << program << ": " << one_line(e.what()) << " (" << program << " --help)\n";
    return 2;
  }

  try {
    if (init_cmd->parsed()) {
      init(directory, config_file);
      std::cout << "Created " << directory << " and " << config_file << "\n";
      return 0;
    }
    Config config = load_config(config_file);
    if (!directory.empty()) config.directory = directory;
    if (!url.empty()) config.url = url;
    std::optional<MetaData> loaded;
    if (!models_file.empty()) config.models = models_file;
    if (!models && !config.models.empty()) {
      loaded.emplace(read_models(config.models));
      models = &*loaded;
    }
    const auto need_models = [&]() -> const MetaData& {
      if (!models)
        throw ArgumentError(
            "no models to compare: give --models FILE (written by rt::migrate::write_models) or "
            "run this command from the application's own rt::migrate::main");
      return *models;
    };
    config.on_revision = [](const Revision& r, bool up) {
      const std::string below = r.down_revisions.empty() ? "<base>" : join(r.down_revisions);
      std::cerr << (up ? "Running upgrade " + below + " -> " + r.id
                       : "Running downgrade " + r.id + " -> " + below)
                << message_of(r) << "\n";
    };

    if (revision_cmd->parsed()) {
      const auto r = revision(config, {.message = message,
                                       .autogenerate = autogenerate ? &need_models() : nullptr,
                                       .head = heads_opt,
                                       .branch_labels = labels,
                                       .depends_on = depends,
                                       .id = rev_id});
      std::cout << "Generating " << r.path.string() << "\n";
      if (autogenerate) {
        for (const auto& op : r.upgrade)
          std::cout << "  detected " << describe(op) << "\n";
        if (r.upgrade.empty()) std::cout << "  no changes detected\n";
      }
    } else if ((upgrade_cmd->parsed() || downgrade_cmd->parsed()) && offline) {
      const bool up = upgrade_cmd->parsed();
      const auto [from, to] = range(target.empty() ? "head" : target, up);
      const auto& dialect = sql::dialect(URL::parse(config.database_url()).backend());
      write_script(std::cout, ScriptDirectory(config.versions()), dialect, from, to, up,
                   {.version_table = config.version_table});
    } else if (upgrade_cmd->parsed()) {
      upgrade(config, target.empty() ? "head" : target);
    } else if (downgrade_cmd->parsed()) {
      downgrade(config, target);
    } else if (stamp_cmd->parsed()) {
      stamp(config, target);
    } else if (current_cmd->parsed()) {
      const ScriptDirectory scripts(config.versions());
      const auto heads = scripts.heads();
      for (const auto& id : current(config)) {
        const bool head = std::find(heads.begin(), heads.end(), id) != heads.end();
        std::cout << id << (head ? " (head)" : "");
        if (verbose) std::cout << message_of(scripts.get(id));
        std::cout << "\n";
      }
    } else if (history_cmd->parsed()) {
      history(config, std::cout, verbose);
    } else if (heads_cmd->parsed() || branches_cmd->parsed()) {
      const ScriptDirectory scripts(config.versions());
      for (const auto& id : heads_cmd->parsed() ? scripts.heads() : scripts.branch_points())
        std::cout << id << message_of(scripts.get(id)) << "\n";
    } else if (merge_cmd->parsed()) {
      const auto r = merge(config, message, revisions);
      std::cout << "Generating " << r.path.string() << "\n";
    } else if (show_cmd->parsed()) {
      show(config, target, std::cout);
    } else if (check_cmd->parsed()) {
      if (check(config, need_models(), std::cout)) {
        std::cerr << "retort: the models and the database differ; write a revision "
                     "(retort revision --autogenerate)\n";
        return 1;
      }
      std::cout << "No differences between the models and the database\n";
    }
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "retort: cannot write standard output\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "retort: " << one_line(e.what()) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace retort::migrate
