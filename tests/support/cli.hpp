// The retort command-line tool run as a subprocess by the end-to-end tests, which define
// RETORT_CLI_PATH.
#pragma once

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace retort_test {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;  // exit status; -1 if the process did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A parameterised test's name holds a '/': one path component, so that removing it
// leaves nothing behind.
inline fs::path scratch(std::string name) {
  std::ranges::replace(name, '/', '-');
  return fs::temp_directory_path() / ("retort-cli-" + std::to_string(::getpid()) + "-" + name);
}

// Runs the tool without a shell (no quoting to get wrong), its output and errors captured
// apart: the JSON must be all of standard output.
inline CliRun retort(const std::vector<std::string>& args) {
  const auto out = scratch("stdout"), err = scratch("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_text{RETORT_CLI_PATH};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  CliRun run;
  const int rc = posix_spawn(&pid, RETORT_CLI_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << RETORT_CLI_PATH;
    return run;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_file(out);
  run.err = read_file(err);
  fs::remove(out);
  fs::remove(err);
  return run;
}

}  // namespace retort_test
