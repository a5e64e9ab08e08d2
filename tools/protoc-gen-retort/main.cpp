// protoc-gen-retort: a protoc plugin writing, for each foo.proto, foo.retort.h with the
// generated accessors of every message field (see retort/proto/accessors.hpp).
//
//   protoc --plugin=protoc-gen-retort=PATH --retort_out=DIR --cpp_out=DIR foo.proto
//
// The accessors call the C++ generator's own setters and getters, so the names come from
// protoc's C++ naming rules (lower-cased fields, keywords with a trailing underscore).
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/cpp/names.h>
#include <google/protobuf/compiler/plugin.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/printer.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include <memory>
#include <string>

namespace {

namespace pb = google::protobuf;
namespace cpp = google::protobuf::compiler::cpp;
using FD = pb::FieldDescriptor;

// The scalar kinds with generated setters and getters, and their C++ value types.
struct Scalar {
  FD::CppType type;
  const char* value;
};
constexpr Scalar kScalars[] = {
    {FD::CPPTYPE_STRING, "const std::string&"},
    {FD::CPPTYPE_INT64, "std::int64_t"},
    {FD::CPPTYPE_INT32, "std::int32_t"},
    {FD::CPPTYPE_DOUBLE, "double"},
    {FD::CPPTYPE_BOOL, "bool"},
};

// The field's struct of static accessors (`struct field_N { ... };`, see
// retort/proto/accessors.hpp) and its entry in the table of message fields; both empty when
// the field has no kind the mappings use.
struct Field {
  std::string accessors;
  std::string entry;
};

Field field(const FD* f, int index) {
  if (f->is_map() || f->options().weak() || f->options().ctype() != pb::FieldOptions::STRING)
    return {};
  const std::string name = cpp::FieldName(f);
  const std::string number = std::to_string(f->number());
  // `    static result fn(args) { return <m as M>.body; }`
  const auto fn = [](const std::string& result, const std::string& call, bool mutating,
                     const std::string& body) {
    return "    static " + result + " " + call + " { " + (result == "void" ? "" : "return ") +
           (mutating ? "static_cast<M&>(m)." : "static_cast<const M&>(m).") + body + "; }\n";
  };
  std::string out;
  std::string entry;
  if (f->is_repeated()) {
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE) return {};
    out += fn("Message*", "add(Message& m)", true, "add_" + name + "()");
    out += fn("int", "size(const Message& m)", false, name + "_size()");
    out += fn("const Message&", "at(const Message& m, int i)", false, name + "(i)");
    entry = ".add = &field_" + number + "::add, .size = &field_" + number +
            "::size, .at = &field_" + number + "::at, ";
  } else if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
    out += fn("Message*", "mut(Message& m)", true, "mutable_" + name + "()");
    out +=
        "    static const Message* message(const Message& m) { const auto& x = "
        "static_cast<const M&>(m); return x.has_" +
        name + "() ? &x." + name + "() : nullptr; }\n";
    entry = ".mutable_message = &field_" + number + "::mut, .message = &field_" + number +
            "::message, ";
  } else {
    const Scalar* scalar = nullptr;
    for (const Scalar& s : kScalars) {
      if (s.type == f->cpp_type()) scalar = &s;
    }
    if (!scalar) return {};
    out += fn("void", std::string("set(Message& m, ") + scalar->value + " v)", true,
              "set_" + name + "(v)");
    out += fn(scalar->value, "get(const Message& m)", false, name + "()");
    if (f->has_presence()) out += fn("bool", "has(const Message& m)", false, "has_" + name + "()");
    if (f->type() == FD::TYPE_STRING && f->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3)
      out += "    static constexpr bool utf8 = true;\n";
  }
  out += fn("void", "clear(Message& m)", true, "clear_" + name + "()");
  Field result;
  result.accessors = "  struct field_" + number + " {  // " + f->name() +
                     "\n    static constexpr int index = " + std::to_string(index) + ";\n" + out +
                     "  };\n";
  if (!entry.empty())
    result.entry =
        "    {.number = " + number + ", " + entry + ".clear = &field_" + number + "::clear},\n";
  return result;
}

void message(const pb::Descriptor* d, std::string& out) {
  if (d->options().map_entry()) return;
  std::string accessors, entries, cases, each;
  int count = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const Field f = field(d->field(i), count);
    if (f.accessors.empty()) continue;
    ++count;
    accessors += f.accessors;
    entries += f.entry;
    const std::string number = std::to_string(d->field(i)->number());
    cases += "      case " + number + ": return f(field_" + number + "{});\n";
    each += "    f(field_" + number + "{});\n";
  }
  if (!accessors.empty()) {
    out += "template <>\nstruct Accessors<" + cpp::QualifiedClassName(d) +
           "> {\n  using M = " + cpp::QualifiedClassName(d) +
           ";\n  using Message = FieldAccess::Message;\n" + accessors +
           "  template <class F>\n  static void visit(int number, F&& f) {\n"
           "    switch (number) {\n" +
           cases + "    }\n  }\n  static constexpr int count = " + std::to_string(count) +
           ";\n  template <class F>\n  static void for_each(F&& f) {\n" + each + "  }\n";
    if (!entries.empty())
      out += "  static constexpr FieldAccess fields[] = {\n" + entries + "  };\n";
    out += "};\n\n";
  }
  for (int i = 0; i < d->nested_type_count(); ++i)
    message(d->nested_type(i), out);
}

class Generator final : public pb::compiler::CodeGenerator {
 public:
  std::uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
  bool Generate(const pb::FileDescriptor* file, const std::string&,
                pb::compiler::GeneratorContext* context, std::string* error) const override {
    if (file->options().optimize_for() == pb::FileOptions::LITE_RUNTIME) {
      *error = file->name() + ": lite messages have no descriptors to map against";
      return false;
    }
    const std::string base = cpp::StripProto(file->name());
    std::string out = "// Generated by protoc-gen-retort from " + file->name() +
                      ". Do not edit.\n#pragma once\n\n#include <retort/proto/accessors.hpp>\n\n" +
                      "#include \"" + base + ".pb.h\"\n\nnamespace retort::proto {\n\n";
    for (int i = 0; i < file->message_type_count(); ++i)
      message(file->message_type(i), out);
    out += "}  // namespace retort::proto\n";
    std::unique_ptr<pb::io::ZeroCopyOutputStream> stream(context->Open(base + ".retort.h"));
    pb::io::Printer printer(stream.get(), '$');
    printer.PrintRaw(out);
    return true;
  }
};

}  // namespace

int main(int argc, char* argv[]) {
  Generator generator;
  return pb::compiler::PluginMain(argc, argv, &generator);
}
