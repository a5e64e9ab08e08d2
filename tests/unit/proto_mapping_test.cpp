// Mapping structs to protobuf messages and back: every conversion both ways, nested and
// repeated messages, FieldMask updates, and the errors with their messages.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <random>
#include <typeindex>

#include "mapping_test.pb.h"
#include "proto/accessors_test.retort.h"
#include "retort/orm.hpp"
#include "retort/proto/json_mapping.hpp"
#include "retort/proto/mapping.hpp"

namespace rt = retort;
namespace pbt = retort::test;
namespace pbg = retort::test::generated;  // the same messages, with generated accessors

namespace retort_test {
namespace {

using namespace std::chrono_literals;

// The social-platform seed's users and tokens, as mapped models.
struct PToken {
  rt::Uuid uuid = rt::Uuid::random();
  std::string data{};
  rt::Timestamp created_at{};
  std::optional<rt::Timestamp> expires_at{};
  std::optional<rt::Uuid> owner_id{};
  static auto mapping() {
    return rt::model<PToken>("proto_token")
        .column("uuid", &PToken::uuid, rt::primary_key)
        .column("data", &PToken::data, rt::String(256))
        .column("created_at", &PToken::created_at)
        .column("expires_at", &PToken::expires_at)
        .column("owner_id", &PToken::owner_id);
  }
};
struct PUser {
  rt::Uuid uuid = rt::Uuid::random();
  std::string login{};
  std::optional<std::string> email{};
  std::string password{};
  rt::JsonText extra_info{"{}"};
  rt::Many<PToken> tokens{};
  static auto mapping() {
    return rt::model<PUser>("proto_user")
        .column("uuid", &PUser::uuid, rt::primary_key)
        .column("login", &PUser::login, rt::String(256))
        .column("email", &PUser::email, rt::String(256))
        .column("password", &PUser::password, rt::String(256))
        .column("extra_info", &PUser::extra_info)
        .relationship("tokens", &PUser::tokens, rt::join_on(&PUser::uuid, &PToken::owner_id))
        .on_set(&PUser::login, [](PUser&, std::string& v) { lower(v); })
        .on_set(&PUser::email, [](PUser&, std::optional<std::string>& v) {
          if (v) lower(*v);
        });
  }
  static void lower(std::string& s) {
    for (char& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
};

// Token: value <- data; created_at and expires_at map by their names.
const auto& token_pb() {
  static const auto m = rt::proto::mapping<PToken, pbt::Token>().key("value", &PToken::data);
  return m;
}
const auto& user_pb() {
  static const auto m = rt::proto::mapping<PUser, pbt::Profile>()
                            .key("uuid", &PUser::uuid)
                            .key("username", &PUser::login)
                            .key("metadata", &PUser::extra_info)
                            .list("tokens", &PUser::tokens, token_pb());
  return m;
}

const rt::Timestamp t0 = rt::Timestamp(std::chrono::seconds(1700000000)) + 123456us;

rt::Ref<PUser> make_user() {
  auto user = rt::make_ref(PUser{.login = "ada",
                                 .email = "ada@example.org",
                                 .password = "$argon2id$secret",
                                 .extra_info = {R"({"lang":"en","tags":["a","b"],"n":3})"}});
  for (int i = 0; i < 3; ++i) {
    user->tokens.push_back(rt::make_ref(PToken{.data = "t" + std::to_string(i),
                                               .created_at = t0 + std::chrono::seconds(i),
                                               .expires_at = std::nullopt}));
  }
  auto second = user->tokens[1];
  second->expires_at = t0 + 1h;
  return user;
}

TEST(ProtoMapping, ModelToMessageWithRenamesListsAndStruct) {
  auto user = make_user();
  const pbt::Profile msg = user_pb().to_proto(*user);
  EXPECT_EQ(msg.uuid(), user->uuid.str());
  EXPECT_EQ(msg.username(), "ada");
  EXPECT_EQ(msg.email(), "ada@example.org") << "same-named column, mapped implicitly";
  ASSERT_EQ(msg.tokens_size(), 3);
  EXPECT_EQ(msg.tokens(2).value(), "t2");
  EXPECT_EQ(msg.tokens(0).created_at().seconds(), 1700000000);
  EXPECT_EQ(msg.tokens(0).created_at().nanos(), 123456000);
  EXPECT_FALSE(msg.tokens(0).has_expires_at()) << "an empty optional leaves the field unset";
  EXPECT_EQ(msg.tokens(1).expires_at().seconds(), 1700003600);
  EXPECT_EQ(msg.metadata().fields().at("lang").string_value(), "en");
  EXPECT_EQ(msg.metadata().fields().at("tags").list_value().values(1).string_value(), "b");
  EXPECT_EQ(msg.metadata().fields().at("n").number_value(), 3);
  EXPECT_EQ(msg.SerializeAsString().find("argon2id"), std::string::npos)
      << "the password is not in the message";
}

TEST(ProtoMapping, MessageBackToANewModel) {
  auto user = make_user();
  const PUser back = user_pb().from_proto(user_pb().to_proto(*user));
  EXPECT_EQ(back.uuid, user->uuid);
  EXPECT_EQ(back.login, "ada");
  EXPECT_EQ(back.email, "ada@example.org");
  EXPECT_EQ(back.password, "") << "not mapped, not touched";
  EXPECT_EQ(nlohmann::json::parse(back.extra_info.text),
            nlohmann::json::parse(user->extra_info.text));
  ASSERT_EQ(back.tokens.size(), 3u);
  EXPECT_EQ(back.tokens[1]->data, "t1");
  EXPECT_EQ(back.tokens[1]->created_at, t0 + 1s);
  EXPECT_EQ(back.tokens[1]->expires_at, t0 + 1h);
  EXPECT_FALSE(back.tokens[0]->expires_at);
}

TEST(ProtoMapping, MessagesMeetTheColumnsOnSetHooks) {
  pbt::Profile msg = user_pb().to_proto(*make_user());
  msg.set_username("GRACE");
  msg.set_email("Grace@Example.ORG");
  const PUser back = user_pb().from_proto(msg);
  EXPECT_EQ(back.login, "grace") << "a renamed member";
  EXPECT_EQ(back.email, "grace@example.org") << "a same-named column";

  auto user = make_user();
  google::protobuf::FieldMask mask;
  mask.add_paths("username");
  user_pb().update(*user, msg, mask);
  EXPECT_EQ(user->login, "grace");
  EXPECT_EQ(user->email, "ada@example.org");
}

TEST(ProtoMapping, FieldMaskUpdatesOnlyItsPaths) {
  auto user = make_user();
  pbt::Profile msg;
  msg.set_username("grace");
  msg.set_email("grace@example.org");
  google::protobuf::FieldMask mask;
  mask.add_paths("email");
  user_pb().update(*user, msg, mask);
  EXPECT_EQ(user->email, "grace@example.org");
  EXPECT_EQ(user->login, "ada") << "not in the mask";
  EXPECT_EQ(user->tokens.size(), 3u);

  mask.add_paths("tokens");
  user_pb().update(*user, msg, mask);
  EXPECT_EQ(user->tokens.size(), 0u) << "the masked list is replaced by the message's (empty) one";

  mask.add_paths("password");
  try {
    user_pb().update(*user, msg, mask);
    FAIL();
  } catch (const rt::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'password' is not a mapped field of Profile"),
              std::string::npos)
        << e.what();
  }
}

// A plain struct, mapped to nothing: every conversion, explicitly.
enum class Kind { unknown, person, robot };
struct Everything {
  std::int64_t small = 0;
  std::int64_t unsigned_small = 0;
  std::string big = "0";      // numeric text -> int64
  std::int64_t big_text = 0;  // integer -> string
  rt::Blob avatar{};
  double score = 0;
  float ratio = 0;
  bool active = false;
  std::string kind = "UNKNOWN";  // enum <- name
  std::optional<std::string> nickname{};
  std::optional<std::int64_t> age{};
  std::vector<std::string> tags{};
  std::vector<int> numbers{};
  rt::JsonText history{"[]"};
  std::int64_t seen_at = 0;  // epoch seconds -> Timestamp
  std::optional<std::int64_t> visits{};
  Kind role = Kind::unknown;  // enum <- C++ enum
  int level = 0;              // enum <- number
};

const auto& everything_pb() {
  static const auto m = rt::proto::mapping<Everything, pbt::Profile>()
                            .key("small", &Everything::small)
                            .key("unsigned_small", &Everything::unsigned_small)
                            .key("big", &Everything::big)
                            .key("big_text", &Everything::big_text)
                            .key("avatar", &Everything::avatar)
                            .key("score", &Everything::score)
                            .key("ratio", &Everything::ratio)
                            .key("active", &Everything::active)
                            .key("kind", &Everything::kind)
                            .key("nickname", &Everything::nickname)
                            .key("age", &Everything::age)
                            .key("tags", &Everything::tags)
                            .key("numbers", &Everything::numbers)
                            .key("history", &Everything::history)
                            .key("seen_at", &Everything::seen_at)
                            .key("visits", &Everything::visits)
                            .key("role", &Everything::role)
                            .key("level", &Everything::level);
  return m;
}

TEST(ProtoMapping, EveryConversionBothWays) {
  Everything e{.small = -7,
               .unsigned_small = 4000000000,
               .big = "9007199254740993",
               .big_text = 42,
               .avatar = {0, 255, 10},
               .score = 2.5,
               .ratio = 0.25f,
               .active = true,
               .kind = "ROBOT",
               .nickname = "bot",
               .age = 0,
               .tags = {"x", "y"},
               .numbers = {1, -2, 3},
               .history = {R"([1, "two", null, {"k": true}])"},
               .seen_at = 1700000000,
               .visits = 12,
               .role = Kind::person,
               .level = 2};
  const pbt::Profile msg = everything_pb().to_proto(e);
  EXPECT_EQ(msg.small(), -7);
  EXPECT_EQ(msg.unsigned_small(), 4000000000u);
  EXPECT_EQ(msg.big(), 9007199254740993);
  EXPECT_EQ(msg.big_text(), "42");
  EXPECT_EQ(msg.avatar(), std::string("\0\xff\n", 3));
  EXPECT_EQ(msg.score(), 2.5);
  EXPECT_EQ(msg.ratio(), 0.25f);
  EXPECT_TRUE(msg.active());
  EXPECT_EQ(msg.kind(), pbt::Profile::ROBOT);
  EXPECT_EQ(msg.nickname().value(), "bot");
  EXPECT_TRUE(msg.has_age()) << "proto3 optional: a present zero is set";
  EXPECT_EQ(msg.age(), 0);
  ASSERT_EQ(msg.tags_size(), 2);
  EXPECT_EQ(msg.tags(1), "y");
  ASSERT_EQ(msg.numbers_size(), 3);
  EXPECT_EQ(msg.numbers(1), -2);
  ASSERT_EQ(msg.history().values_size(), 4);
  EXPECT_EQ(msg.history().values(1).string_value(), "two");
  EXPECT_TRUE(msg.history().values(3).struct_value().fields().at("k").bool_value());
  EXPECT_EQ(msg.seen_at().seconds(), 1700000000);
  EXPECT_EQ(msg.visits().value(), 12);
  EXPECT_EQ(msg.role(), pbt::Profile::PERSON);
  EXPECT_EQ(msg.level(), pbt::Profile::ROBOT);

  const Everything back = everything_pb().from_proto(msg);
  EXPECT_EQ(back.small, -7);
  EXPECT_EQ(back.unsigned_small, 4000000000);
  EXPECT_EQ(back.big, "9007199254740993");
  EXPECT_EQ(back.big_text, 42);
  EXPECT_EQ(back.avatar, e.avatar);
  EXPECT_EQ(back.ratio, 0.25f);
  EXPECT_EQ(back.kind, "ROBOT");
  EXPECT_EQ(back.nickname, "bot");
  EXPECT_EQ(back.age, 0);
  EXPECT_EQ(back.tags, e.tags);
  EXPECT_EQ(back.numbers, e.numbers);
  EXPECT_EQ(back.visits, 12);
  EXPECT_EQ(back.seen_at, 1700000000);
  EXPECT_EQ(back.role, Kind::person);
  EXPECT_EQ(back.level, 2);

  // Empty optionals leave fields unset, and unset fields come back empty.
  const pbt::Profile empty = everything_pb().to_proto(Everything{});
  EXPECT_FALSE(empty.has_nickname());
  EXPECT_FALSE(empty.has_age());
  EXPECT_FALSE(empty.has_visits());
  const Everything none = everything_pb().from_proto(empty);
  EXPECT_FALSE(none.nickname);
  EXPECT_FALSE(none.age);
  EXPECT_FALSE(none.visits);
}

template <class F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const rt::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ProtoMapping, ValuesThatDoNotFitNameThePathAndType) {
  auto out_of_range =
      error_of([] { (void)everything_pb().to_proto(Everything{.small = 1LL << 40}); });
  EXPECT_NE(out_of_range.find("Profile.small"), std::string::npos) << out_of_range;
  EXPECT_NE(out_of_range.find("out of range"), std::string::npos) << out_of_range;
  EXPECT_NE(out_of_range.find("integer"), std::string::npos) << out_of_range;

  auto negative =
      error_of([] { (void)everything_pb().to_proto(Everything{.unsigned_small = -1}); });
  EXPECT_NE(negative.find("Profile.unsigned_small"), std::string::npos) << negative;

  auto not_a_number = error_of([] { (void)everything_pb().to_proto(Everything{.big = "12abc"}); });
  EXPECT_NE(not_a_number.find("'12abc' is not an integer"), std::string::npos) << not_a_number;

  auto enum_value = error_of([] { (void)everything_pb().to_proto(Everything{.kind = "ALIEN"}); });
  EXPECT_NE(enum_value.find("Profile.kind"), std::string::npos) << enum_value;
  EXPECT_NE(enum_value.find("UNKNOWN, PERSON, ROBOT"), std::string::npos) << enum_value;

  auto enum_number = error_of([] { (void)everything_pb().to_proto(Everything{.level = 7}); });
  EXPECT_NE(enum_number.find("Profile.level"), std::string::npos) << enum_number;
  EXPECT_NE(enum_number.find("7"), std::string::npos) << enum_number;

  // In a list, the element's index is in the path.
  auto user = make_user();
  auto bad_json = error_of([&] {
    user->extra_info = rt::JsonText{"[1, 2]"};
    (void)user_pb().to_proto(*user);
  });
  EXPECT_NE(bad_json.find("Profile.metadata"), std::string::npos) << bad_json;
  EXPECT_NE(bad_json.find("JSON object"), std::string::npos) << bad_json;
}

struct WhenText {
  std::string when{};
};
struct Basket {
  rt::Many<WhenText> items{};
};

TEST(ProtoMapping, ErrorsInsideListsNameTheElement) {
  const auto item = rt::proto::mapping<WhenText, pbt::Token>().key("created_at", &WhenText::when);
  const auto basket =
      rt::proto::mapping<Basket, pbt::Profile>().list("tokens", &Basket::items, item);
  Basket b;
  for (const char* w : {"2024-01-01 10:00:00", "2024-01-02 10:00:00", "yesterday"})
    b.items.push_back(rt::make_ref(WhenText{w}));
  auto message = error_of([&] { (void)basket.to_proto(b); });
  EXPECT_NE(message.find("Profile.tokens[2].created_at"), std::string::npos) << message;
  EXPECT_NE(message.find("text"), std::string::npos) << message;
}

struct Odd {
  std::int64_t n = 0;
  std::string s{};
};

TEST(ProtoMapping, DefinitionErrorsListTheMessageFields) {
  auto unknown =
      error_of([] { (void)rt::proto::mapping<Odd, pbt::Profile>().key("nope", &Odd::n); });
  EXPECT_NE(unknown.find("no field named 'nope'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("uuid (string), username (string)"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("tokens (repeated retort.test.Token)"), std::string::npos) << unknown;

  auto bytes =
      error_of([] { (void)rt::proto::mapping<Odd, pbt::Profile>().key("avatar", &Odd::n); });
  EXPECT_NE(bytes.find("never integers"), std::string::npos)
      << "an integer never silently becomes bytes: " << bytes;

  auto repeated =
      error_of([] { (void)rt::proto::mapping<Odd, pbt::Profile>().key("tags", &Odd::s); });
  EXPECT_NE(repeated.find("tags is repeated; map a std::vector member"), std::string::npos)
      << repeated;

  auto sub =
      error_of([] { (void)rt::proto::mapping<Odd, pbt::Profile>().key("main_token", &Odd::s); });
  EXPECT_NE(sub.find("needs a sub-mapping"), std::string::npos) << sub;

  auto wrong_sub = error_of([] {
    const auto token = rt::proto::mapping<PToken, pbt::Token>();
    (void)rt::proto::mapping<PUser, pbt::Profile>().list("tags", &PUser::tokens, token);
  });
  EXPECT_NE(wrong_sub.find("field 'tags' is not a repeated retort.test.Token"), std::string::npos)
      << wrong_sub;
}

// Members of the fields' own types, so that every typed rule runs.
struct Exact {
  std::int32_t small = 0;
  std::int64_t big = 0;
  double score = 0;
  bool active = false;
  std::optional<std::int64_t> age{};
  rt::Timestamp seen_at{};
  rt::One<PToken> main_token{};
};
template <class Message, class Token>
const auto& exact_pb() {
  static const auto m = rt::proto::mapping<Exact, Message>()
                            .key("small", &Exact::small)
                            .key("big", &Exact::big)
                            .key("score", &Exact::score)
                            .key("active", &Exact::active)
                            .key("age", &Exact::age)
                            .key("seen_at", &Exact::seen_at)
                            .key("main_token", &Exact::main_token,
                                 rt::proto::mapping<PToken, Token>().key("value", &PToken::data));
  return m;
}
const auto& generated_user_pb() {
  static const auto m =
      rt::proto::mapping<PUser, pbg::Profile>()
          .key("uuid", &PUser::uuid)
          .key("username", &PUser::login)
          .key("metadata", &PUser::extra_info)
          .list("tokens", &PUser::tokens,
                rt::proto::mapping<PToken, pbg::Token>().key("value", &PToken::data));
  return m;
}

// `b`, made through generated accessors, read as the reflection-made message type.
pbt::Profile as_reflected(const pbg::Profile& b) {
  pbt::Profile out;
  EXPECT_TRUE(out.ParseFromString(b.SerializeAsString()));
  return out;
}

// What the generated accessors of field `number` of Message reach: the value type of a
// scalar, Message for a singular message, std::vector<Message> for a repeated one, void
// for a field without accessors.
struct NoAccessors {};
template <class Message>
std::type_index generated_kind(int number) {
  using Msg = google::protobuf::Message;
  std::type_index kind = typeid(NoAccessors);
  rt::proto::Accessors<Message>::visit(number, [&]<class A>(A) {
    if constexpr (requires(Msg & m) { A::add(m); }) {
      kind = typeid(std::vector<Msg>);
    } else if constexpr (requires(Msg & m) { A::mut(m); }) {
      kind = typeid(Msg);
    } else {
      kind = typeid(std::remove_cvref_t<decltype(A::get(std::declval<const Msg&>()))>);
    }
  });
  return kind;
}

TEST(ProtoGeneratedAccessors, EveryFieldKindTheTypedRulesUse) {
  using Msg = google::protobuf::Message;
  EXPECT_EQ(generated_kind<pbg::Profile>(1), typeid(std::string)) << "uuid";
  EXPECT_EQ(generated_kind<pbg::Profile>(4), typeid(std::vector<Msg>)) << "tokens";
  EXPECT_EQ(generated_kind<pbg::Profile>(5), typeid(Msg)) << "metadata";
  EXPECT_EQ(generated_kind<pbg::Profile>(6), typeid(std::int32_t)) << "small";
  EXPECT_EQ(generated_kind<pbg::Profile>(8), typeid(std::int64_t)) << "big";
  EXPECT_EQ(generated_kind<pbg::Profile>(10), typeid(std::string)) << "avatar (bytes)";
  EXPECT_EQ(generated_kind<pbg::Profile>(11), typeid(double)) << "score";
  EXPECT_EQ(generated_kind<pbg::Profile>(13), typeid(bool)) << "active";
  EXPECT_EQ(generated_kind<pbg::Profile>(20), typeid(Msg)) << "main_token";
  EXPECT_EQ(generated_kind<pbg::Profile>(7), typeid(NoAccessors)) << "uint32: reflection";
  EXPECT_EQ(generated_kind<pbg::Profile>(17), typeid(NoAccessors)) << "repeated string";
  EXPECT_EQ(generated_kind<pbg::Token>(1), typeid(std::string)) << "nested message types too";
  EXPECT_FALSE(rt::proto::generated<pbt::Profile>) << "no accessors were generated for it";
  // The message fields' table, for the rules that keep accessors behind a pointer.
  using rt::proto::accessors_of;
  EXPECT_TRUE(accessors_of<pbg::Profile>(4)->add) << "tokens";
  EXPECT_TRUE(accessors_of<pbg::Profile>(20)->message) << "main_token";
  EXPECT_TRUE(accessors_of<pbg::Profile>(20)->clear) << "main_token";
  EXPECT_FALSE(accessors_of<pbg::Profile>(1)) << "uuid is a string: inlined only";
  EXPECT_FALSE(accessors_of<pbt::Profile>(1)) << "no accessors were generated for it";
}

TEST(ProtoGeneratedAccessors, SameMessagesAndObjectsAsThroughReflection) {
  using google::protobuf::util::MessageDifferencer;
  auto user = make_user();
  const pbg::Profile generated = generated_user_pb().to_proto(*user);
  EXPECT_TRUE(MessageDifferencer::Equals(as_reflected(generated), user_pb().to_proto(*user)));
  const PUser back = generated_user_pb().from_proto(generated);
  EXPECT_EQ(back.uuid, user->uuid);
  EXPECT_EQ(back.login, "ada");
  EXPECT_EQ(back.email, "ada@example.org") << "implicit, and through the on_set hook";
  EXPECT_EQ(nlohmann::json::parse(back.extra_info.text),
            nlohmann::json::parse(user->extra_info.text));
  ASSERT_EQ(back.tokens.size(), 3u);
  EXPECT_EQ(back.tokens[2]->data, "t2");
  EXPECT_EQ(back.tokens[1]->expires_at, t0 + 1h);
  EXPECT_FALSE(back.tokens[0]->expires_at) << "an unset Timestamp comes back empty";

  Exact e{.small = -5,
          .big = 1LL << 40,
          .score = 0.5,
          .active = true,
          .age = 0,
          .seen_at = t0,
          .main_token = rt::make_ref(PToken{.data = "main", .created_at = t0})};
  const pbg::Profile exact = exact_pb<pbg::Profile, pbg::Token>().to_proto(e);
  EXPECT_TRUE(MessageDifferencer::Equals(as_reflected(exact),
                                         exact_pb<pbt::Profile, pbt::Token>().to_proto(e)));
  EXPECT_EQ(exact.main_token().value(), "main");
  EXPECT_TRUE(exact.has_age());
  const Exact again = exact_pb<pbg::Profile, pbg::Token>().from_proto(exact);
  EXPECT_EQ(again.small, -5);
  EXPECT_EQ(again.big, 1LL << 40);
  EXPECT_EQ(again.score, 0.5);
  EXPECT_TRUE(again.active);
  EXPECT_EQ(again.age, 0);
  EXPECT_EQ(again.seen_at, t0);
  ASSERT_TRUE(again.main_token);
  EXPECT_EQ(again.main_token->data, "main");

  // Unset members clear their fields, and unset fields come back unset.
  pbg::Profile reused = exact;
  exact_pb<pbg::Profile, pbg::Token>().to_proto(Exact{}, reused);
  EXPECT_FALSE(reused.has_main_token());
  EXPECT_FALSE(reused.has_age());
  pbg::Profile unset;
  *unset.mutable_seen_at() = exact.seen_at();  // a time point member needs a time
  const Exact empty = exact_pb<pbg::Profile, pbg::Token>().from_proto(unset);
  EXPECT_FALSE(empty.main_token);
  EXPECT_FALSE(empty.age);
}

TEST(ProtoGeneratedAccessors, ErrorsNameThePathAsThroughReflection) {
  pbg::Profile bad = generated_user_pb().to_proto(*make_user());
  bad.set_uuid("not-a-uuid");
  auto uuid = error_of([&] { (void)generated_user_pb().from_proto(bad); });
  EXPECT_NE(uuid.find("Profile.uuid"), std::string::npos) << uuid;

  auto user = make_user();
  user->extra_info = rt::JsonText{"[1, 2]"};
  auto json = error_of([&] { (void)generated_user_pb().to_proto(*user); });
  EXPECT_NE(json.find("Profile.metadata"), std::string::npos) << json;

  pbg::Profile no_time = generated_user_pb().to_proto(*make_user());
  no_time.mutable_tokens(1)->clear_created_at();
  auto time = error_of([&] { (void)generated_user_pb().from_proto(no_time); });
  EXPECT_NE(time.find("Profile.tokens[1].created_at"), std::string::npos) << time;
}

// mercator's dict input: a JSON object, keys renamed by the mapping.
const auto& token_json() {
  static const auto m = rt::proto::json_mapping<pbt::Token>().key("value", "data");
  return m;
}
const auto& profile_json() {
  static const auto m = rt::proto::json_mapping<pbt::Profile>()
                            .key("uuid", "id")
                            .key("username", "login")
                            .key("metadata", "extra_info")
                            .list("tokens", "tokens", token_json())
                            .key("main_token", "current", token_json());
  return m;
}

TEST(ProtoJsonMapping, ObjectToMessageAndBack) {
  const auto input = nlohmann::json::parse(R"({
    "id": "5b0c1f4e-8d4a-4f0e-9f53-0c8f1f7c2a11", "login": "ada", "email": "ada@example.org",
    "password": "never mapped", "extra_info": {"lang": "en", "n": 3},
    "tokens": [{"data": "t0", "created_at": 1700000000}, {"data": "t1"}],
    "current": {"data": "t1"}, "big": "12", "big_text": 42, "kind": "ROBOT", "level": 1,
    "tags": ["x", "y"], "numbers": [1, 2], "nickname": null, "age": 0, "active": true})");
  const pbt::Profile msg = profile_json().to_proto(input);
  EXPECT_EQ(msg.uuid(), "5b0c1f4e-8d4a-4f0e-9f53-0c8f1f7c2a11");
  EXPECT_EQ(msg.username(), "ada");
  EXPECT_EQ(msg.email(), "ada@example.org") << "same-named key, mapped implicitly";
  EXPECT_EQ(msg.metadata().fields().at("n").number_value(), 3);
  ASSERT_EQ(msg.tokens_size(), 2);
  EXPECT_EQ(msg.tokens(0).created_at().seconds(), 1700000000) << "epoch seconds -> Timestamp";
  EXPECT_FALSE(msg.tokens(1).has_created_at()) << "a missing key leaves the field unset";
  EXPECT_EQ(msg.main_token().value(), "t1");
  EXPECT_EQ(msg.big(), 12);
  EXPECT_EQ(msg.big_text(), "42");
  EXPECT_EQ(msg.kind(), pbt::Profile::ROBOT);
  EXPECT_EQ(msg.level(), pbt::Profile::PERSON);
  EXPECT_EQ(msg.tags(1), "y");
  EXPECT_EQ(msg.numbers(1), 2);
  EXPECT_FALSE(msg.has_nickname()) << "null leaves a wrapper unset";
  EXPECT_TRUE(msg.has_age());
  EXPECT_TRUE(msg.active());

  const nlohmann::json back = profile_json().to_json(msg);
  EXPECT_EQ(back["id"], input["id"]);
  EXPECT_EQ(back["login"], "ada");
  EXPECT_EQ(back["extra_info"], input["extra_info"]);
  EXPECT_EQ(back["tokens"][0]["data"], "t0");
  EXPECT_EQ(back["tokens"][0]["created_at"], "2023-11-14T22:13:20Z");
  EXPECT_FALSE(back["tokens"][1].contains("created_at"));
  EXPECT_EQ(back["current"]["data"], "t1");
  EXPECT_EQ(back["tags"], input["tags"]);
  EXPECT_EQ(back["kind"], "ROBOT");
  EXPECT_FALSE(back.contains("password"));
  EXPECT_FALSE(back.contains("nickname"));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(profile_json().to_proto(back), msg))
      << "the way back maps again to the same message";
}

// Protobuf's JSON names NaN and the infinities; null would leave the field unset.
TEST(ProtoJsonMapping, NonFiniteDoublesKeepTheirNames) {
  const auto contact = rt::proto::json_mapping<pbt::Contact>();
  for (const double d : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    pbt::Contact msg;
    msg.set_score(d);
    const nlohmann::json j = contact.to_json(msg);
    EXPECT_EQ(j["score"], std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    const pbt::Contact back = contact.to_proto(j);
    EXPECT_TRUE(std::isnan(d) ? std::isnan(back.score()) : back.score() == d);
  }
}

TEST(ProtoJsonMapping, ErrorsNameThePath) {
  auto in_list = error_of([] {
    (void)profile_json().to_proto(
        nlohmann::json::parse(R"({"tokens": [{"data": "a"}, {"created_at": true}]})"));
  });
  EXPECT_NE(in_list.find("Profile.tokens[1].created_at"), std::string::npos) << in_list;
  EXPECT_NE(in_list.find("boolean"), std::string::npos) << in_list;

  auto bytes =
      error_of([] { (void)profile_json().to_proto(nlohmann::json::parse(R"({"avatar": 5})")); });
  EXPECT_NE(bytes.find("Profile.avatar"), std::string::npos) << "an integer never becomes bytes";

  auto not_object = error_of([] { (void)profile_json().to_proto(nlohmann::json::array()); });
  EXPECT_NE(not_object.find("a JSON object is needed, not array"), std::string::npos) << not_object;

  auto range = error_of(
      [] { (void)profile_json().to_proto(nlohmann::json::parse(R"({"small": 3000000000})")); });
  EXPECT_NE(range.find("Profile.small"), std::string::npos) << range;

  auto unknown = error_of([] { (void)rt::proto::json_mapping<pbt::Profile>().key("nope", "x"); });
  EXPECT_NE(unknown.find("no field named 'nope'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("username (string)"), std::string::npos) << unknown;
  auto no_sub =
      error_of([] { (void)rt::proto::json_mapping<pbt::Profile>().key("main_token", "t"); });
  EXPECT_NE(no_sub.find("needs a sub-mapping"), std::string::npos) << no_sub;
}

// ---- All or nothing, ranges, enums, strict JSON ----

TEST(ProtoMapping, ANullReferenceNeverReachesAMessage) {
  PUser u;
  u.tokens = rt::Many<PToken>{rt::Ref<PToken>{}};
  u.tokens.push_back(rt::Ref<PToken>{});
  EXPECT_EQ(u.tokens.size(), 0u);
  EXPECT_EQ(user_pb().to_proto(u).tokens_size(), 0);
}

TEST(ProtoMapping, AnUpdateThatFailsChangesNothing) {
  auto user = make_user();
  pbt::Profile msg = user_pb().to_proto(*user);
  msg.set_username("bob");
  google::protobuf::FieldMask mask;
  mask.add_paths("username");
  mask.add_paths("nope");
  EXPECT_THROW(user_pb().update(*user, msg, mask), rt::ArgumentError);
  EXPECT_EQ(user->login, "ada") << "an unknown path is found before anything changes";

  mask.set_paths(1, "tokens");
  msg.mutable_tokens(1)->mutable_created_at()->set_seconds(922337203685477580);
  const auto error = error_of([&] { user_pb().update(*user, msg, mask); });
  EXPECT_NE(error.find("Profile.tokens[1].created_at"), std::string::npos) << error;
  EXPECT_EQ(user->login, "ada");
  ASSERT_EQ(user->tokens.size(), 3u) << "the list is as it was";
  EXPECT_EQ(user->tokens[1]->data, "t1");

  msg.mutable_tokens(1)->mutable_created_at()->set_seconds(1700000000);
  msg.mutable_tokens(1)->mutable_created_at()->set_nanos(0);
  user_pb().update(*user, msg, mask);
  EXPECT_EQ(user->login, "bob") << "the on_set hook lower-cases it";
  ASSERT_EQ(user->tokens.size(), 3u);
  EXPECT_EQ(user->tokens[1]->created_at, rt::Timestamp(std::chrono::seconds(1700000000)));

  // A message filled part way before an error is left as it was.
  pbt::Profile existing;
  existing.set_big_text("keep");
  existing.set_kind(pbt::Profile::ROBOT);
  existing.set_username("not mapped by this mapping");
  const pbt::Profile before = existing;
  EXPECT_THROW(everything_pb().to_proto(Everything{.small = 1LL << 40, .big_text = 7}, existing),
               rt::DataError);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(existing, before));
  everything_pb().to_proto(Everything{.big_text = 7}, existing);
  EXPECT_EQ(existing.big_text(), "7");
  EXPECT_EQ(existing.username(), "not mapped by this mapping") << "unmapped fields are kept";
}

TEST(ProtoMapping, TimestampsOutsideTheirRangeAreRefused) {
  pbt::Profile msg;
  msg.set_uuid(rt::Uuid::random().str());
  msg.add_tokens()->mutable_created_at()->set_seconds(922337203685477580);
  auto read = error_of([&] { (void)user_pb().from_proto(msg); });
  EXPECT_NE(read.find("Profile.tokens[0].created_at: a Timestamp of 922337203685477580 s"),
            std::string::npos)
      << read;
  msg.mutable_tokens(0)->mutable_created_at()->set_seconds(0);
  msg.mutable_tokens(0)->mutable_created_at()->set_nanos(-1);
  EXPECT_THROW((void)user_pb().from_proto(msg), rt::DataError) << "negative nanos";

  pbt::Profile seen;
  seen.set_big_text("0");
  seen.mutable_seen_at()->set_seconds(-62135596801);  // a second before 0001-01-01
  auto general = error_of([&] { (void)everything_pb().from_proto(seen); });
  EXPECT_NE(general.find("Profile.seen_at"), std::string::npos) << general;
  auto write = error_of([] { (void)everything_pb().to_proto(Everything{.seen_at = 1LL << 60}); });
  EXPECT_NE(write.find("Profile.seen_at"), std::string::npos) << write;
  EXPECT_NE(write.find("outside"), std::string::npos) << write;
  auto json = error_of([] {
    (void)profile_json().to_proto(
        nlohmann::json::parse(R"({"tokens": [{"created_at": 18446744073709551615}]})"));
  });
  EXPECT_NE(json.find("Profile.tokens[0].created_at"), std::string::npos) << json;
}

TEST(ProtoMapping, AFloatFieldRefusesWhatWouldBecomeInfinite) {
  auto big =
      error_of([] { (void)profile_json().to_proto(nlohmann::json::parse(R"({"ratio": 1e39})")); });
  EXPECT_NE(big.find("Profile.ratio"), std::string::npos) << big;
  EXPECT_NE(big.find("out of the range of a float"), std::string::npos) << big;
  EXPECT_FLOAT_EQ(profile_json().to_proto(nlohmann::json::parse(R"({"ratio": 0.5})")).ratio(),
                  0.5f);
}

TEST(ProtoMapping, UnknownEnumNumbersAreRefusedByName) {
  pbt::Profile msg;
  msg.set_big_text("0");
  msg.mutable_seen_at()->set_seconds(1);
  msg.set_kind(static_cast<pbt::Profile::Kind>(99));  // an open enum keeps what it got
  auto as_text = error_of([&] { (void)everything_pb().from_proto(msg); });
  EXPECT_EQ(as_text,
            "Profile.kind: 99 is not a value of retort.test.Profile.Kind (UNKNOWN, PERSON, ROBOT)");
  msg.set_kind(pbt::Profile::PERSON);
  msg.set_role(static_cast<pbt::Profile::Kind>(99));
  auto as_enum = error_of([&] { (void)everything_pb().from_proto(msg); });
  EXPECT_EQ(as_enum,
            "Profile.role: 99 is not a value of retort.test.Profile.Kind (UNKNOWN, PERSON, ROBOT)");
  auto name = error_of([] { (void)everything_pb().to_proto(Everything{.kind = "ALIEN"}); });
  EXPECT_EQ(name.find("Profile.kind"), name.rfind("Profile.kind")) << "the path once: " << name;
}

// With UnknownEnums::keep, numbers the enum does not define pass through integer, string
// and C++ enum members and back; names must still be names.
struct Kinds {
  std::string kind = "UNKNOWN";
  int level = 0;
  Kind role = Kind::unknown;
};

TEST(ProtoMapping, UnknownEnumNumbersAreKeptWhenAsked) {
  const auto m =
      rt::proto::mapping<Kinds, pbt::Profile>({.unknown_enums = rt::proto::UnknownEnums::keep})
          .key("kind", &Kinds::kind)
          .key("level", &Kinds::level)
          .key("role", &Kinds::role);
  pbt::Profile msg;
  msg.set_kind(static_cast<pbt::Profile::Kind>(99));
  msg.set_level(static_cast<pbt::Profile::Kind>(-5));
  Kinds k = m.from_proto(msg);
  EXPECT_EQ(k.kind, "99");
  EXPECT_EQ(k.level, -5);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m.to_proto(k), msg));

  k.kind = "robot";
  EXPECT_EQ(m.to_proto(k).kind(), pbt::Profile::ROBOT);
  k.kind = "ALIEN";
  auto name = error_of([&] { (void)m.to_proto(k); });
  EXPECT_NE(name.find("Profile.kind: 'ALIEN' is not a value of"), std::string::npos) << name;
  // A C++ enum class holds any number of its underlying type.
  msg.set_role(static_cast<pbt::Profile::Kind>(99));
  k = m.from_proto(msg);
  EXPECT_EQ(static_cast<int>(k.role), 99);
  EXPECT_EQ(m.to_proto(k).role(), 99);
}

// std::chrono durations and google.protobuf.Duration: exact both ways, never rounded,
// range-checked, an unset Duration empties an optional member.
struct Timeouts {
  std::chrono::milliseconds timeout{};
  std::optional<std::chrono::hours> grace{};
};

TEST(ProtoMapping, DurationsAreExactAndRangeChecked) {
  using namespace std::chrono;
  const auto m = rt::proto::mapping<Timeouts, pbt::Profile>()
                     .key("timeout", &Timeouts::timeout)
                     .key("grace", &Timeouts::grace);
  std::mt19937_64 random(11);
  for (int i = 0; i < 1000; ++i) {
    const auto ms = static_cast<std::int64_t>(random() % 20000000001) - 10000000000;
    const Timeouts t{.timeout = milliseconds(ms),
                     .grace = i % 3 ? std::optional(hours(ms % 100000)) : std::nullopt};
    const pbt::Profile msg = m.to_proto(t);
    EXPECT_EQ(msg.timeout().seconds() * 1000 + msg.timeout().nanos() / 1000000, ms);
    EXPECT_TRUE(msg.timeout().seconds() == 0 || msg.timeout().nanos() == 0 ||
                (msg.timeout().seconds() < 0) == (msg.timeout().nanos() < 0));
    EXPECT_EQ(msg.has_grace(), t.grace.has_value());
    const Timeouts back = m.from_proto(msg);
    EXPECT_EQ(back.timeout, t.timeout);
    EXPECT_EQ(back.grace, t.grace);
  }
  pbt::Profile msg;
  msg.mutable_timeout()->set_nanos(1500);  // 1.5 µs into a member of milliseconds
  auto finer = error_of([&] { (void)m.from_proto(msg); });
  EXPECT_NE(finer.find("Profile.timeout: a Duration of 0 s and 1500 ns is finer than"),
            std::string::npos)
      << finer;
  msg.mutable_timeout()->set_seconds(315576000001);
  msg.mutable_timeout()->set_nanos(0);
  auto range = error_of([&] { (void)m.from_proto(msg); });
  EXPECT_NE(range.find("outside the range protobuf allows"), std::string::npos) << range;
  msg.mutable_timeout()->set_seconds(-1);
  msg.mutable_timeout()->set_nanos(5000000);
  EXPECT_THROW((void)m.from_proto(msg), rt::DataError) << "nanos of the other sign";
  msg.mutable_timeout()->set_nanos(0);
  msg.mutable_grace()->set_seconds(5400);  // 1.5 h into hours
  EXPECT_THROW((void)m.from_proto(msg), rt::DataError);
  msg.clear_timeout();
  msg.clear_grace();
  auto unset = error_of([&] { (void)m.from_proto(msg); });
  EXPECT_NE(unset.find("Profile.timeout: the Duration is unset"), std::string::npos) << unset;
  auto too_long = error_of([&] { (void)m.to_proto(Timeouts{.grace = hours(87660001)}); });
  EXPECT_NE(too_long.find("Profile.grace"), std::string::npos) << too_long;
  auto unknown = error_of([] {
    (void)rt::proto::mapping<Timeouts, pbt::Profile>().key("username", &Timeouts::timeout);
  });
  EXPECT_NE(unknown.find("username is not a google.protobuf.Duration"), std::string::npos)
      << unknown;
}

// An Enum column meets a protobuf enum by name: any case, and with the enum's prefix.
struct PShade {
  std::int64_t id = 0;
  std::string kind = "person";
  std::string shade = "light";
  static auto mapping() {
    return rt::model<PShade>("proto_shade")
        .column("id", &PShade::id, rt::primary_key)
        .column("kind", &PShade::kind, rt::Enum({"unknown", "person", "robot"}))
        .column("shade", &PShade::shade, rt::Enum({"unspecified", "light", "dark_blue"}));
  }
};

TEST(ProtoMapping, EnumColumnsMeetProtoEnumsByName) {
  const auto m = rt::proto::mapping<PShade, pbt::Profile>();
  pbt::Profile msg = m.to_proto(PShade{.id = 1, .kind = "robot", .shade = "dark_blue"});
  EXPECT_EQ(msg.kind(), pbt::Profile::ROBOT);
  EXPECT_EQ(msg.shade(), pbt::SHADE_DARK_BLUE);
  msg.set_kind(pbt::Profile::PERSON);
  msg.set_shade(pbt::SHADE_LIGHT);
  const PShade back = m.from_proto(msg);
  EXPECT_EQ(back.kind, "person");
  EXPECT_EQ(back.shade, "light");
}

TEST(ProtoJsonMapping, OnlyJsonFieldsTakeArraysAndObjectsAndNullIsUnset) {
  auto list = error_of(
      [] { (void)profile_json().to_proto(nlohmann::json::parse(R"({"email": ["a", "b"]})")); });
  EXPECT_NE(
      list.find("Profile.email: a JSON array cannot fill the field retort.test.Profile.email"),
      std::string::npos)
      << list;
  auto in_list = error_of(
      [] { (void)profile_json().to_proto(nlohmann::json::parse(R"({"tags": ["a", {"b": 1}]})")); });
  EXPECT_NE(in_list.find("Profile.tags[1]"), std::string::npos) << in_list;
  const pbt::Profile msg =
      profile_json().to_proto(nlohmann::json::parse(R"({"extra_info": null, "login": "a"})"));
  EXPECT_FALSE(msg.has_metadata());

  // A JSON column holding null: the Struct is unset, and unset reads back as null.
  PUser u;
  u.extra_info = rt::JsonText{" null "};
  const pbt::Profile out = user_pb().to_proto(u);
  EXPECT_FALSE(out.has_metadata());
  EXPECT_EQ(user_pb().from_proto(out).extra_info.text, "null");
}

TEST(ProtoMapping, LargeCollectionsKeepTheirObjectsOnceInOrder) {
  PUser u;
  std::vector<rt::Ref<PToken>> tokens;
  for (int i = 0; i < 500; ++i)
    tokens.push_back(rt::make_ref(PToken{.data = std::to_string(i)}));
  for (const auto& t : tokens)
    u.tokens.push_back(t);
  for (const auto& t : tokens)
    u.tokens.push_back(t);  // again: already there
  ASSERT_EQ(u.tokens.size(), 500u);
  for (int i = 0; i < 500; i += 2)
    u.tokens.remove(tokens[static_cast<std::size_t>(i)]);
  ASSERT_EQ(u.tokens.size(), 250u);
  EXPECT_FALSE(u.tokens.contains(tokens[0]));
  EXPECT_TRUE(u.tokens.contains(tokens[1]));
  u.tokens.push_back(tokens[0]);
  EXPECT_EQ(u.tokens[250]->data, "0");
  const pbt::Profile msg = user_pb().to_proto(u);
  EXPECT_EQ(msg.tokens_size(), 251);
  EXPECT_EQ(user_pb().from_proto(msg).tokens.size(), 251u);
  u.tokens.clear();
  EXPECT_TRUE(u.tokens.empty());
}

// rt::Many skips the lookup for an object no other Ref holds and brings its index up to
// date only when membership is asked: random additions (new objects, objects held
// elsewhere, objects already in it) and removals, checked against a model of the list.
TEST(ProtoMapping, RandomAdditionsAndRemovalsMatchAModel) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    PUser u;
    std::vector<rt::Ref<PToken>> pool, model;
    auto in_model = [&](const rt::Ref<PToken>& t) {
      return std::find(model.begin(), model.end(), t) != model.end();
    };
    const int steps = 50 + static_cast<int>(rng() % 400);
    for (int step = 0; step < steps; ++step) {
      const unsigned op = rng() % 10;
      if (op < 4 || pool.empty()) {
        u.tokens.push_back(rt::make_ref(PToken{.data = std::to_string(step)}));
        model.push_back(u.tokens.items().back());
        pool.push_back(model.back());
      } else if (op < 6) {
        const auto& t = pool[rng() % pool.size()];
        u.tokens.push_back(t);
        if (!in_model(t)) model.push_back(t);
      } else if (op < 7 && !model.empty()) {
        u.tokens.push_back(rt::Ref<PToken>(u.tokens[rng() % u.tokens.size()]));
      } else {
        const auto t = pool[rng() % pool.size()];
        u.tokens.remove(t);
        std::erase(model, t);
      }
      const auto& probe = pool[rng() % pool.size()];
      ASSERT_EQ(u.tokens.contains(probe), in_model(probe)) << "round " << round << " step " << step;
    }
    ASSERT_EQ(u.tokens.items(), model) << "round " << round;
  }
}

// A plain struct with a to-one object, for FieldMask paths into a nested message.
struct Holder {
  std::string username;
  rt::One<PToken> main;
};

TEST(ProtoMapping, MaskPathsReachIntoANestedMessage) {
  const auto holder_pb = rt::proto::mapping<Holder, pbt::Profile>()
                             .key("username", &Holder::username)
                             .key("main_token", &Holder::main, token_pb());
  Holder h{.username = "ada", .main = rt::make_ref(PToken{.data = "a", .created_at = t0})};
  pbt::Profile msg;
  msg.set_username("bob");
  msg.mutable_main_token()->set_value("b");
  msg.mutable_main_token()->mutable_created_at()->set_seconds(5);
  google::protobuf::FieldMask mask;
  mask.add_paths("main_token.value");
  holder_pb.update(h, msg, mask);
  EXPECT_EQ(h.main->data, "b");
  EXPECT_EQ(h.main->created_at, t0) << "only the masked sub-field";
  EXPECT_EQ(h.username, "ada");

  mask.add_paths("main_token.nope");
  auto unknown = error_of([&] { holder_pb.update(h, msg, mask); });
  EXPECT_NE(unknown.find("'nope' is not a mapped field of Profile.main_token"), std::string::npos)
      << unknown;
  mask.set_paths(1, "username.first");
  EXPECT_THROW(holder_pb.update(h, msg, mask), rt::ArgumentError);
  EXPECT_EQ(h.main->data, "b");

  // A path into a message the object has no object for makes one; an unset message in the
  // request resets the masked field.
  Holder empty{.username = "x", .main = nullptr};
  mask.Clear();
  mask.add_paths("main_token.value");
  holder_pb.update(empty, msg, mask);
  ASSERT_TRUE(empty.main);
  EXPECT_EQ(empty.main->data, "b");
  msg.clear_main_token();
  holder_pb.update(h, msg, mask);
  EXPECT_EQ(h.main->data, "");
}

// Nullable columns map implicitly on the typed path: empty leaves the field unset (a plain
// proto3 field: its default), an unset field empties the member.
struct PContact {
  std::int64_t id = 0;
  std::string name{};
  std::optional<std::string> nickname{};
  std::optional<std::string> email{};
  std::optional<std::int32_t> age{};
  std::optional<double> score{};
  std::optional<bool> verified{};
  std::optional<rt::Timestamp> last_seen{};
  std::optional<std::string> notes{};
  std::optional<std::int64_t> visits{};
  std::optional<rt::Uuid> ref{};
  static auto mapping() {
    return rt::model<PContact>("proto_contact")
        .column("id", &PContact::id, rt::primary_key)
        .column("name", &PContact::name)
        .column("nickname", &PContact::nickname)
        .column("email", &PContact::email)
        .column("age", &PContact::age)
        .column("score", &PContact::score)
        .column("verified", &PContact::verified)
        .column("last_seen", &PContact::last_seen)
        .column("notes", &PContact::notes)
        .column("visits", &PContact::visits)
        .column("ref", &PContact::ref);
  }
  bool operator==(const PContact&) const = default;
};

template <class Message>
void check_nullable_columns() {
  const auto m = rt::proto::mapping<PContact, Message>();
  std::mt19937 random(7);
  const auto maybe = [&](auto value) -> std::optional<decltype(value)> {
    if (random() % 2) return value;
    return std::nullopt;
  };
  for (int i = 0; i < 300; ++i) {
    const int r = static_cast<int>(random() % 1000) - 500;
    const PContact c{.id = i,
                     .name = "c" + std::to_string(i),
                     .nickname = maybe(std::string(static_cast<std::size_t>(i % 3), 'n')),
                     .email = maybe("c" + std::to_string(i) + "@example.org"),
                     .age = maybe(static_cast<std::int32_t>(r)),
                     .score = maybe(r / 8.0),
                     .verified = maybe(r % 2 == 0),
                     .last_seen = maybe(t0 + std::chrono::seconds(r)),
                     .notes = maybe(std::string(r % 2 ? "" : "note")),
                     .visits = maybe(static_cast<std::int64_t>(r) << 40),
                     .ref = maybe(rt::Uuid::random())};
    const Message msg = m.to_proto(c);
    SCOPED_TRACE(msg.ShortDebugString());
    EXPECT_EQ(msg.has_nickname(), c.nickname.has_value());
    EXPECT_EQ(msg.nickname(), c.nickname.value_or(""));
    EXPECT_EQ(msg.has_age(), c.age.has_value());
    EXPECT_EQ(msg.age(), c.age.value_or(0));
    EXPECT_EQ(msg.has_verified(), c.verified.has_value());
    EXPECT_EQ(msg.has_last_seen(), c.last_seen.has_value());
    EXPECT_EQ(msg.has_ref(), c.ref.has_value());
    EXPECT_EQ(msg.notes(), c.notes.value_or(""));
    PContact expected = c;
    expected.notes = c.notes.value_or("");  // a plain proto3 field always holds a value
    EXPECT_EQ(m.from_proto(msg), expected);

    // A FieldMask path to an unset field empties the member.
    PContact target = c;
    Message cleared = msg;
    cleared.clear_email();
    cleared.clear_last_seen();
    google::protobuf::FieldMask mask;
    mask.add_paths("email");
    mask.add_paths("last_seen");
    m.update(target, cleared, mask);
    EXPECT_FALSE(target.email);
    EXPECT_FALSE(target.last_seen);
    EXPECT_EQ(target.nickname, c.nickname);
  }
  Message bad;
  bad.set_ref("not-a-uuid");
  const auto error = error_of([&] { (void)m.from_proto(bad); });
  EXPECT_NE(error.find("Contact.ref"), std::string::npos) << error;
}

TEST(ProtoMapping, NullableColumnsThroughReflection) {
  check_nullable_columns<pbt::Contact>();
}
TEST(ProtoMapping, NullableColumnsThroughGeneratedAccessors) {
  check_nullable_columns<pbg::Contact>();
}

// Members without initializers that no field fills: from_proto gives them the values T{}
// gives, whichever member comes first.
struct Unset {
  std::int64_t first;
  std::string name;
  std::int32_t count;
  double ratio;
  bool flag;
};
struct UnsetAfterAString {
  std::string name;
  std::int64_t count;
  double ratio;
};
// Leaves non-zero bytes where the next call's locals will be.
[[gnu::noinline]] void scribble() {
  volatile unsigned char junk[8192];
  for (auto& b : junk)
    b = 0xA5;
}
template <class T, class Message>
T mapped_from(const rt::proto::Mapping<T, Message>& m, const Message& msg) {
  scribble();
  return m.from_proto(msg);
}

// Random text, about half of it UTF-8: ASCII (NUL included), code points of every encoded
// length, and now and then a malformed piece: a stray continuation byte, a sequence cut
// short, an overlong form, a surrogate, a code point past U+10FFFF, or a byte UTF-8 never
// uses.
std::string random_text(std::mt19937& rng) {
  auto pick = [&](std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
  };
  auto encode = [](std::uint32_t cp, std::string& out) {
    if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    }
    out += static_cast<char>(0x80 | (cp & 0x3F));
  };
  static const std::vector<std::string> malformed = {"\x80",
                                                     "\xBF",
                                                     "\xC3",
                                                     "\xE2\x82",
                                                     "\xF0\x9F\x98",
                                                     "\xC0\x80",
                                                     "\xC1\xBF",
                                                     "\xE0\x80\x80",
                                                     "\xF0\x80\x80\x80",
                                                     "\xED\xA0\x80",
                                                     "\xED\xBF\xBF",
                                                     "\xF4\x90\x80\x80",
                                                     "\xF5\x80\x80\x80",
                                                     "\xFE",
                                                     "\xFF"};
  std::string out;
  for (std::uint32_t piece = pick(0, 6); piece > 0; --piece) {
    switch (pick(0, 10)) {
      case 0:
      case 1:
        out += malformed[pick(0, static_cast<std::uint32_t>(malformed.size() - 1))];
        break;
      case 2:
        encode(pick(0x80, 0x7FF), out);
        break;
      case 3: {
        const std::uint32_t cp = pick(0x800, 0xFFFF - 0x800);
        encode(cp < 0xD800 ? cp : cp + 0x800, out);  // not a surrogate
        break;
      }
      case 4:
        encode(pick(0x10000, 0x10FFFF), out);
        break;
      default:
        for (std::uint32_t n = pick(1, 12); n > 0; --n)
          out += static_cast<char>(pick(0, 9) ? pick(0x20, 0x7E) : pick(0, 0x7F));
    }
  }
  return out;
}

struct Named {
  std::string name{};
  std::optional<std::string> nickname{};
};

// What a mapping makes of a member: the message, or the error's text.
template <class F>
std::optional<std::string> refused(F&& fn) {
  try {
    fn();
  } catch (const rt::DataError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

TEST(ProtoMapping, TextThatIsNotUtf8NeverReachesAStringField) {
  // A proto3 string field that holds other bytes serializes, but its receiver cannot parse
  // the message: every way text reaches one refuses what protobuf would.
  google::protobuf::LogSilencer quiet;  // protobuf logs each malformed string it meets
  const auto reflected = rt::proto::mapping<Named, pbt::Contact>()
                             .key("name", &Named::name)
                             .key("nickname", &Named::nickname);
  const auto generated = rt::proto::mapping<Named, pbg::Contact>()
                             .key("name", &Named::name)
                             .key("nickname", &Named::nickname);
  const auto json = rt::proto::json_mapping<pbt::Contact>();
  std::mt19937 rng(20261205);
  int utf8 = 0, other = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = random_text(rng);
    pbt::Contact probe, parsed;
    probe.set_name(text);
    const bool valid = parsed.ParseFromString(probe.SerializeAsString());
    ++(valid ? utf8 : other);
    SCOPED_TRACE(::testing::PrintToString(text));

    // Each way, with the field's name in the error and none of the text.
    auto check = [&](const std::optional<std::string>& error, const std::string& field) {
      if (valid) {
        EXPECT_FALSE(error) << *error;
        return;
      }
      ASSERT_TRUE(error) << field << " took text that is not UTF-8";
      EXPECT_NE(error->find(field), std::string::npos) << *error;
      EXPECT_NE(error->find("not UTF-8"), std::string::npos) << *error;
      if (text.size() >= 3) {
        EXPECT_EQ(error->find(text), std::string::npos) << *error;
      }
    };
    for (const bool optional : {false, true}) {
      const Named named = optional ? Named{"n", text} : Named{text, std::nullopt};
      const std::string field = optional ? "Contact.nickname" : "Contact.name";
      pbt::Contact a;
      check(refused([&] { a = reflected.to_proto(named); }), field);
      pbg::Contact b;
      check(refused([&] { b = generated.to_proto(named); }), field);
      if (valid) {
        EXPECT_EQ(optional ? a.nickname() : a.name(), text);
        EXPECT_EQ(optional ? b.nickname() : b.name(), text);
        pbt::Contact again;
        EXPECT_TRUE(again.ParseFromString(a.SerializeAsString()));
        EXPECT_EQ(optional ? again.nickname() : again.name(), text);
      }
    }
    // The general rules: a list, a wrapper, and JSON.
    Everything e;
    e.tags = {"a", text};
    check(refused([&] { (void)everything_pb().to_proto(e); }), "Profile.tags");
    e.tags.clear();
    e.nickname = text;
    check(refused([&] { (void)everything_pb().to_proto(e); }), "Profile.nickname");
    check(refused([&] { (void)json.to_proto(nlohmann::json{{"notes", text}}); }), "Contact.notes");
  }
  EXPECT_GT(utf8, 800);
  EXPECT_GT(other, 800);
}

TEST(ProtoMapping, MembersNoFieldFillsAreValueInitialized) {
  pbg::Contact msg;
  msg.set_name("n");
  const auto unset = rt::proto::mapping<Unset, pbg::Contact>().key("name", &Unset::name);
  const auto after =
      rt::proto::mapping<UnsetAfterAString, pbg::Contact>().key("name", &UnsetAfterAString::name);
  for (int i = 0; i < 3; ++i) {
    const Unset u = mapped_from(unset, msg);
    EXPECT_EQ(u.first, 0);
    EXPECT_EQ(u.name, "n");
    EXPECT_EQ(u.count, 0);
    EXPECT_EQ(u.ratio, 0.0);
    EXPECT_FALSE(u.flag);
    const UnsetAfterAString a = mapped_from(after, msg);
    EXPECT_EQ(a.name, "n");
    EXPECT_EQ(a.count, 0);
    EXPECT_EQ(a.ratio, 0.0);
  }
}

}  // namespace
}  // namespace retort_test
