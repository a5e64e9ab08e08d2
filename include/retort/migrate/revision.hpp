// A revision: one reviewable file in the versions folder, with the operations that move
// the schema up from its down revisions and back down again.
//
//   // add email to users
//   //
//   // Revision ID: 3f2a9c1b7d4e
//   // Revises: 1a2b3c4d5e6f
//   // Create Date: 2026-11-30 12:00:00 UTC
//   {
//     "revision": "3f2a9c1b7d4e",
//     "down_revision": "1a2b3c4d5e6f",
//     "message": "add email to users",
//     "upgrade": [{"op": "add_column", "table": "users",
//                  "column": {"name": "email", "type": "String(256)"}}],
//     "downgrade": [{"op": "drop_column", "table": "users", "column": "email"}]
//   }
//
// The file is JSON with // comments. "down_revision" is null for a first revision and a
// list at a merge point; "branch_labels" and "depends_on" are optional lists.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "retort/migrate/operations.hpp"

namespace retort::migrate {

struct Revision {
  std::string id{};
  std::vector<std::string> down_revisions{};  // none for a base, several for a merge point
  std::vector<std::string> branch_labels{};
  // Revisions of other branches that must be applied first.
  std::vector<std::string> depends_on{};
  std::string message{};
  std::string create_date{};
  std::vector<Operation> upgrade{};
  std::vector<Operation> downgrade{};
  std::filesystem::path path{};  // where it was read from
};

// rt::ArgumentError names the file and what is wrong in it.
Revision read_revision(const std::filesystem::path& path);
// The file's text; `notes` become comment lines before the operations (autogenerate
// writes what it could not decide there).
std::string format_revision(const Revision& revision, const std::vector<std::string>& notes = {});
// A new id in Alembic's form: 12 hexadecimal digits.
std::string new_revision_id();
// "3f2a9c1b7d4e_add_email_to_users.json"
std::string revision_file_name(const Revision& revision);

}  // namespace retort::migrate
