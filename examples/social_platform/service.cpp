#include "service.hpp"

#include <atomic>
#include <cstdio>

#include "mappings.hpp"
#include "proto/social_platform.grpc.pb.h"
#include "proto/user.grpc.pb.h"
#include "retort/migrate/migration.hpp"

namespace social {
namespace {

using grpc::Status;
using grpc::StatusCode;

// Request fields name the UUID they expect: INVALID_ARGUMENT when it does not parse.
bool parse_uuid(const std::string& text, const char* field, rt::Uuid& out, Status& status) {
  if (rt::Uuid::try_parse(text, out)) return true;
  status = Status(StatusCode::INVALID_ARGUMENT, std::string(field) + " is not a UUID");
  return false;
}

// Database trouble becomes UNAVAILABLE (try again) or INTERNAL. Clients get an error id
// and nothing about the schema; the server's log has the details under that id.
template <class F>
Status guarded(F&& body) {
  static std::atomic<std::uint64_t> next_id{0};
  auto logged = [](StatusCode code, const char* what) {
    const auto id = ++next_id;
    std::fprintf(stderr, "social-platform: error %llu: %s\n", static_cast<unsigned long long>(id),
                 what);
    return Status(code, std::string(code == StatusCode::UNAVAILABLE ? "unavailable, try again"
                                                                    : "internal error") +
                            " (error " + std::to_string(id) + ")");
  };
  try {
    return body();
  } catch (const rt::OperationalError& e) {
    return logged(StatusCode::UNAVAILABLE, e.what());
  } catch (const rt::TimeoutError& e) {
    return logged(StatusCode::UNAVAILABLE, e.what());
  } catch (const std::exception& e) {
    return logged(StatusCode::INTERNAL, e.what());
  }
}

rt::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// Every RPC but AuthenticateUser needs "authorization: Bearer <token>" in its metadata,
// naming a token that has not expired. Tokens are found by their digest.
bool authorized(const grpc::ServerContext* context, rt::Session& session, Status& status) {
  constexpr std::string_view scheme = "Bearer ";
  const auto& metadata = context->client_metadata();
  const auto it = metadata.find("authorization");
  status =
      Status(StatusCode::UNAUTHENTICATED, "a valid token is required: authorization: Bearer ...");
  if (it == metadata.end()) return false;
  const std::string_view header(it->second.data(), it->second.size());
  if (!header.starts_with(scheme)) return false;
  const std::string digest = token_digest(header.substr(scheme.size()));
  return session.query<AuthToken>()
      .where(rt::c(&AuthToken::data) == digest && rt::c(&AuthToken::expires_at) > now())
      .exists();
}

const std::vector<std::string>& tables() {
  static const std::vector<std::string> names{"user", "auth_token", "media"};
  return names;
}

}  // namespace

const rt::MetaData& models() {
  rt::registry().add<User, AuthToken, Media>();
  return rt::registry().metadata();
}

void create_schema(const rt::Engine& engine) {
  models().create_all(engine, {.tables = tables()});
}

std::vector<std::string> migrate(const rt::Engine& engine,
                                 const std::filesystem::path& migrations) {
  models();
  auto conn = engine.connect();
  return rt::migrate::Migrator(conn, rt::migrate::ScriptDirectory(migrations / "versions"))
      .upgrade("head");
}

int seed(const rt::Engine& engine, int users, PasswordCost cost) {
  rt::Session session(engine);
  if (users <= 0 || session.query<User>().exists()) return 0;
  static constexpr ContentType kinds[] = {ContentType::image, ContentType::blog_post,
                                          ContentType::video, ContentType::quote, ContentType::gif};
  for (int i = 1; i <= users; ++i) {
    const std::string n = std::to_string(i);
    auto user = rt::make_ref(User{
        .login = "user" + n,
        .email = "user" + n + "@example.org",
        .password = hash_password("password" + n, cost),
        .extra_info = {R"({"display_name": "User )" + n + R"(", "languages": ["en", "fr"]})"}});
    session.add(user);
    session.add(rt::make_ref(Media{.name = "media-" + n,
                                   .author_id = user->uuid,
                                   .link = "https://media.example.org/" + n,
                                   .blob = rt::Blob{0x89, 'P', 'N', 'G'},
                                   .content_type = kinds[(i - 1) % 5]}));
  }
  session.commit();
  return users;
}

struct Server::Services {
  rt::Engine engine;
  ServiceOptions options;

  struct Auth final : sp::Auth::Service {
    Services* s;
    explicit Auth(Services* services) : s(services) {}
    Status AuthenticateUser(grpc::ServerContext*, const sp::AuthRequest* request,
                            sp::AuthResponse* response) override {
      return guarded([&] {
        rt::Session session(s->engine);
        const auto cost = s->options.password_cost;
        auto user = session.query<User>().where(rt::c(&User::login) == request->username()).first();
        // An unknown user and a wrong password look the same, and cost at least one
        // verification at the server's cost: a hash stored with other parameters (cheaper
        // ones, say) adds one, until a successful login replaces it.
        if (!user) {
          verify_nothing(request->password(), cost);
        } else if (!verify_password(user->password, request->password())) {
          if (needs_rehash(user->password, cost)) verify_nothing(request->password(), cost);
        } else {
          if (needs_rehash(user->password, cost))
            user->password = hash_password(request->password(), cost);
          const auto issued = now();
          const std::string value = new_token_value();
          auto token = rt::make_ref(AuthToken{.data = token_digest(value),
                                              .created_at = issued,
                                              .expires_at = issued + s->options.token_lifetime,
                                              .owner_id = user->uuid});
          session.add(token);
          // Expired tokens go whenever someone logs in.
          session.query<AuthToken>().where(rt::c(&AuthToken::expires_at) <= issued).delete_();
          session.commit();
          token_pb().to_proto(*token, *response->mutable_token());
          response->mutable_token()->set_value(value);  // the only copy of the value
          return Status::OK;
        }
        return Status(StatusCode::UNAUTHENTICATED, "unknown username or wrong password");
      });
    }
  };

  struct MediaService final : sp::Media::Service {
    Services* s;
    explicit MediaService(Services* services) : s(services) {}
    Status GetMedia(grpc::ServerContext* context, const sp::MediaRequest* request,
                    sp::UserMedia* response) override {
      return guarded([&] {
        rt::Session session(s->engine);
        Status status;
        if (!authorized(context, session, status)) return status;
        auto query = session.query<Media>().options(rt::joined(&Media::author));
        if (!request->media_uuid().empty()) {
          rt::Uuid uuid;
          if (!parse_uuid(request->media_uuid(), "media_uuid", uuid, status)) return status;
          query = query.where(rt::c(&Media::uuid) == uuid);
        } else if (!request->media_name().empty()) {
          query = query.where(rt::c(&Media::name) == request->media_name());
        } else {
          return Status(StatusCode::INVALID_ARGUMENT, "give media_uuid or media_name");
        }
        auto media = query.first();
        if (!media) return Status(StatusCode::NOT_FOUND, "no such media");
        media_pb().to_proto(*media, *response);
        return Status::OK;
      });
    }
  };

  struct UserService final : simple::UserService::Service {
    Services* s;
    explicit UserService(Services* services) : s(services) {}
    Status GetUser(grpc::ServerContext* context, const simple::UserDataRequest* request,
                   simple::User* response) override {
      return guarded([&] {
        Status status;
        rt::Session session(s->engine);
        if (!authorized(context, session, status)) return status;
        rt::Uuid uuid;
        if (!parse_uuid(request->user_uuid(), "user_uuid", uuid, status)) return status;
        auto user = session.get<User>(uuid);
        if (!user) return Status(StatusCode::NOT_FOUND, "no user " + uuid.str());
        simple_user_pb().to_proto(*user, *response);
        return Status::OK;
      });
    }
  };

  Auth auth{this};
  MediaService media{this};
  UserService users{this};
};

Server::Server(rt::Engine engine, ServiceOptions options)
    : services_(new Services{std::move(engine), options}) {
  // Mappings are checked against their messages here, not on the first request.
  (void)media_pb();
  (void)user_pb();
  (void)simple_user_pb();
}

Server::~Server() {
  shutdown();
}

std::string Server::start(const std::string& listen) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&services_->auth);
  builder.RegisterService(&services_->media);
  builder.RegisterService(&services_->users);
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) throw std::runtime_error("cannot listen on " + listen);
  return listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
}

void Server::wait() {
  if (server_) server_->Wait();
}

void Server::shutdown() {
  if (server_) server_->Shutdown();
}

}  // namespace social
