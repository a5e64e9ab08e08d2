#include "retort/sql/executable.hpp"

#include "compiler.hpp"
#include "retort/core/error.hpp"

namespace retort::sql {

const Compiled& Executable::compile(const Dialect& dialect) const {
  if (!node_) throw ArgumentError("empty statement");
  std::lock_guard lock(node_->mutex);
  for (const auto& [d, compiled] : node_->compiled) {
    if (d == &dialect) return *compiled;
  }
  node_->compiled.emplace_back(&dialect,
                               std::make_shared<const Compiled>(Compiler(dialect).compile(*node_)));
  return *node_->compiled.back().second;
}

const Compiled& Executable::compile(std::string_view dialect_name) const {
  return compile(dialect(dialect_name));
}

BoundStatement Executable::bind(std::string_view dialect_name, const Params& params) const {
  const Compiled& compiled = compile(dialect_name);
  std::vector<Value> values;
  values.reserve(compiled.binds.size());
  for (const auto& source : compiled.binds) {
    if (source.node && source.node->positional) {
      throw ArgumentError(
          "the statement has placeholders bound by position: prepare its compiled SQL and bind "
          "them in order");
    }
    if (source.node && source.node->factory) {
      values.push_back(source.node->type ? source.node->type->to_db(source.node->factory())
                                         : source.node->factory());
    } else if (source.node && source.name.empty()) {
      values.push_back(source.node->value);
    } else if (source.value) {
      values.push_back(*source.value);
    } else {
      const Value* supplied = params.find(source.name);
      if (!supplied) {
        throw ArgumentError("no value for bound parameter '" + source.name + "'");
      }
      if (source.node && source.node->type) {
        try {
          values.push_back(source.node->type->to_db(*supplied));
        } catch (const DataError& e) {
          throw DataError("parameter '" + source.name + "': " + e.what());
        }
      } else {
        values.push_back(*supplied);
      }
    }
  }
  return BoundStatement{compiled.sql, Params(std::move(values)), compiled.readers};
}

std::string Executable::literal_sql(const Dialect& dialect, const Params& params) const {
  const BoundStatement bound = bind(dialect.name(), params);
  // The compiler writes "?" for each value; quoted text and names are copied past.
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < bound.sql.size(); ++i) {
    const char c = bound.sql[i];
    if (c == '\'' || c == '"') {
      const auto end = bound.sql.find(c, i + 1);
      const auto stop = end == std::string_view::npos ? bound.sql.size() : end + 1;
      out.append(bound.sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      out += dialect.literal(bound.params[next++]);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace retort::sql
