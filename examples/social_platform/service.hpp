// The social platform's gRPC services (Auth, Media and the simple example's UserService)
// over one engine: a Session per request from the engine's pool.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "passwords.hpp"
#include "retort/core.hpp"
#include "retort/schema.hpp"

namespace social {

struct ServiceOptions {
  PasswordCost password_cost = PasswordCost::interactive;
  std::chrono::seconds token_lifetime{3600};
};

// The models' tables (the user, auth_token and media models, registered).
const retort::MetaData& models();
// Creates the tables that are missing, without migrations (tests and benchmarks).
void create_schema(const retort::Engine& engine);
// Upgrades the database to the head revision of the migrations folder
// (migrations/versions) and returns the revisions it ran.
std::vector<std::string> migrate(const retort::Engine& engine,
                                 const std::filesystem::path& migrations);

// Adds users user1..userN (password "password<i>") with one media each, unless users
// exist already. Returns the number of users added.
int seed(const retort::Engine& engine, int users, PasswordCost cost);

class Server {
 public:
  Server(retort::Engine engine, ServiceOptions options = {});
  ~Server();

  // Listens on host:port ("127.0.0.1:0" picks a free port) and serves in the background;
  // returns the address it is bound to.
  std::string start(const std::string& listen);
  // Blocks until shutdown().
  void wait();
  // Finishes the calls in flight and stops.
  void shutdown();

 private:
  struct Services;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace social
