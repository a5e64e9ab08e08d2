// libFuzzer target: random protobuf wire bytes and random JSON into the social platform's
// mappings (from_proto, update with a FieldMask, the JSON dictionary mapping and the
// service layer's update from a dictionary). Errors are expected; what must never happen
// is a crash, a sanitizer report, or a failed call that changed the object.
//
// Input: byte 0 picks the operation, byte 1 the FieldMask paths, the rest is the payload
// (wire bytes or JSON text).
#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mappings.hpp"
#include "retort/proto/json_mapping.hpp"
#include "retort/service/dict.hpp"

namespace {

namespace rt = retort;
namespace sp = services::social_platform;
using social::AuthToken;
using social::Media;
using social::User;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "retort_proto_fuzz: %s\n", what);
  std::abort();
}

// Everything a mapping could write, and the identity of every related object.
struct TokenSnapshot {
  const AuthToken* object;
  std::string uuid, data;
  rt::Timestamp created_at, expires_at;
  bool operator==(const TokenSnapshot&) const = default;
};

struct UserSnapshot {
  std::string uuid, login, email, password, extra_info;
  std::vector<TokenSnapshot> tokens;
  bool operator==(const UserSnapshot&) const = default;
};

UserSnapshot snapshot(const User& u) {
  UserSnapshot s{u.uuid.str(), u.login, u.email, u.password, u.extra_info.text, {}};
  for (const auto& t : u.tokens) {
    s.tokens.push_back({&*t, t->uuid.str(), t->data, t->created_at, t->expires_at});
  }
  return s;
}

struct MediaSnapshot {
  std::string uuid, name, link, blob;
  social::ContentType content_type;
  const User* author;
  UserSnapshot author_fields;
  bool operator==(const MediaSnapshot&) const = default;
};

MediaSnapshot snapshot(const Media& m) {
  return {m.uuid.str(),
          m.name,
          m.link,
          std::string(m.blob.begin(), m.blob.end()),
          m.content_type,
          m.author ? &*m.author.get() : nullptr,
          m.author ? snapshot(*m.author.get()) : UserSnapshot{}};
}

rt::Ref<User> sample_user() {
  auto user = rt::make_ref(User{.login = "ada",
                                .email = "ada@example.org",
                                .password = "$argon2id$v=19$hash",
                                .extra_info = {R"({"lang":"en","n":[1,2.5,null]})"}});
  const auto t0 = rt::Timestamp(std::chrono::seconds(1700000000));
  for (int i = 0; i < 3; ++i) {
    user->tokens.push_back(rt::make_ref(AuthToken{.data = "token" + std::to_string(i),
                                                  .created_at = t0 + std::chrono::seconds(i),
                                                  .expires_at = t0 + std::chrono::hours(1)}));
  }
  return user;
}

google::protobuf::FieldMask mask_of(std::uint8_t bits, const std::vector<const char*>& paths) {
  google::protobuf::FieldMask mask;
  for (std::size_t i = 0; i < paths.size() && i < 8; ++i) {
    if (bits & (1u << i)) mask.add_paths(paths[i]);
  }
  return mask;
}

// A message that maps to an object maps back to a message that maps to the same object.
void round_trip(const sp::User& message) {
  User first;
  try {
    first = social::user_pb().from_proto(message);
  } catch (const rt::Error&) {
    return;
  }
  const sp::User again = social::user_pb().to_proto(first);
  const User second = social::user_pb().from_proto(again);
  auto a = snapshot(first), b = snapshot(second);
  a.uuid = b.uuid = {};  // from_proto of an empty uuid leaves a fresh random one
  for (auto* s : {&a, &b}) {
    for (auto& t : s->tokens)
      t.object = nullptr, t.uuid = {};
  }
  if (!(a == b)) fail("from_proto(to_proto(from_proto(m))) differs from from_proto(m)");
}

void update_user(const sp::User& message, std::uint8_t bits) {
  auto user = sample_user();
  const auto mask = mask_of(bits, {"uuid", "username", "email", "tokens", "metadata", "nope",
                                   "tokens.value", "metadata.x"});
  const auto before = snapshot(*user);
  try {
    social::user_pb().update(*user, message, mask);
  } catch (const rt::Error&) {
    if (!(snapshot(*user) == before)) fail("a failed update changed the user");
  }
}

void update_media(const sp::UserMedia& message, std::uint8_t bits) {
  Media media{.name = "cat.gif", .link = "https://example.org/cat.gif"};
  media.blob = rt::Blob{0, 255, 0};
  media.author = sample_user();
  const auto mask = mask_of(bits, {"uuid", "name", "author", "author.username", "download_url",
                                   "blob", "content_type", "author.tokens"});
  const auto before = snapshot(media);
  try {
    social::media_pb().update(media, message, mask);
  } catch (const rt::Error&) {
    if (!(snapshot(media) == before)) fail("a failed update changed the media");
  }
  try {
    (void)social::media_pb().from_proto(message);
  } catch (const rt::Error&) {
  }
}

// The service layer's dictionary update checks everything before it changes anything.
void update_from_dict(std::string_view text) {
  const auto dict = rt::Dict::parse(text, nullptr, false);
  if (dict.is_discarded()) return;
  auto user = sample_user();
  const auto before = snapshot(*user);
  try {
    rt::update(user, dict);
  } catch (const rt::Error&) {
    if (!(snapshot(*user) == before)) fail("a failed dictionary update changed the user");
  }
}

// The dictionary mapping (mercator's dict-to-message form).
void json_mapping(std::string_view text) {
  static const auto m =
      rt::proto::json_mapping<sp::User>()
          .key("username", "login")
          .list("tokens", "tokens",
                rt::proto::json_mapping<sp::User::AuthToken>().key("value", "data"));
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return;
  try {
    const sp::User message = m.to_proto(json);
    (void)m.to_json(message);
  } catch (const rt::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 in a string field is expected
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t op = data[0] % 6, bits = data[1];
  const std::string payload(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (op) {
    case 0:
    case 1: {  // wire bytes, or protobuf JSON, as a User
      sp::User message;
      if (op == 0 ? !message.ParseFromString(payload)
                  : !google::protobuf::util::JsonStringToMessage(payload, &message).ok()) {
        return 0;
      }
      round_trip(message);
      update_user(message, bits);
      break;
    }
    case 2:
    case 3: {  // the same as a UserMedia
      sp::UserMedia message;
      if (op == 2 ? !message.ParseFromString(payload)
                  : !google::protobuf::util::JsonStringToMessage(payload, &message).ok()) {
        return 0;
      }
      update_media(message, bits);
      break;
    }
    case 4:
      update_from_dict(payload);
      break;
    case 5:
      json_mapping(payload);
      break;
  }
  return 0;
}
