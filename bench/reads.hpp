// The Retort side of the read workloads, the same on SQLite and PostgreSQL: each throws
// when it reads the wrong number of rows.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "model.hpp"

namespace bench {

// load: every row as an object tracked by a fresh session.
inline void retort_load(retort::Engine& engine, long long rows) {
  retort::Session session(engine);
  auto all = session.query<User>().all();
  if (static_cast<long long>(all.size()) != rows) throw std::runtime_error("load: wrong row count");
}

// plain: every row as a plain struct, without a session.
inline void retort_plain(retort::Engine& engine, long long rows) {
  auto conn = engine.connect();
  auto all = retort::query<User>().all(conn);
  if (static_cast<long long>(all.size()) != rows)
    throw std::runtime_error("plain: wrong row count");
}

// get: each key by primary key in one fresh session.
inline void retort_get(retort::Engine& engine, const std::vector<std::int64_t>& ids) {
  retort::Session session(engine);
  std::vector<retort::Ref<User>> got;
  got.reserve(ids.size());
  for (auto id : ids)
    got.push_back(session.get<User>(id));
}

}  // namespace bench
