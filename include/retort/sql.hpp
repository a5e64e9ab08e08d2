// Retort SQL expression language: expressions, SELECT / INSERT / UPDATE / DELETE,
// compiled per dialect.
#pragma once

#include "retort/sql/dialect.hpp"
#include "retort/sql/dml.hpp"
#include "retort/sql/executable.hpp"
#include "retort/sql/expression.hpp"
#include "retort/sql/from.hpp"
#include "retort/sql/select.hpp"
