// A model-based randomized test of the Session. Random operations run on objects of
// every relationship kind (one-to-many with delete-orphan, many-to-one, one-to-one,
// many-to-many, self-referential, joined inheritance) and on an in-memory model of the
// rows the database must hold. After every commit and rollback, the database is read
// back with plain SQL and compared with the model, and so is every object the test
// holds. A failure prints its seed and the shortest operation list that still fails.
//
//   RETORT_FUZZ_OPS=100000 RETORT_FUZZ_SEED=7 retort_sqlite_tests --gtest_filter='*SessionModel*'
//
// Operations are random tuples (kind, a, b, c) read against the model when they run
// (a: which object, b: which other one, c: a value), so any sub-list of a failing list
// replays: that is how failures shrink, and how kRegressions keeps what was found.
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include "backend_test.hpp"
#include "retort/orm.hpp"
#include "retort/schema.hpp"

namespace retort_test {
namespace {

namespace rt = retort;

// Counts the objects alive, to check that nothing leaks once every Ref is gone.
struct Alive {
  static inline int count = 0;
  Alive() { ++count; }
  Alive(const Alive&) { ++count; }
  Alive& operator=(const Alive&) { return *this; }
  ~Alive() { --count; }
};

struct FzChild;
struct FzProfile;
struct FzTag;
struct FzParent {
  std::int64_t id = 0;
  std::string name{};
  int score = 0;
  rt::Many<FzChild> children{};
  rt::One<FzProfile> profile{};
  rt::Many<FzTag> tags{};
  Alive alive{};
  static auto mapping();
};
struct FzChild {
  std::int64_t id = 0;
  std::string name{};
  int value = 0;
  std::optional<std::int64_t> parent_id{};
  std::optional<std::int64_t> tag_id{};
  rt::One<FzParent> parent{};
  rt::One<FzTag> tag{};
  Alive alive{};
  static auto mapping() {
    return rt::model<FzChild>("fz_child")
        .column("id", &FzChild::id, rt::primary_key)
        .column("name", &FzChild::name, rt::String(20), rt::unique)
        .column("value", &FzChild::value)
        .column("parent_id", &FzChild::parent_id, rt::ForeignKey("fz_parent.id"))
        .column("tag_id", &FzChild::tag_id, rt::ForeignKey("fz_tag.id"))
        .relationship("parent", &FzChild::parent, rt::back_populates("children"))
        .relationship("tag", &FzChild::tag);
  }
};
struct FzProfile {
  std::int64_t id = 0;
  std::string name{};
  int bio = 0;
  std::optional<std::int64_t> owner_id{};
  rt::One<FzParent> owner{};
  Alive alive{};
  static auto mapping() {
    return rt::model<FzProfile>("fz_profile")
        .column("id", &FzProfile::id, rt::primary_key)
        .column("name", &FzProfile::name, rt::String(20), rt::unique)
        .column("bio", &FzProfile::bio)
        .column("owner_id", &FzProfile::owner_id, rt::ForeignKey("fz_parent.id"), rt::unique)
        .relationship("owner", &FzProfile::owner, rt::back_populates("profile"));
  }
};
inline const rt::Table& fz_parent_tag() {
  static const rt::Table table(
      "fz_parent_tag", {rt::Column("parent_id", rt::Integer(), rt::ForeignKey("fz_parent.id")),
                        rt::Column("tag_id", rt::Integer(), rt::ForeignKey("fz_tag.id")),
                        rt::PrimaryKeyConstraint({"parent_id", "tag_id"})});
  return table;
}
struct FzTag {
  std::int64_t id = 0;
  std::string name{};
  int weight = 0;
  rt::Many<FzParent> parents{};
  Alive alive{};
  static auto mapping() {
    return rt::model<FzTag>("fz_tag")
        .column("id", &FzTag::id, rt::primary_key)
        .column("name", &FzTag::name, rt::String(20), rt::unique)
        .column("weight", &FzTag::weight)
        .relationship("parents", &FzTag::parents, rt::secondary(fz_parent_tag()),
                      rt::back_populates("tags"));
  }
};
inline auto FzParent::mapping() {
  return rt::model<FzParent>("fz_parent")
      .column("id", &FzParent::id, rt::primary_key)
      .column("name", &FzParent::name, rt::String(20), rt::unique)
      .column("score", &FzParent::score)
      .relationship("children", &FzParent::children, rt::back_populates("parent"),
                    rt::cascade::all_delete_orphan)
      .relationship("profile", &FzParent::profile, rt::back_populates("owner"))
      .relationship("tags", &FzParent::tags, rt::secondary(fz_parent_tag()),
                    rt::back_populates("parents"));
}
struct FzNode {
  std::int64_t id = 0;
  std::string name{};
  int weight = 0;
  std::optional<std::int64_t> parent_id{};
  rt::One<FzNode> parent{};
  rt::Many<FzNode> children{};
  Alive alive{};
  static auto mapping() {
    return rt::model<FzNode>("fz_node")
        .column("id", &FzNode::id, rt::primary_key)
        .column("name", &FzNode::name, rt::String(20), rt::unique)
        .column("weight", &FzNode::weight)
        .column("parent_id", &FzNode::parent_id, rt::ForeignKey("fz_node.id"))
        .relationship("parent", &FzNode::parent, rt::remote_side(&FzNode::id),
                      rt::back_populates("children"))
        .relationship("children", &FzNode::children, rt::back_populates("parent"));
  }
};
struct FzAnimal {
  std::int64_t id = 0;
  std::string name{};
  std::string type{};
  int legs = 0;
  Alive alive{};
  static auto mapping() {
    return rt::model<FzAnimal>("fz_animal")
        .column("id", &FzAnimal::id, rt::primary_key)
        .column("name", &FzAnimal::name, rt::String(20), rt::unique)
        .column("type", &FzAnimal::type, rt::String(20))
        .column("legs", &FzAnimal::legs)
        .polymorphic_on(&FzAnimal::type, "animal");
  }
};
struct FzDog : FzAnimal {
  int tricks = 0;
  static auto mapping() {
    return rt::model<FzDog>("fz_dog").inherits<FzAnimal>("dog").column("tricks", &FzDog::tricks);
  }
};

const std::vector<std::string>& fz_tables() {
  static const std::vector<std::string> names = {"fz_parent", "fz_child",      "fz_profile",
                                                 "fz_tag",    "fz_parent_tag", "fz_node",
                                                 "fz_animal", "fz_dog"};
  return names;
}

// What the database must hold, by the objects' names (ids are the database's business).
struct Model {
  struct Child {
    int value = 0;
    std::string parent, tag;  // "" for none
  };
  struct Profile {
    int bio = 0;
    std::string owner;
  };
  struct Node {
    int weight = 0;
    std::string parent;
  };
  struct Animal {
    bool dog = false;
    int legs = 0, tricks = 0;
  };
  std::map<std::string, int> parents;  // score
  std::map<std::string, Child> children;
  std::map<std::string, Profile> profiles;
  std::map<std::string, int> tags;                      // weight
  std::set<std::pair<std::string, std::string>> links;  // parent, tag
  std::map<std::string, Node> nodes;
  std::map<std::string, Animal> animals;

  // One line per row, for comparing and for showing the difference.
  std::set<std::string> lines() const {
    std::set<std::string> out;
    for (const auto& [n, score] : parents)
      out.insert("parent " + n + " score=" + std::to_string(score));
    for (const auto& [n, c] : children) {
      out.insert("child " + n + " value=" + std::to_string(c.value) + " parent=" + c.parent +
                 " tag=" + c.tag);
    }
    for (const auto& [n, p] : profiles)
      out.insert("profile " + n + " bio=" + std::to_string(p.bio) + " owner=" + p.owner);
    for (const auto& [n, w] : tags)
      out.insert("tag " + n + " weight=" + std::to_string(w));
    for (const auto& [p, t] : links)
      out.insert("link " + p + " " + t);
    for (const auto& [n, node] : nodes)
      out.insert("node " + n + " weight=" + std::to_string(node.weight) + " parent=" + node.parent);
    for (const auto& [n, a] : animals) {
      out.insert("animal " + n + (a.dog ? " dog" : "") + " legs=" + std::to_string(a.legs) +
                 (a.dog ? " tricks=" + std::to_string(a.tricks) : ""));
    }
    return out;
  }
  std::size_t size() const {
    return parents.size() + children.size() + profiles.size() + tags.size() + nodes.size() +
           animals.size();
  }
  bool has_child_with_tag(const std::string& tag) const {
    for (const auto& [n, c] : children) {
      if (c.tag == tag) return true;
    }
    return false;
  }
  bool is_below(const std::string& node, const std::string& ancestor) const {
    for (std::string at = node; !at.empty(); at = nodes.at(at).parent) {
      if (at == ancestor) return true;
    }
    return false;
  }
};

// Lines only in one set, at most a few of each.
std::string difference(const std::set<std::string>& expected, const std::set<std::string>& actual) {
  std::string out;
  int shown = 0;
  for (const auto& l : expected) {
    if (!actual.count(l) && shown++ < 8) out += "\n  missing:    " + l;
  }
  shown = 0;
  for (const auto& l : actual) {
    if (!expected.count(l) && shown++ < 8) out += "\n  unexpected: " + l;
  }
  return out;
}

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class OpKind : std::uint8_t {
  add_parent,
  add_child,
  add_profile,
  add_tag,
  add_node,
  add_animal,
  delete_object,
  set_column,
  set_child_parent,
  set_child_tag,
  set_node_parent,
  set_profile_owner,
  set_parent_profile,
  children_push,
  children_remove,
  children_clear,
  children_assign,
  tags_push,
  tags_remove,
  tags_clear,
  tags_assign,
  tag_parents_push,
  node_children_push,
  node_children_remove,
  query,
  get,
  forget,
  flush,
  commit,
  rollback,
  savepoint,
  savepoint_release,
  savepoint_rollback,
  expire,
  expire_all,
  refresh,
  expunge,
  merge,
  reopen,
  failed_flush,
  count_
};
constexpr const char* kOpNames[] = {"add_parent",
                                    "add_child",
                                    "add_profile",
                                    "add_tag",
                                    "add_node",
                                    "add_animal",
                                    "delete_object",
                                    "set_column",
                                    "set_child_parent",
                                    "set_child_tag",
                                    "set_node_parent",
                                    "set_profile_owner",
                                    "set_parent_profile",
                                    "children_push",
                                    "children_remove",
                                    "children_clear",
                                    "children_assign",
                                    "tags_push",
                                    "tags_remove",
                                    "tags_clear",
                                    "tags_assign",
                                    "tag_parents_push",
                                    "node_children_push",
                                    "node_children_remove",
                                    "query",
                                    "get",
                                    "forget",
                                    "flush",
                                    "commit",
                                    "rollback",
                                    "savepoint",
                                    "savepoint_release",
                                    "savepoint_rollback",
                                    "expire",
                                    "expire_all",
                                    "refresh",
                                    "expunge",
                                    "merge",
                                    "reopen",
                                    "failed_flush"};
static_assert(std::size(kOpNames) == static_cast<std::size_t>(OpKind::count_));

struct Op {
  OpKind kind;
  std::uint32_t a, b, c;
  std::string text() const {
    return std::string(kOpNames[static_cast<int>(kind)]) + " " + std::to_string(a) + " " +
           std::to_string(b) + " " + std::to_string(c);
  }
  static Op parse(std::string line) {
    std::erase_if(line, [](char ch) { return ch == '"' || ch == ','; });
    std::istringstream in(line);
    std::string name;
    Op op{};
    in >> name >> op.a >> op.b >> op.c;
    for (int k = 0; k < static_cast<int>(OpKind::count_); ++k) {
      if (name == kOpNames[k]) op.kind = static_cast<OpKind>(k);
    }
    return op;
  }
};

// How often each kind comes up: mostly changes, now and then a transaction boundary.
std::vector<Op> generate(std::uint64_t seed, std::size_t count) {
  static const std::vector<std::pair<OpKind, int>> weights = {{OpKind::add_parent, 5},
                                                              {OpKind::add_child, 6},
                                                              {OpKind::add_profile, 3},
                                                              {OpKind::add_tag, 3},
                                                              {OpKind::add_node, 4},
                                                              {OpKind::add_animal, 3},
                                                              {OpKind::delete_object, 6},
                                                              {OpKind::set_column, 8},
                                                              {OpKind::set_child_parent, 5},
                                                              {OpKind::set_child_tag, 3},
                                                              {OpKind::set_node_parent, 4},
                                                              {OpKind::set_profile_owner, 3},
                                                              {OpKind::set_parent_profile, 3},
                                                              {OpKind::children_push, 5},
                                                              {OpKind::children_remove, 3},
                                                              {OpKind::children_clear, 1},
                                                              {OpKind::children_assign, 2},
                                                              {OpKind::tags_push, 4},
                                                              {OpKind::tags_remove, 3},
                                                              {OpKind::tags_clear, 1},
                                                              {OpKind::tags_assign, 2},
                                                              {OpKind::tag_parents_push, 2},
                                                              {OpKind::node_children_push, 3},
                                                              {OpKind::node_children_remove, 2},
                                                              {OpKind::query, 4},
                                                              {OpKind::get, 2},
                                                              {OpKind::forget, 4},
                                                              {OpKind::flush, 3},
                                                              {OpKind::commit, 4},
                                                              {OpKind::rollback, 2},
                                                              {OpKind::savepoint, 2},
                                                              {OpKind::savepoint_release, 1},
                                                              {OpKind::savepoint_rollback, 1},
                                                              {OpKind::expire, 2},
                                                              {OpKind::expire_all, 1},
                                                              {OpKind::refresh, 1},
                                                              {OpKind::expunge, 1},
                                                              {OpKind::merge, 1},
                                                              {OpKind::reopen, 1},
                                                              {OpKind::failed_flush, 1}};
  int total = 0;
  for (const auto& [k, w] : weights)
    total += w;
  std::mt19937_64 rng(seed);
  std::vector<Op> ops;
  ops.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    int r = static_cast<int>(rng() % static_cast<std::uint64_t>(total));
    OpKind kind = weights.front().first;
    for (const auto& [k, w] : weights) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    ops.push_back(Op{kind, static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
                     static_cast<std::uint32_t>(rng() % 100)});
  }
  return ops;
}

// The name at position r of a map's keys, or "" when it is empty.
template <class M>
std::string pick(const M& map, std::uint32_t r) {
  if (map.empty()) return {};
  auto it = map.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(r % map.size()));
  return it->first;
}

// One run of a list of operations against a fresh database.
class ModelRun {
 public:
  ModelRun(rt::Engine& engine, bool verbose) : engine_(engine), verbose_(verbose) {
    auto conn = engine_.connect();
    auto& md = rt::registry().metadata();
    md.drop_all(conn, {.tables = fz_tables()});
    md.create_all(conn, {.tables = fz_tables()});
    session_.emplace(engine_);
  }
  ~ModelRun() {
    savepoints_.clear();
    clear_held();
    session_.reset();
  }

  // Runs the operations; the first failure ends the run, naming the operation.
  void operator()(const std::vector<Op>& ops) {
    for (index_ = 0; index_ < ops.size(); ++index_) {
      const auto before = verbose_ ? m_.lines() : std::set<std::string>();
      try {
        apply(ops[index_]);
        if (verbose_) {
          std::cerr << "  " << index_ << ": " << ops[index_].text()
                    << difference(m_.lines(), before) << "\n";
        }
      } catch (const Failure&) {
        throw;
      } catch (const std::exception& e) {
        fail(std::string("unexpected exception: ") + e.what());
      }
    }
    try {
      commit();
    } catch (const Failure&) {
      throw;
    } catch (const std::exception& e) {
      fail(std::string("unexpected exception in the last commit: ") + e.what());
    }
  }
  std::size_t index() const { return index_; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Failure("operation " + std::to_string(index_) + ": " + what);
  }
  void expect(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }

  template <class T>
  rt::Ref<T>& obtain(std::map<std::string, rt::Ref<T>>& held, const std::string& name) {
    auto& r = held[name];
    if (!r) r = session_->query<T>().where(rt::c(&T::name) == name).one();
    return r;
  }
  rt::Ref<FzParent>& parent(const std::string& n) { return obtain(parents_, n); }
  rt::Ref<FzChild>& child(const std::string& n) { return obtain(children_, n); }
  rt::Ref<FzProfile>& profile(const std::string& n) { return obtain(profiles_, n); }
  rt::Ref<FzTag>& tag(const std::string& n) { return obtain(tags_, n); }
  rt::Ref<FzNode>& node(const std::string& n) { return obtain(nodes_, n); }
  rt::Ref<FzAnimal>& animal(const std::string& n) { return obtain(animals_, n); }

  void clear_held() {
    parents_.clear();
    children_.clear();
    profiles_.clear();
    tags_.clear();
    nodes_.clear();
    animals_.clear();
  }
  // Lets go of the objects the model no longer has (rolled back or deleted).
  void drop_missing() {
    std::erase_if(parents_, [&](const auto& e) { return !m_.parents.count(e.first); });
    std::erase_if(children_, [&](const auto& e) { return !m_.children.count(e.first); });
    std::erase_if(profiles_, [&](const auto& e) { return !m_.profiles.count(e.first); });
    std::erase_if(tags_, [&](const auto& e) { return !m_.tags.count(e.first); });
    std::erase_if(nodes_, [&](const auto& e) { return !m_.nodes.count(e.first); });
    std::erase_if(animals_, [&](const auto& e) { return !m_.animals.count(e.first); });
  }
  std::string fresh(const char* prefix) { return prefix + std::to_string(++names_); }
  // The model stays small, so that operations meet each other.
  bool full() const { return m_.size() >= 40; }

  void apply(const Op& op) {
    const auto [kind, a, b, c] = op;
    const int v = static_cast<int>(c);
    switch (kind) {
      case OpKind::add_parent: {
        if (full()) return;
        const auto n = fresh("p");
        // Sometimes with a new child in the initializer.
        if (b % 2) {
          const auto cn = fresh("c");
          parents_[n] = session_->add(FzParent{
              .name = n, .score = v, .children = {rt::make_ref(FzChild{.name = cn, .value = v})}});
          m_.children[cn] = {v, n, ""};
        } else {
          parents_[n] = session_->add(FzParent{.name = n, .score = v});
        }
        m_.parents[n] = v;
        return;
      }
      case OpKind::add_child: {
        if (full()) return;
        const auto n = fresh("c");
        const auto p = pick(m_.parents, a);
        switch (b % 3) {
          case 0:  // alone
            children_[n] = session_->add(FzChild{.name = n, .value = v});
            m_.children[n] = {v, "", ""};
            break;
          case 1:  // parent set in the initializer of an object made outside the session
            if (p.empty()) return;
            children_[n] = rt::make_ref(FzChild{.name = n, .value = v, .parent = parent(p)});
            m_.children[n] = {v, p, ""};
            break;
          default:  // appended to the parent's collection
            if (p.empty()) return;
            children_[n] = rt::make_ref(FzChild{.name = n, .value = v});
            parent(p)->children.push_back(children_[n]);
            m_.children[n] = {v, p, ""};
        }
        return;
      }
      case OpKind::add_profile: {
        if (full()) return;
        const auto n = fresh("pr");
        // An owner that has no profile yet (the owner column is unique).
        std::string owner;
        for (const auto& [p, score] : m_.parents) {
          bool taken = false;
          for (const auto& [pn, pr] : m_.profiles)
            taken = taken || pr.owner == p;
          if (!taken && (a % 3) != 0) {
            owner = p;
            break;
          }
        }
        if (owner.empty()) {
          profiles_[n] = session_->add(FzProfile{.name = n, .bio = v});
        } else {
          profiles_[n] = session_->add(FzProfile{.name = n, .bio = v, .owner = parent(owner)});
          owner_changed();
        }
        m_.profiles[n] = {v, owner};
        return;
      }
      case OpKind::add_tag: {
        if (full()) return;
        const auto n = fresh("t");
        tags_[n] = session_->add(FzTag{.name = n, .weight = v});
        m_.tags[n] = v;
        return;
      }
      case OpKind::add_node: {
        if (full()) return;
        const auto n = fresh("n");
        const auto p = (b % 3) ? pick(m_.nodes, a) : std::string();
        if (p.empty()) {
          nodes_[n] = session_->add(FzNode{.name = n, .weight = v});
        } else {
          nodes_[n] = session_->add(FzNode{.name = n, .weight = v, .parent = node(p)});
        }
        m_.nodes[n] = {v, p};
        return;
      }
      case OpKind::add_animal: {
        if (full()) return;
        const auto n = fresh("a");
        if (b % 2) {
          animals_[n] = session_->add(FzDog{{.name = n, .legs = v}, v + 1});
          m_.animals[n] = {true, v, v + 1};
        } else {
          animals_[n] = session_->add(FzAnimal{.name = n, .legs = v});
          m_.animals[n] = {false, v, 0};
        }
        return;
      }
      case OpKind::delete_object:
        return delete_object(a, b);
      case OpKind::set_column:
        return set_column(a, b, v);
      case OpKind::set_child_parent: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        const auto p = (b % 4) ? pick(m_.parents, b) : std::string();
        if (!p.empty()) {
          child(cn)->parent = parent(p);
          m_.children[cn].parent = p;
        } else {
          // Leaving its parent makes it an orphan, which delete-orphan deletes; a child
          // that had none stays.
          child(cn)->parent = nullptr;
          if (!m_.children[cn].parent.empty()) delete_child(cn);
        }
        return;
      }
      case OpKind::set_child_tag: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        const auto t = (b % 4) ? pick(m_.tags, b) : std::string();
        if (t.empty()) {
          child(cn)->tag = nullptr;
        } else {
          child(cn)->tag = tag(t);
        }
        m_.children[cn].tag = t;
        return;
      }
      case OpKind::set_node_parent: {
        const auto n = pick(m_.nodes, a);
        if (n.empty()) return;
        auto p = (b % 4) ? pick(m_.nodes, b) : std::string();
        if (!p.empty() && m_.is_below(p, n)) return;  // no cycles
        if (p.empty()) {
          node(n)->parent = nullptr;
        } else {
          node(n)->parent = node(p);
        }
        m_.nodes[n].parent = p;
        return;
      }
      case OpKind::set_profile_owner: {
        const auto pr = pick(m_.profiles, a);
        if (pr.empty()) return;
        const auto p = (b % 4) ? pick(m_.parents, b) : std::string();
        if (!p.empty()) {
          for (const auto& [other, row] : m_.profiles) {
            if (row.owner == p) return;  // one profile per parent
          }
          profile(pr)->owner = parent(p);
        } else {
          profile(pr)->owner = nullptr;
        }
        owner_changed();
        m_.profiles[pr].owner = p;
        return;
      }
      case OpKind::set_parent_profile: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        std::string current;
        for (const auto& [pn, row] : m_.profiles) {
          if (row.owner == p) current = pn;
        }
        if (b % 3 == 0 || !current.empty()) {
          if (current.empty()) return;
          parent(p)->profile = nullptr;
          owner_changed();
          m_.profiles[current].owner.clear();
          return;
        }
        const auto pr = pick(m_.profiles, b);
        if (pr.empty() || !m_.profiles[pr].owner.empty()) return;
        parent(p)->profile = profile(pr);
        owner_changed();
        m_.profiles[pr].owner = p;
        return;
      }
      case OpKind::children_push: {
        const auto p = pick(m_.parents, a);
        const auto cn = pick(m_.children, b);
        if (p.empty() || cn.empty()) return;
        parent(p)->children.push_back(child(cn));
        m_.children[cn].parent = p;
        return;
      }
      case OpKind::children_remove: {
        const auto cn = pick(m_.children, a);
        if (cn.empty() || m_.children[cn].parent.empty()) return;
        parent(m_.children[cn].parent)->children.remove(child(cn));
        delete_child(cn);  // delete-orphan
        return;
      }
      case OpKind::children_clear: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        parent(p)->children.clear();
        for (const auto& cn : children_of(p))
          delete_child(cn);
        return;
      }
      case OpKind::children_assign: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        // Keeps some of its children, takes one from elsewhere.
        rt::Many<FzChild> kept;
        std::set<std::string> now;
        for (const auto& cn : children_of(p)) {
          if (std::hash<std::string>{}(cn) % 2 == b % 2) {
            kept.push_back(child(cn));
            now.insert(cn);
          }
        }
        const auto extra = pick(m_.children, b);
        if (!extra.empty() && !now.count(extra)) {
          kept.push_back(child(extra));
          now.insert(extra);
        }
        parent(p)->children = kept;
        for (const auto& cn : children_of(p)) {
          if (!now.count(cn)) delete_child(cn);
        }
        for (const auto& cn : now)
          m_.children[cn].parent = p;
        return;
      }
      case OpKind::tags_push:
      case OpKind::tag_parents_push: {
        const auto p = pick(m_.parents, a);
        const auto t = pick(m_.tags, b);
        if (p.empty() || t.empty() || m_.links.count({p, t})) return;
        if (kind == OpKind::tags_push)
          parent(p)->tags.push_back(tag(t));
        else
          tag(t)->parents.push_back(parent(p));
        m_.links.insert({p, t});
        return;
      }
      case OpKind::tags_remove: {
        if (m_.links.empty()) return;
        const auto [p, t] =
            *std::next(m_.links.begin(), static_cast<std::ptrdiff_t>(a % m_.links.size()));
        if (b % 2)
          parent(p)->tags.remove(tag(t));
        else
          tag(t)->parents.remove(parent(p));
        m_.links.erase({p, t});
        return;
      }
      case OpKind::tags_clear: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        parent(p)->tags.clear();
        std::erase_if(m_.links, [&](const auto& l) { return l.first == p; });
        return;
      }
      case OpKind::tags_assign: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        rt::Many<FzTag> now;
        std::erase_if(m_.links, [&](const auto& l) { return l.first == p; });
        for (const auto& [t, w] : m_.tags) {
          if ((std::hash<std::string>{}(t) + b) % 3 == 0) {
            now.push_back(tag(t));
            m_.links.insert({p, t});
          }
        }
        parent(p)->tags = now;
        return;
      }
      case OpKind::node_children_push: {
        const auto n = pick(m_.nodes, a);
        const auto k = pick(m_.nodes, b);
        if (n.empty() || k.empty() || m_.is_below(n, k)) return;  // no cycles
        node(n)->children.push_back(node(k));
        m_.nodes[k].parent = n;
        return;
      }
      case OpKind::node_children_remove: {
        const auto k = pick(m_.nodes, a);
        if (k.empty() || m_.nodes[k].parent.empty()) return;
        node(m_.nodes[k].parent)->children.remove(node(k));
        m_.nodes[k].parent.clear();
        return;
      }
      case OpKind::query:
        return query(a, v);
      case OpKind::get: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        session_->flush();
        auto& r = child(cn);
        expect(session_->get<FzChild>(std::as_const(r)->id) == r,
               "get() of " + cn + " is not the object already in the session");
        return;
      }
      case OpKind::forget: {
        // Let go of some objects: later operations find them again with a query, their
        // relationships not loaded.
        auto thin = [&](auto& held) {
          std::erase_if(held, [&](const auto& e) {
            return (std::hash<std::string>{}(e.first) + a) % 3 == 0;
          });
        };
        thin(parents_);
        thin(children_);
        thin(profiles_);
        thin(tags_);
        thin(nodes_);
        thin(animals_);
        return;
      }
      case OpKind::flush:
        session_->flush();
        return;
      case OpKind::commit:
        return commit();
      case OpKind::rollback:
        session_->rollback();
        savepoints_.clear();
        m_ = committed_;
        drop_missing();
        return check("after rollback");
      case OpKind::savepoint:
        if (savepoints_.size() >= 3) return;
        savepoints_.push_back({session_->begin_nested(), m_});
        return;
      case OpKind::savepoint_release:
        if (savepoints_.empty()) return;
        savepoints_.back().tx.commit();
        savepoints_.pop_back();
        return;
      case OpKind::savepoint_rollback: {
        if (savepoints_.empty()) return;
        savepoints_.back().tx.rollback();
        m_ = savepoints_.back().model;
        savepoints_.pop_back();
        drop_missing();
        return check_objects("after a savepoint rollback");
      }
      case OpKind::expire:
      case OpKind::refresh: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        session_->flush();  // an expired object forgets its unflushed changes
        if (kind == OpKind::expire)
          session_->expire(parent(p));
        else
          session_->refresh(parent(p));
        return check_parent(p, "after expire / refresh");
      }
      case OpKind::expire_all:
        session_->flush();
        session_->expire_all();
        return;
      case OpKind::expunge: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        session_->flush();
        auto gone = child(cn);
        session_->expunge(gone);
        children_.erase(cn);
        session_->expire_all();  // relationships still holding it load again
        auto again = child(cn);
        expect(again != gone, "an expunged object came back from the identity map");
        return;
      }
      case OpKind::merge: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        session_->flush();
        const auto& r = std::as_const(child(cn));
        FzChild copy{.id = r->id,
                     .name = r->name,
                     .value = v,
                     .parent_id = r->parent_id,
                     .tag_id = r->tag_id};
        auto merged = session_->merge(copy);
        expect(merged == child(cn), "merge() did not return the session's object");
        m_.children[cn].value = v;
        return;
      }
      case OpKind::reopen:
        savepoints_.clear();
        clear_held();
        session_->close();
        session_.emplace(engine_);
        m_ = committed_;
        return check("after close");
      case OpKind::failed_flush: {
        if (m_.tags.size() < 2) return;
        const auto t1 = pick(m_.tags, a);
        auto t2 = pick(m_.tags, b);
        if (t1 == t2) t2 = pick(m_.tags, b + 1);
        tag(t1)->name = t2;
        bool refused = false;
        try {
          session_->flush();
        } catch (const rt::IntegrityError&) {
          refused = true;
        }
        expect(refused, "a duplicate tag name was not refused");
        session_->rollback();
        savepoints_.clear();
        m_ = committed_;
        drop_missing();
        return check("after a failed flush and rollback");
      }
      case OpKind::count_:
        return;
    }
  }

  // The profile's owner column is unique: a flush that moves one profile off a parent and
  // another onto it must write them in that order, which no unit of work promises
  // (SQLAlchemy's neither). One owner change per flush keeps the test to what is
  // promised.
  void owner_changed() { session_->flush(); }

  std::vector<std::string> children_of(const std::string& p) const {
    std::vector<std::string> out;
    for (const auto& [cn, row] : m_.children) {
      if (row.parent == p) out.push_back(cn);
    }
    return out;
  }
  void delete_child(const std::string& cn) {
    m_.children.erase(cn);
    children_.erase(cn);
  }

  void delete_object(std::uint32_t a, std::uint32_t b) {
    switch (b % 6) {
      case 0: {  // cascades to its children, frees its profile and tags
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        session_->delete_(parent(p));
        for (const auto& cn : children_of(p))
          delete_child(cn);
        for (auto& [pn, row] : m_.profiles) {
          if (row.owner == p) row.owner.clear();
        }
        std::erase_if(m_.links, [&](const auto& l) { return l.first == p; });
        m_.parents.erase(p);
        parents_.erase(p);
        return;
      }
      case 1: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        session_->delete_(child(cn));
        delete_child(cn);
        return;
      }
      case 2: {
        const auto pr = pick(m_.profiles, a);
        if (pr.empty()) return;
        session_->delete_(profile(pr));
        // The owner is free for another profile once the DELETE ran: rows are inserted
        // before others are deleted, so a unique value goes free with a flush (as in
        // SQLAlchemy).
        session_->flush();
        m_.profiles.erase(pr);
        profiles_.erase(pr);
        return;
      }
      case 3: {
        // Children refer to tags without a relationship back: only a tag no child uses
        // can go (otherwise the database refuses, as it should).
        const auto t = pick(m_.tags, a);
        if (t.empty() || m_.has_child_with_tag(t)) return;
        session_->delete_(tag(t));
        std::erase_if(m_.links, [&](const auto& l) { return l.second == t; });
        m_.tags.erase(t);
        tags_.erase(t);
        return;
      }
      case 4: {  // its children stay, without a parent
        const auto n = pick(m_.nodes, a);
        if (n.empty()) return;
        session_->delete_(node(n));
        for (auto& [k, row] : m_.nodes) {
          if (row.parent == n) row.parent.clear();
        }
        m_.nodes.erase(n);
        nodes_.erase(n);
        return;
      }
      default: {
        const auto n = pick(m_.animals, a);
        if (n.empty()) return;
        session_->delete_(animal(n));
        m_.animals.erase(n);
        animals_.erase(n);
        return;
      }
    }
  }

  void set_column(std::uint32_t a, std::uint32_t b, int v) {
    switch (b % 6) {
      case 0: {
        const auto p = pick(m_.parents, a);
        if (p.empty()) return;
        parent(p)->score = v;
        m_.parents[p] = v;
        return;
      }
      case 1: {
        const auto cn = pick(m_.children, a);
        if (cn.empty()) return;
        child(cn)->value = v;
        m_.children[cn].value = v;
        return;
      }
      case 2: {
        const auto pr = pick(m_.profiles, a);
        if (pr.empty()) return;
        profile(pr)->bio = v;
        m_.profiles[pr].bio = v;
        return;
      }
      case 3: {
        const auto t = pick(m_.tags, a);
        if (t.empty()) return;
        tag(t)->weight = v;
        m_.tags[t] = v;
        return;
      }
      case 4: {
        const auto n = pick(m_.nodes, a);
        if (n.empty()) return;
        node(n)->weight = v;
        m_.nodes[n].weight = v;
        return;
      }
      default: {
        const auto n = pick(m_.animals, a);
        if (n.empty()) return;
        auto& row = m_.animals[n];
        if (row.dog && v % 2) {
          rt::ref_cast<FzDog>(animal(n))->tricks = v;
          row.tricks = v;
        } else {
          animal(n)->legs = v;
          row.legs = v;
        }
        return;
      }
    }
  }

  // Queries flush first, and see what the model holds now.
  void query(std::uint32_t a, int v) {
    std::set<std::string> got, want;
    switch (a % 4) {
      case 0:
        for (const auto& c : session_->query<FzChild>().where(rt::c(&FzChild::value) >= v).all()) {
          got.insert(std::as_const(c)->name);
          expect(std::as_const(c)->value == m_.children.at(std::as_const(c)->name).value,
                 "child " + std::as_const(c)->name + " has another value than the model");
        }
        for (const auto& [cn, row] : m_.children) {
          if (row.value >= v) want.insert(cn);
        }
        break;
      case 1: {  // an entity query across a join returns each parent once
        const auto parents = session_->query<FzParent>()
                                 .join(&FzParent::children)
                                 .where(rt::c(&FzChild::value) >= v)
                                 .all();
        for (const auto& p : parents)
          got.insert(std::as_const(p)->name);
        expect(got.size() == parents.size(), "a joined query returned a parent twice");
        for (const auto& [cn, row] : m_.children) {
          if (row.value >= v && !row.parent.empty()) want.insert(row.parent);
        }
        break;
      }
      case 2:
        for (const auto& n : session_->query<FzNode>().all()) {
          const auto& cn = std::as_const(n);
          got.insert(cn->name +
                     (cn->parent ? " under " + std::as_const(cn->parent.get())->name : ""));
        }
        for (const auto& [n, row] : m_.nodes)
          want.insert(n + (row.parent.empty() ? "" : " under " + row.parent));
        break;
      default:
        for (const auto& an : session_->query<FzAnimal>().all()) {
          const auto& ca = std::as_const(an);
          got.insert(ca->name + (rt::ref_cast<FzDog>(an) ? " dog" : ""));
        }
        for (const auto& [n, row] : m_.animals)
          want.insert(n + (row.dog ? " dog" : ""));
    }
    expect(got == want, "a query's objects differ from the model:" + difference(want, got));
  }

  void commit() {
    session_->commit();
    savepoints_.clear();
    committed_ = m_;
    check("after commit");
  }

  // The database, read with plain SQL, against the model; then the objects held.
  void check(const std::string& when) {
    const auto want = m_.lines();
    const auto got = database();
    expect(got == want,
           "the database differs from the model " + when + ":" + difference(want, got));
    check_objects(when);
  }
  std::set<std::string> database() {
    auto conn = engine_.connect();
    Model db;
    auto name = [](const rt::Row& r, int i) {
      return r.get<std::optional<std::string>>(i).value_or("");
    };
    for (const rt::Row& r : conn.execute("SELECT name, score FROM fz_parent"))
      db.parents[name(r, 0)] = r.get<int>(1);
    for (const rt::Row& r : conn.execute(
             "SELECT c.name, c.value, p.name, t.name FROM fz_child c "
             "LEFT JOIN fz_parent p ON p.id = c.parent_id LEFT JOIN fz_tag t ON t.id = c.tag_id"))
      db.children[name(r, 0)] = {r.get<int>(1), name(r, 2), name(r, 3)};
    for (const rt::Row& r : conn.execute("SELECT pr.name, pr.bio, p.name FROM fz_profile pr "
                                         "LEFT JOIN fz_parent p ON p.id = pr.owner_id"))
      db.profiles[name(r, 0)] = {r.get<int>(1), name(r, 2)};
    for (const rt::Row& r : conn.execute("SELECT name, weight FROM fz_tag"))
      db.tags[name(r, 0)] = r.get<int>(1);
    for (const rt::Row& r :
         conn.execute("SELECT p.name, t.name FROM fz_parent_tag l JOIN fz_parent p ON p.id = "
                      "l.parent_id JOIN fz_tag t ON t.id = l.tag_id"))
      db.links.insert({name(r, 0), name(r, 1)});
    for (const rt::Row& r : conn.execute(
             "SELECT n.name, n.weight, p.name FROM fz_node n LEFT JOIN fz_node p ON p.id = "
             "n.parent_id"))
      db.nodes[name(r, 0)] = {r.get<int>(1), name(r, 2)};
    for (const rt::Row& r : conn.execute("SELECT a.name, a.type, a.legs, d.tricks FROM fz_animal a "
                                         "LEFT JOIN fz_dog d ON d.id = a.id")) {
      const bool dog = r.get<std::string>(1) == "dog";
      expect(dog == !r.is_null(3), "animal " + name(r, 0) + "'s type and tables disagree");
      db.animals[name(r, 0)] = {dog, r.get<int>(2), dog ? r.get<int>(3) : 0};
    }
    return db.lines();
  }

  // Every object the test holds says what the model says, relationships included.
  void check_objects(const std::string& when) {
    for (const auto& [p, r] : parents_)
      check_parent(p, when);
    auto names = [](const auto& many) {
      std::set<std::string> out;
      for (const auto& item : many)
        out.insert(std::as_const(item)->name);
      return out;
    };
    auto name_of = [](const auto& one) { return one ? std::as_const(one.get())->name : ""; };
    for (const auto& [cn, r] : children_) {
      const auto& c = std::as_const(r);
      const auto& row = m_.children.at(cn);
      expect(
          c->value == row.value && name_of(c->parent) == row.parent && name_of(c->tag) == row.tag,
          "child " + cn + " differs from the model " + when);
    }
    for (const auto& [pn, r] : profiles_) {
      const auto& row = m_.profiles.at(pn);
      expect(std::as_const(r)->bio == row.bio && name_of(std::as_const(r)->owner) == row.owner,
             "profile " + pn + " differs from the model " + when);
    }
    for (const auto& [t, r] : tags_) {
      std::set<std::string> want;
      for (const auto& [p, tn] : m_.links) {
        if (tn == t) want.insert(p);
      }
      expect(std::as_const(r)->weight == m_.tags.at(t) && names(std::as_const(r)->parents) == want,
             "tag " + t + " differs from the model " + when);
    }
    for (const auto& [n, r] : nodes_) {
      std::set<std::string> want;
      for (const auto& [k, row] : m_.nodes) {
        if (row.parent == n) want.insert(k);
      }
      const auto& row = m_.nodes.at(n);
      expect(std::as_const(r)->weight == row.weight &&
                 name_of(std::as_const(r)->parent) == row.parent &&
                 names(std::as_const(r)->children) == want,
             "node " + n + " differs from the model " + when);
    }
    for (const auto& [n, r] : animals_) {
      const auto& row = m_.animals.at(n);
      const auto dog = rt::ref_cast<FzDog>(r);
      expect(std::as_const(r)->legs == row.legs && static_cast<bool>(dog) == row.dog &&
                 (!dog || std::as_const(dog)->tricks == row.tricks),
             "animal " + n + " differs from the model " + when);
    }
  }
  void check_parent(const std::string& p, const std::string& when) {
    const auto& r = std::as_const(parent(p));
    std::set<std::string> children, tags;
    for (const auto& c : r->children)
      children.insert(std::as_const(c)->name);
    for (const auto& t : r->tags)
      tags.insert(std::as_const(t)->name);
    std::set<std::string> want_children, want_tags;
    for (const auto& cn : children_of(p))
      want_children.insert(cn);
    for (const auto& [pn, t] : m_.links) {
      if (pn == p) want_tags.insert(t);
    }
    std::string profile;
    for (const auto& [pn, row] : m_.profiles) {
      if (row.owner == p) profile = pn;
    }
    const std::string has = r->profile ? std::as_const(r->profile.get())->name : "";
    expect(r->score == m_.parents.at(p) && children == want_children && tags == want_tags &&
               has == profile,
           "parent " + p + " differs from the model " + when + ":" +
               difference(want_children, children) + difference(want_tags, tags) +
               (has == profile ? "" : "\n  profile " + has + ", not " + profile));
  }

  struct Savepoint {
    rt::SessionTransaction tx;
    Model model;
  };

  rt::Engine& engine_;
  bool verbose_;
  std::optional<rt::Session> session_;
  std::vector<Savepoint> savepoints_;
  Model m_, committed_;
  std::map<std::string, rt::Ref<FzParent>> parents_;
  std::map<std::string, rt::Ref<FzChild>> children_;
  std::map<std::string, rt::Ref<FzProfile>> profiles_;
  std::map<std::string, rt::Ref<FzTag>> tags_;
  std::map<std::string, rt::Ref<FzNode>> nodes_;
  std::map<std::string, rt::Ref<FzAnimal>> animals_;
  int names_ = 0;
  std::size_t index_ = 0;
};

// Sequences found by this test, shrunk, kept so that they never come back.
const std::vector<std::vector<std::string>> kRegressions = {
    // A link removed from a collection that still listed a tag deleted by an earlier
    // flush, after a new tag took the deleted one's key.
    {"add_node 2819107155 1790501833 30",         "add_parent 2904799251 2445948590 60",
     "add_profile 544217728 2942823644 57",       "add_parent 4073129793 1693275822 91",
     "add_animal 4287711390 108826763 33",        "add_parent 584042467 2327604809 34",
     "add_child 1864721173 3232962932 5",         "add_tag 2465055439 3955663328 89",
     "add_profile 2547960831 852749077 77",       "delete_object 3857902320 3176830386 99",
     "add_parent 1868684071 3820636426 69",       "commit 4005671748 823897583 18",
     "add_tag 3798469544 131956110 65",           "add_parent 237428566 1645191622 65",
     "add_tag 227215398 2427467952 49",           "add_child 3338287443 810365165 30",
     "add_animal 1382800293 2948740825 67",       "add_child 651323225 4189297759 33",
     "rollback 4084287450 4209558265 90",         "add_parent 956052273 3565304472 69",
     "add_child 1168056042 2130097341 85",        "delete_object 967064434 2626993236 79",
     "add_profile 3890160088 3352904370 61",      "add_node 2183650167 2786299522 81",
     "add_child 4225889529 1352905499 31",        "add_node 802713335 4244237781 1",
     "add_node 2409517219 1529698900 2",          "add_parent 1691087113 2232066203 4",
     "add_parent 2930283008 1281938874 43",       "add_child 2640439068 2644912631 35",
     "tag_parents_push 2156105791 1505593633 59", "commit 605802143 634763992 39",
     "add_parent 3316536477 641957111 95",        "add_animal 4178605151 1128894041 67",
     "add_node 3925656357 927457227 33",          "add_child 631488883 1805386822 59",
     "add_node 61586635 1251275668 34",           "add_parent 2347491566 3561675979 12",
     "add_child 1589069726 516591067 67",         "rollback 661630926 3610824190 88",
     "add_child 1830574626 2569449605 46",        "add_child 4039996845 1893102015 4",
     "delete_object 2868313322 4251199773 79",    "add_node 1165714179 2546020842 33",
     "add_node 2034000891 2723472879 15",         "add_child 3588640527 849982813 31",
     "add_child 3614824859 2883508543 47",        "add_profile 3018234263 3558330719 77",
     "add_tag 1670677052 804926255 20",           "tags_assign 4294883481 906657355 78"},
    // A child let go of from its own side, its parent's collection not loaded.
    {"add_parent 2927437050 4224821608 82", "add_child 2999005870 1781588606 9",
     "query 2297856496 545226835 39", "set_child_parent 2256420957 1317250232 26"},
    // A pending child assigned into a collection and out again is never inserted.
    {"add_tag 1079373259 1728486111 47", "add_parent 3710157766 2901099859 6",
     "add_parent 3646022153 1009525164 32", "add_child 2705645594 1060497834 48",
     "delete_object 2433292536 3445666747 34", "children_assign 3403217276 2818493264 12",
     "add_child 1569593811 1168697441 88", "children_assign 1551848546 447739853 49"},
    // A new child whose initializer names a parent in the session joins the session.
    {"add_parent 2612319036 2980416878 18", "commit 2519228612 2429247821 71",
     "reopen 3928845214 4063199814 81", "add_child 3202862410 571222135 34"},
    // A pending parent deleted: its children no longer point at it.
    {"add_node 1317788012 3024412166 39", "commit 1998394901 735055580 79",
     "add_node 1701046739 1871715651 65", "node_children_push 213968485 443854260 81",
     "delete_object 2225569303 2253419392 0"},
    // Inserted and deleted in one transaction, then a failed flush: freed once.
    {"add_parent 2122860521 364786815 70", "set_child_parent 1591707223 2051250624 25",
     "add_tag 2358666696 629592209 82", "add_tag 1235552293 2908373995 5",
     "add_child 3748440067 4037450246 97", "get 923781762 3979285402 14",
     "failed_flush 2767245532 3610792754 6"},
    // A pending parent deleted with its pending children.
    {"add_parent 3829252668 3619997714 32", "add_child 2130357215 3023738813 8",
     "add_child 1996418958 3576035956 41", "delete_object 3102896178 2947545468 71"},
    {"add_parent 287465996 1468644505 18", "add_child 1837523366 4246338118 23",
     "delete_object 757588473 4082664342 89"},
    // A child moved twice through collections, its own side not loaded.
    {"add_tag 1031386931 3381106603 63",       "add_parent 3592215349 3860741882 86",
     "add_node 1123723941 3338823363 40",      "add_parent 3589523936 3623541795 0",
     "add_profile 2384417871 3466918328 15",   "add_parent 791034380 3913807044 19",
     "add_child 4133671353 911542611 14",      "add_child 3454839673 1667031471 80",
     "children_push 2940369996 2727887261 96", "add_parent 1699165115 1615051108 86",
     "add_child 3367003714 1333665348 1",      "delete_object 663968580 2908030380 33",
     "add_parent 3870947209 1749614467 88",    "add_parent 2705383236 2314825182 90",
     "commit 1309820561 4211951127 38",        "forget 378644515 2245365883 75",
     "rollback 3971330122 226630798 87",       "children_push 586470979 3700842434 92",
     "add_child 2098135712 758560400 0",       "children_push 2123956027 3558802475 62"},
    {"add_parent 3513559744 3489452171 28", "add_child 500723760 1729771888 58",
     "add_parent 948299151 848389819 1", "add_child 3005168177 3705187777 54",
     "add_child 369826031 1157771834 82", "expunge 281366725 2423825027 84",
     "add_child 1306059164 520339529 39", "children_push 966516253 2052017893 68",
     "children_push 3741329184 2384309641 10"},
    // refresh() reloads relationships too.
    {"add_parent 3506586764 1168992547 50", "add_profile 3707255227 172880390 97",
     "children_push 142817244 1097313050 16", "delete_object 2028226748 472896620 38",
     "refresh 3290838258 4101312835 97"},
    // Objects that only hold each other after a rollback are freed.
    {"add_parent 2540313046 172266499 59", "forget 2590066233 1991952937 68",
     "rollback 1219208581 2017732605 96"},
    {"add_parent 2387497532 2316769123 13", "forget 2082309873 100980225 75",
     "set_child_parent 3946149240 3660923728 46", "rollback 2685552158 2172697791 0"},
    {"add_tag 2677295219 2942236278 30", "add_parent 1908112000 472115662 13",
     "add_parent 1852673839 3455236309 15", "add_parent 4163298248 944341271 51",
     "tags_push 3638841442 2185930674 18", "children_push 2939662555 1197445477 24",
     "delete_object 1814414023 3903838086 22"},
    // A many-to-one set from the other side before loading, then cleared.
    {"add_child 1574560754 2019298659 7", "add_tag 3005076988 2617907323 35",
     "add_node 2489506758 2061808323 8", "add_node 2455335024 945048004 48",
     "add_child 2803041432 2754287347 52", "add_node 3128655724 4135568237 94",
     "add_node 3699954491 2753585745 55", "add_parent 50794727 2425762592 50",
     "add_child 2689645707 806092628 16", "add_node 1235620475 3112407335 78",
     "add_node 1333669086 3348841990 63", "add_node 528017540 2534335770 48",
     "commit 3588263327 326814216 8", "reopen 2410389858 3908563026 69",
     "node_children_push 286697087 3451207036 82", "set_node_parent 3519780079 3905099096 82"},
    // An expired object's relationship changes survive the reload of its columns.
    {"add_node 1541089676 914305834 55", "add_child 1506070996 2567987414 73",
     "add_node 3753723198 4130969489 86", "add_node 3533469646 1835831639 72",
     "add_animal 2687059899 2356638543 75", "add_node 3914540730 2949623287 82",
     "add_parent 139122568 4185396675 46", "add_tag 175305181 2653862470 68",
     "add_node 3463384467 202687526 10", "add_node 1637874054 1522902985 86",
     "add_node 453234830 353869881 95", "add_node 2075983005 2271362619 0",
     "add_node 2736457497 4229605270 35", "add_node 2833189713 3162109651 71",
     "expire_all 2258297257 1958040392 13", "node_children_push 2048402768 250993499 61",
     "node_children_remove 212820889 1683989546 78"},
    // A parent and its child deleted in one flush, the child first.
    {"add_node 4276457141 1169391599 48", "add_node 634019435 1738277885 11",
     "commit 1409919669 382871487 57", "delete_object 1342972413 771087922 49",
     "delete_object 3690134696 2600622748 72"},
};

class SessionModel : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    rt::registry().add<FzParent, FzChild, FzProfile, FzTag, FzNode, FzAnimal, FzDog>();
    auto& md = rt::registry().metadata();
    if (!md.find("fz_parent_tag")) md.add(fz_parent_tag());
    conn().close();
  }
  // The failure of running these operations on a fresh database, if any. With
  // RETORT_FUZZ_FORK set, each run is a child process, so that a crash shrinks too.
  std::optional<std::string> failure(const std::vector<Op>& ops, std::size_t* at = nullptr,
                                     bool verbose = false) {
    if (std::getenv("RETORT_FUZZ_FORK")) return forked_failure(ops, at, verbose);
    // RETORT_FUZZ_ECHO=1 shows the statements with their values.
    std::optional<rt::Engine> echo;
    if (verbose && std::getenv("RETORT_FUZZ_ECHO"))
      echo.emplace(make_engine({.echo = true, .echo_parameters = true}));
    const int alive = Alive::count;
    {
      ModelRun run(echo ? *echo : engine(), verbose);
      try {
        run(ops);
      } catch (const Failure& f) {
        if (at) *at = run.index();
        return std::string(f.what());
      }
    }
    if (Alive::count != alive) {
      // Counted once: the next run starts from here.
      const int leaked = Alive::count - alive;
      Alive::count = alive;
      if (at) *at = ops.size() - 1;
      return std::to_string(leaked) + " objects outlived their session and every Ref";
    }
    return std::nullopt;
  }
  std::optional<std::string> forked_failure(const std::vector<Op>& ops, std::size_t* at,
                                            bool verbose) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    const pid_t pid = fork();
    if (pid == 0) {
      // The child uses an engine of its own and leaves without closing the parent's
      // connections.
      close(out[0]);
      auto engine = rt::create_engine(url_);
      std::string message;
      {
        ModelRun run(engine, verbose);
        try {
          run(ops);
        } catch (const Failure& f) {
          message = std::to_string(run.index()) + " " + f.what();
        }
      }
      if (!message.empty() && write(out[1], message.data(), message.size()) < 0) _exit(2);
      _exit(message.empty() ? 0 : 1);
    }
    close(out[1]);
    std::string message;
    char buffer[4096];
    for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;)
      message.append(buffer, static_cast<std::size_t>(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      if (at) *at = ops.size() - 1;
      return "crashed with signal " + std::to_string(WTERMSIG(status));
    }
    if (WEXITSTATUS(status) == 0) return std::nullopt;
    const auto space = message.find(' ');
    if (at) *at = std::stoul(message.substr(0, space));
    return message.substr(space + 1);
  }
  // Drops operations while the run still fails (chunks, then single operations).
  std::vector<Op> shrink(std::vector<Op> ops) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    for (std::size_t chunk = ops.size() / 2; chunk >= 1; chunk /= 2) {
      for (std::size_t i = 0; i + chunk <= ops.size();) {
        if (std::chrono::steady_clock::now() > deadline) return ops;
        std::vector<Op> fewer(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(i));
        fewer.insert(fewer.end(), ops.begin() + static_cast<std::ptrdiff_t>(i + chunk), ops.end());
        if (failure(fewer))
          ops = std::move(fewer);
        else
          i += chunk;
      }
    }
    return ops;
  }
};

std::size_t env_number(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

TEST_P(SessionModel, RandomOperationsAgreeWithTheModel) {
  const std::size_t total = env_number("RETORT_FUZZ_OPS", 5000);
  const std::uint64_t seed = env_number(
      "RETORT_FUZZ_SEED",
      static_cast<std::size_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::cerr << "[ seed     ] RETORT_FUZZ_SEED=" << seed << " RETORT_FUZZ_OPS=" << total << "\n";
  // Runs of a few hundred operations, each on a fresh database, so that a failure
  // shrinks from a short list.
  constexpr std::size_t kPerRun = 500;
  for (std::size_t done = 0, run = 0; done < total; done += kPerRun, ++run) {
    const auto ops = generate(seed + run, std::min(kPerRun, total - done));
    std::size_t at = 0;
    const auto failed = failure(ops, &at, std::getenv("RETORT_FUZZ_VERBOSE") != nullptr);
    if (!failed) continue;
    std::vector<Op> prefix(ops.begin(),
                           ops.begin() + static_cast<std::ptrdiff_t>(std::min(at + 1, ops.size())));
    const auto shrunk = shrink(prefix);
    std::string listing;
    for (const auto& op : shrunk)
      listing += "\n    \"" + op.text() + "\",";
    const auto last = failure(shrunk, nullptr, true);
    FAIL() << *failed << "\nseed " << seed + run << " (RETORT_FUZZ_SEED=" << seed << "); shrunk to "
           << shrunk.size() << " operations, failing with:\n"
           << last.value_or("(no longer fails)") << "\nas a regression:{" << listing << "\n}";
  }
}

// RETORT_FUZZ_REPLAY="add_parent 1 2 3; commit 0 0 0" runs one list, showing what each
// operation did to the model.
TEST_P(SessionModel, Replay) {
  const char* list = std::getenv("RETORT_FUZZ_REPLAY");
  if (!list) return;
  std::vector<Op> ops;
  std::stringstream in(list);
  for (std::string line; std::getline(in, line, ';');) {
    if (line.find_first_not_of(" \n\t\",") != std::string::npos) ops.push_back(Op::parse(line));
  }
  const auto failed = failure(ops, nullptr, true);
  EXPECT_FALSE(failed) << *failed;
}

TEST_P(SessionModel, Regressions) {
  for (const auto& lines : kRegressions) {
    std::vector<Op> ops;
    for (const auto& l : lines)
      ops.push_back(Op::parse(l));
    const auto failed = failure(ops);
    EXPECT_FALSE(failed) << *failed;
  }
}

RETORT_INSTANTIATE_FOR_BACKEND(SessionModel);

}  // namespace
}  // namespace retort_test
