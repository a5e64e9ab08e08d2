// A command-line client with one sub-command per RPC; prints each response as JSON.
//
//   social-platform-client [--server HOST:PORT] authenticate USERNAME PASSWORD
//   social-platform-client --token TOKEN get-media (--uuid UUID | --name NAME)
//   social-platform-client --token TOKEN get-user UUID
//
// TOKEN is the value authenticate returned (also read from SOCIAL_PLATFORM_TOKEN); it
// travels as "authorization: Bearer TOKEN".
//
// A failed call prints its status code and message and exits 1.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "proto/social_platform.grpc.pb.h"
#include "proto/user.grpc.pb.h"

namespace sp = services::social_platform;
namespace simple = services::simple_example::sqlalchemy;

namespace {

const char* code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::INTERNAL:
      return "INTERNAL";
    default:
      return "ERROR";
  }
}

int print(const grpc::Status& status, const google::protobuf::Message& response) {
  if (!status.ok()) {
    std::cout << code_name(status.error_code()) << ": " << status.error_message() << "\n";
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(response, &json, options);
  std::cout << json;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Social platform gRPC client"};
  std::string server = "127.0.0.1:50051";
  app.add_option("--server", server, "server address")->capture_default_str();
  std::string token;
  app.add_option("--token", token, "a token from authenticate")->envname("SOCIAL_PLATFORM_TOKEN");
  app.require_subcommand(1);

  std::string username, password, uuid, name;
  auto* auth = app.add_subcommand("authenticate", "Auth.AuthenticateUser");
  auth->add_option("username", username)->required();
  auth->add_option("password", password)->required();
  auto* media = app.add_subcommand("get-media", "Media.GetMedia");
  auto* by_uuid = media->add_option("--uuid", uuid, "media UUID");
  media->add_option("--name", name, "media name")->excludes(by_uuid);
  auto* user = app.add_subcommand("get-user", "UserService.GetUser");
  user->add_option("uuid", uuid)->required();
  CLI11_PARSE(app, argc, argv);

  auto channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  if (*auth) {
    sp::AuthRequest request;
    request.set_username(username);
    request.set_password(password);
    sp::AuthResponse response;
    return print(sp::Auth::NewStub(channel)->AuthenticateUser(&context, request, &response),
                 response);
  }
  if (*media) {
    sp::MediaRequest request;
    request.set_media_uuid(uuid);
    request.set_media_name(name);
    sp::UserMedia response;
    return print(sp::Media::NewStub(channel)->GetMedia(&context, request, &response), response);
  }
  simple::UserDataRequest request;
  request.set_user_uuid(uuid);
  simple::User response;
  return print(simple::UserService::NewStub(channel)->GetUser(&context, request, &response),
               response);
}
