// The social-platform example served on a loopback port and called through a real gRPC
// channel, against SQLite and PostgreSQL: every RPC, its error statuses, and that no
// response ever carries a stored password hash.
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <thread>

#include "databases.hpp"
#include "models.hpp"
#include "proto/social_platform.grpc.pb.h"
#include "proto/user.grpc.pb.h"
#include "retort/migrate/autogenerate.hpp"
#include "retort/migrate/migration.hpp"
#include "retort/service.hpp"
#include "retort/testing.hpp"
#include "service.hpp"

namespace rt = retort;
namespace sp = services::social_platform;
namespace simple = services::simple_example::sqlalchemy;

namespace retort_test {
namespace {

// The seed's users (user<n>, password "password<n>") and their media, as factories.
rt::testing::Factory<social::User> user_factory() {
  return rt::testing::factory<social::User>()
      .set(&social::User::login, rt::testing::sequence("user{}"))
      .set(&social::User::email, rt::testing::sequence("user{}@example.org"))
      .after([](social::User& u, int n) {
        u.password =
            social::hash_password("password" + std::to_string(n), social::PasswordCost::minimal);
        u.extra_info = {R"({"display_name": "User )" + std::to_string(n) +
                        R"(", "languages": ["en", "fr"]})"};
      });
}
rt::testing::Factory<social::Media> media_factory(const rt::testing::Factory<social::User>& users) {
  static constexpr social::ContentType kinds[] = {
      social::ContentType::image, social::ContentType::blog_post, social::ContentType::video};
  return rt::testing::factory<social::Media>()
      .set(&social::Media::name, rt::testing::sequence("media-{}"))
      .set(&social::Media::link, rt::testing::sequence("https://media.example.org/{}"))
      .set(&social::Media::blob, rt::Blob{0x89, 'P', 'N', 'G'})
      .after([](social::Media& m, int n) { m.content_type = kinds[(n - 1) % 3]; })
      .sub(&social::Media::author, users);
}

// Each test: the suite's temporary database, migrated once; three users with a medium
// each; the server on its own connections (so the test's rows are deleted at its end, not
// rolled back).
class SocialPlatform : public testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() { rt::testing::TemporaryDatabase::release_shared(); }
  void SetUp() override {
    temp_ = &rt::testing::TemporaryDatabase::shared(
        {.url = GetParam().url(), .migrations = SOCIAL_PLATFORM_MIGRATIONS});
    scope_.emplace(*temp_, rt::testing::Isolation::delete_rows);
    engine_ = temp_->engine();
    {
      rt::Session session(engine_);
      media_factory(user_factory()).create_batch(3, session);
      session.commit();
    }
    ASSERT_EQ(social::seed(engine_, 3, social::PasswordCost::minimal), 0) << "seeds only once";
    server_ = std::make_unique<social::Server>(
        engine_, social::ServiceOptions{.password_cost = social::PasswordCost::minimal});
    channel_ =
        grpc::CreateChannel(server_->start("127.0.0.1:0"), grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    server_->shutdown();
    server_.reset();
    scope_.reset();
    EXPECT_TRUE(temp_->tables_with_rows().empty()) << "the test left rows behind";
  }

  grpc::Status authenticate(const std::string& user, const std::string& password,
                            sp::AuthResponse& out) {
    sp::AuthRequest request;
    request.set_username(user);
    request.set_password(password);
    grpc::ClientContext context;
    return sp::Auth::NewStub(channel_)->AuthenticateUser(&context, request, &out);
  }
  // A token of user3, made once per test (the other users' tokens stay as tests left them).
  const std::string& token() {
    if (token_.empty()) {
      sp::AuthResponse login;
      EXPECT_TRUE(authenticate("user3", "password3", login).ok());
      token_ = login.token().value();
    }
    return token_;
  }
  grpc::Status get_media(const std::string& uuid, const std::string& name, sp::UserMedia& out,
                         std::optional<std::string> bearer = {}) {
    sp::MediaRequest request;
    request.set_media_uuid(uuid);
    request.set_media_name(name);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + bearer.value_or(token()));
    return sp::Media::NewStub(channel_)->GetMedia(&context, request, &out);
  }
  grpc::Status get_user(const std::string& uuid, simple::User& out,
                        std::optional<std::string> bearer = {}) {
    simple::UserDataRequest request;
    request.set_user_uuid(uuid);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + bearer.value_or(token()));
    return simple::UserService::NewStub(channel_)->GetUser(&context, request, &out);
  }
  rt::Ref<social::User> user(const std::string& login) {
    rt::Session session(engine_);
    return session.query<social::User>().where(rt::c(&social::User::login) == login).one();
  }

  rt::testing::TemporaryDatabase* temp_ = nullptr;
  std::optional<rt::testing::TestScope> scope_;
  rt::Engine engine_ = rt::create_engine("sqlite://");  // the temporary database's, in SetUp
  std::unique_ptr<social::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
};

TEST_P(SocialPlatform, PasswordsAreStoredAsArgon2idHashes) {
  const auto alice = user("user1");
  EXPECT_EQ(alice->password.rfind("$argon2id$", 0), 0u) << alice->password;
  EXPECT_EQ(alice->password.find("password1"), std::string::npos);
  EXPECT_NE(alice->password, user("user2")->password);
}

TEST_P(SocialPlatform, AuthenticateIssuesAFreshTokenThatExpires) {
  sp::AuthResponse first, second;
  ASSERT_TRUE(authenticate("user1", "password1", first).ok());
  ASSERT_TRUE(authenticate("user1", "password1", second).ok());
  const auto& token = first.token();
  EXPECT_EQ(token.value().size(), 64u);
  EXPECT_EQ(token.value().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(token.value(), second.token().value()) << "a new random value each time";
  EXPECT_EQ(token.expires_at().seconds() - token.created_at().seconds(), 3600);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  EXPECT_NEAR(static_cast<double>(token.created_at().seconds()),
              static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(now).count()),
              60);

  // Stored as its digest only, and joined to its owner without a foreign key.
  rt::Session session(engine_);
  EXPECT_EQ(session.query<social::AuthToken>()
                .where(rt::c(&social::AuthToken::data) == token.value())
                .count(),
            0);
  auto stored = session.query<social::AuthToken>()
                    .where(rt::c(&social::AuthToken::data) == social::token_digest(token.value()))
                    .one();
  EXPECT_EQ(stored->owner.get()->login, "user1");
  EXPECT_EQ(stored->owner.get()->tokens.size(), 2u);
}

TEST_P(SocialPlatform, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  sp::AuthResponse response;
  const grpc::Status wrong = authenticate("user1", "password2", response);
  const grpc::Status unknown = authenticate("mallory", "password1", response);
  const grpc::Status empty = authenticate("", "", response);
  for (const auto& status : {wrong, unknown, empty}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.error_message(), wrong.error_message());
  }
  EXPECT_FALSE(response.has_token());
  rt::Session session(engine_);
  EXPECT_EQ(session.query<social::AuthToken>().count(), 0) << "no token for a failed login";
}

TEST_P(SocialPlatform, GetMediaByUuidAndByName) {
  sp::AuthResponse login;
  ASSERT_TRUE(authenticate("user1", "password1", login).ok());  // user1 now has a token

  sp::UserMedia by_name;
  ASSERT_TRUE(get_media("", "media-1", by_name).ok());
  EXPECT_EQ(by_name.name(), "media-1");
  EXPECT_EQ(by_name.download_url(), "https://media.example.org/1");
  EXPECT_EQ(by_name.blob(), std::string("\x89PNG"));
  EXPECT_EQ(by_name.content_type(), sp::UserMedia::IMAGE);
  EXPECT_EQ(by_name.author().username(), "user1");
  EXPECT_EQ(by_name.author().email(), "user1@example.org");
  EXPECT_EQ(by_name.author().uuid(), user("user1")->uuid.str());
  EXPECT_EQ(by_name.author().metadata().fields().at("display_name").string_value(), "User 1");
  EXPECT_EQ(by_name.author().tokens_size(), 0) << "another user's tokens are never shown";

  sp::UserMedia by_uuid;
  ASSERT_TRUE(get_media(by_name.uuid(), "", by_uuid).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(by_uuid, by_name));

  sp::UserMedia second;
  ASSERT_TRUE(get_media("", "media-2", second).ok());
  EXPECT_EQ(second.content_type(), sp::UserMedia::BLOG_POST);
  EXPECT_EQ(second.author().username(), "user2");
}

TEST_P(SocialPlatform, GetMediaErrors) {
  sp::UserMedia out;
  EXPECT_EQ(get_media("not-a-uuid", "", out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(get_media("", "", out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(get_media(rt::Uuid::random().str(), "", out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(get_media("", "media-99", out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(get_media("", "x' OR '1'='1", out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(SocialPlatform, GetUser) {
  const auto alice = user("user1");
  simple::User out;
  ASSERT_TRUE(get_user(alice->uuid.str(), out).ok());
  EXPECT_EQ(out.uuid(), alice->uuid.str());
  EXPECT_EQ(out.username(), "user1");
  EXPECT_EQ(out.email(), "user1@example.org");

  const grpc::Status malformed = get_user("1234", out);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(malformed.error_message().find("user_uuid"), std::string::npos);
  EXPECT_EQ(get_user(rt::Uuid::random().str(), out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(SocialPlatform, NoResponseContainsAPasswordHash) {
  std::vector<std::string> responses;
  auto keep = [&](const google::protobuf::Message& m) {
    responses.push_back(m.SerializeAsString());
    responses.push_back(m.DebugString());
  };
  for (const char* login : {"user1", "user2", "user3"}) {
    const std::string n = std::string(login).substr(4);
    sp::AuthResponse auth;
    ASSERT_TRUE(authenticate(login, "password" + n, auth).ok());
    keep(auth);
    (void)authenticate(login, "wrong", auth);
    keep(auth);
    sp::UserMedia media;
    ASSERT_TRUE(get_media("", "media-" + n, media).ok());
    keep(media);
    simple::User u;
    ASSERT_TRUE(get_user(user(login)->uuid.str(), u).ok());
    keep(u);
  }
  auto conn = engine_.connect();
  int hashes = 0;
  for (const rt::Row& row : conn.execute("SELECT password FROM \"user\"")) {
    const std::string hash = row.get<std::string>(0);
    // The whole string, and the part after the parameters (salt and digest).
    const std::string digest = hash.substr(hash.rfind('$', hash.rfind('$') - 1));
    for (const std::string& r : responses) {
      EXPECT_EQ(r.find(hash), std::string::npos);
      EXPECT_EQ(r.find(digest), std::string::npos);
    }
    ++hashes;
  }
  EXPECT_EQ(hashes, 3);
  for (const std::string& r : responses)
    EXPECT_EQ(r.find("argon2"), std::string::npos);
}

TEST_P(SocialPlatform, EveryCallButAuthenticateNeedsAValidToken) {
  const std::string uuid = user("user1")->uuid.str();
  simple::User out;
  sp::UserMedia media;
  sp::AuthResponse login;
  ASSERT_TRUE(authenticate("user2", "password2", login).ok());
  const std::string value = login.token().value();
  EXPECT_TRUE(get_user(uuid, out, value).ok());
  for (const std::string& bad : {std::string(), std::string("nonsense"), value + "0",
                                 social::token_digest(value), std::string(value.size(), '0')}) {
    EXPECT_EQ(get_user(uuid, out, bad).error_code(), grpc::StatusCode::UNAUTHENTICATED) << bad;
    EXPECT_EQ(get_media("", "media-1", media, bad).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    simple::UserDataRequest request;
    request.set_user_uuid(uuid);
    grpc::ClientContext context;  // no metadata at all
    EXPECT_EQ(simple::UserService::NewStub(channel_)->GetUser(&context, request, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // An expired token is refused, and purged at the next login.
  engine_.connect().execute("UPDATE auth_token SET expires_at = created_at");
  EXPECT_EQ(get_user(uuid, out, value).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(authenticate("user1", "password1", login).ok());
  EXPECT_EQ(engine_.connect().execute("SELECT count(*) FROM auth_token").scalar<int>(), 1);
}

TEST_P(SocialPlatform, ReadThenWriteLoginsFromManyThreadsAllSucceed) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      const std::string n = std::to_string(t % 3 + 1);
      for (int i = 0; i < 5; ++i) {
        sp::AuthResponse login;
        if (authenticate("user" + n, "password" + n, login).ok()) ++ok;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 80);
}

TEST_P(SocialPlatform, HashesOfAnotherCostAreReplacedAtLogin) {
  // The users were seeded with the minimal cost; a server with the interactive cost
  // replaces a hash when its user logs in.
  server_->shutdown();
  server_ = std::make_unique<social::Server>(
      engine_, social::ServiceOptions{.password_cost = social::PasswordCost::interactive});
  channel_ = grpc::CreateChannel(server_->start("127.0.0.1:0"), grpc::InsecureChannelCredentials());
  const std::string before = user("user1")->password;
  EXPECT_TRUE(social::needs_rehash(before, social::PasswordCost::interactive));
  sp::AuthResponse login;
  EXPECT_EQ(authenticate("user1", "wrong", login).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(user("user1")->password, before) << "a failed login changes nothing";
  ASSERT_TRUE(authenticate("user1", "password1", login).ok());
  const std::string after = user("user1")->password;
  EXPECT_NE(after, before);
  EXPECT_FALSE(social::needs_rehash(after, social::PasswordCost::interactive));
  ASSERT_TRUE(authenticate("user1", "password1", login).ok()) << "the new hash verifies";
}

TEST_P(SocialPlatform, InternalErrorsTellClientsNothingOfTheSchema) {
  (void)token();
  engine_.connect().execute("DROP TABLE media");
  sp::UserMedia media;
  const grpc::Status status = get_media("", "media-1", media);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message().rfind("internal error (error ", 0), 0u)
      << status.error_message();
  EXPECT_EQ(status.error_message().find("media"), std::string::npos) << status.error_message();
  social::create_schema(engine_);
}

TEST_P(SocialPlatform, ConcurrentCallsEachGetTheirOwnSession) {
  const std::string uuid = user("user2")->uuid.str();
  (void)token();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        simple::User out;
        sp::UserMedia media;
        if (get_user(uuid, out).ok() && out.username() == "user2" &&
            get_media("", "media-3", media).ok() && media.author().username() == "user3")
          ++ok;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(engine_.pool_status().checked_out, 0) << "every request gave its connection back";
}

// The migrations and the models describe the same schema, and the history can be undone
// and replayed.
TEST_P(SocialPlatform, TheMigrationsGiveTheModelsSchema) {
  auto conn = engine_.connect();
  const rt::migrate::CompareOptions only_ours{.include_table = [](const std::string& t) {
    return t == "user" || t == "auth_token" || t == "media";
  }};
  const auto diff = rt::migrate::compare(social::models(), conn, only_ours);
  EXPECT_TRUE(diff.empty()) << (diff.upgrade.empty() ? diff.notes.at(0)
                                                     : rt::migrate::describe(diff.upgrade.at(0)));
  rt::migrate::Migrator migrator(
      conn,
      rt::migrate::ScriptDirectory(std::filesystem::path(SOCIAL_PLATFORM_MIGRATIONS) / "versions"));
  server_->shutdown();
  EXPECT_EQ(migrator.downgrade("base").size(), 3u);
  EXPECT_FALSE(rt::Inspector(conn).has_table("user"));
  EXPECT_EQ(migrator.upgrade("head").size(), 3u);
  EXPECT_TRUE(rt::migrate::compare(social::models(), conn, only_ours).empty());
  server_ = std::make_unique<social::Server>(engine_);
  server_->start("127.0.0.1:0");
}

// A dump of the whole database loads into another one made by the migrations, which then
// dumps the same text and serves the same users.
TEST_P(SocialPlatform, ExportThenImportGivesTheSameDump) {
  sp::AuthResponse login;
  ASSERT_TRUE(authenticate("user1", "password1", login).ok());  // a token row too
  const rt::ExportOptions options{.exclude = {"alembic_version"}};
  const std::string dump = rt::export_json(engine_, options);
  const auto tables = rt::Dict::parse(dump);
  EXPECT_EQ(tables.at("user").size(), 3u);
  EXPECT_EQ(tables.at("auth_token").size(), 1u);
  EXPECT_EQ(tables.at("media").size(), 3u);
  EXPECT_FALSE(tables.contains("alembic_version"));
  EXPECT_EQ(tables.at("media").at(0).at("blob"), "iVBORw==");

  rt::testing::TemporaryDatabase copy(
      {.url = GetParam().url(), .migrations = SOCIAL_PLATFORM_MIGRATIONS});
  std::istringstream in(dump);
  EXPECT_EQ(rt::import_json(copy.engine(), in), 7);
  EXPECT_EQ(rt::export_json(copy.engine(), options), dump);

  social::Server other(copy.engine(),
                       social::ServiceOptions{.password_cost = social::PasswordCost::minimal});
  auto channel =
      grpc::CreateChannel(other.start("127.0.0.1:0"), grpc::InsecureChannelCredentials());
  sp::AuthRequest request;
  request.set_username("user2");
  request.set_password("password2");
  grpc::ClientContext context;
  EXPECT_TRUE(sp::Auth::NewStub(channel)->AuthenticateUser(&context, request, &login).ok());
  other.shutdown();
}

INSTANTIATE_TEST_SUITE_P(Backend, SocialPlatform,
                         testing::Values(sqlite_backend(), postgres_backend()), backend_name);

// The models without the server: each test in a transaction that is rolled back at its
// end, whatever it committed.
class SocialModels : public testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() { rt::testing::TemporaryDatabase::release_shared(); }
  void SetUp() override {
    temp_ = &rt::testing::TemporaryDatabase::shared(
        {.url = GetParam().url(), .migrations = SOCIAL_PLATFORM_MIGRATIONS});
    scope_.emplace(*temp_);
  }
  void TearDown() override {
    scope_.reset();
    EXPECT_TRUE(temp_->tables_with_rows().empty()) << "the test left rows behind";
  }
  rt::Database& db() { return scope_->db(); }

  rt::testing::TemporaryDatabase* temp_ = nullptr;
  std::optional<rt::testing::TestScope> scope_;
};

TEST_P(SocialModels, FactoriesGiveUsersTheirMedia) {
  media_factory(user_factory()).create_batch(2, db());
  db().commit();
  EXPECT_EQ(db().model<social::User>().count(), 2);
  auto first = db().model<social::Media>().find_one({{"name", "media-1"}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->author->login, "user1");
  EXPECT_EQ(first->author_id, first->author->uuid);
  const rt::Dict author = rt::to_dict(first->author.get(), {.exclude = {"password"}});
  EXPECT_FALSE(author.contains("password"));
  EXPECT_EQ(author.at("uuid"), first->author->uuid.str());
  EXPECT_EQ(author.at("extra_info").at("languages"), rt::Dict::array({"en", "fr"}));
}

TEST_P(SocialModels, EachTestStartsFromTheMigratedSchemaAlone) {
  EXPECT_EQ(db().model<social::User>().count(), 0);
  auto conn = temp_->engine().connect();
  EXPECT_EQ(conn.execute("SELECT version_num FROM alembic_version").scalars<std::string>().size(),
            1u);
  auto users = user_factory();
  db().model<social::User>().save(users.build_batch(3));
  db().commit();
  EXPECT_EQ(db().model<social::User>().count(), 3);
}

INSTANTIATE_TEST_SUITE_P(Backend, SocialModels,
                         testing::Values(sqlite_backend(), postgres_backend()), backend_name);

}  // namespace
}  // namespace retort_test
