// retort: the command-line tool.
//
//   retort inspect URL [--tables a,b]
//   retort dump URL [--tables a,b] [--output FILE]
//
// Errors go to standard error as one line, with exit status 1 (2 for usage errors);
// URLs are shown with their password hidden.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "retort/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"retort: inspect and dump databases"};
  app.require_subcommand(1);

  std::string url;
  std::vector<std::string> tables;
  std::string output;

  auto* inspect = app.add_subcommand("inspect", "print the schema of a database");
  inspect->add_option("url", url, "database URL")->required();
  inspect->add_option("--tables", tables, "only these tables")->delimiter(',');

  auto* dump = app.add_subcommand("dump", "write a database's tables as JSON");
  dump->add_option("url", url, "database URL")->required();
  dump->add_option("--tables", tables, "only these tables")->delimiter(',');
  dump->add_option("--output,-o", output, "file to write (default: standard output)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  try {
    std::ofstream file;
    if (!output.empty()) {
      file.open(output, std::ios::binary);
      if (!file) {
        std::cerr << "retort: cannot write " << output << "\n";
        return 1;
      }
    }
    std::ostream& out = output.empty() ? std::cout : file;
    if (inspect->parsed()) retort::cli::inspect(url, tables, out);
    if (dump->parsed()) retort::cli::dump(url, tables, out);
    out.flush();
  } catch (const retort::Error& e) {
    std::cerr << "retort: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "retort: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
