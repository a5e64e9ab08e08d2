// Retort schema: types, columns, tables, constraints, metadata, DDL and reflection.
#pragma once

#include "retort/schema/column.hpp"
#include "retort/schema/constraints.hpp"
#include "retort/schema/ddl.hpp"
#include "retort/schema/metadata.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/schema/table.hpp"
#include "retort/schema/type.hpp"
