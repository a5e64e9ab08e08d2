// The seed's ProtoMappings, checked against the messages once, at first use. No mapping
// names the password column, so no response can carry it.
#pragma once

#include "models.hpp"
#include "proto/social_platform.retort.h"
#include "proto/user.retort.h"
#include "retort/proto/mapping.hpp"

namespace social {

namespace sp = services::social_platform;
namespace simple = services::simple_example::sqlalchemy;

// value <- data; created_at and expires_at map by name, time points to Timestamps.
inline const auto& token_pb() {
  static const auto m =
      rt::proto::mapping<AuthToken, sp::User::AuthToken>().key("value", &AuthToken::data);
  return m;
}

// uuid and email map by name; username <- login; metadata <- the JSON extra_info.
inline const auto& user_pb() {
  static const auto m = rt::proto::mapping<User, sp::User>()
                            .key("username", &User::login)
                            .key("metadata", &User::extra_info)
                            .list("tokens", &User::tokens, token_pb());
  return m;
}

// A media's author is shown to anyone who can see the media: the profile without the
// author's tokens (the seed's mapping would hand them out).
inline const auto& author_pb() {
  static const auto m = user_pb().skip("tokens");
  return m;
}

inline const auto& media_pb() {
  static const auto m = rt::proto::mapping<Media, sp::UserMedia>()
                            .key("author", &Media::author, author_pb())
                            .key("download_url", &Media::link)
                            .key("content_type", &Media::content_type);
  return m;
}

// The simple example's User.
inline const auto& simple_user_pb() {
  static const auto m = rt::proto::mapping<User, simple::User>().key("username", &User::login);
  return m;
}

}  // namespace social
