// The social platform's tables, as in the seed: users with UUID keys, their auth tokens
// and their media. Tokens and media reach their user through a join condition on
// owner_id / author_id; the database has no foreign-key constraint for either.
#pragma once

#include <optional>
#include <string>

#include "retort/orm.hpp"

namespace social {

namespace rt = retort;

// The order of the proto enum UserMedia.ContentType, stored by name.
enum class ContentType { blog_post, image, video, quote, gif };

struct AuthToken;

struct User {
  rt::Uuid uuid = rt::Uuid::random();
  std::string login{};
  std::string email{};
  std::string password{};  // an argon2id hash string, never a password
  rt::JsonText extra_info{"{}"};
  rt::Many<AuthToken> tokens{};
  static auto mapping();
};

struct AuthToken {
  rt::Uuid uuid = rt::Uuid::random();
  std::string data{};
  rt::Timestamp created_at{};
  rt::Timestamp expires_at{};
  rt::Uuid owner_id{};
  rt::One<User> owner{};
  static auto mapping() {
    return rt::model<AuthToken>("auth_token")
        .column("uuid", &AuthToken::uuid, rt::primary_key)
        .column("data", &AuthToken::data, rt::String(256), rt::unique)
        .column("created_at", &AuthToken::created_at)
        .column("expires_at", &AuthToken::expires_at)
        .column("owner_id", &AuthToken::owner_id, rt::index)
        .relationship("owner", &AuthToken::owner, rt::join_on(&AuthToken::owner_id, &User::uuid));
  }
};

inline auto User::mapping() {
  return rt::model<User>("user")
      .column("uuid", &User::uuid, rt::primary_key)
      .column("login", &User::login, rt::String(256), rt::unique)
      .column("email", &User::email, rt::String(256))
      .column("password", &User::password, rt::String(256))
      .column("extra_info", &User::extra_info)
      .relationship("tokens", &User::tokens, rt::join_on(&User::uuid, &AuthToken::owner_id),
                    rt::order_by(&AuthToken::created_at));
}

struct Media {
  rt::Uuid uuid = rt::Uuid::random();
  std::string name{};
  rt::Uuid author_id{};
  rt::One<User> author{};
  std::string link{};
  rt::Blob blob{};
  ContentType content_type = ContentType::blog_post;
  static auto mapping() {
    return rt::model<Media>("media")
        .column("uuid", &Media::uuid, rt::primary_key)
        .column("name", &Media::name, rt::String(256), rt::unique)
        .column("author_id", &Media::author_id, rt::index)
        .column("link", &Media::link, rt::String(256))
        .column("blob", &Media::blob)
        .column("content_type", &Media::content_type,
                rt::Enum({"blog_post", "image", "video", "quote", "gif"}, "content_type"))
        .relationship("author", &Media::author, rt::join_on(&Media::author_id, &User::uuid));
  }
};

}  // namespace social
