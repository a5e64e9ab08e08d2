// retort-proto-bench: the protobuf mapping and the social-platform gRPC service.
//
//   retort-proto-bench [--users N] [--seconds S] [--threads T] [--tsv] [--postgres URL]
//                      [--only mapping|nullable|collection|getuser]
//
// mapping: N users with three tokens each to social_platform.User messages through the
// rt::proto mappings, beside hand-written field-by-field code making the same messages
// (JSON metadata through nlohmann::json, like the mapping); to_proto and the way back.
// Then N contacts with nullable columns (std::optional members, proto3 optional fields),
// and one user whose message holds 10,000 and then 100,000 tokens (from_proto), whose
// time per token shows whether building a collection is linear.
// getuser: T client threads making blocking UserService.GetUser calls for S seconds
// against the example server on a SQLite file, then against a hand-written server (raw
// sqlite3, one connection and prepared statement per server thread, protobuf setters);
// with --postgres, the same again on PostgreSQL (the hand-written server on libpq).
// The throughput row gives each side's calls as seconds for the same number of calls;
// latency percentiles go to lines starting with "latency".
#include <grpcpp/grpcpp.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "bench.hpp"
#include "mappings.hpp"
#include "proto/contact.retort.h"
#include "proto/user.grpc.pb.h"
#include "report.hpp"
#include "service.hpp"

namespace {

namespace rt = retort;
using social::AuthToken;
using social::User;

std::vector<rt::Ref<User>> make_users(long long n) {
  std::vector<rt::Ref<User>> users;
  users.reserve(static_cast<std::size_t>(n));
  const auto t0 = rt::Timestamp(std::chrono::seconds(1700000000));
  for (long long i = 0; i < n; ++i) {
    const std::string s = std::to_string(i);
    auto u =
        rt::make_ref(User{.login = "user" + s,
                          .email = "user" + s + "@example.org",
                          .password = "$argon2id$not-mapped",
                          .extra_info = {R"({"display_name": "User )" + s +
                                         R"(", "languages": ["en", "fr"], "karma": )" + s + "}"}});
    for (int k = 0; k < 3; ++k) {
      u->tokens.push_back(rt::make_ref(AuthToken{.data = "token-" + s + "-" + std::to_string(k),
                                                 .created_at = t0 + std::chrono::seconds(i + k),
                                                 .expires_at = t0 + std::chrono::hours(1),
                                                 .owner_id = u->uuid}));
    }
    users.push_back(std::move(u));
  }
  return users;
}

void set_time(google::protobuf::Timestamp& out, rt::Timestamp t) {
  const auto us = t.time_since_epoch().count();
  out.set_seconds(us / 1000000);
  out.set_nanos(static_cast<int>(us % 1000000) * 1000);
}
rt::Timestamp get_time(const google::protobuf::Timestamp& t) {
  return rt::Timestamp(std::chrono::microseconds(t.seconds() * 1000000 + t.nanos() / 1000));
}

// JSON to Struct and back by hand with nlohmann (several times faster than protobuf's own
// JSON parser, so the baseline is the fast way).
void fill(const nlohmann::json& j, google::protobuf::Value& v);
void fill(const nlohmann::json& j, google::protobuf::Struct& s) {
  for (const auto& [k, item] : j.items())
    fill(item, (*s.mutable_fields())[k]);
}
void fill(const nlohmann::json& j, google::protobuf::Value& v) {
  if (j.is_object()) {
    fill(j, *v.mutable_struct_value());
  } else if (j.is_array()) {
    auto* list = v.mutable_list_value();
    for (const auto& item : j)
      fill(item, *list->add_values());
  } else if (j.is_string()) {
    v.set_string_value(j.get<std::string>());
  } else if (j.is_number()) {
    v.set_number_value(j.get<double>());
  } else if (j.is_boolean()) {
    v.set_bool_value(j.get<bool>());
  } else {
    v.set_null_value(google::protobuf::NULL_VALUE);
  }
}
nlohmann::json read(const google::protobuf::Value& v);
nlohmann::json read(const google::protobuf::Struct& s) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, item] : s.fields())
    out[k] = read(item);
  return out;
}
nlohmann::json read(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kStructValue:
      return read(v.struct_value());
    case google::protobuf::Value::kListValue: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : v.list_value().values())
        out.push_back(read(item));
      return out;
    }
    case google::protobuf::Value::kStringValue:
      return v.string_value();
    case google::protobuf::Value::kNumberValue:
      return v.number_value();
    case google::protobuf::Value::kBoolValue:
      return v.bool_value();
    default:
      return nullptr;
  }
}

void hand_to_proto(const User& u, social::sp::User& m) {
  m.set_uuid(u.uuid.str());
  m.set_username(u.login);
  m.set_email(u.email);
  fill(nlohmann::json::parse(u.extra_info.text), *m.mutable_metadata());
  for (const auto& t : u.tokens) {
    auto* pt = m.add_tokens();
    pt->set_value(t->data);
    set_time(*pt->mutable_created_at(), t->created_at);
    set_time(*pt->mutable_expires_at(), t->expires_at);
  }
}

User hand_from_proto(const social::sp::User& m) {
  User u;
  u.uuid = rt::Uuid::parse(m.uuid());
  u.login = m.username();
  u.email = m.email();
  u.extra_info.text = read(m.metadata()).dump();
  for (const auto& pt : m.tokens()) {
    u.tokens.push_back(rt::make_ref(AuthToken{.data = pt.value(),
                                              .created_at = get_time(pt.created_at()),
                                              .expires_at = get_time(pt.expires_at())}));
  }
  return u;
}

std::vector<bench::Row> run_mapping(long long n, int repeat) {
  const auto users = make_users(n);
  std::vector<social::sp::User> messages(users.size());
  double retort_to = 1e9, hand_to = 1e9, retort_back = 1e9, hand_back = 1e9;
  std::size_t check = 0;
  for (int r = 0; r < repeat; ++r) {
    hand_to = std::min(hand_to, bench::seconds([&] {
                         for (std::size_t i = 0; i < users.size(); ++i) {
                           messages[i].Clear();
                           hand_to_proto(*users[i], messages[i]);
                         }
                       }));
    retort_to = std::min(retort_to, bench::seconds([&] {
                           for (std::size_t i = 0; i < users.size(); ++i) {
                             messages[i].Clear();
                             social::user_pb().to_proto(*users[i], messages[i]);
                           }
                         }));
    hand_back = std::min(hand_back, bench::seconds([&] {
                           for (const auto& m : messages)
                             check += hand_from_proto(m).tokens.size();
                         }));
    retort_back = std::min(retort_back, bench::seconds([&] {
                             for (const auto& m : messages)
                               check += social::user_pb().from_proto(m).tokens.size();
                           }));
  }
  if (check != users.size() * 3 * 2 * static_cast<std::size_t>(repeat))
    throw std::runtime_error("mapping: wrong token count");
  return {{"to_proto", "memory", n, retort_to, hand_to, "hand-written setters"},
          {"from_proto", "memory", n, retort_back, hand_back, "hand-written getters"}};
}

// A row with nullable columns; its same-named columns map implicitly.
struct Contact {
  std::int64_t id = 0;
  std::string name{};
  std::optional<std::string> nickname{};
  std::optional<std::string> email{};
  std::optional<std::string> phone{};
  std::optional<std::int32_t> age{};
  std::optional<double> score{};
  std::optional<bool> verified{};
  std::optional<rt::Timestamp> last_seen{};
  std::optional<std::string> city{};
  static auto mapping() {
    return rt::model<Contact>("contact")
        .column("id", &Contact::id, rt::primary_key)
        .column("name", &Contact::name)
        .column("nickname", &Contact::nickname)
        .column("email", &Contact::email)
        .column("phone", &Contact::phone)
        .column("age", &Contact::age)
        .column("score", &Contact::score)
        .column("verified", &Contact::verified)
        .column("last_seen", &Contact::last_seen)
        .column("city", &Contact::city);
  }
};
using ContactMessage = retort::bench::Contact;

const auto& contact_pb() {
  static const auto m = rt::proto::mapping<Contact, ContactMessage>();
  return m;
}

std::vector<Contact> make_contacts(long long n) {
  std::vector<Contact> out;
  out.reserve(static_cast<std::size_t>(n));
  const auto t0 = rt::Timestamp(std::chrono::seconds(1700000000));
  for (long long i = 0; i < n; ++i) {
    const std::string s = std::to_string(i);
    // About half of the nullable columns hold a value, in a pattern that varies by row.
    const auto has = [i](int column) { return (i + column) % 3 != 0; };
    Contact c{.id = i, .name = "contact " + s};
    if (has(0)) c.nickname = "nick" + s;
    if (has(1)) c.email = "contact" + s + "@example.org";
    if (has(2)) c.phone = "+1 555 01" + s;
    if (has(3)) c.age = static_cast<std::int32_t>(i % 90);
    if (has(4)) c.score = static_cast<double>(i) / 7;
    if (has(5)) c.verified = i % 2 == 0;
    if (has(6)) c.last_seen = t0 + std::chrono::seconds(i);
    if (has(7)) c.city = "Lyon";
    out.push_back(std::move(c));
  }
  return out;
}

void hand_to_proto(const Contact& c, ContactMessage& m) {
  m.set_id(c.id);
  m.set_name(c.name);
  if (c.nickname) m.set_nickname(*c.nickname);
  if (c.email) m.set_email(*c.email);
  if (c.phone) m.set_phone(*c.phone);
  if (c.age) m.set_age(*c.age);
  if (c.score) m.set_score(*c.score);
  if (c.verified) m.set_verified(*c.verified);
  if (c.last_seen) set_time(*m.mutable_last_seen(), *c.last_seen);
  if (c.city) m.set_city(*c.city);
}

Contact hand_from_proto(const ContactMessage& m) {
  Contact c{.id = m.id(), .name = m.name()};
  if (m.has_nickname()) c.nickname = m.nickname();
  if (m.has_email()) c.email = m.email();
  if (m.has_phone()) c.phone = m.phone();
  if (m.has_age()) c.age = m.age();
  if (m.has_score()) c.score = m.score();
  if (m.has_verified()) c.verified = m.verified();
  if (m.has_last_seen()) c.last_seen = get_time(m.last_seen());
  if (m.has_city()) c.city = m.city();
  return c;
}

std::vector<bench::Row> run_nullable(long long n, int repeat) {
  const auto contacts = make_contacts(n);
  std::vector<ContactMessage> messages(contacts.size());
  double retort_to = 1e9, hand_to = 1e9, retort_back = 1e9, hand_back = 1e9;
  std::size_t check = 0;
  const auto to = [&](auto convert) {
    return bench::seconds([&] {
      for (std::size_t i = 0; i < contacts.size(); ++i) {
        messages[i].Clear();
        convert(contacts[i], messages[i]);
      }
    });
  };
  const auto back = [&](auto convert) {
    return bench::seconds([&] {
      for (const auto& m : messages) {
        const Contact c = convert(m);
        bench::keep(c);
        check += c.email.has_value();
      }
    });
  };
  const auto hand_fill = [](const Contact& c, ContactMessage& m) { hand_to_proto(c, m); };
  const auto hand_read = [](const ContactMessage& m) { return hand_from_proto(m); };
  const auto retort_fill = [](const Contact& c, ContactMessage& m) { contact_pb().to_proto(c, m); };
  const auto retort_read = [](const ContactMessage& m) { return contact_pb().from_proto(m); };
  // Each side goes first every other time: whichever pass follows another over the same
  // messages finds more of them in cache.
  for (int r = 0; r < repeat; ++r) {
    if (r % 2 == 0) {
      hand_to = std::min(hand_to, to(hand_fill));
      retort_to = std::min(retort_to, to(retort_fill));
      hand_back = std::min(hand_back, back(hand_read));
      retort_back = std::min(retort_back, back(retort_read));
    } else {
      retort_to = std::min(retort_to, to(retort_fill));
      hand_to = std::min(hand_to, to(hand_fill));
      retort_back = std::min(retort_back, back(retort_read));
      hand_back = std::min(hand_back, back(hand_read));
    }
  }
  std::size_t emails = 0;
  for (const auto& c : contacts)
    emails += c.email.has_value();
  if (check != emails * 2 * static_cast<std::size_t>(repeat))
    throw std::runtime_error("nullable mapping: the emails did not survive");
  return {{"to_proto nullable", "memory", n, retort_to, hand_to, "hand-written setters"},
          {"from_proto nullable", "memory", n, retort_back, hand_back, "hand-written getters"}};
}

// One user whose message holds `tokens` tokens, mapped back to an object.
bench::Row run_collection(long long tokens, int repeat) {
  social::sp::User message;
  message.set_uuid(rt::Uuid::random().str());
  for (long long i = 0; i < tokens; ++i) {
    auto* t = message.add_tokens();
    t->set_value("token-" + std::to_string(i));
    t->mutable_created_at()->set_seconds(1700000000 + i);
    t->mutable_expires_at()->set_seconds(1700003600 + i);
  }
  double retort = 1e9, hand = 1e9;
  std::size_t check = 0;
  for (int r = 0; r < repeat; ++r) {
    hand = std::min(hand, bench::seconds([&] { check += hand_from_proto(message).tokens.size(); }));
    retort = std::min(retort, bench::seconds([&] {
                        check += social::user_pb().from_proto(message).tokens.size();
                      }));
  }
  if (check != static_cast<std::size_t>(tokens) * 2 * static_cast<std::size_t>(repeat))
    throw std::runtime_error("collection: wrong token count");
  return {"collection", "memory", tokens, retort, hand, "hand-written getters"};
}

// What both hand-written servers check as the example does: the digest of the request's
// bearer token (nullopt without one), and a user_uuid in the form the example stores.
std::optional<std::string> bearer_digest(const grpc::ServerContext* context) {
  const auto& metadata = context->client_metadata();
  const auto header = metadata.find("authorization");
  if (header == metadata.end() || !header->second.starts_with("Bearer ")) return std::nullopt;
  return social::token_digest(
      std::string_view(header->second.data(), header->second.size()).substr(7));
}
bool canonical_uuid(const std::string& uuid) {
  return uuid.size() == 36 && uuid.find_first_not_of("0123456789abcdef-") == std::string::npos;
}

// The hand-written GetUser: what a careful engineer writes without a toolkit.
class RawUserService final : public social::simple::UserService::Service {
 public:
  explicit RawUserService(std::string path) : path_(std::move(path)) {}
  grpc::Status GetUser(grpc::ServerContext* context, const social::simple::UserDataRequest* request,
                       social::simple::User* response) override {
    struct Connection {
      sqlite3* db = nullptr;
      sqlite3_stmt* stmt = nullptr;
      sqlite3_stmt* token = nullptr;
      ~Connection() {
        sqlite3_finalize(stmt);
        sqlite3_finalize(token);
        sqlite3_close(db);
      }
    };
    thread_local Connection c;
    if (!c.db) {
      if (sqlite3_open_v2(path_.c_str(), &c.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
          sqlite3_busy_timeout(c.db, 5000) != SQLITE_OK ||
          sqlite3_prepare_v3(c.db, "SELECT uuid, login, email FROM \"user\" WHERE uuid = ?", -1,
                             SQLITE_PREPARE_PERSISTENT, &c.stmt, nullptr) != SQLITE_OK ||
          sqlite3_prepare_v3(c.db, "SELECT 1 FROM auth_token WHERE data = ? AND expires_at > ?", -1,
                             SQLITE_PREPARE_PERSISTENT, &c.token, nullptr) != SQLITE_OK) {
        return grpc::Status(grpc::StatusCode::INTERNAL, sqlite3_errmsg(c.db));
      }
    }
    // The same rule as the example: a valid, unexpired token found by its digest.
    const grpc::Status refused(grpc::StatusCode::UNAUTHENTICATED, "a valid token is required");
    const auto found = bearer_digest(context);
    if (!found) return refused;
    const std::string& digest = *found;
    const std::string now = rt::format_timestamp(
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
    sqlite3_bind_text(c.token, 1, digest.data(), static_cast<int>(digest.size()), SQLITE_STATIC);
    sqlite3_bind_text(c.token, 2, now.data(), static_cast<int>(now.size()), SQLITE_STATIC);
    const bool valid = sqlite3_step(c.token) == SQLITE_ROW;
    sqlite3_reset(c.token);
    if (!valid) return refused;
    const std::string& uuid = request->user_uuid();
    if (!canonical_uuid(uuid))
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "user_uuid is not a UUID");
    sqlite3_bind_text(c.stmt, 1, uuid.data(), static_cast<int>(uuid.size()), SQLITE_STATIC);
    grpc::Status status(grpc::StatusCode::NOT_FOUND, "no such user");
    if (sqlite3_step(c.stmt) == SQLITE_ROW) {
      auto text = [&](int col) {
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(c.stmt, col)),
                           sqlite3_column_bytes(c.stmt, col));
      };
      response->set_uuid(text(0));
      response->set_username(text(1));
      response->set_email(text(2));
      status = grpc::Status::OK;
    }
    sqlite3_reset(c.stmt);
    return status;
  }

 private:
  std::string path_;
};

// The same on libpq, with a pool of connections that have both statements prepared (gRPC
// starts and ends server threads as the load changes: a connection per thread would log in
// again and again).
class RawPgUserService final : public social::simple::UserService::Service {
 public:
  explicit RawPgUserService(std::string url) : url_(std::move(url)) {}
  ~RawPgUserService() override {
    for (PGconn* conn : idle_)
      PQfinish(conn);
  }
  grpc::Status GetUser(grpc::ServerContext* context, const social::simple::UserDataRequest* request,
                       social::simple::User* response) override {
    PGconn* conn = checkout();
    if (!conn) return grpc::Status(grpc::StatusCode::INTERNAL, "cannot connect");
    const grpc::Status status = serve(conn, context, *request, *response);
    const std::lock_guard lock(mutex_);
    idle_.push_back(conn);
    return status;
  }

 private:
  PGconn* checkout() {
    {
      const std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        PGconn* conn = idle_.back();
        idle_.pop_back();
        return conn;
      }
    }
    PGconn* conn = PQconnectdb(url_.c_str());
    const auto prepare = [&](const char* name, const char* sql, int n) {
      PGresult* res = PQprepare(conn, name, sql, n, nullptr);
      const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      PQclear(res);
      return ok;
    };
    if (PQstatus(conn) != CONNECTION_OK ||
        !prepare("user", "SELECT uuid, login, email FROM \"user\" WHERE uuid = $1", 1) ||
        !prepare("token", "SELECT 1 FROM auth_token WHERE data = $1 AND expires_at > $2", 2)) {
      std::fprintf(stderr, "raw server: %s\n", PQerrorMessage(conn));
      PQfinish(conn);
      return nullptr;
    }
    return conn;
  }
  static grpc::Status serve(PGconn* conn, grpc::ServerContext* context,
                            const social::simple::UserDataRequest& request,
                            social::simple::User& response) {
    const grpc::Status refused(grpc::StatusCode::UNAUTHENTICATED, "a valid token is required");
    const auto digest = bearer_digest(context);
    if (!digest) return refused;
    const std::string now =
        rt::format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now())) +
        "+00";
    const char* token_params[2] = {digest->c_str(), now.c_str()};
    PGresult* res = PQexecPrepared(conn, "token", 2, token_params, nullptr, nullptr, 0);
    const bool valid = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    PQclear(res);
    if (!valid) return refused;
    const std::string& uuid = request.user_uuid();
    if (!canonical_uuid(uuid))
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "user_uuid is not a UUID");
    const char* user_params[1] = {uuid.c_str()};
    res = PQexecPrepared(conn, "user", 1, user_params, nullptr, nullptr, 0);
    grpc::Status status(grpc::StatusCode::NOT_FOUND, "no such user");
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
      response.set_uuid(PQgetvalue(res, 0, 0), static_cast<std::size_t>(PQgetlength(res, 0, 0)));
      response.set_username(PQgetvalue(res, 0, 1),
                            static_cast<std::size_t>(PQgetlength(res, 0, 1)));
      response.set_email(PQgetvalue(res, 0, 2), static_cast<std::size_t>(PQgetlength(res, 0, 2)));
      status = grpc::Status::OK;
    }
    PQclear(res);
    return status;
  }

  std::string url_;
  std::mutex mutex_;
  std::vector<PGconn*> idle_;
};

struct Load {
  long long calls = 0;
  double p50_us = 0, p99_us = 0;
};

Load load(const std::string& address, const std::vector<std::string>& uuids,
          const std::string& token, int threads, double seconds) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = social::simple::UserService::NewStub(channel);
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::vector<std::vector<float>> latencies(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      auto& mine = latencies[static_cast<std::size_t>(t)];
      while (!stop.load(std::memory_order_relaxed)) {
        social::simple::UserDataRequest request;
        request.set_user_uuid(uuids[rng() % uuids.size()]);
        social::simple::User response;
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + token);
        const auto start = std::chrono::steady_clock::now();
        const grpc::Status status = stub->GetUser(&context, request, &response);
        if (!status.ok() || response.username().empty()) {
          if (!failed.exchange(true))
            std::fprintf(stderr, "GetUser failed: %s\n", status.error_message().c_str());
        }
        mine.push_back(
            std::chrono::duration<float, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers)
    w.join();
  if (failed) throw std::runtime_error("getuser: a call failed");
  std::vector<float> all;
  for (const auto& l : latencies)
    all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Load out;
  out.calls = static_cast<long long>(all.size());
  out.p50_us = all[all.size() / 2];
  out.p99_us = all[all.size() * 99 / 100];
  return out;
}

// On SQLite, or on PostgreSQL when postgres_url is given.
bench::Row run_getuser(int users, int threads, double seconds, bool tsv,
                       const std::string& postgres_url) {
  const bool postgres = !postgres_url.empty();
  const auto dir = std::filesystem::temp_directory_path() / "retort-proto-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "social.db").string();
  auto engine =
      rt::create_engine(postgres ? postgres_url : "sqlite:///" + path, {.pool_size = threads});
  if (postgres) social::models().drop_all(engine);
  social::create_schema(engine);
  social::seed(engine, users, social::PasswordCost::minimal);
  std::vector<std::string> uuids;
  {
    auto conn = engine.connect();
    for (const rt::Row& row : conn.execute("SELECT uuid FROM \"user\""))
      uuids.push_back(row.get<std::string>(0));
  }
  // One client's token, valid for the whole run, as AuthenticateUser stores them.
  const std::string token = social::new_token_value();
  {
    rt::Session session(engine);
    const auto now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    session.add(social::AuthToken{.data = social::token_digest(token),
                                  .created_at = now,
                                  .expires_at = now + std::chrono::hours(1),
                                  .owner_id = rt::Uuid::parse(uuids.front())});
    session.commit();
  }

  Load retort_load, raw_load;
  {
    social::Server server(engine, {.password_cost = social::PasswordCost::minimal});
    retort_load = load(server.start("127.0.0.1:0"), uuids, token, threads, seconds);
  }
  {
    std::unique_ptr<grpc::Service> raw;
    if (postgres) {
      raw = std::make_unique<RawPgUserService>(rt::URL::parse(postgres_url).render(false));
    } else {
      raw = std::make_unique<RawUserService>(path);
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(raw.get());
    auto server = builder.BuildAndStart();
    raw_load = load("127.0.0.1:" + std::to_string(port), uuids, token, threads, seconds);
    server->Shutdown();
  }
  if (postgres) social::models().drop_all(engine);
  engine.dispose();
  std::filesystem::remove_all(dir);
  const char* database = postgres ? "postgresql" : "sqlite";
  const char* format =
      tsv ? "latency\t%s\t%s\t%.0f\t%.0f\n" : "latency %-8s %-10s p50 %6.0f us  p99 %6.0f us\n";
  std::printf(format, "retort", database, retort_load.p50_us, retort_load.p99_us);
  std::printf(format, "raw", database, raw_load.p50_us, raw_load.p99_us);
  // The same number of calls, in the time each side took per call.
  const double raw_seconds =
      seconds * static_cast<double>(retort_load.calls) / static_cast<double>(raw_load.calls);
  return {"getuser",
          database,
          retort_load.calls,
          seconds,
          raw_seconds,
          postgres ? "raw libpq + protobuf server" : "raw sqlite3 + protobuf server"};
}

}  // namespace

int main(int argc, char** argv) {
  long long users = 100000;
  int repeat = 3, threads = 8, service_users = 10000;
  double seconds = 10;
  bool tsv = false;
  std::string only, postgres_url;
  CLI::App app{"Retort protobuf mapping and gRPC benchmarks"};
  app.add_option("--only", only, "one workload")
      ->check(CLI::IsMember({"mapping", "nullable", "collection", "getuser"}));
  app.add_option("--users", users, "users mapped (three tokens each)");
  app.add_option("--repeat", repeat, "repetitions of the mapping; the best is kept");
  app.add_option("--service-users", service_users, "users in the served database");
  app.add_option("--seconds", seconds, "seconds of GetUser load per server");
  app.add_option("--threads", threads, "client threads");
  app.add_flag("--tsv", tsv, "tab-separated output");
  app.add_option("--postgres", postgres_url, "also serve GetUser from this PostgreSQL database");
  CLI11_PARSE(app, argc, argv);
  try {
    std::vector<bench::Row> rows;
    if (only.empty() || only == "mapping") rows = run_mapping(users, repeat);
    if (only.empty() || only == "nullable") {
      for (auto& r : run_nullable(users, repeat))
        rows.push_back(r);
    }
    if (only.empty() || only == "collection") {
      rows.push_back(run_collection(10000, repeat));
      rows.push_back(run_collection(100000, repeat));
    }
    if (only.empty() || only == "getuser") {
      rows.push_back(run_getuser(service_users, threads, seconds, tsv, ""));
      if (!postgres_url.empty())
        rows.push_back(run_getuser(service_users, threads, seconds, tsv, postgres_url));
    }
    for (const auto& r : rows)
      tsv ? bench::print_tsv(r) : bench::print(r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
