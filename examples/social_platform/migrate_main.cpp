// The retort migration commands with the social platform's models built in, so that
// `revision --autogenerate` and `check` compare them with the database:
//
//   social-platform-migrate -c examples/social_platform/retort.ini --url URL check
#include "retort/migrate/commands.hpp"
#include "service.hpp"

int main(int argc, char** argv) {
  return retort::migrate::main(argc, argv, social::models());
}
