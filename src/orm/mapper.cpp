#include "retort/orm/mapper.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "retort/core/error.hpp"

namespace retort::orm {

std::string type_name(std::type_index type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  std::string out = status == 0 && name ? name.get() : type.name();
  // "std::__cxx11::basic_string<char, ...>" is just a std::string to the reader.
  for (const char* noisy :
       {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"}) {
    for (auto at = out.find(noisy); at != std::string::npos; at = out.find(noisy)) {
      out.replace(at, std::string_view(noisy).size(), "std::string");
    }
  }
  return out;
}

const Attribute* Mapper::find(std::string_view column) const {
  for (const auto& a : attributes_) {
    if (a->name == column) return a.get();
  }
  return nullptr;
}

const Attribute& Mapper::attribute(std::string_view column) const {
  if (const Attribute* a = find(column)) return *a;
  std::string known;
  for (const auto& a : attributes_)
    known += (known.empty() ? "" : ", ") + a->name;
  throw MappingError(class_name_ + " has no mapped column '" + std::string(column) +
                     "'; mapped: " + known);
}

const Attribute& Mapper::attribute_for(const void* member, std::size_t size) const {
  for (const auto& a : attributes_) {
    if (a->maps(member, size)) return *a;
  }
  throw MappingError("this member of " + class_name_ + " is not mapped to a column");
}

void Mapper::finish(int slot) {
  slot_ = slot;
  primary_key_.clear();
  primary_key_columns_.clear();
  snapshot_order_.clear();
  generated_ = nullptr;
  const auto& pk = table_.primary_key().columns;
  if (pk.empty()) {
    throw MappingError(class_name_ + ": table '" + table_.name() + "' has no primary key");
  }
  for (const auto& name : pk) {
    const Attribute* a = find(name);
    if (!a) {
      throw MappingError(class_name_ + ": primary key column '" + name + "' of table '" +
                         table_.name() + "' is not mapped to a member");
    }
    const_cast<Attribute*>(a)->primary_key = true;
    primary_key_.push_back(a);
    for (std::size_t i = 0; i < attributes_.size(); ++i) {
      if (attributes_[i].get() == a) {
        primary_key_columns_.push_back(static_cast<int>(i));
        snapshot_order_.push_back(i);
      }
    }
  }
  for (std::size_t i = 0; i < attributes_.size(); ++i) {
    if (!attributes_[i]->primary_key) snapshot_order_.push_back(i);
  }
  int_identity_ = primary_key_.size() == 1 && primary_key_.front()->is_integer();
  if (const Column* autoinc = table_.data().autoincrement_column()) {
    if (const Attribute* a = find(autoinc->name)) {
      const_cast<Attribute*>(a)->generated = true;
      generated_ = a;
    }
  }
  for (auto& a : attributes_) {
    if (const Column* c = table_.data().find(a->name))
      a->server_default = c->server_default.has_value();
  }
  index_row_members();
}

void Mapper::index_row_members() {
  row_members_.clear();
  for (const auto& a : attributes_)
    row_members_.push_back(a->row_member);
  const Attribute* key = int_identity_ ? primary_key_.front() : nullptr;
  int_key_offset_ = key && key->row_member.kind == driver::Member::Kind::int64
                        ? static_cast<std::ptrdiff_t>(key->row_member.offset)
                        : -1;
}

// [[gnu::hot]]: run for every row or get(). GCC places such functions together, so that a
// row meets fewer code pages (docs/benchmarks.md, "Where the time goes").
[[gnu::hot]] void Mapper::read_row(void* object, driver::Statement& stmt, int first,
                                   std::size_t& at, const std::int64_t* key) const {
  at = 0;
  if (key && int_key_offset_ >= 0 && primary_key_columns_.front() == 0) {
    std::memcpy(static_cast<char*>(object) + int_key_offset_, key, sizeof *key);
    at = 1;
  }
  read_rest(object, stmt, first, at);
}

[[gnu::hot]] void Mapper::read_rest(void* object, driver::Statement& stmt, int first,
                                    std::size_t& at) const {
  const std::span<const driver::Member> members(row_members_);
  const std::size_t n = attributes_.size();
  if (!stmt.reads_members()) {
    for (; at < n; ++at)
      attributes_[at]->read(object, stmt, first + static_cast<int>(at));
    return;
  }
  while (at < n) {
    at += stmt.read_members(members.subspan(at), first + static_cast<int>(at), object);
    if (at == n) break;
    attributes_[at]->read(object, stmt, first + static_cast<int>(at));
    ++at;
  }
}

void Mapper::copy_columns(const void* from, void* to) const {
  for (const auto& a : attributes_)
    a->set(to, a->get(from));
}

bool Mapper::has_set_hooks() const {
  for (const auto& a : attributes_) {
    if (a->on_set) return true;
  }
  return false;
}

void Mapper::run_set_hooks(void* object, const std::string* changed_mask) const {
  std::size_t i = 0;
  for (const auto& a : attributes_) {
    if (a->on_set && (!changed_mask || (*changed_mask)[i])) {
      Value v = a->get(object);
      a->on_set(object, v);
      a->set(object, v);
    }
    ++i;
  }
}

void Mapper::set(void* object, std::string_view column, Value value) const {
  const Attribute& a = attribute(column);
  if (a.on_set) a.on_set(object, value);
  try {
    a.set(object, value);
  } catch (const Error& e) {
    throw MappingError(class_name_ + "." + a.name + ": " + e.what());
  }
}

Value Mapper::get(const void* object, std::string_view column) const {
  return attribute(column).get(object);
}

void Mapper::key_of(const void* object, std::string& out) const {
  out.clear();
  for (const Attribute* a : primary_key_)
    a->encode(object, out);
}

}  // namespace retort::orm

namespace retort::detail {

void enum_out_of_range(long long index, const Type& type) {
  throw DataError("enum value " + std::to_string(index) + " has no name in " + type.describe());
}

std::int64_t enum_index(std::string_view name, const Type& type) {
  const auto& values = type.enum_values();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == name) return static_cast<std::int64_t>(i);
  }
  throw DataError("'" + std::string(name) + "' is not one of the names of " + type.describe());
}

}  // namespace retort::detail
