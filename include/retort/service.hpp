// Retort service: the Database facade (sqlservice), dictionaries and JSON, nestable
// transactions, export and import, cloning.
#pragma once

#include "retort/service/clone.hpp"
#include "retort/service/config.hpp"
#include "retort/service/database.hpp"
#include "retort/service/dict.hpp"
#include "retort/service/export.hpp"
#include "retort/service/model_service.hpp"
#include "retort/service/transaction.hpp"
