// What a model file costs to compile: the social platform's three models and two queries
// (a filter on User; Media loaded with its author by selectin, ordered and limited).
// scripts/bench times it at -O2 beside the plain header it includes.
#include <string>
#include <vector>

#include "social_platform/models.hpp"

namespace social {

std::vector<rt::Ref<User>> users_named(rt::Session& session, const std::string& login) {
  return session.query<User>().where(rt::c(&User::login) == login).all();
}

std::vector<rt::Ref<Media>> latest_media(rt::Session& session) {
  return session.query<Media>()
      .options(rt::selectin(&Media::author))
      .order_by(rt::c(&Media::name).desc())
      .limit(10)
      .all();
}

}  // namespace social
