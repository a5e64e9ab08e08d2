#include "retort/migrate/revision.hpp"

#include <fstream>
#include <random>
#include <sstream>

#include "json_schema.hpp"
#include "retort/core/error.hpp"
#include "text.hpp"

namespace retort::migrate {
namespace {

using json_schema::ordered_json;

std::vector<std::string> id_list(const ordered_json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return {};
  const auto& v = j[key];
  if (v.is_string()) return {v.get<std::string>()};
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_string()) break;
      out.push_back(e.get<std::string>());
    }
    if (out.size() == v.size()) return out;
  }
  throw ArgumentError(where + ": \"" + key + "\" must be null, a revision id or a list of them");
}

ordered_json id_json(const std::vector<std::string>& ids) {
  if (ids.empty()) return nullptr;
  if (ids.size() == 1) return ids.front();
  return ids;
}

std::vector<Operation> operations(const ordered_json& j, const char* key,
                                  const std::string& where) {
  std::vector<Operation> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) throw ArgumentError(where + ": \"" + key + "\" is not a list");
  std::size_t n = 0;
  for (const auto& op : j[key])
    out.push_back(json_schema::operation(op, where + ", " + key + "[" + std::to_string(n++) + "]"));
  return out;
}

// JSON for reading: the revision and its operation lists open up, one operation (or
// column, constraint...) per line where it fits.
void pretty(const ordered_json& j, int indent, std::string& out, bool open) {
  const std::string flat = j.dump(-1, ' ', false);
  if (!j.is_structured() || (!open && flat.size() + static_cast<std::size_t>(indent) <= 96)) {
    // dump(-1) writes no spaces: one after each separator outside strings.
    bool in_string = false;
    for (std::size_t i = 0; i < flat.size(); ++i) {
      const char c = flat[i];
      out += c;
      if (in_string && c == '\\') {
        out += flat[++i];
      } else if (c == '"') {
        in_string = !in_string;
      } else if (!in_string && (c == ',' || c == ':')) {
        out += ' ';
      }
    }
    return;
  }
  const bool object = j.is_object();
  out += object ? "{" : "[";
  if (j.empty()) {
    out += object ? "}" : "]";
    return;
  }
  out += "\n";
  std::size_t n = 0;
  for (auto it = j.begin(); it != j.end(); ++it, ++n) {
    out.append(static_cast<std::size_t>(indent) + 2, ' ');
    if (object) out += ordered_json(it.key()).dump() + ": ";
    const bool list = object && indent == 0 && (it.key() == "upgrade" || it.key() == "downgrade");
    pretty(*it, indent + 2, out, list);
    out += n + 1 < j.size() ? ",\n" : "\n";
  }
  out.append(static_cast<std::size_t>(indent), ' ');
  out += object ? "}" : "]";
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Revision read_revision(const std::filesystem::path& path) {
  const std::string where = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ArgumentError("cannot read revision file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  ordered_json j;
  try {
    j = ordered_json::parse(text.str(), nullptr, true, /*ignore_comments=*/true);
  } catch (const ordered_json::parse_error& e) {
    throw ArgumentError(where + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw ArgumentError(where + ": expected a JSON object");
  Revision r;
  r.path = path;
  if (!j.contains("revision") || !j["revision"].is_string())
    throw ArgumentError(where + ": missing \"revision\" (its id)");
  r.id = j["revision"].get<std::string>();
  if (!valid_id(r.id))
    throw ArgumentError(where + ": revision id '" + r.id +
                        "' must be 1 to 32 letters, digits or '_'");
  r.down_revisions = id_list(j, "down_revision", where);
  r.branch_labels = id_list(j, "branch_labels", where);
  r.depends_on = id_list(j, "depends_on", where);
  if (j.contains("message") && j["message"].is_string())
    r.message = j["message"].get<std::string>();
  if (j.contains("create_date") && j["create_date"].is_string())
    r.create_date = j["create_date"].get<std::string>();
  try {
    r.upgrade = operations(j, "upgrade", where);
    r.downgrade = operations(j, "downgrade", where);
  } catch (const ArgumentError& e) {
    // A table the operation describes may be refused by the schema layer, which does not
    // know the file.
    if (std::string_view(e.what()).starts_with(where)) throw;
    throw ArgumentError(where + ": " + e.what());
  }
  return r;
}

std::string format_revision(const Revision& r, const std::vector<std::string>& notes) {
  ordered_json j;
  j["revision"] = r.id;
  j["down_revision"] = id_json(r.down_revisions);
  if (!r.branch_labels.empty()) j["branch_labels"] = r.branch_labels;
  if (!r.depends_on.empty()) j["depends_on"] = r.depends_on;
  j["message"] = r.message;
  j["create_date"] = r.create_date;
  j["upgrade"] = ordered_json::array();
  for (const auto& op : r.upgrade)
    j["upgrade"].push_back(json_schema::operation(op));
  j["downgrade"] = ordered_json::array();
  for (const auto& op : r.downgrade)
    j["downgrade"].push_back(json_schema::operation(op));
  std::string body;
  pretty(j, 0, body, true);
  if (!notes.empty()) {
    std::string comments;
    for (const auto& n : notes)
      comments += "    // " + n + "\n";
    const std::string empty = "\"upgrade\": []";
    if (auto at = body.find(empty); at != std::string::npos) {
      body.replace(at, empty.size(), "\"upgrade\": [\n" + comments + "  ]");
    } else {
      const std::string open = "\"upgrade\": [\n";
      at = body.find(open);
      body.insert(at + open.size(), comments);
    }
  }
  // A line break in the message would end its comment.
  std::string message = r.message.empty() ? std::string("(no message)") : r.message;
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return "// " + message + "\n//\n// Revision ID: " + r.id +
         "\n// Revises: " + join(r.down_revisions) + "\n// Create Date: " + r.create_date + "\n" +
         body + "\n";
}

std::string new_revision_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id;
  auto bits = rng();
  for (int i = 0; i < 12; ++i, bits >>= 4)
    id += hex[bits & 15];
  return id;
}

std::string revision_file_name(const Revision& r) {
  std::string slug;
  for (char c : r.message) {
    if (slug.size() >= 40) break;
    if (std::isalnum(static_cast<unsigned char>(c)))
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!slug.empty() && slug.back() != '_')
      slug += '_';
  }
  while (!slug.empty() && slug.back() == '_')
    slug.pop_back();
  return r.id + (slug.empty() ? "" : "_" + slug) + ".json";
}

}  // namespace retort::migrate
