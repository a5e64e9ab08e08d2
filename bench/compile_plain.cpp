// What bench/compile_cost.cpp costs without Retort: the same three structs with plain
// members and the same two queries over vectors. scripts/bench times the two side by side.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace social {

using Uuid = std::array<std::uint8_t, 16>;
enum class ContentType { blog_post, image, video, quote, gif };

struct AuthToken;

struct User {
  Uuid uuid{};
  std::string login{};
  std::string email{};
  std::string password{};
  std::string extra_info{"{}"};
  std::vector<AuthToken*> tokens{};
};

struct AuthToken {
  Uuid uuid{};
  std::string data{};
  std::chrono::sys_time<std::chrono::microseconds> created_at{};
  std::chrono::sys_time<std::chrono::microseconds> expires_at{};
  Uuid owner_id{};
  User* owner = nullptr;
};

struct Media {
  Uuid uuid{};
  std::string name{};
  Uuid author_id{};
  User* author = nullptr;
  std::string link{};
  std::vector<std::uint8_t> blob{};
  ContentType content_type = ContentType::blog_post;
};

std::vector<User*> users_named(std::vector<User>& users, const std::string& login) {
  std::vector<User*> out;
  for (auto& u : users) {
    if (u.login == login) out.push_back(&u);
  }
  return out;
}

std::vector<Media*> latest_media(std::vector<Media>& media) {
  std::vector<Media*> out;
  for (auto& m : media)
    out.push_back(&m);
  std::sort(out.begin(), out.end(),
            [](const Media* a, const Media* b) { return a->name > b->name; });
  if (out.size() > 10) out.resize(10);
  return out;
}

}  // namespace social
