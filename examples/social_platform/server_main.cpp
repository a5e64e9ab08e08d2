// The social platform's gRPC server.
//
//   social-platform-server [--database-url URL] [--listen HOST:PORT] [--seed N]
//                          [--migrations DIR | --no-migrate]
//
// Upgrades the database to the head revision of its migrations, adds N demo users when
// asked, prints "listening on HOST:PORT" and serves until SIGINT or SIGTERM.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "service.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Social platform gRPC server (Auth, Media, UserService)"};
  std::string url = "sqlite:///social-platform.db";
  std::string listen = "127.0.0.1:50051";
  int seed_users = 0;
  std::string cost = "interactive";
  std::string migrations = SOCIAL_PLATFORM_MIGRATIONS;
  bool no_migrate = false;
  app.add_option("--database-url", url, "database URL")->capture_default_str();
  app.add_option("--listen", listen, "address to serve on (port 0 picks one)")
      ->capture_default_str();
  app.add_option("--seed", seed_users, "add N demo users when the database has none");
  app.add_option("--password-cost", cost, "argon2id cost of new hashes")
      ->check(CLI::IsMember({"interactive", "minimal"}))
      ->capture_default_str();
  app.add_option("--migrations", migrations, "migrations folder")->capture_default_str();
  app.add_flag("--no-migrate", no_migrate, "leave the schema alone (managed elsewhere)");
  CLI11_PARSE(app, argc, argv);

  // SIGINT and SIGTERM are taken by a thread that shuts the server down cleanly.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  try {
    const auto password_cost =
        cost == "minimal" ? social::PasswordCost::minimal : social::PasswordCost::interactive;
    auto engine = retort::create_engine(url);
    if (no_migrate) {
      social::models();
    } else {
      for (const auto& id : social::migrate(engine, migrations))
        std::cout << "upgraded to " << id << std::endl;
    }
    if (const int added = social::seed(engine, seed_users, password_cost))
      std::cout << "seeded " << added << " users" << std::endl;
    social::Server server(engine, {.password_cost = password_cost});
    std::cout << "listening on " << server.start(listen) << std::endl;
    std::thread stopper([&] {
      int sig = 0;
      sigwait(&stop, &sig);
      server.shutdown();
    });
    server.wait();
    stopper.join();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
