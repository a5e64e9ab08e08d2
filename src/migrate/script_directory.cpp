#include "retort/migrate/script_directory.hpp"

#include <algorithm>
#include <charconv>

#include "retort/core/error.hpp"
#include "text.hpp"

namespace retort::migrate {
namespace {

std::vector<std::string> requires_of(const Revision& r) {
  std::vector<std::string> out = r.down_revisions;
  out.insert(out.end(), r.depends_on.begin(), r.depends_on.end());
  return out;
}

// "+2" / "-2": the step count, or 0 when the target is not relative.
int steps(std::string_view target, char sign) {
  if (target.size() < 2 || target[0] != sign) return 0;
  int n = 0;
  auto r = std::from_chars(target.data() + 1, target.data() + target.size(), n);
  if (r.ec != std::errc() || r.ptr != target.data() + target.size() || n <= 0)
    throw ArgumentError("'" + std::string(target) + "' is not a number of steps");
  return n;
}

// Keeps the first n revisions of a path ("+n", "-n"); an error when there are fewer.
void first_steps(std::vector<const Revision*>& path, int n, const std::string& what,
                 const char* where) {
  if (static_cast<std::size_t>(n) > path.size())
    throw ArgumentError(what + ": only " + std::to_string(path.size()) + " revisions are " + where);
  path.resize(static_cast<std::size_t>(n));
}

}  // namespace

ScriptDirectory::ScriptDirectory(std::filesystem::path versions) : versions_(std::move(versions)) {
  std::error_code ec;
  if (!std::filesystem::is_directory(versions_, ec))
    throw ArgumentError("no versions folder at " + versions_.string() +
                        " (create it with `retort init`)");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(versions_)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Revision r = read_revision(f);
    const std::string id = r.id;
    if (auto it = revisions_.find(id); it != revisions_.end()) {
      throw ArgumentError("revision " + id + " is in both " + it->second.path.filename().string() +
                          " and " + f.filename().string());
    }
    revisions_.emplace(id, std::move(r));
  }
  index();
}

ScriptDirectory::ScriptDirectory(std::vector<Revision> revisions) {
  for (auto& r : revisions) {
    const std::string id = r.id;
    if (!revisions_.emplace(id, std::move(r)).second)
      throw ArgumentError("two revisions have the id " + id);
  }
  index();
}

void ScriptDirectory::index() {
  std::map<std::string, int> waiting;
  for (const auto& [id, r] : revisions_) {
    for (const auto& label : r.branch_labels) {
      if (revisions_.count(label) || !labels_.emplace(label, id).second)
        throw ArgumentError("branch label '" + label + "' of revision " + id +
                            " is already a revision id or another revision's label");
    }
    for (const auto& down : requires_of(r)) {
      if (!revisions_.count(down)) {
        throw ArgumentError("revision " + id + " (" + r.path.filename().string() +
                            ") revises or depends on " + down + ", which does not exist");
      }
      children_[down].push_back(id);
    }
    waiting[id] = static_cast<int>(requires_of(r).size());
  }
  // Kahn's order; among revisions ready at once, by id, so that the order is stable.
  std::set<std::string> ready;
  for (const auto& [id, n] : waiting) {
    if (n == 0) ready.insert(id);
  }
  while (!ready.empty()) {
    const std::string id = *ready.begin();
    ready.erase(ready.begin());
    order_.push_back(id);
    for (const auto& child : children_[id]) {
      if (--waiting[child] == 0) ready.insert(child);
    }
  }
  if (order_.size() != revisions_.size()) {
    std::vector<std::string> stuck;
    for (const auto& [id, n] : waiting) {
      if (n > 0) {
        const auto& path = revisions_.at(id).path;
        stuck.push_back(path.empty() ? id : id + " (" + path.filename().string() + ")");
      }
    }
    throw ArgumentError("revisions form a cycle: " + join(stuck));
  }
}

const Revision& ScriptDirectory::get(std::string_view id) const {
  if (auto it = revisions_.find(std::string(id)); it != revisions_.end()) return it->second;
  if (auto it = labels_.find(std::string(id)); it != labels_.end())
    return revisions_.at(it->second);
  std::vector<std::string> matches;
  for (const auto& [rid, r] : revisions_) {
    if (!id.empty() && rid.starts_with(id)) matches.push_back(rid);
  }
  if (matches.size() == 1) return revisions_.at(matches.front());
  if (matches.empty()) throw ArgumentError("no revision '" + std::string(id) + "'");
  throw ArgumentError("'" + std::string(id) +
                      "' is the start of several revisions: " + join(matches));
}

std::vector<std::string> ScriptDirectory::heads() const {
  std::set<std::string> all;
  for (const auto& [id, r] : revisions_)
    all.insert(id);
  return heads_of(all);
}

std::vector<std::string> ScriptDirectory::bases() const {
  std::vector<std::string> out;
  for (const auto& [id, r] : revisions_) {
    if (r.down_revisions.empty()) out.push_back(id);
  }
  return out;
}

std::vector<std::string> ScriptDirectory::branch_points() const {
  std::vector<std::string> out;
  for (const auto& [id, r] : revisions_) {
    std::size_t n = 0;
    if (auto it = children_.find(id); it != children_.end()) {
      for (const auto& child : it->second) {
        const auto& downs = revisions_.at(child).down_revisions;
        n += std::find(downs.begin(), downs.end(), id) != downs.end();
      }
    }
    if (n > 1) out.push_back(id);
  }
  return out;
}

std::vector<const Revision*> ScriptDirectory::ordered() const {
  std::vector<const Revision*> out;
  for (const auto& id : order_)
    out.push_back(&revisions_.at(id));
  return out;
}

std::set<std::string> ScriptDirectory::applied(const std::vector<std::string>& heads) const {
  std::set<std::string> out;
  std::vector<std::string> stack;
  for (const auto& h : heads)
    stack.push_back(get(h).id);
  while (!stack.empty()) {
    std::string id = std::move(stack.back());
    stack.pop_back();
    if (!out.insert(id).second) continue;
    for (const auto& down : requires_of(revisions_.at(id)))
      stack.push_back(down);
  }
  return out;
}

std::vector<std::string> ScriptDirectory::heads_of(const std::set<std::string>& applied) const {
  std::vector<std::string> out;
  for (const auto& id : applied) {
    bool required = false;
    if (auto it = children_.find(id); it != children_.end()) {
      for (const auto& child : it->second)
        required = required || applied.count(child);
    }
    if (!required) out.push_back(id);
  }
  return out;
}

std::vector<std::string> ScriptDirectory::resolve(std::string_view target) const {
  if (target == "base") return {};
  if (target == "heads") return heads();
  if (target == "head") {
    auto h = heads();
    if (h.size() > 1)
      throw ArgumentError("there are several heads (" + join(h) +
                          "); name one, use 'heads', or merge them with `retort merge`");
    return h;
  }
  if (target.ends_with("@head")) {
    const std::string from = get(target.substr(0, target.size() - 5)).id;
    // The heads above the labelled revision.
    std::set<std::string> above{from};
    for (const auto& id : order_) {
      for (const auto& down : requires_of(revisions_.at(id))) {
        if (above.count(down)) above.insert(id);
      }
    }
    auto h = heads_of(above);
    if (h.size() > 1)
      throw ArgumentError("'" + std::string(target) + "' stands for several heads: " + join(h));
    return h;
  }
  return {get(target).id};
}

std::vector<const Revision*> ScriptDirectory::upgrade_path(const std::vector<std::string>& current,
                                                           std::string_view target) const {
  const int n = steps(target, '+');
  const std::set<std::string> have = applied(current);
  const std::set<std::string> want = applied(n ? heads() : resolve(target));
  std::vector<const Revision*> out;
  for (const auto& id : order_) {
    if (want.count(id) && !have.count(id)) out.push_back(&revisions_.at(id));
  }
  if (n) first_steps(out, n, "cannot upgrade " + std::string(target), "above the current one");
  return out;
}

std::vector<const Revision*> ScriptDirectory::downgrade_path(
    const std::vector<std::string>& current, std::string_view target) const {
  const int n = steps(target, '-');
  const std::set<std::string> have = applied(current);
  std::set<std::string> keep;
  if (!n) {
    const auto targets = resolve(target);
    for (const auto& t : targets) {
      if (!have.count(t))
        throw ArgumentError("cannot downgrade to " + t + ": it is not applied (current: " +
                            (current.empty() ? std::string("base") : join(current)) + ")");
    }
    keep = applied(targets);
  }
  std::vector<const Revision*> out;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    if (have.count(*it) && !keep.count(*it)) out.push_back(&revisions_.at(*it));
  }
  if (n) first_steps(out, n, "cannot downgrade " + std::string(target), "applied");
  return out;
}

}  // namespace retort::migrate
