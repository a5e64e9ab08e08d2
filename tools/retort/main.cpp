// retort: the command-line tool.
//
//   retort inspect URL [--tables a,b]
//   retort dump URL [--tables a,b] [--output FILE]
//   retort init | revision | upgrade | downgrade | stamp | current | history | heads |
//          branches | merge | show | check      (migrations: rt::migrate::main)
//
// Errors go to standard error as one line, with exit status 1 (2 for usage errors);
// URLs are shown with their password hidden.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "retort/core/error.hpp"
#include "retort/migrate/commands.hpp"

namespace {

// Database messages can span lines (libpq adds hints); a caller reading stderr line by
// line should get one.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

using Command = std::function<void(std::ostream&)>;

// The commands notice a failed write (a full disk, a closed pipe) by the stream's state;
// the name of what could not be written is known here.
void write(std::ostream& out, const std::string& name, const Command& command) {
  try {
    command(out);
    out.flush();
  } catch (...) {
    if (!out) throw std::runtime_error("cannot write " + name);
    throw;
  }
  if (!out) throw std::runtime_error("cannot write " + name);
}

// A new or regular file is written beside its place and renamed there at the end, so
// that a failed dump neither leaves half a JSON document behind nor destroys the file
// that was there. Anything else (a device, a pipe, a symbolic link such as /dev/stdout)
// must be written in place: renaming over it would replace it.
void run_into_file(const std::string& path, const Command& command) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (status.type() != fs::file_type::not_found && status.type() != fs::file_type::regular) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    write(file, path, command);
    return;
  }
  const std::string partial = path + ".partial";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) throw std::runtime_error("cannot write " + partial + ": " + std::strerror(errno));
  try {
    write(file, partial, command);
    file.close();
    if (!file) throw std::runtime_error("cannot write " + partial);
    // A dump may hold private data: keep an existing file's permissions.
    if (status.type() == fs::file_type::regular) fs::permissions(partial, status.permissions());
    fs::rename(partial, path);
  } catch (...) {
    fs::remove(partial, ec);
    throw;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first != "inspect" && first != "dump" && first != "-h" && first != "--help")
    return retort::migrate::main(argc, argv);
  CLI::App app{
      "retort: inspect and dump databases; migrations: retort init | revision | upgrade | "
      "downgrade | stamp | current | history | heads | branches | merge | show | check "
      "(retort upgrade --help, ...)"};
  app.require_subcommand(1);

  std::string url;
  std::vector<std::string> tables;
  std::string output;

  auto* inspect = app.add_subcommand("inspect", "print the schema of a database");
  inspect->add_option("url", url, "database URL")->required();
  inspect->add_option("--tables", tables, "only these tables (comma-separated)")->delimiter(',');

  auto* dump = app.add_subcommand("dump", "write a database's tables as JSON");
  dump->add_option("url", url, "database URL")->required();
  dump->add_option("--tables", tables, "only these tables (comma-separated)")->delimiter(',');
  dump->add_option("--output,-o", output, "file to write (default: standard output)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "retort: " << one_line(e.what()) << " (retort --help)\n";
    return 2;
  }

  try {
    const Command command = [&](std::ostream& out) {
      if (inspect->parsed()) retort::cli::inspect(url, tables, out);
      if (dump->parsed()) retort::cli::dump(url, tables, out);
    };
    if (output.empty()) {
      write(std::cout, "standard output", command);
    } else {
      run_into_file(output, command);
    }
  } catch (const retort::DatabaseError& e) {
    // The statements are Retort's own reading of the schema and rows: the database's
    // words are what the user needs ("database disk image is malformed").
    std::cerr << "retort: " << one_line(e.problem()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "retort: " << one_line(e.what()) << "\n";
    return 1;
  } catch (...) {
    std::cerr << "retort: unexpected error\n";
    return 1;
  }
  return 0;
}
