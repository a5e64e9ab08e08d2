#include "soci_peer.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <stdexcept>

namespace bench {
namespace {

// Rows per bulk fetch.
constexpr std::size_t kChunk = 1000;

// The keyword form of a postgresql:// URL (SOCI's backend reads only that form).
std::string keywords(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    const std::string why = error ? error : "not a connection string";
    PQfreemem(error);
    throw std::runtime_error("SOCI peer: " + why);
  }
  std::string out;
  for (const PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    out += std::string(o->keyword) + "='";
    for (const char* c = o->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') out += '\\';
      out += *c;
    }
    out += "' ";
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace

SociPeer::SociPeer(Backend backend, const std::string& where) {
  if (backend == Backend::sqlite) {
    sql_ = std::make_unique<soci::session>(soci::sqlite3, "db=" + where);
    *sql_ << "PRAGMA journal_mode = WAL";
    *sql_ << "PRAGMA foreign_keys = ON";
    *sql_ << "PRAGMA busy_timeout = 5000";
  } else {
    sql_ = std::make_unique<soci::session>(soci::postgresql, keywords(where));
  }
}

SociPeer::~SociPeer() = default;

void SociPeer::insert(const std::vector<User>& users) {
  std::vector<std::string> logins, emails;
  std::vector<soci::indicator> email_set;
  std::vector<long long> scores;
  for (const auto& u : users) {
    logins.push_back(u.login);
    emails.push_back(u.email.value_or(""));
    email_set.push_back(u.email ? soci::i_ok : soci::i_null);
    scores.push_back(u.score);
  }
  soci::transaction tr(*sql_);
  *sql_ << "INSERT INTO bench_user (login, email, score) VALUES (:login, :email, :score)",
      soci::use(logins), soci::use(emails, email_set), soci::use(scores);
  tr.commit();
}

void SociPeer::insert_keyed(const std::vector<KeyedUser>& users) {
  std::vector<std::string> ids, logins, emails;
  std::vector<soci::indicator> email_set;
  std::vector<long long> scores;
  for (const auto& u : users) {
    ids.push_back(u.id.str());
    logins.push_back(u.login);
    emails.push_back(u.email.value_or(""));
    email_set.push_back(u.email ? soci::i_ok : soci::i_null);
    scores.push_back(u.score);
  }
  soci::transaction tr(*sql_);
  *sql_ << "INSERT INTO bench_keyed_user (id, login, email, score) "
           "VALUES (CAST(:id AS uuid), :login, :email, :score)",
      soci::use(ids), soci::use(logins), soci::use(emails, email_set), soci::use(scores);
  tr.commit();
}

std::vector<User> SociPeer::load() {
  std::vector<User> out;
  std::vector<long long> ids(kChunk), scores(kChunk);
  std::vector<std::string> logins(kChunk), emails(kChunk);
  std::vector<soci::indicator> email_set(kChunk);
  soci::statement st =
      (sql_->prepare << "SELECT id, login, email, score FROM bench_user", soci::into(ids),
       soci::into(logins), soci::into(emails, email_set), soci::into(scores));
  st.execute();
  while (st.fetch()) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      User& u = out.emplace_back();
      u.id = ids[i];
      u.login = std::move(logins[i]);
      if (email_set[i] == soci::i_ok) u.email = std::move(emails[i]);
      u.score = scores[i];
    }
    // A fetch shrinks the vectors to the rows it read; the next one fills them again.
    ids.resize(kChunk);
    scores.resize(kChunk);
    logins.resize(kChunk);
    emails.resize(kChunk);
    email_set.resize(kChunk);
  }
  return out;
}

std::vector<User> SociPeer::get(const std::vector<std::int64_t>& ids) {
  std::vector<User> out;
  out.reserve(ids.size());
  long long id = 0, found = 0, score = 0;
  std::string login, email;
  soci::indicator email_set = soci::i_null;
  soci::transaction tr(*sql_);
  soci::statement st =
      (sql_->prepare << "SELECT id, login, email, score FROM bench_user WHERE id = :id",
       soci::use(id), soci::into(found), soci::into(login), soci::into(email, email_set),
       soci::into(score));
  for (const auto key : ids) {
    id = key;
    if (!st.execute(true)) continue;
    User& u = out.emplace_back();
    u.id = found;
    u.login = login;
    if (email_set == soci::i_ok) u.email = email;
    u.score = score;
  }
  tr.commit();
  return out;
}

void SociPeer::update(std::vector<User>& users) {
  std::vector<long long> ids, scores;
  for (auto& u : users) {
    u.score += 1;
    ids.push_back(u.id);
    scores.push_back(u.score);
  }
  soci::transaction tr(*sql_);
  *sql_ << "UPDATE bench_user SET score = :score WHERE id = :id", soci::use(scores), soci::use(ids);
  tr.commit();
}

void SociPeer::remove(const std::vector<User>& users) {
  std::vector<long long> ids;
  for (const auto& u : users)
    ids.push_back(u.id);
  soci::transaction tr(*sql_);
  *sql_ << "DELETE FROM bench_user WHERE id = :id", soci::use(ids);
  tr.commit();
}

// Not timed: row by row.
TreeRows SociPeer::load_tree() {
  TreeRows t;
  soci::rowset<soci::row> parents = (sql_->prepare << "SELECT id, name FROM bench_parent");
  for (const auto& r : parents) {
    t.parent_ids.push_back(r.get<long long>(0));
    t.names.push_back(r.get<std::string>(1));
  }
  soci::rowset<soci::row> children = (sql_->prepare << "SELECT id, n FROM bench_child");
  for (const auto& r : children) {
    t.child_ids.push_back(r.get<long long>(0));
    t.numbers.push_back(r.get<long long>(1));
  }
  return t;
}

void SociPeer::change_tree(TreeRows& t) {
  const TreeChange c = flush_changes(t);
  // SOCI binds vectors of long long, not of std::int64_t (long).
  const auto longs = [](const std::vector<std::int64_t>& v) {
    return std::vector<long long>(v.begin(), v.end());
  };
  std::vector<long long> parent_ids = longs(t.parent_ids), ids = longs(c.ids),
                         numbers = longs(c.numbers), dropped = longs(c.dropped);
  soci::transaction tr(*sql_);
  *sql_ << "UPDATE bench_parent SET name = :name WHERE id = :id", soci::use(t.names),
      soci::use(parent_ids);
  *sql_ << "UPDATE bench_child SET n = :n WHERE id = :id", soci::use(numbers), soci::use(ids);
  *sql_ << "DELETE FROM bench_child WHERE id = :id", soci::use(dropped);
  tr.commit();
}

}  // namespace bench
