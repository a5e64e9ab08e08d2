// The versions folder as a graph of revisions, and how targets such as "head", "+1",
// "-1", "base", "ae10" (a prefix) or "feature@head" (a branch label) resolve in it.
//
//   rt::migrate::ScriptDirectory scripts("migrations/versions");
//   scripts.heads();                           // revisions nothing revises yet
//   scripts.upgrade_path(current, "head");     // what upgrade would run, in order
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "retort/migrate/revision.hpp"

namespace retort::migrate {

class ScriptDirectory {
 public:
  // Reads every *.json file of the folder; rt::ArgumentError for a bad file, a duplicate
  // id, a down revision that does not exist or a cycle.
  explicit ScriptDirectory(std::filesystem::path versions);
  // Revisions given in memory (for tests and tools).
  explicit ScriptDirectory(std::vector<Revision> revisions);

  const std::filesystem::path& versions() const { return versions_; }
  bool empty() const { return revisions_.empty(); }
  // By full id, unique prefix or branch label; rt::ArgumentError otherwise.
  const Revision& get(std::string_view id) const;
  // Revisions nothing else revises, in id order.
  std::vector<std::string> heads() const;
  std::vector<std::string> bases() const;
  // Revisions two or more others revise.
  std::vector<std::string> branch_points() const;
  // Every revision, each after those it revises and depends on (base first).
  std::vector<const Revision*> ordered() const;

  // The revisions that `heads` stand for: themselves and everything they need.
  std::set<std::string> applied(const std::vector<std::string>& heads) const;
  // The heads of a set of applied revisions (what the version table stores).
  std::vector<std::string> heads_of(const std::set<std::string>& applied) const;

  // What `upgrade target` runs from the current heads, in order. Targets: "head" (the one
  // head; an error naming them when there are several), "heads", a revision, a prefix,
  // "label@head", "+N" (N steps).
  std::vector<const Revision*> upgrade_path(const std::vector<std::string>& current,
                                            std::string_view target) const;
  // What `downgrade target` undoes, in order: "base", a revision, "-N" (N steps).
  std::vector<const Revision*> downgrade_path(const std::vector<std::string>& current,
                                              std::string_view target) const;
  // The revisions a target names ("head", "heads", "base", ids, labels).
  std::vector<std::string> resolve(std::string_view target) const;

 private:
  void index();
  std::filesystem::path versions_;
  std::map<std::string, Revision> revisions_;
  std::map<std::string, std::string> labels_;  // branch label -> revision
  std::map<std::string, std::vector<std::string>> children_;
  std::vector<std::string> order_;  // topological
};

}  // namespace retort::migrate
