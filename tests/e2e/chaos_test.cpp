// The social-platform server under faults (CTest label chaos). Client threads make
// mixed RPCs for RETORT_CHAOS_SECONDS (60 by default) while the database misbehaves: on
// PostgreSQL a killer terminates the server's backends every 500 ms and restarts the
// server once; on SQLite another connection holds the write lock in bursts, once for
// longer than the busy timeout. Every call must succeed or answer UNAVAILABLE, the
// server must keep serving, every token a client received must be in the database
// afterwards, and calls must succeed again within a second of the faults stopping.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "databases.hpp"
#include "models.hpp"
#include "proto/social_platform.grpc.pb.h"
#include "proto/user.grpc.pb.h"
#include "service.hpp"

namespace rt = retort;
namespace sp = services::social_platform;
namespace simple = services::simple_example::sqlalchemy;
using namespace std::chrono_literals;

namespace retort_test {
namespace {

constexpr int kUsers = 16;

std::chrono::seconds chaos_duration() {
  const char* v = std::getenv("RETORT_CHAOS_SECONDS");
  return std::chrono::seconds(v && *v ? std::atoi(v) : 60);
}

struct Tally {
  std::atomic<long> calls{0}, ok{0}, unavailable{0}, wrong{0};
  std::mutex mutex;
  std::vector<std::string> tokens;  // values the clients received
  std::string first_wrong;
  void count(const grpc::Status& status) {
    ++calls;
    if (status.ok()) {
      ++ok;
    } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      ++unavailable;
    } else if (wrong++ == 0) {
      std::lock_guard lock(mutex);
      first_wrong = std::to_string(status.error_code()) + " " + status.error_message();
    }
  }
};

class Chaos {
 public:
  Chaos(rt::Engine engine, int threads) : engine_(std::move(engine)), threads_(threads) {
    {
      auto conn = engine_.connect();
      drop_tables(conn, {"media", "auth_token", "user"});
    }
    social::create_schema(engine_);
    social::seed(engine_, kUsers, social::PasswordCost::minimal);
    rt::Session session(engine_);
    for (const auto& u : session.query<social::User>().all())
      uuids_.push_back(u->uuid.str());
    server_ = std::make_unique<social::Server>(
        engine_, social::ServiceOptions{.password_cost = social::PasswordCost::minimal});
    channel_ =
        grpc::CreateChannel(server_->start("127.0.0.1:0"), grpc::InsecureChannelCredentials());
  }
  ~Chaos() { server_->shutdown(); }

  // Clients run while `faults` does its damage; then the faults stop and recovery is
  // timed. Returns the seconds until a call succeeded again.
  double run(const std::function<void(const std::atomic<bool>& stop)>& faults) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < threads_; ++t)
      clients.emplace_back([&, t] { client(t, stop); });
    std::thread damage([&] { faults(stop); });
    std::this_thread::sleep_for(chaos_duration());
    stop = true;
    damage.join();
    for (auto& c : clients)
      c.join();
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
      sp::AuthResponse login;
      if (authenticate(0, login).ok()) break;
      std::this_thread::sleep_for(10ms);
      if (std::chrono::steady_clock::now() - start > 30s) break;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // Every token a client received is stored (as its digest), and every user is there.
  void check_readback() {
    rt::Session session(engine_);
    EXPECT_EQ(session.query<social::User>().count(), kUsers);
    std::size_t missing = 0;
    for (const auto& value : tally.tokens) {
      if (!session.query<social::AuthToken>()
               .where(rt::c(&social::AuthToken::data) == social::token_digest(value))
               .exists())
        ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << tally.tokens.size() << " tokens handed out";
  }

  void report(const char* what, double recovery) {
    std::printf(
        "chaos %s: %ld calls, %ld ok, %ld UNAVAILABLE, %ld other; %zu tokens; "
        "recovered in %.3f s\n",
        what, tally.calls.load(), tally.ok.load(), tally.unavailable.load(), tally.wrong.load(),
        tally.tokens.size(), recovery);
    EXPECT_EQ(tally.wrong.load(), 0) << tally.first_wrong;
    EXPECT_GT(tally.ok.load(), 0);
    EXPECT_LT(recovery, 1.0) << "calls did not succeed again within a second";
  }

  rt::Engine& engine() { return engine_; }
  Tally tally;

 private:
  grpc::Status authenticate(int user, sp::AuthResponse& out) {
    sp::AuthRequest request;
    request.set_username("user" + std::to_string(user % kUsers + 1));
    request.set_password("password" + std::to_string(user % kUsers + 1));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    return sp::Auth::NewStub(channel_)->AuthenticateUser(&context, request, &out);
  }

  void client(int t, const std::atomic<bool>& stop) {
    std::mt19937 rng(static_cast<unsigned>(t));
    std::string token;
    while (!stop.load()) {
      const int user = static_cast<int>(rng() % kUsers);
      if (token.empty() || rng() % 4 == 0) {
        sp::AuthResponse login;
        const auto status = authenticate(user, login);
        tally.count(status);
        if (status.ok()) {
          token = login.token().value();
          std::lock_guard lock(tally.mutex);
          tally.tokens.push_back(token);
        }
        continue;
      }
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 30s);
      context.AddMetadata("authorization", "Bearer " + token);
      if (rng() % 2) {
        simple::UserDataRequest request;
        request.set_user_uuid(uuids_[static_cast<std::size_t>(user)]);
        simple::User out;
        tally.count(simple::UserService::NewStub(channel_)->GetUser(&context, request, &out));
      } else {
        sp::MediaRequest request;
        request.set_media_name("media-" + std::to_string(user + 1));
        sp::UserMedia out;
        tally.count(sp::Media::NewStub(channel_)->GetMedia(&context, request, &out));
      }
    }
  }

  rt::Engine engine_;
  int threads_;
  std::vector<std::string> uuids_;
  std::unique_ptr<social::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST(Chaos, PostgresBackendsKilledAndTheServerRestarted) {
  const char* restart = std::getenv("RETORT_TEST_POSTGRES_RESTART");
  ASSERT_TRUE(restart && *restart) << "run through scripts/test or scripts/pg";
  auto url = rt::URL::parse(postgres_url());
  url.set_query_value("application_name", "retort_chaos");
  Chaos chaos(rt::create_engine(url.render(false), {.pool_size = 8, .pool_pre_ping = true}), 8);
  auto admin = rt::create_engine(postgres_url(), {.poolclass = rt::PoolKind::null});
  const double recovery = chaos.run([&](const std::atomic<bool>& stop) {
    const auto restart_at = std::chrono::steady_clock::now() + chaos_duration() / 2;
    bool restarted = false;
    while (!stop.load()) {
      std::this_thread::sleep_for(500ms);
      if (!restarted && std::chrono::steady_clock::now() > restart_at) {
        restarted = true;
        EXPECT_EQ(std::system(restart), 0) << "restarting PostgreSQL";
        continue;
      }
      try {
        admin.connect().execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'retort_chaos'");
      } catch (const rt::Error&) {
        // The server is restarting.
      }
    }
    EXPECT_TRUE(restarted);
  });
  chaos.report("postgresql", recovery);
  chaos.check_readback();
}

TEST(Chaos, SqliteWritersWhileAnotherConnectionHoldsTheLock) {
  const std::string url = sqlite_url() + "?timeout=2";
  Chaos chaos(rt::create_engine(url, {.pool_size = 16}), 16);
  const double recovery = chaos.run([&](const std::atomic<bool>& stop) {
    auto blocker = rt::create_engine(url).connect();
    const auto long_hold_at = std::chrono::steady_clock::now() + chaos_duration() / 2;
    bool held_long = false;
    while (!stop.load()) {
      std::this_thread::sleep_for(500ms);
      // Bursts well within the busy timeout, and once past it.
      const bool long_hold = !held_long && std::chrono::steady_clock::now() > long_hold_at;
      held_long = held_long || long_hold;
      // The writers may keep the lock past the blocker's own busy timeout (slow builds):
      // it tries again rather than give up.
      bool locked = false;
      while (!locked && !stop.load()) {
        try {
          blocker.execute_script("BEGIN EXCLUSIVE");
          locked = true;
        } catch (const rt::OperationalError&) {
        }
      }
      if (!locked) break;
      std::this_thread::sleep_for(long_hold ? 3s : 200ms);
      blocker.execute_script("COMMIT");
    }
  });
  chaos.report("sqlite", recovery);
  EXPECT_GT(chaos.tally.unavailable.load(), 0) << "the long hold was expected to time calls out";
  chaos.check_readback();
}

}  // namespace
}  // namespace retort_test
