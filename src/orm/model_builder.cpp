#include <memory>
#include <string>

#include "retort/core/error.hpp"
#include "retort/orm/inheritance.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/orm/relationship.hpp"

namespace retort::orm {

ModelBuilderBase::ModelBuilderBase(const std::type_info& type, std::string_view table_name,
                                   const TableOptions& options)
    : mapper_(std::make_shared<Mapper>(type, type_name(type))),
      table_name_(table_name),
      table_options_(options) {}

ModelBuilderBase::ModelBuilderBase(const std::type_info& type, const Table& table)
    : mapper_(std::make_shared<Mapper>(type, type_name(type))), existing_(table) {}

ModelBuilderBase::ModelBuilderBase(const ModelBuilderBase& other) = default;
ModelBuilderBase::ModelBuilderBase(ModelBuilderBase&& other) noexcept = default;
ModelBuilderBase::~ModelBuilderBase() = default;

Column* ModelBuilderBase::begin_column(std::string_view name, std::ptrdiff_t offset,
                                       const Attribute& attr, bool has_options) {
  for (const auto& a : mapper_->attributes_) {
    if (a->offset() == offset) {
      throw MappingError(mapper_->class_name() + ": a member is mapped twice, to columns '" +
                         a->name + "' and '" + std::string(name) + "'");
    }
    if (a->name == name) {
      throw MappingError(mapper_->class_name() + ": column '" + std::string(name) +
                         "' is mapped twice");
    }
  }
  column_name_ = name;
  if (existing_.is_null()) {
    Column& c = columns_.emplace_back(std::string(name), attr.default_type());
    c.nullable = attr.optional;
    return &c;
  }
  if (has_options) {
    throw MappingError(mapper_->class_name() + "." + column_name_ +
                       ": a mapping over an existing table takes the column as the table "
                       "declares it; give no column options");
  }
  if (!existing_.has_column(column_name_)) {
    std::string known;
    for (const auto& c : existing_.columns())
      known += (known.empty() ? "" : ", ") + c.name;
    throw MappingError(mapper_->class_name() + ": table '" + existing_.name() +
                       "' has no column '" + column_name_ + "'; its columns are: " + known);
  }
  return nullptr;
}

void ModelBuilderBase::end_column(std::unique_ptr<Attribute> attr) {
  const Column& c = existing_.is_null() ? columns_.back() : existing_.column(column_name_);
  if (!attr->accepts(c.type)) {
    throw MappingError(mapper_->class_name() + "." + column_name_ + ": a " + c.type.describe() +
                       " column cannot hold a member of type " + type_name(attr->member_type));
  }
  attr->name = std::move(column_name_);
  attr->type = c.type;
  attr->primary_key = c.primary_key;
  mapper_->attributes_.push_back(std::move(attr));
}

Attribute& ModelBuilderBase::find_attribute(const void* member_pointer, std::size_t size) {
  return const_cast<Attribute&>(mapper_->attribute_for(member_pointer, size));
}

void ModelBuilderBase::add_relationship(std::unique_ptr<Relationship> relationship) {
  Relationship& added = *relationship;
  for (const auto& r : mapper_->relationships_) {
    if (r->name == added.name) {
      throw MappingError(mapper_->class_name() + ": relationship '" + added.name +
                         "' is declared twice");
    }
  }
  if (added.spec.backref) {
    if (!added.spec.back_populates.empty()) {
      throw MappingError(mapper_->class_name() + "." + added.name +
                         ": backref and back_populates are mutually exclusive");
    }
    added.spec.back_populates = added.spec.backref->name;
  }
  mapper_->relationships_.push_back(std::move(relationship));
}

std::shared_ptr<Mapper> ModelBuilderBase::build(EntityState* (*make_entity)(void*, std::size_t)) {
  if (inherits_ && existing_.is_null()) {
    // The table is made when the registry knows the base (inheritance.cpp).
    Inheritance& h = *mapper_->inheritance_;
    h.own_table = std::move(table_name_);
    h.own_options = std::move(table_options_);
    h.own_columns = std::move(columns_);
    h.own_elements = std::move(elements_);
  } else if (existing_.is_null()) {
    std::vector<TableElement> all;
    for (auto& c : columns_)
      all.emplace_back(std::move(c));
    for (auto& e : elements_)
      all.push_back(std::move(e));
    mapper_->table_ = Table(table_name_, std::move(all), std::move(table_options_));
  } else {
    mapper_->table_ = existing_;
  }
  mapper_->make_entity = make_entity;
  return std::move(mapper_);
}

#define RETORT_COLUMN_ATTRIBUTE(M)                                              \
  template std::unique_ptr<Attribute> make_column_attribute<M>(std::ptrdiff_t); \
  template std::unique_ptr<Attribute> make_column_attribute<std::optional<M>>(std::ptrdiff_t);
RETORT_BUILTIN_MEMBER_TYPES(RETORT_COLUMN_ATTRIBUTE)
template std::unique_ptr<Attribute> make_column_attribute<int, detail::EnumCodec<int>>(
    std::ptrdiff_t);

}  // namespace retort::orm
