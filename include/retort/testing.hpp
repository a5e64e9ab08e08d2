// Retort testing: temporary databases, a rollback per test, model factories.
#pragma once

#include "retort/testing/factory.hpp"
#include "retort/testing/temporary_database.hpp"
