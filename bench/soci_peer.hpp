// The same workloads through SOCI 4, the C++ database library a Retort user might pick
// instead, written as its documentation recommends: prepared statements with use/into,
// and vectors for bulk work (one statement run over all the rows).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model.hpp"

namespace soci {
class session;
}

namespace bench {

class SociPeer {
 public:
  // A SQLite file (with the pragmas Retort and the raw side use), or a PostgreSQL URL.
  enum class Backend { sqlite, postgresql };
  SociPeer(Backend backend, const std::string& where);
  ~SociPeer();

  void insert(const std::vector<User>& users);
  void insert_keyed(const std::vector<KeyedUser>& users);
  std::vector<User> load();
  std::vector<User> get(const std::vector<std::int64_t>& ids);
  // Adds one to every score, as the other sides do.
  void update(std::vector<User>& users);
  void remove(const std::vector<User>& users);
  // The flush workload: renames every parent, numbers every child one up and deletes
  // each parent's last child (number 9), in one transaction.
  TreeRows load_tree();
  void change_tree(TreeRows& tree);

 private:
  std::unique_ptr<soci::session> sql_;
};

}  // namespace bench
